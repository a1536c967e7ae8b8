package dev.nabla.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Batch- and layer-norm kernels against direct double-precision loops, over shapes that exercise
 * the vector loops, their scalar tails, the {@code hw == 1} channel-contiguous path and both thread
 * splits.
 */
class NormTest {
    /** Small shapes (vector loops, tails, hw == 1) and large ones that split over threads. */
    private static final int[][] BN_SHAPES = {
        {2, 3, 5},
        {4, 2, 16},
        {3, 5, 1},
        {7, 13, 1},
        {1, 4, 9},
        {8, 16, 64},
        {64, 3, 33},
        {300, 20, 1},
        {2, 1, 3},
        {64, 8, 256},
        {64, 1030, 1}
    };

    /** Runs {@code body} with four kernel threads, so the large shapes take the split paths on any machine. */
    private static void withThreads(Runnable body) {
        int before = Parallel.threads();
        Parallel.setThreads(4);
        try {
            body.run();
        } finally {
            Parallel.setThreads(before);
        }
    }

    private static float[] random(SplittableRandom r, int n, double shift) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (shift + 2 * r.nextDouble() - 1);
        }
        return x;
    }

    private static void close(String what, double expected, float actual, double tol) {
        double err = Math.abs(actual - expected);
        if (!(err <= tol * (1 + Math.abs(expected)))) {
            throw new AssertionError(what + ": expected " + expected + ", got " + actual);
        }
    }

    @Test
    void batchStatsMatchTwoPassDouble() {
        withThreads(NormTest::batchStatsCases);
    }

    private static void batchStatsCases() {
        SplittableRandom r = new SplittableRandom(1);
        for (int[] s : BN_SHAPES) {
            int n = s[0], c = s[1], hw = s[2];
            // A large common offset: a naive one-pass variance in float would lose every digit.
            float[] x = random(r, n * c * hw, 1000);
            float[] mean = new float[c], var = new float[c];
            Norm.batchStats(x, 0, n, c, hw, mean, var);
            for (int ch = 0; ch < c; ch++) {
                double m = 0;
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < hw; j++) {
                        m += x[(i * c + ch) * hw + j];
                    }
                }
                m /= n * hw;
                double v = 0;
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < hw; j++) {
                        double d = x[(i * c + ch) * hw + j] - m;
                        v += d * d;
                    }
                }
                v /= n * hw;
                close("mean " + Arrays.toString(s), m, mean[ch], 1e-6);
                assertEquals(v, var[ch], 2e-3 * v + 1e-5, "variance " + Arrays.toString(s));
            }
        }
    }

    @Test
    void gradSumsAndNormalizeMatchDirectLoops() {
        withThreads(NormTest::gradSumCases);
    }

    private static void gradSumCases() {
        SplittableRandom r = new SplittableRandom(2);
        for (int[] s : BN_SHAPES) {
            int n = s[0], c = s[1], hw = s[2];
            int len = n * c * hw;
            float[] x = random(r, len, 0);
            float[] g = random(r, len, 0);
            float[] mean = random(r, c, 0), a = random(r, c, 0), b = random(r, c, 0), d = random(r, c, 0);
            float[] sg = new float[c], sgx = new float[c];
            Norm.gradSums(g, 0, x, 0, n, c, hw, mean, sg, sgx);
            float[] y = new float[len + 3];
            Norm.normalizeBackward(g, 0, x, 0, n, c, hw, mean, a, b, d, y, 3);
            float[] z = new float[len];
            Norm.normalize(x, 0, n, c, hw, mean, b, d, z, 0);
            for (int ch = 0; ch < c; ch++) {
                double t1 = 0, t2 = 0;
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < hw; j++) {
                        int at = (i * c + ch) * hw + j;
                        t1 += g[at];
                        t2 += g[at] * ((double) x[at] - mean[ch]);
                        close("normalizeBackward", g[at] * a[ch] + (x[at] - mean[ch]) * b[ch] + d[ch], y[at + 3], 1e-5);
                        close("normalize", (x[at] - mean[ch]) * b[ch] + d[ch], z[at], 1e-5);
                    }
                }
                close("sumG", t1, sg[ch], 1e-5);
                close("sumGX", t2, sgx[ch], 1e-5);
            }
        }
    }

    @Test
    void layerNormForwardAndBackwardMatchDouble() {
        withThreads(NormTest::layerNormCases);
    }

    private static void layerNormCases() {
        SplittableRandom r = new SplittableRandom(3);
        int[][] shapes = {{3, 5}, {4, 8}, {2, 37}, {64, 128}, {1, 1}, {300, 7}, {512, 256}};
        for (int[] s : shapes) {
            int rows = s[0], d = s[1];
            float[] x = random(r, rows * d, 3);
            float[] g = random(r, rows * d, 0);
            float[] w = random(r, d, 1), b = random(r, d, 0);
            float eps = 1e-5f;
            float[] y = new float[rows * d], mean = new float[rows], rstd = new float[rows];
            Norm.layerNormForward(x, 0, rows, d, w, 0, b, 0, eps, y, 0, mean, rstd);
            float[] gx = new float[rows * d], gw = new float[d], gb = new float[d];
            gw[0] = 10; // accumulates
            Norm.layerNormBackward(g, 0, x, 0, rows, d, w, 0, mean, rstd, gx, 0, gw, 0, gb, 0);
            double[] gwRef = new double[d], gbRef = new double[d];
            gwRef[0] = 10;
            for (int i = 0; i < rows; i++) {
                double m = 0, v = 0;
                for (int j = 0; j < d; j++) {
                    m += x[i * d + j];
                }
                m /= d;
                for (int j = 0; j < d; j++) {
                    v += (x[i * d + j] - m) * (x[i * d + j] - m);
                }
                double rs = 1 / Math.sqrt(v / d + eps);
                double sa = 0, sb = 0;
                for (int j = 0; j < d; j++) {
                    double xh = (x[i * d + j] - m) * rs;
                    close("layer norm y", xh * w[j] + b[j], y[i * d + j], 1e-4);
                    double gh = g[i * d + j] * w[j];
                    sa += gh;
                    sb += gh * xh;
                    gwRef[j] += g[i * d + j] * xh;
                    gbRef[j] += g[i * d + j];
                }
                for (int j = 0; j < d; j++) {
                    double xh = (x[i * d + j] - m) * rs;
                    double ref = rs * (g[i * d + j] * w[j] - sa / d - xh * sb / d);
                    close("layer norm gx " + rows + "x" + d, ref, gx[i * d + j], 2e-3);
                }
            }
            for (int j = 0; j < d; j++) {
                close("layer norm gw", gwRef[j], gw[j], 1e-4);
                close("layer norm gb", gbRef[j], gb[j], 1e-4);
            }
        }
    }

    @Test
    void layerNormWithoutAffineOrOutputs() {
        float[] x = {1, 2, 3, 4, 10, 20, 30, 40};
        float[] y = new float[8], mean = new float[2], rstd = new float[2];
        Norm.layerNormForward(x, 0, 2, 4, null, 0, null, 0, 1e-5f, y, 0, mean, rstd);
        assertEquals(2.5f, mean[0]);
        assertEquals(25f, mean[1]);
        close("y", -1.5 / Math.sqrt(1.25 + 1e-5), y[0], 1e-5);
        float[] gb = new float[4];
        Norm.layerNormBackward(
                new float[] {1, 1, 1, 1, 1, 1, 1, 1}, 0, x, 0, 2, 4, null, 0, mean, rstd, null, 0, null, 0, gb, 0);
        assertEquals(2f, gb[3]);
    }

    @Test
    void emptyStatisticsAreRejected() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> Norm.batchStats(new float[0], 0, 0, 3, 4, new float[3], new float[3]));
        assertEquals(true, e.getMessage().contains("no values per channel"));
    }
}
