package dev.nabla.serve;

import dev.nabla.inference.Classifier;
import dev.nabla.inference.Prediction;
import dev.nabla.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * Dynamic batching for one model version: requests wait in a bounded queue and one worker thread
 * runs them together, up to {@code maxBatch} images per forward pass. A batch closes when it is
 * full or when its oldest request has waited {@code maxDelay}; under load the queue refills while
 * a batch runs, so batches fill without waiting. A request is never split: one with more images
 * than {@code maxBatch} (the server bounds them by its own limit) runs as a batch of its own. The
 * model's kernels split each batch over Nabla's thread pool.
 *
 * <p>Closing lets the worker finish every queued request before it stops, so swapping in a new
 * version fails no request already handed to this one; {@link #submit} refuses new work from then
 * on (and the caller asks for the new version).
 */
final class Batcher implements AutoCloseable {
    /** One request's images, prepared, and where its predictions go. */
    static final class Job {
        final float[] inputs;
        final int count;
        final long enqueued = System.nanoTime();
        final CompletableFuture<List<Prediction>> result = new CompletableFuture<>();

        Job(float[] inputs, int count) {
            this.inputs = inputs;
            this.count = count;
        }
    }

    /** The queue holds {@code capacity} requests already. */
    static final class QueueFullException extends Exception {
        QueueFullException(String message) {
            super(message);
        }
    }

    private final Classifier classifier;
    private final int[] inputShape;
    private final int imageSize;
    private final int classes;
    private final int maxBatch;
    private final long maxDelayNanos;
    private final ArrayBlockingQueue<Job> queue;
    private final IntConsumer batchSizes;
    private final Thread worker;
    private boolean closed; // guarded by this: submit and close exclude each other

    /**
     * @param batchSizes told the size of each batch run (for the metrics)
     */
    Batcher(
            String name,
            Classifier classifier,
            int maxBatch,
            long maxDelayNanos,
            int capacity,
            IntConsumer batchSizes) {
        this.classifier = classifier;
        var pre = classifier.preprocessing();
        this.inputShape = new int[] {pre.channels(), pre.height(), pre.width()};
        this.imageSize = pre.imageSize();
        this.classes = pre.classNames().size();
        this.maxBatch = maxBatch;
        this.maxDelayNanos = maxDelayNanos;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.batchSizes = batchSizes;
        this.worker = Thread.ofPlatform().name("nabla-batcher-" + name).daemon().unstarted(this::loop);
        worker.start();
    }

    /** Requests waiting for the worker. */
    int queued() {
        return queue.size();
    }

    /**
     * Queues a request; false when this batcher is closed (the model was replaced: ask the
     * current version).
     *
     * @throws QueueFullException when {@code capacity} requests are waiting already
     */
    synchronized boolean submit(Job job) throws QueueFullException {
        if (closed) {
            return false;
        }
        if (!queue.offer(job)) {
            throw new QueueFullException("the queue is full (" + queue.size() + " requests waiting); try again later");
        }
        return true;
    }

    /** Runs {@code count} prepared images now, on the caller's thread (for warming the model up). */
    List<Prediction> runNow(float[] inputs, int count) {
        return classifier.predict(Tensor.wrap(inputs, count, inputShape[0], inputShape[1], inputShape[2]), classes);
    }

    /** Refuses new requests; the queued ones still run. Returns at once (see {@link #awaitDrained}). */
    @Override
    public synchronized void close() {
        closed = true;
    }

    /** Waits until the worker has answered every queued request, at most {@code millis}. */
    boolean awaitDrained(long millis) throws InterruptedException {
        worker.join(millis);
        return !worker.isAlive();
    }

    private synchronized boolean finished() {
        return closed && queue.isEmpty();
    }

    private void loop() {
        Job carried = null;
        while (true) {
            Job first = carried;
            carried = null;
            try {
                while (first == null) {
                    first = queue.poll(50, TimeUnit.MILLISECONDS);
                    if (first == null && finished()) {
                        return;
                    }
                }
                if (first.result.isDone()) {
                    continue; // its caller gave up waiting
                }
                List<Job> batch = new ArrayList<>();
                batch.add(first);
                int n = first.count;
                long deadline = first.enqueued + maxDelayNanos;
                while (n < maxBatch) {
                    long wait = deadline - System.nanoTime();
                    Job next = wait > 0 ? queue.poll(wait, TimeUnit.NANOSECONDS) : queue.poll();
                    if (next == null) {
                        break;
                    }
                    if (next.result.isDone()) {
                        continue;
                    }
                    if (n + next.count > maxBatch) {
                        carried = next; // heads the next batch
                        break;
                    }
                    batch.add(next);
                    n += next.count;
                }
                run(batch, n);
            } catch (InterruptedException e) {
                // Only close() ends the worker: requests must not be stranded in the queue.
                Thread.interrupted();
            }
        }
    }

    private void run(List<Job> batch, int n) {
        batchSizes.accept(n);
        try {
            float[] inputs;
            if (batch.size() == 1) {
                inputs = batch.get(0).inputs;
            } else {
                inputs = new float[n * imageSize];
                int at = 0;
                for (Job j : batch) {
                    System.arraycopy(j.inputs, 0, inputs, at, j.inputs.length);
                    at += j.inputs.length;
                }
            }
            List<Prediction> all = runNow(inputs, n);
            int at = 0;
            for (Job j : batch) {
                j.result.complete(all.subList(at, at + j.count));
                at += j.count;
            }
        } catch (RuntimeException | Error e) {
            // A model that fails on a batch (even out of memory) fails that batch's requests; the
            // worker lives on, or every later request would wait for nothing.
            for (Job j : batch) {
                j.result.completeExceptionally(e);
            }
        }
    }
}
