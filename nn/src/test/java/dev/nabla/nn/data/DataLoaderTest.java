package dev.nabla.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.tensor.DType;
import dev.nabla.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class DataLoaderTest {
    private static final int N = 103;

    /** 1x4x4 images whose first two pixels spell the index (little-endian), label = index % 10. */
    private static ImageDataset indexed(int n) {
        byte[] px = new byte[n * 16];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            px[i * 16] = (byte) i;
            px[i * 16 + 1] = (byte) (i >> 8);
            for (int p = 2; p < 16; p++) {
                px[i * 16 + p] = (byte) (i * 7 + p);
            }
            labels[i] = i % 10;
        }
        return new ImageDataset("indexed", px, labels, 1, 4, 4, 10, List.of());
    }

    private static int decode(float[] x, int at) {
        return Math.round(x[at] * 255) + 256 * Math.round(x[at + 1] * 255);
    }

    private static List<float[]> all(DataLoader loader, int epoch) {
        List<float[]> out = new ArrayList<>();
        for (Batch b : loader.epoch(epoch)) {
            out.add(b.inputs().data().toArray());
            out.add(b.targets().data().toArray());
        }
        return out;
    }

    private static void assertSameBatches(List<float[]> a, List<float[]> b) {
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i), b.get(i), "array " + i);
        }
    }

    private static boolean sameBatches(List<float[]> a, List<float[]> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!Arrays.equals(a.get(i), b.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Test
    void shuffledEpochVisitsEveryExampleOnce() {
        DataLoader loader = new DataLoader(
                indexed(N), DataLoader.options().batchSize(10).shuffle(true).seed(1));
        assertEquals(11, loader.size());
        for (int epoch = 0; epoch < 3; epoch++) {
            int[] seen = new int[N];
            int batches = 0;
            List<Integer> order = new ArrayList<>();
            for (Batch b : loader.epoch(epoch)) {
                assertEquals(batches, b.index());
                assertEquals(batches < 10 ? 10 : 3, b.size());
                assertArrayEquals(new int[] {b.size(), 1, 4, 4}, b.inputs().dims());
                assertArrayEquals(new int[] {b.size()}, b.targets().dims());
                assertEquals(DType.INT64, b.targets().dtype(), "class indices are int64, as in PyTorch");
                assertFalse(b.inputs().requiresGrad());
                float[] x = b.inputs().data().toArray();
                int[] indices = b.indices();
                for (int k = 0; k < b.size(); k++) {
                    int i = decode(x, k * 16);
                    assertEquals(indices[k], i);
                    assertEquals(i % 10, b.targets().data().getLong(k));
                    seen[i]++;
                    order.add(i);
                }
                batches++;
            }
            assertEquals(11, batches);
            for (int i = 0; i < N; i++) {
                assertEquals(1, seen[i], "example " + i + " in epoch " + epoch);
            }
            List<Integer> sorted = new ArrayList<>(order);
            sorted.sort(null);
            assertNotEquals(sorted, order, "shuffled");
        }
    }

    @Test
    void withoutShuffleTheOrderIsTheDataSets() {
        DataLoader loader =
                new DataLoader(indexed(N), DataLoader.options().batchSize(25).seed(1));
        int next = 0;
        for (Batch b : loader.epoch(4)) {
            for (int i : b.indices()) {
                assertEquals(next++, i);
            }
        }
        assertEquals(N, next);
    }

    @Test
    void dropLastLeavesOutTheShortBatch() {
        DataLoader keep = new DataLoader(
                indexed(N), DataLoader.options().batchSize(20).shuffle(true).seed(3));
        DataLoader drop = new DataLoader(
                indexed(N),
                DataLoader.options().batchSize(20).shuffle(true).dropLast(true).seed(3));
        assertEquals(6, keep.size());
        assertEquals(5, drop.size());
        int count = 0;
        for (Batch b : drop.epoch(0)) {
            assertEquals(20, b.size());
            count++;
        }
        assertEquals(5, count);
        // same seed: drop-last yields the first five batches of the full epoch
        List<float[]> k = all(keep, 0);
        List<float[]> d = all(drop, 0);
        assertSameBatches(k.subList(0, 10), d);
        assertEquals(
                0, new DataLoader(indexed(5), DataLoader.options().batchSize(8).dropLast(true)).size());
        assertFalse(new DataLoader(indexed(5), DataLoader.options().batchSize(8).dropLast(true))
                .epoch(0)
                .iterator()
                .hasNext());
    }

    private static final Transform[] AUGMENT = {
        Transforms.randomCrop(4, 1), Transforms.randomHorizontalFlip(0.5), Transforms.normalize(0.3f, 0.2f)
    };

    @Test
    void equalSeedsGiveEqualBatchesWhateverTheThreading() {
        ImageDataset d = indexed(N);
        List<float[]> reference = all(
                new DataLoader(
                        d,
                        DataLoader.options()
                                .batchSize(8)
                                .shuffle(true)
                                .seed(42)
                                .transforms(AUGMENT)
                                .prefetch(0)),
                1);
        for (int prefetch : new int[] {1, 2, 4, 16}) {
            DataLoader loader = new DataLoader(
                    d,
                    DataLoader.options()
                            .batchSize(8)
                            .shuffle(true)
                            .seed(42)
                            .transforms(AUGMENT)
                            .prefetch(prefetch));
            assertSameBatches(reference, all(loader, 1));
            assertSameBatches(reference, all(loader, 1)); // iterating again repeats the epoch
        }
        assertFalse(
                sameBatches(
                        reference,
                        all(
                                new DataLoader(
                                        d,
                                        DataLoader.options()
                                                .batchSize(8)
                                                .shuffle(true)
                                                .seed(43)
                                                .transforms(AUGMENT)),
                                1)),
                "other seed");
        assertFalse(
                sameBatches(
                        reference,
                        all(
                                new DataLoader(
                                        d,
                                        DataLoader.options()
                                                .batchSize(8)
                                                .shuffle(true)
                                                .seed(42)
                                                .transforms(AUGMENT)),
                                2)),
                "other epoch");
        // without shuffling the order is fixed, but the augmentation still follows the seed
        assertFalse(sameBatches(
                all(new DataLoader(d, DataLoader.options().batchSize(8).seed(1).transforms(AUGMENT)), 0),
                all(new DataLoader(d, DataLoader.options().batchSize(8).seed(2).transforms(AUGMENT)), 0)));
    }

    @Test
    void resumingAtAnEpochBoundaryReproducesTheUninterruptedRun() {
        ImageDataset d = indexed(N);
        DataLoader uninterrupted = new DataLoader(
                d,
                DataLoader.options()
                        .batchSize(16)
                        .shuffle(true)
                        .dropLast(true)
                        .seed(9)
                        .transforms(AUGMENT));
        List<List<float[]>> run = new ArrayList<>();
        for (int e = 0; e < 4; e++) {
            run.add(all(uninterrupted, e));
        }
        DataLoader resumed = new DataLoader(
                d,
                DataLoader.options()
                        .batchSize(16)
                        .shuffle(true)
                        .dropLast(true)
                        .seed(9)
                        .transforms(AUGMENT)); // a new process, say
        assertSameBatches(run.get(2), all(resumed, 2));
        assertSameBatches(run.get(3), all(resumed, 3));
    }

    private static long loaderThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("nabla-data-loader-") && t.isAlive())
                .count();
    }

    private static void awaitNoLoaderThreads() throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (loaderThreads() > 0 && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(0, loaderThreads(), "loader threads still alive");
    }

    /** Breaks out after two batches; the iterator becomes garbage when this method returns. */
    private static int breakEarly(DataLoader loader) {
        int seen = 0;
        for (Batch b : loader.epoch(0)) {
            if (++seen == 2) {
                break;
            }
        }
        return seen;
    }

    @Test
    void breakingOutEarlyDoesNotLeakThreads() throws InterruptedException {
        awaitNoLoaderThreads();
        DataLoader loader = new DataLoader(
                indexed(N), DataLoader.options().batchSize(2).shuffle(true).prefetch(2));
        for (int i = 0; i < 5; i++) {
            assertEquals(2, breakEarly(loader));
        }
        assertTrue(loaderThreads() <= 5);
        awaitNoLoaderThreads();
        // every thread is a daemon: a forgotten one never keeps the JVM alive
        DataLoader.BatchIterator it = loader.epoch(0).iterator();
        Thread t = Thread.getAllStackTraces().keySet().stream()
                .filter(th -> th.getName().startsWith("nabla-data-loader-"))
                .findFirst()
                .orElseThrow();
        assertTrue(t.isDaemon());
        it.close();
        assertFalse(t.isAlive(), "close() stops the thread before returning");
        assertFalse(it.hasNext());
        assertThrows(NoSuchElementException.class, it::next);
    }

    @Test
    void consumingAnEpochEndsItsThread() throws InterruptedException {
        awaitNoLoaderThreads();
        DataLoader loader =
                new DataLoader(indexed(N), DataLoader.options().batchSize(7).shuffle(true));
        DataLoader.BatchIterator it = loader.epoch(0).iterator();
        while (it.hasNext()) {
            it.next();
        }
        assertEquals(0, loaderThreads());
    }

    @Test
    void anExceptionInACustomTransformReachesTheConsumer() throws InterruptedException {
        awaitNoLoaderThreads();
        IllegalStateException boom = new IllegalStateException("boom");
        int[] calls = {0};
        DataLoader loader = new DataLoader(
                indexed(N),
                DataLoader.options()
                        .batchSize(10)
                        .transforms(Transforms.custom("fails-on-image-35", (data, off, c, h, w, g) -> {
                            if (calls[0]++ == 35) {
                                throw boom;
                            }
                        })));
        int delivered = 0;
        DataLoaderException e = null;
        try {
            for (Batch b : loader.epoch(0)) {
                delivered++;
            }
        } catch (DataLoaderException caught) {
            e = caught;
        }
        assertEquals(3, delivered, "batches 0..2 arrive, batch 3 holds the failing image");
        assertSame(boom, e.getCause());
        assertTrue(e.getMessage().contains("batch 3 of epoch 0 could not be prepared"), e.getMessage());
        awaitNoLoaderThreads();
    }

    @Test
    void anExceptionInDatasetGetReachesTheConsumerWithoutPrefetch() {
        Dataset d = new Dataset() {
            @Override
            public int size() {
                return 10;
            }

            @Override
            public Sample get(int index) {
                if (index == 6) {
                    throw new ArithmeticException("bad record 6");
                }
                return new Sample(Tensor.of(index, 2 * index), 0);
            }
        };
        for (int prefetch : new int[] {0, 3}) {
            DataLoader loader =
                    new DataLoader(d, DataLoader.options().batchSize(4).prefetch(prefetch));
            var it = loader.epoch(0).iterator();
            Batch first = it.next();
            assertArrayEquals(
                    new float[] {0, 0, 1, 2, 2, 4, 3, 6}, first.inputs().data().toArray());
            assertArrayEquals(new int[] {4, 2}, first.inputs().dims());
            DataLoaderException e = assertThrows(DataLoaderException.class, it::next);
            assertInstanceOf(ArithmeticException.class, e.getCause());
            assertTrue(e.getMessage().startsWith("batch 1 of epoch 0 could not be prepared"), e.getMessage());
            assertFalse(it.hasNext());
        }
    }

    @Test
    void samplesOfAnotherShapeAreAnError() {
        Dataset d = new Dataset() {
            @Override
            public int size() {
                return 3;
            }

            @Override
            public Sample get(int index) {
                return new Sample(index == 2 ? Tensor.zeros(3) : Tensor.zeros(2), 0);
            }
        };
        DataLoaderException e = assertThrows(
                DataLoaderException.class,
                () -> all(new DataLoader(d, DataLoader.options().batchSize(3)), 0));
        assertTrue(
                e.getCause().getMessage().contains("sample 2 of"), e.getCause().getMessage());
        assertTrue(
                e.getCause().getMessage().contains("has shape [3] but sample 0 had [2]"),
                e.getCause().getMessage());
    }

    @Test
    void generalDatasetsGiveInt64TargetsAndNeedFloatInputs() {
        Dataset d = new Dataset() {
            @Override
            public int size() {
                return 4;
            }

            @Override
            public Sample get(int index) {
                return new Sample(Tensor.of(index, -index), index * 3);
            }
        };
        List<Batch> batches = new ArrayList<>();
        new DataLoader(d, DataLoader.options().batchSize(4)).epoch(0).forEach(batches::add);
        assertEquals(1, batches.size());
        Batch b = batches.get(0);
        assertEquals(DType.INT64, b.targets().dtype());
        assertArrayEquals(new long[] {0, 3, 6, 9}, b.targets().data().toLongArray());
        Dataset tokens = new Dataset() {
            @Override
            public int size() {
                return 2;
            }

            @Override
            public Sample get(int index) {
                return new Sample(Tensor.ofLongs(index, 1), 0);
            }
        };
        DataLoaderException e = assertThrows(
                DataLoaderException.class,
                () -> all(new DataLoader(tokens, DataLoader.options().batchSize(2)), 0));
        assertTrue(
                e.getCause().getMessage().contains("sample 0 of")
                        && e.getCause().getMessage().contains("int64 input")
                        && e.getCause().getMessage().contains("toFloat()"),
                e.getCause().getMessage());
    }

    @Test
    void argumentsAreChecked() {
        ImageDataset d = indexed(4);
        assertThrows(
                IllegalArgumentException.class,
                () -> new DataLoader(d, DataLoader.options().batchSize(0)));
        assertThrows(
                IllegalArgumentException.class,
                () -> new DataLoader(d.slice(0, 0), DataLoader.options().batchSize(1)));
        assertThrows(
                IllegalArgumentException.class,
                () -> new DataLoader(d, DataLoader.options().batchSize(1)).epoch(-1));
        assertThrows(
                IllegalArgumentException.class,
                () -> new DataLoader(d, DataLoader.options().batchSize(1).prefetch(-1)));
        assertArrayEquals(
                new int[] {1, 3, 3},
                new DataLoader(d, DataLoader.options().batchSize(1).transforms(Transforms.randomCrop(3, 0)))
                        .sampleShape());
    }
}
