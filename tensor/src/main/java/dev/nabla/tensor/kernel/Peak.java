package dev.nabla.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The machine's float32 multiply-add ceiling as the Vector API reaches it: the figure every
 * kernel's GFLOP/s is a percentage of. Twelve independent FMA chains per thread keep both FMA
 * pipes of a core busy through their latency (AVX-512 or AVX2 alike: 12 accumulators and 2
 * operands fit 16 registers); each thread runs the same loop and the wall time of all of them
 * gives the total. A scalar twin of the loop ({@link Math#fma}) measures what the same JVM does
 * without SIMD: when the vector figure is not well above it, the Vector API is running its Java
 * fallback (no C2, or an intrinsic that failed).
 *
 * <pre>{@code
 * double one = Peak.vectorGflops(1, 200);   // about 205 on one Zen 5 core
 * double all = Peak.vectorGflops(Parallel.threads(), 200);
 * }</pre>
 */
public final class Peak {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Chains per thread. */
    private static final int CHAINS = 12;
    /** Loop iterations per timed block (24 * L FLOP each), and per warm-up block. */
    private static final int BLOCK = 1 << 16;

    private static final int WARM_BLOCK = 1 << 10;

    private static volatile float sink;

    private Peak() {}

    /**
     * GFLOP/s of {@code threads} threads (of the shared pool) running vector FMA chains for about
     * {@code millis} milliseconds after a warm-up of at least the same length; the best of the timed
     * blocks.
     */
    public static double vectorGflops(int threads, long millis) {
        return measure(threads, millis, true);
    }

    /** The same with scalar {@link Math#fma} chains: what a lane of work costs without SIMD. */
    public static double scalarGflops(int threads, long millis) {
        return measure(threads, millis, false);
    }

    private static double measure(int threads, long millis, boolean vector) {
        if (threads < 1 || millis < 1) {
            throw new IllegalArgumentException(
                    "peak: threads and millis must be positive, got " + threads + ", " + millis);
        }
        int saved = Parallel.threads();
        try {
            Parallel.setThreads(threads);
            // Warm-up in short blocks, so that C2 compiles the loop even where its first runs are
            // slow (interpreted Vector API code is 1000x slower): at least `millis`, then until the
            // rate stops climbing, at most 5 s.
            long start = System.nanoTime();
            double best = 0;
            while (true) {
                double rate = rate(threads, vector, WARM_BLOCK);
                best = Math.max(best, rate);
                long elapsed = System.nanoTime() - start;
                if ((elapsed > millis * 1_000_000 && rate > 0.8 * best) || elapsed > 5_000_000_000L) {
                    break;
                }
            }
            best = 0;
            long end = System.nanoTime() + millis * 1_000_000;
            do {
                best = Math.max(best, rate(threads, vector, BLOCK));
            } while (System.nanoTime() < end);
            return best;
        } finally {
            Parallel.setThreads(saved);
        }
    }

    /** GFLOP/s of one block of {@code iterations} on each of {@code threads} threads. */
    private static double rate(int threads, boolean vector, int iterations) {
        long t = System.nanoTime();
        Parallel.forChunks(
                threads, threads, (from, to) -> sink += vector ? vectorBlock(iterations) : scalarBlock(iterations));
        double s = (System.nanoTime() - t) / 1e9;
        return 2.0 * CHAINS * iterations * (vector ? S.length() : 1) * threads / s / 1e9;
    }

    private static float vectorBlock(int iterations) {
        // acc = acc * a + b with a just below 1 stays finite forever.
        FloatVector a = FloatVector.broadcast(S, 0.999999f);
        FloatVector b = FloatVector.broadcast(S, 1e-7f);
        FloatVector c0 = FloatVector.broadcast(S, 1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
        FloatVector c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (int i = 0; i < iterations; i++) {
            c0 = a.fma(c0, b);
            c1 = a.fma(c1, b);
            c2 = a.fma(c2, b);
            c3 = a.fma(c3, b);
            c4 = a.fma(c4, b);
            c5 = a.fma(c5, b);
            c6 = a.fma(c6, b);
            c7 = a.fma(c7, b);
            c8 = a.fma(c8, b);
            c9 = a.fma(c9, b);
            c10 = a.fma(c10, b);
            c11 = a.fma(c11, b);
        }
        // Sum with receivers whose class C2 knows (see Lanes, "Known receivers").
        FloatVector s = a.mul(c0);
        s = s.add(c1)
                .add(c2)
                .add(c3)
                .add(c4)
                .add(c5)
                .add(c6)
                .add(c7)
                .add(c8)
                .add(c9)
                .add(c10)
                .add(c11);
        return s.lane(0);
    }

    private static float scalarBlock(int iterations) {
        float a = 0.999999f, b = 1e-7f;
        float c0 = 1f, c1 = 1f, c2 = 1f, c3 = 1f, c4 = 1f, c5 = 1f, c6 = 1f, c7 = 1f, c8 = 1f, c9 = 1f, c10 = 1f;
        float c11 = 1f;
        for (int i = 0; i < iterations; i++) {
            c0 = Math.fma(c0, a, b);
            c1 = Math.fma(c1, a, b);
            c2 = Math.fma(c2, a, b);
            c3 = Math.fma(c3, a, b);
            c4 = Math.fma(c4, a, b);
            c5 = Math.fma(c5, a, b);
            c6 = Math.fma(c6, a, b);
            c7 = Math.fma(c7, a, b);
            c8 = Math.fma(c8, a, b);
            c9 = Math.fma(c9, a, b);
            c10 = Math.fma(c10, a, b);
            c11 = Math.fma(c11, a, b);
        }
        return c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11;
    }
}
