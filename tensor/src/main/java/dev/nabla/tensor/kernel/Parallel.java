package dev.nabla.tensor.kernel;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;

/**
 * The one thread pool all Nabla kernels share.
 *
 * <p>Its size comes from the system property {@code nabla.threads} (default: the number of
 * available processors) and can be changed at run time with {@link #setThreads(int)} (users do it
 * through the tensor package's {@code Threads}, which also checks for the Vector API). Work is
 * split into at most {@code threads()} contiguous chunks; the calling thread runs the first chunk
 * itself, so a pool of one thread never hands work over. Calls made from inside a parallel region
 * (on a pool worker, or on the calling thread while it runs its own chunk) run serially, which
 * keeps nested parallel kernels (a batched matmul whose GEMMs could also split) from
 * oversubscribing the cores, and keeps the caller from blocking on a nested task queued behind
 * the workers' own chunks.
 *
 * <pre>{@code
 * float[] x = new float[1 << 20];
 * Parallel.forRange(x.length, 1 << 15, (from, to) -> {
 *     for (int i = from; i < to; i++) x[i] = i;
 * });
 * }</pre>
 */
public final class Parallel {

    /** A chunk of work: the half-open index range {@code [from, to)}. */
    @FunctionalInterface
    public interface Range {
        void run(int from, int to);
    }

    private static volatile ForkJoinPool pool;
    private static volatile int threads = defaultThreads();
    /**
     * Depth of parallel regions the current (non-worker) thread is running its own chunk in. A
     * nested split from there would queue its tasks behind the workers' busy chunks and the
     * caller would wait for them idle (measured: 1.5x the serial-inner time with two threads).
     */
    private static final ThreadLocal<int[]> CALLER_DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    private Parallel() {}

    private static int defaultThreads() {
        int cpus = Runtime.getRuntime().availableProcessors();
        String prop = System.getProperty("nabla.threads");
        if (prop == null || prop.isBlank()) {
            return cpus;
        }
        try {
            int n = Integer.parseInt(prop.trim());
            if (n < 1) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-Dnabla.threads must be a positive integer, got '" + prop + "'");
        }
    }

    /** Number of threads kernels may use (including the caller's). */
    public static int threads() {
        return threads;
    }

    /** Resizes the shared pool; running work finishes on the old pool. */
    public static synchronized void setThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + n);
        }
        if (n != threads) {
            ForkJoinPool old = pool;
            threads = n;
            pool = null;
            if (old != null) {
                old.shutdown();
            }
        }
    }

    private static ForkJoinPool pool() {
        ForkJoinPool p = pool;
        if (p == null) {
            synchronized (Parallel.class) {
                p = pool;
                if (p == null) {
                    p = new ForkJoinPool(Math.max(1, threads - 1), Parallel::newWorker, null, false);
                    pool = p;
                }
            }
        }
        return p;
    }

    private static ForkJoinWorkerThread newWorker(ForkJoinPool p) {
        ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
        t.setName("nabla-kernel-" + t.getPoolIndex());
        t.setDaemon(true);
        return t;
    }

    /** True when called from one of the pool's own threads. */
    public static boolean inWorker() {
        return Thread.currentThread() instanceof ForkJoinWorkerThread w && w.getPool() == pool;
    }

    /** True inside a parallel region: on a pool worker, or on the caller while it runs its chunk. */
    public static boolean inParallelRegion() {
        return inWorker() || CALLER_DEPTH.get()[0] > 0;
    }

    /**
     * Runs {@code body} over {@code [0, n)}, split into up to {@code threads()} chunks of at least
     * {@code grain} indices each. Small ranges (fewer than two grains) run on the calling thread.
     */
    public static void forRange(int n, int grain, Range body) {
        int chunks = chunks(n, grain);
        if (chunks <= 1) {
            if (n > 0) {
                body.run(0, n);
            }
            return;
        }
        forChunks(n, chunks, body);
    }

    /** How many chunks {@link #forRange} would use for {@code n} indices of the given grain. */
    public static int chunks(int n, int grain) {
        int t = threads;
        if (t <= 1 || n <= 0 || inParallelRegion()) {
            return 1;
        }
        long byGrain = n / Math.max(1L, grain);
        return (int) Math.max(1, Math.min(t, byGrain));
    }

    /** Splits {@code [0, n)} into exactly {@code chunks} near-equal parts and runs them in parallel. */
    public static void forChunks(int n, int chunks, Range body) {
        if (chunks <= 1 || inParallelRegion()) {
            if (n > 0) {
                body.run(0, n);
            }
            return;
        }
        ForkJoinPool p = pool();
        @SuppressWarnings("unchecked")
        ForkJoinTask<?>[] tasks = new ForkJoinTask<?>[chunks - 1];
        for (int c = 1; c < chunks; c++) {
            int from = (int) ((long) n * c / chunks);
            int to = (int) ((long) n * (c + 1) / chunks);
            tasks[c - 1] = p.submit(() -> body.run(from, to));
        }
        Throwable failure = null;
        int[] depth = CALLER_DEPTH.get();
        depth[0]++;
        try {
            body.run(0, (int) ((long) n / chunks));
        } catch (Throwable t) {
            failure = t;
        } finally {
            depth[0]--;
        }
        for (ForkJoinTask<?> task : tasks) {
            try {
                task.join();
            } catch (Throwable t) {
                if (failure == null) {
                    failure = t;
                }
            }
        }
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        if (failure instanceof Error err) {
            throw err;
        }
        if (failure != null) {
            throw new RuntimeException(failure);
        }
    }
}
