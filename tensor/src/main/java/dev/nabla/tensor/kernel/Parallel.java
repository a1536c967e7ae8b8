package dev.nabla.tensor.kernel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

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
 * <p><b>Hand-off.</b> A training step or a small inference calls dozens of kernels of a few tens
 * of microseconds each, so what a hand-off costs decides whether splitting them pays. Workers
 * therefore spin (with {@link Thread#onSpinWait()}) for {@value #SPIN_MICROS} microseconds after
 * their last chunk before they park, as OpenMP runtimes do, and a hand-off to a spinning worker
 * takes about a microsecond instead of the 10-100 of waking a parked thread. They never spin when
 * the pool has more threads than the machine has processors. The caller, once its own chunk is
 * done, runs any chunk no worker has claimed yet, so a worker that is slow to wake delays nothing.
 * One job runs at a time: a second thread calling in while the pool is busy runs its work serially
 * itself. Which thread runs a chunk never changes a result: every kernel gives the same bits on
 * any thread count (see {@link Lanes}).
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

    /** How long an idle worker spins before it parks. */
    static final long SPIN_MICROS = 200;

    private static volatile Pool pool;
    private static volatile int threads = defaultThreads();
    /**
     * Depth of parallel regions the current (non-worker) thread is running its own chunk in. A
     * nested split from there would wait for workers busy with the outer region's chunks.
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
            Pool old = pool;
            threads = n;
            pool = null;
            if (old != null) {
                old.shutdown();
            }
        }
    }

    private static Pool pool() {
        Pool p = pool;
        if (p == null) {
            synchronized (Parallel.class) {
                p = pool;
                if (p == null) {
                    p = new Pool(threads);
                    pool = p;
                }
            }
        }
        return p;
    }

    /** True when called from one of the pool's own threads. */
    public static boolean inWorker() {
        return Thread.currentThread() instanceof Worker w && w.pool == pool;
    }

    /** True inside a parallel region: on a pool worker, or on the caller while it runs its chunk. */
    public static boolean inParallelRegion() {
        return Thread.currentThread() instanceof Worker || CALLER_DEPTH.get()[0] > 0;
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
        Pool p = pool();
        if (!p.busy.tryLock()) {
            // Another thread's job has the workers: run this one here, chunk by chunk.
            runSerially(n, chunks, body);
            return;
        }
        int[] depth = CALLER_DEPTH.get();
        depth[0]++;
        try {
            p.run(n, chunks, body);
        } finally {
            depth[0]--;
            p.busy.unlock();
        }
    }

    private static void runSerially(int n, int chunks, Range body) {
        int[] depth = CALLER_DEPTH.get();
        depth[0]++;
        try {
            for (int c = 0; c < chunks; c++) {
                body.run((int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks));
            }
        } finally {
            depth[0]--;
        }
    }

    /**
     * One step of a spin-wait. Every 64th step yields the processor: on a machine busier than its
     * cores, the thread being waited for may be queued behind the spinning one.
     */
    private static void pause(int i) {
        if ((i & 63) == 0) {
            Thread.yield();
        } else {
            Thread.onSpinWait();
        }
    }

    /** One call's work: its own counters, so a worker that arrives late can only find it finished. */
    private static final class Job {
        final Range body;
        final int n;
        final int chunks;
        /** The next chunk to claim; chunk 0 is the caller's. */
        final AtomicInteger next = new AtomicInteger(1);
        /** Chunks not yet finished; the caller waits for 0. */
        final AtomicInteger pending;

        volatile Throwable failure;
        volatile Thread waiter;

        Job(Range body, int n, int chunks) {
            this.body = body;
            this.n = n;
            this.chunks = chunks;
            this.pending = new AtomicInteger(chunks);
        }

        /** Runs chunks nobody has claimed yet. */
        void help() {
            for (int c; (c = next.getAndIncrement()) < chunks; ) {
                execute(c);
            }
        }

        /** Runs chunk c and counts it done, recording the first failure. */
        void execute(int c) {
            try {
                body.run((int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks));
            } catch (Throwable t) {
                if (failure == null) {
                    failure = t;
                }
            } finally {
                if (pending.decrementAndGet() == 0) {
                    Thread w = waiter;
                    if (w != null) {
                        LockSupport.unpark(w);
                    }
                }
            }
        }
    }

    /** The workers and the job they share. */
    private static final class Pool {
        final ReentrantLock busy = new ReentrantLock();
        final Worker[] workers;
        final boolean spin;
        /** The current job, or null between jobs; a volatile write publishes it to the workers. */
        volatile Job job;

        volatile boolean shutdown;

        Pool(int threads) {
            spin = threads <= Runtime.getRuntime().availableProcessors();
            workers = new Worker[Math.max(0, threads - 1)];
            for (int i = 0; i < workers.length; i++) {
                workers[i] = new Worker(this, i);
                workers[i].start();
            }
        }

        void run(int n, int chunks, Range body) {
            Job j = new Job(body, n, chunks);
            job = j;
            for (Worker w : workers) {
                if (w.parked) {
                    LockSupport.unpark(w);
                }
            }
            // The caller's own chunk, then whatever chunks no worker has claimed yet.
            j.execute(0);
            j.help();
            await(j);
            job = null;
            Throwable t = j.failure;
            if (t instanceof RuntimeException re) {
                throw re;
            }
            if (t instanceof Error err) {
                throw err;
            }
            if (t != null) {
                throw new RuntimeException(t);
            }
        }

        private void await(Job j) {
            long deadline = System.nanoTime() + SPIN_MICROS * 1000;
            for (int i = 1; j.pending.get() != 0; i++) {
                if (spin && System.nanoTime() < deadline) {
                    pause(i);
                    continue;
                }
                j.waiter = Thread.currentThread();
                if (j.pending.get() != 0) {
                    LockSupport.parkNanos(this, 1_000_000);
                }
                j.waiter = null;
            }
        }

        void shutdown() {
            shutdown = true;
            for (Worker w : workers) {
                LockSupport.unpark(w);
            }
        }

        /** A job this worker has not worked on yet, or null. */
        Job fresh(Job seen) {
            Job j = job;
            return j != null && j != seen ? j : null;
        }
    }

    private static final class Worker extends Thread {
        final Pool pool;
        volatile boolean parked;

        Worker(Pool pool, int index) {
            super("nabla-kernel-" + index);
            this.pool = pool;
            setDaemon(true);
        }

        @Override
        public void run() {
            Job seen = null;
            while (!pool.shutdown) {
                Job j = pool.fresh(seen);
                if (j == null && pool.spin) {
                    long deadline = System.nanoTime() + SPIN_MICROS * 1000;
                    for (int i = 1;
                            (j = pool.fresh(seen)) == null && !pool.shutdown && System.nanoTime() < deadline;
                            i++) {
                        pause(i);
                    }
                }
                if (j != null) {
                    seen = j;
                    j.help();
                    continue;
                }
                parked = true;
                if (pool.fresh(seen) == null && !pool.shutdown) {
                    LockSupport.park(this);
                }
                parked = false;
            }
        }
    }
}
