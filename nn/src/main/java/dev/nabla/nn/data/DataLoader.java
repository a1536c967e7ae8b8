package dev.nabla.nn.data;

import dev.nabla.autograd.Variable;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import dev.nabla.tensor.VectorApi;
import java.lang.ref.Cleaner;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Turns a {@link Dataset} into mini-batches, epoch after epoch, as PyTorch's {@code DataLoader}:
 * seeded shuffling, optional drop-last, per-image {@link Transforms}, and a background thread that
 * prepares the next batches while the current one trains.
 *
 * <p><b>Speed.</b> For an {@link ImageDataset} each batch is one new float array filled straight
 * from the image bytes in a single pass per image: scaling to [0, 1], crop, flip and normalisation
 * are fused (see {@link Transform}), with no call per pixel.
 *
 * <p><b>Determinism.</b> Epoch {@code e} uses its own {@link Generator} derived from
 * {@code (seed, e)}: it draws the shuffle permutation, then every random transform choice, image
 * by image in batch order, on one producer thread. The batches of an epoch are therefore the same
 * on every run, whatever the thread timing or the prefetch depth, and a run resumed at epoch
 * {@code e} sees exactly the batches an uninterrupted one would.
 *
 * <p><b>Threads.</b> Each iteration over an epoch starts one daemon thread that stays at most
 * {@link #prefetch()} batches ahead (a bounded queue). It ends when the epoch is consumed, when the
 * iterator is {@linkplain BatchIterator#close() closed}, or, after an early {@code break}, once the
 * abandoned iterator is garbage-collected. An exception on that thread reaches the consumer as a
 * {@link DataLoaderException} at the batch that failed.
 *
 * <pre>{@code
 * Split cifar = Cifar10.load(Path.of("data"), false);
 * DataLoader train = new DataLoader(cifar.train(), DataLoader.options()
 *         .batchSize(64)
 *         .shuffle(true)
 *         .dropLast(true)
 *         .seed(42)
 *         .transforms(Transforms.randomCrop(32, 4), Transforms.randomHorizontalFlip(0.5),
 *                 Transforms.normalize(cifar.train().channelStats())));
 * for (int epoch = 0; epoch < 10; epoch++) {
 *     for (Batch b : train.epoch(epoch)) {
 *         // b.inputs(): [64, 3, 32, 32]; b.targets(): [64]
 *     }
 * }
 * DataLoader test = new DataLoader(cifar.test(), 500);   // in order, every example
 * }</pre>
 */
public final class DataLoader {
    static {
        VectorApi.require(); // a clear error without --add-modules, before ImagePipeline fails to link
    }

    /** Batches prepared ahead unless {@link Options#prefetch(int)} says otherwise. */
    public static final int DEFAULT_PREFETCH = 4;

    /**
     * The arguments of a {@link DataLoader}, with PyTorch's names where PyTorch has the concept:
     * {@code batchSize} (1), {@code shuffle} (false: the data set's order), {@code dropLast}
     * (false), and Nabla's own {@code seed} (0: determines the order and every random transform
     * choice of each epoch, where PyTorch takes a generator), {@code prefetch} (4 batches prepared
     * ahead on one background thread; 0 prepares each batch on the caller's thread, PyTorch's
     * {@code num_workers=0}) and {@code transforms} (applied to each image in order; PyTorch keeps
     * them on the data set). Immutable: each method returns a changed copy.
     *
     * <pre>{@code
     * DataLoader.Options train = DataLoader.options().batchSize(128).shuffle(true).seed(7);
     * new DataLoader(Mnist.embedded().train(), train);
     * }</pre>
     */
    public static final class Options {
        private static final Options DEFAULTS = new Options(1, false, false, 0, DEFAULT_PREFETCH, List.of());

        private final int batchSize;
        private final boolean shuffle;
        private final boolean dropLast;
        private final long seed;
        private final int prefetch;
        private final List<Transform> transforms;

        private Options(
                int batchSize, boolean shuffle, boolean dropLast, long seed, int prefetch, List<Transform> transforms) {
            this.batchSize = batchSize;
            this.shuffle = shuffle;
            this.dropLast = dropLast;
            this.seed = seed;
            this.prefetch = prefetch;
            this.transforms = transforms;
        }

        /** Examples per batch. */
        public Options batchSize(int batchSize) {
            return new Options(batchSize, shuffle, dropLast, seed, prefetch, transforms);
        }

        /** A new seeded order every epoch, instead of the data set's order. */
        public Options shuffle(boolean shuffle) {
            return new Options(batchSize, shuffle, dropLast, seed, prefetch, transforms);
        }

        /** Leave out a last batch smaller than the batch size. */
        public Options dropLast(boolean dropLast) {
            return new Options(batchSize, shuffle, dropLast, seed, prefetch, transforms);
        }

        /** Determines the order and the transforms' random choices of every epoch. */
        public Options seed(long seed) {
            return new Options(batchSize, shuffle, dropLast, seed, prefetch, transforms);
        }

        /** Batches prepared ahead on the background thread; 0 for none (no thread). */
        public Options prefetch(int prefetch) {
            return new Options(batchSize, shuffle, dropLast, seed, prefetch, transforms);
        }

        /** Applied to each image in order (replacing any given before); images must be {@code [C, H, W]}. */
        public Options transforms(Transform... transforms) {
            return new Options(batchSize, shuffle, dropLast, seed, prefetch, List.of(transforms));
        }

        @Override
        public String toString() {
            return "DataLoader.Options(batch_size=" + batchSize + ", shuffle=" + shuffle + ", drop_last=" + dropLast
                    + ", seed=" + seed + ", prefetch=" + prefetch + ", transforms=" + transforms + ")";
        }
    }

    private static final Cleaner CLEANER = Cleaner.create();
    private static final AtomicInteger THREAD_IDS = new AtomicInteger();

    private final Dataset dataset;
    private final int batchSize;
    private final boolean shuffle;
    private final boolean dropLast;
    private final long seed;
    private final int prefetch;
    private final List<Transform> transforms;
    private final ImagePipeline pipeline; // null only for a non-image data set without transforms
    private final int[] inputDims; // shape of every example as the data set gives it
    private final int[] sampleDims; // shape of every example as batched
    private final int sampleSize;

    /** The defaults: batches of 1 in the data set's order, seed 0, 4 batches prefetched, no transforms. */
    public static Options options() {
        return Options.DEFAULTS;
    }

    /** Batches of {@code batchSize} in the data set's order, without transforms: the usual test loader. */
    public DataLoader(Dataset dataset, int batchSize) {
        this(dataset, options().batchSize(batchSize));
    }

    /**
     * @param dataset the examples; must not be empty
     * @param options batch size, order, seed, prefetching and transforms (see {@link Options})
     */
    public DataLoader(Dataset dataset, Options options) {
        Objects.requireNonNull(options, "options");
        int batchSize = options.batchSize;
        int prefetch = options.prefetch;
        this.dataset = Objects.requireNonNull(dataset, "dataset");
        if (batchSize <= 0) {
            throw new IllegalArgumentException("DataLoader: batchSize must be positive, got " + batchSize);
        }
        if (dataset.size() <= 0) {
            throw new IllegalArgumentException("DataLoader: dataset " + dataset + " is empty");
        }
        if (prefetch < 0) {
            throw new IllegalArgumentException("DataLoader: prefetch must be >= 0, got " + prefetch);
        }
        this.batchSize = batchSize;
        this.shuffle = options.shuffle;
        this.dropLast = options.dropLast;
        this.seed = options.seed;
        this.prefetch = prefetch;
        this.transforms = options.transforms;
        if (dataset instanceof ImageDataset images) {
            inputDims = new int[] {images.channels(), images.height(), images.width()};
        } else {
            inputDims = dataset.get(0).input().dims();
        }
        if (dataset instanceof ImageDataset || !this.transforms.isEmpty()) {
            if (inputDims.length != 3) {
                throw new IllegalArgumentException("DataLoader: transforms need [C, H, W] images, but sample 0 of "
                        + dataset + " has shape " + Arrays.toString(inputDims));
            }
            pipeline = ImagePipeline.compile(this.transforms, inputDims[0], inputDims[1], inputDims[2]);
            sampleDims = new int[] {pipeline.channels, pipeline.outH, pipeline.outW};
        } else {
            pipeline = null;
            sampleDims = inputDims;
        }
        int n = 1;
        for (int d : sampleDims) {
            n *= d;
        }
        sampleSize = n;
    }

    /** Number of batches per epoch. */
    public int size() {
        int n = dataset.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    public Dataset dataset() {
        return dataset;
    }

    public int batchSize() {
        return batchSize;
    }

    public long seed() {
        return seed;
    }

    public int prefetch() {
        return prefetch;
    }

    /** The shape of one example as batched, after the transforms (e.g. {@code [3, 32, 32]}). */
    public int[] sampleShape() {
        return sampleDims.clone();
    }

    /** The batches of epoch {@code epoch} (from 0); each iteration over it yields the same batches. */
    public Epoch epoch(int epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("DataLoader: epoch must be >= 0, got " + epoch);
        }
        return new Epoch(epoch);
    }

    /** Epoch {@code epoch}'s generator: depends on nothing but the seed and the epoch number. */
    static Generator epochGenerator(long seed, int epoch) {
        return new Generator(mix(seed ^ mix(epoch + 0x632BE59BD9B4E019L)));
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Example order of an epoch: drawn first from the epoch's generator. */
    private int[] order(Generator g) {
        if (shuffle) {
            return Tensor.permutation(g, dataset.size());
        }
        int[] order = new int[dataset.size()];
        Arrays.setAll(order, i -> i);
        return order;
    }

    /** Assembles batch {@code b} of an epoch; the caller owns {@code g} and calls in batch order. */
    private Batch assemble(int[] order, int b, Generator g) {
        int from = b * batchSize;
        int n = Math.min(batchSize, order.length - from);
        int[] indices = Arrays.copyOfRange(order, from, from + n);
        float[] x = new float[n * sampleSize];
        long[] y = new long[n];
        if (dataset instanceof ImageDataset images) {
            byte[] pixels = images.pixelArray();
            int imageSize = images.imageSize();
            for (int k = 0; k < n; k++) {
                int i = indices[k];
                pipeline.render(pixels, i * imageSize, x, k * sampleSize, g);
                y[k] = images.label(i);
            }
        } else {
            // A transformed sample is rendered from a copy of its values (the pipeline reads an array).
            float[] source = pipeline == null ? null : new float[inputDims[0] * inputDims[1] * inputDims[2]];
            for (int k = 0; k < n; k++) {
                int i = indices[k];
                Sample s = dataset.get(i);
                Tensor in = s.input();
                if (!Arrays.equals(in.dims(), inputDims)) {
                    throw new IllegalStateException("sample " + i + " of " + dataset + " has shape " + in.shape()
                            + " but sample 0 had " + Arrays.toString(inputDims));
                }
                if (in.dtype() != DType.FLOAT32) {
                    throw new IllegalStateException("sample " + i + " of " + dataset + " has a " + in.dtype()
                            + " input, but the loader batches float32 inputs; convert it in the data set with"
                            + " toFloat()");
                }
                if (pipeline == null) {
                    in.copyTo(x, k * sampleSize);
                } else {
                    in.copyTo(source, 0);
                    pipeline.render(source, 0, x, k * sampleSize, g);
                }
                y[k] = s.label();
            }
        }
        int[] shape = new int[sampleDims.length + 1];
        shape[0] = n;
        System.arraycopy(sampleDims, 0, shape, 1, sampleDims.length);
        return new Batch(Variable.of(Tensor.wrap(x, shape)), Variable.of(Tensor.fromArray(y, n)), n, b, indices);
    }

    @Override
    public String toString() {
        return "DataLoader[" + dataset + ", batchSize=" + batchSize + ", shuffle=" + shuffle + ", dropLast=" + dropLast
                + ", seed=" + seed + ", transforms=" + transforms + "]";
    }

    /**
     * The batches of one epoch. Each {@link #iterator()} starts over with the same batches (and,
     * when prefetching, its own background thread).
     */
    public final class Epoch implements Iterable<Batch> {
        private final int epoch;

        private Epoch(int epoch) {
            this.epoch = epoch;
        }

        public int number() {
            return epoch;
        }

        /** Number of batches, as {@link DataLoader#size()}. */
        public int size() {
            return DataLoader.this.size();
        }

        @Override
        public BatchIterator iterator() {
            return new BatchIterator(epoch);
        }
    }

    /**
     * Iterates over one epoch's batches. Closing it (or consuming it to the end) stops its
     * background thread at once; use try-with-resources when leaving the loop early must not keep
     * a thread until the next garbage collection.
     *
     * <pre>{@code
     * try (DataLoader.BatchIterator it = loader.epoch(0).iterator()) {
     *     Batch first = it.next();
     * }
     * }</pre>
     */
    public final class BatchIterator implements Iterator<Batch>, AutoCloseable {
        private final int epoch;
        private final int total;
        private final int[] order;
        private final Generator generator; // used only without a producer thread
        private final Producer producer; // null when prefetch is 0 or the epoch is empty
        private final Cleaner.Cleanable cleanable;
        private int delivered;
        private boolean closed;

        private BatchIterator(int epoch) {
            this.epoch = epoch;
            this.total = size();
            Generator g = epochGenerator(seed, epoch);
            this.order = order(g);
            if (prefetch == 0 || total == 0) {
                generator = g;
                producer = null;
                cleanable = null;
            } else {
                generator = null;
                producer = new Producer(DataLoader.this, epoch, order, g, total, prefetch);
                // The action holds the producer, never this iterator, so an abandoned iterator can be collected.
                cleanable = CLEANER.register(this, producer::cancel);
                producer.start("nabla-data-loader-" + THREAD_IDS.incrementAndGet() + "-epoch-" + epoch);
            }
        }

        @Override
        public boolean hasNext() {
            return !closed && delivered < total;
        }

        @Override
        public Batch next() {
            if (!hasNext()) {
                throw new NoSuchElementException("epoch " + epoch + " has " + total + " batches"
                        + (closed && delivered < total ? "; this iterator was closed" : ""));
            }
            Batch b;
            try {
                b = producer == null ? assembleHere() : producer.take(delivered);
            } catch (RuntimeException | Error e) {
                close();
                throw e;
            }
            delivered++;
            if (delivered == total) {
                close();
            }
            return b;
        }

        private Batch assembleHere() {
            try {
                return assemble(order, delivered, generator);
            } catch (RuntimeException | Error e) {
                throw new DataLoaderException(
                        "batch " + delivered + " of epoch " + epoch + " could not be prepared: " + e, e);
            }
        }

        /** Stops the background thread (waiting briefly for it to exit); idempotent. */
        @Override
        public void close() {
            closed = true;
            if (cleanable != null) {
                cleanable.clean();
                producer.join();
            }
        }
    }

    /** The background thread of one iteration and its bounded queue of prepared batches. */
    private static final class Producer implements Runnable {
        private static final long JOIN_MILLIS = 2_000;

        private final DataLoader loader;
        private final int epoch;
        private final int[] order;
        private final Generator generator;
        private final int total;
        private final BlockingQueue<Object> queue;
        private volatile boolean cancelled;
        private Thread thread;

        Producer(DataLoader loader, int epoch, int[] order, Generator generator, int total, int capacity) {
            this.loader = loader;
            this.epoch = epoch;
            this.order = order;
            this.generator = generator;
            this.total = total;
            this.queue = new ArrayBlockingQueue<>(capacity);
        }

        void start(String name) {
            thread = new Thread(this, name);
            thread.setDaemon(true);
            thread.start();
        }

        private record Failure(int batch, Throwable error) {}

        @Override
        public void run() {
            int b = 0;
            try {
                for (; b < total && !cancelled; b++) {
                    queue.put(loader.assemble(order, b, generator));
                }
            } catch (InterruptedException e) {
                // cancelled while waiting for room: just stop
            } catch (Throwable t) {
                try {
                    queue.put(new Failure(b, t));
                } catch (InterruptedException e) {
                    // cancelled: nobody is waiting for the failure
                }
            }
        }

        /** The next prepared batch (number {@code b}), waiting for it, or the producer's failure. */
        Batch take(int b) {
            try {
                while (true) {
                    Object o = queue.poll(100, TimeUnit.MILLISECONDS);
                    if (o instanceof Batch batch) {
                        return batch;
                    }
                    if (o instanceof Failure f) {
                        throw new DataLoaderException(
                                "batch " + f.batch() + " of epoch " + epoch + " could not be prepared (on thread "
                                        + thread.getName() + "): " + f.error(),
                                f.error());
                    }
                    if (!thread.isAlive() && queue.isEmpty()) {
                        throw new IllegalStateException(
                                "data loader thread " + thread.getName() + " ended before batch " + b);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DataLoaderException("interrupted while waiting for batch " + b + " of epoch " + epoch, e);
            }
        }

        void cancel() {
            cancelled = true;
            thread.interrupt();
            queue.clear();
        }

        void join() {
            try {
                thread.join(JOIN_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
