package dev.nabla.samples.bench;

import java.util.Arrays;

/**
 * The timing rule of {@code shared/peers/torch_bench.py}, so our figures and PyTorch's mean the
 * same thing: warm up, double the repetition count until one batch takes over 0.2 s, then take
 * the median of five batches. The JIT needs more warm-up than PyTorch, so warm-up runs for at
 * least {@code warmupSeconds} before the peer's rule starts.
 *
 * <pre>{@code
 * double s = Timing.secondsPerCall(() -> model.call(x), 2.0);   // median seconds per call
 * }</pre>
 */
public final class Timing {
    private Timing() {}

    /** Median seconds per call of {@code fn}. */
    public static double secondsPerCall(Runnable fn, double warmupSeconds) {
        long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
        int warm = 0;
        while (warm < 3 || System.nanoTime() < warmEnd) {
            fn.run();
            warm++;
        }
        int n = 1;
        while (true) {
            long t = System.nanoTime();
            for (int i = 0; i < n; i++) {
                fn.run();
            }
            double dt = (System.nanoTime() - t) / 1e9;
            if (dt > 0.2) {
                break;
            }
            n *= 2;
        }
        double[] per = new double[5];
        for (int r = 0; r < per.length; r++) {
            long t = System.nanoTime();
            for (int i = 0; i < n; i++) {
                fn.run();
            }
            per[r] = (System.nanoTime() - t) / 1e9 / n;
        }
        Arrays.sort(per);
        return per[per.length / 2];
    }
}
