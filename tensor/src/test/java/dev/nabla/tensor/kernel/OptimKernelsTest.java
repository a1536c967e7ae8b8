package dev.nabla.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Checks the fused updates against straightforward double-precision references written from
 * PyTorch's formulas, on sizes that exercise the vector body, the scalar tail and the parallel
 * split; and checks that the vector body and the scalar tail give identical bits.
 */
class OptimKernelsTest {
    private static final int[] SIZES = {1, 7, 8, 9, 31, 100, 3 * Elementwise.GRAIN + 5};

    private static float[] random(Random r, int n, double scale, boolean positive) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            double x = r.nextGaussian() * scale;
            a[i] = (float) (positive ? Math.abs(x) : x);
        }
        return a;
    }

    /** Operands are of order 1, so float rounding of intermediates allows an absolute 1e-6 besides rtol. */
    private static void assertClose(String what, double[] expected, float[] actual, double rtol) {
        for (int i = 0; i < expected.length; i++) {
            double tol = rtol * Math.abs(expected[i]) + 1e-6;
            if (!(Math.abs(expected[i] - actual[i]) <= tol)) {
                throw new AssertionError(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i]);
            }
        }
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    @Test
    void sgdMatchesReferenceForEveryVariant() {
        Random r = new Random(1);
        for (int n : SIZES) {
            for (int variant = 0; variant < 6; variant++) {
                double lr = 0.05, wd = variant % 2 == 0 ? 0 : 0.1;
                double mom = variant < 2 ? 0 : 0.9, damp = variant == 3 ? 0.3 : 0;
                boolean nesterov = variant == 4, maximize = variant == 5, init = variant == 2;
                float[] w = random(r, n, 1, false), g = random(r, n, 1, false), buf = random(r, n, 1, false);
                double[] ew = toDouble(w), eb = toDouble(buf);
                for (int i = 0; i < n; i++) {
                    double d = (maximize ? -g[i] : g[i]) + wd * ew[i];
                    if (mom != 0) {
                        eb[i] = init ? d : mom * eb[i] + (1 - damp) * d;
                        d = nesterov ? d + mom * eb[i] : eb[i];
                    }
                    ew[i] -= lr * d;
                }
                OptimKernels.sgd(w, 0, g, 0, buf, 0, n, lr, wd, mom, damp, nesterov, maximize, init);
                assertClose("sgd variant " + variant + " n=" + n + " w", ew, w, 1e-6);
                if (mom != 0) {
                    assertClose("sgd variant " + variant + " n=" + n + " buf", eb, buf, 1e-6);
                }
            }
        }
    }

    @Test
    void adamMatchesReferenceForEveryVariant() {
        Random r = new Random(2);
        for (int n : SIZES) {
            for (int variant = 0; variant < 4; variant++) {
                boolean ams = variant == 1, maximize = variant == 3, decoupled = variant == 3;
                double lr = 0.01, wd = variant == 2 ? 0.1 : variant == 3 ? 0.05 : 0;
                double b1 = 0.9, b2 = 0.999, eps = 1e-8;
                int t = 3;
                double stepSize = lr / (1 - Math.pow(b1, t));
                double bc2 = Math.sqrt(1 - Math.pow(b2, t));
                float[] w = random(r, n, 1, false), g = random(r, n, 1, false);
                float[] m = random(r, n, 0.1, false), v = random(r, n, 0.01, true), vmax = random(r, n, 0.01, true);
                double[] ew = toDouble(w), em = toDouble(m), ev = toDouble(v), evm = toDouble(vmax);
                for (int i = 0; i < n; i++) {
                    double gi = maximize ? -g[i] : g[i];
                    if (decoupled) {
                        ew[i] *= 1 - lr * wd;
                    } else {
                        gi += wd * ew[i];
                    }
                    em[i] = b1 * em[i] + (1 - b1) * gi;
                    ev[i] = b2 * ev[i] + (1 - b2) * gi * gi;
                    double vv = ev[i];
                    if (ams) {
                        evm[i] = Math.max(evm[i], ev[i]);
                        vv = evm[i];
                    }
                    ew[i] -= stepSize * em[i] / (Math.sqrt(vv) / bc2 + eps);
                }
                OptimKernels.adam(
                        w, 0, g, 0, m, 0, v, 0, ams ? vmax : null, 0, n, lr, b1, b2, eps, wd, decoupled, t, maximize);
                String at = "adam variant " + variant + " n=" + n;
                assertClose(at + " w", ew, w, 1e-6);
                assertClose(at + " m", em, m, 1e-6);
                assertClose(at + " v", ev, v, 1e-6);
                if (ams) {
                    assertClose(at + " vmax", evm, vmax, 1e-6);
                }
            }
        }
    }

    @Test
    void rmspropMatchesReferenceForEveryVariant() {
        Random r = new Random(3);
        for (int n : SIZES) {
            for (int variant = 0; variant < 4; variant++) {
                boolean centered = variant >= 2, useBuf = variant % 2 == 1;
                double lr = 0.01, alpha = 0.99, eps = 1e-8, wd = variant == 3 ? 0.05 : 0, mom = useBuf ? 0.9 : 0;
                float[] w = random(r, n, 1, false), g = random(r, n, 1, false);
                float[] sq = random(r, n, 1, true), ga = random(r, n, 0.1, false), buf = random(r, n, 0.1, false);
                for (int i = 0; i < n; i++) {
                    // A reachable, well-conditioned state: the centred variance stays away from 0, where
                    // sqrt(sq - ga^2) amplifies float rounding in any implementation.
                    sq[i] += ga[i] * ga[i] + 0.5f;
                }
                double[] ew = toDouble(w), es = toDouble(sq), ea = toDouble(ga), eb = toDouble(buf);
                for (int i = 0; i < n; i++) {
                    double gi = g[i] + wd * ew[i];
                    es[i] = alpha * es[i] + (1 - alpha) * gi * gi;
                    double avg;
                    if (centered) {
                        ea[i] = alpha * ea[i] + (1 - alpha) * gi;
                        avg = Math.sqrt(es[i] - ea[i] * ea[i]) + eps;
                    } else {
                        avg = Math.sqrt(es[i]) + eps;
                    }
                    if (useBuf) {
                        eb[i] = mom * eb[i] + gi / avg;
                        ew[i] -= lr * eb[i];
                    } else {
                        ew[i] -= lr * gi / avg;
                    }
                }
                OptimKernels.rmsprop(
                        w,
                        0,
                        g,
                        0,
                        sq,
                        0,
                        centered ? ga : null,
                        0,
                        useBuf ? buf : null,
                        0,
                        n,
                        lr,
                        alpha,
                        eps,
                        wd,
                        mom,
                        false);
                String at = "rmsprop variant " + variant + " n=" + n;
                assertClose(at + " w", ew, w, 2e-6);
                assertClose(at + " sq", es, sq, 1e-6);
                if (useBuf) {
                    assertClose(at + " buf", eb, buf, 2e-6);
                }
            }
        }
    }

    @Test
    void vectorBodyAndScalarTailGiveTheSameBits() {
        Random r = new Random(4);
        int n = 67;
        float[] w = random(r, n, 1, false), g = random(r, n, 1, false);
        float[] m = random(r, n, 0.1, false), v = random(r, n, 0.01, true);
        float[] w1 = w.clone(), m1 = m.clone(), v1 = v.clone();
        OptimKernels.adam(w, 0, g, 0, m, 0, v, 0, null, 0, n, 0.1, 0.9, 0.999, 1e-8, 0.01, true, 2, false);
        for (int i = 0; i < n; i++) {
            OptimKernels.adam(w1, i, g, i, m1, i, v1, i, null, 0, 1, 0.1, 0.9, 0.999, 1e-8, 0.01, true, 2, false);
        }
        assertArrayEquals(w, w1);
        assertArrayEquals(m, m1);
        assertArrayEquals(v, v1);

        float[] sq = random(r, n, 1, true), ga = random(r, n, 0.1, false), buf = random(r, n, 0.1, false);
        float[] x = w.clone(), sq1 = sq.clone(), ga1 = ga.clone(), buf1 = buf.clone(), x1 = w.clone();
        OptimKernels.rmsprop(x, 0, g, 0, sq, 0, ga, 0, buf, 0, n, 0.01, 0.9, 1e-6, 0.1, 0.5, true);
        for (int i = 0; i < n; i++) {
            OptimKernels.rmsprop(x1, i, g, i, sq1, i, ga1, i, buf1, i, 1, 0.01, 0.9, 1e-6, 0.1, 0.5, true);
        }
        assertArrayEquals(x, x1);
        assertArrayEquals(buf, buf1);

        float[] s = w.clone(), sb = m.clone(), s1 = w.clone(), sb1 = m.clone();
        OptimKernels.sgd(s, 0, g, 0, sb, 0, n, 0.1, 0.01, 0.9, 0.1, true, false, false);
        for (int i = 0; i < n; i++) {
            OptimKernels.sgd(s1, i, g, i, sb1, i, 1, 0.1, 0.01, 0.9, 0.1, true, false, false);
        }
        assertArrayEquals(s, s1);
        assertArrayEquals(sb, sb1);
    }

    @Test
    void offsetsLeaveTheRestOfTheArraysAlone() {
        float[] w = {5, 1, 2, 3, 5};
        float[] g = {9, 9, 1, 1, 1, 9};
        OptimKernels.sgd(w, 1, g, 2, null, 0, 3, 0.5, 0, 0, 0, false, false, false);
        assertArrayEquals(new float[] {5, 0.5f, 1.5f, 2.5f, 5}, w);
    }

    @Test
    void reductionsMatchDoubleReferences() {
        Random r = new Random(5);
        for (int n : new int[] {0, 1, 15, 16, 17, 4096, 4097, 300_001}) {
            float[] x = random(r, n + 3, 2, false);
            double ss = 0;
            float mx = 0;
            for (int i = 3; i < n + 3; i++) {
                ss += (double) x[i] * x[i];
                mx = Math.max(mx, Math.abs(x[i]));
            }
            // float partial sums of at most 64 terms each: far below float32 resolution of the norm
            assertEquals(ss, OptimKernels.sumOfSquares(x, 3, n), 1e-6 * ss, "n=" + n);
            assertEquals(mx, OptimKernels.maxAbs(x, 3, n), "n=" + n);
        }
    }

    @Test
    void maxAbsPropagatesNaNAndInfinity() {
        float[] x = new float[40];
        x[17] = Float.NEGATIVE_INFINITY;
        assertEquals(Float.POSITIVE_INFINITY, OptimKernels.maxAbs(x, 0, 40));
        x[3] = Float.NaN;
        assertTrue(Float.isNaN(OptimKernels.maxAbs(x, 0, 40)));
        x[3] = 0;
        x[39] = Float.NaN; // in the scalar tail
        assertTrue(Float.isNaN(OptimKernels.maxAbs(x, 0, 39 + 1)));
    }

    @Test
    void badRangesAreRejectedWithTheOperationNamed() {
        float[] a = new float[4];
        IndexOutOfBoundsException e = assertThrows(
                IndexOutOfBoundsException.class,
                () -> OptimKernels.sgd(a, 2, a, 0, null, 0, 3, 0.1, 0, 0, 0, false, false, false));
        assertTrue(e.getMessage().contains("sgd"), e.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> OptimKernels.sgd(a, 0, a, 0, null, 0, 3, 0.1, 0, 0.9, 0, false, false, false));
    }
}
