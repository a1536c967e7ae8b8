package dev.nabla.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Loss kernels against their definitions evaluated in double precision (cross entropy from an
 * explicit log-softmax, its gradient by central differences of that double-precision loss), over
 * row and spatial layouts, class weights, label smoothing and ignored targets.
 */
class LossTest {

    /** Reference per-sample cross entropy, straight from the definition. */
    static double ceRef(float[] x, int outer, int c, int inner, int i, int j, int y, float[] w, double eps) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < c; k++) {
            max = Math.max(max, x[(i * c + k) * inner + j]);
        }
        double s = 0;
        for (int k = 0; k < c; k++) {
            s += Math.exp(x[(i * c + k) * inner + j] - max);
        }
        double lse = max + Math.log(s);
        double nll = (w == null ? 1 : w[y]) * (lse - x[(i * c + y) * inner + j]);
        double smooth = 0;
        for (int k = 0; k < c; k++) {
            smooth += (w == null ? 1 : w[k]) * (lse - x[(i * c + k) * inner + j]);
        }
        return (1 - eps) * nll + eps / c * smooth;
    }

    @Test
    void crossEntropyForwardAndBackwardMatchDefinition() {
        SplittableRandom r = new SplittableRandom(11);
        int[][] shapes = {{4, 5, 1}, {3, 10, 1}, {2, 17, 1}, {2, 4, 6}, {1, 3, 9}};
        for (int[] s : shapes) {
            for (int variant = 0; variant < 4; variant++) {
                int outer = s[0], c = s[1], inner = s[2];
                float[] x = new float[outer * c * inner];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) (3 * r.nextGaussian());
                }
                float[] w = variant % 2 == 1 ? new float[c] : null;
                if (w != null) {
                    for (int k = 0; k < c; k++) {
                        w[k] = (float) (0.2 + r.nextDouble());
                    }
                }
                float eps = variant >= 2 ? 0.15f : 0f;
                int ns = outer * inner;
                long[] t = new long[ns];
                for (int k = 0; k < ns; k++) {
                    t[k] = k % 3 == 2 ? -100 : r.nextInt(c);
                }
                float[] loss = new float[ns], lse = new float[ns], wy = new float[ns];
                Loss.crossEntropyForward(x, 0, outer, c, inner, t, 0, w, -100, eps, loss, lse, wy);
                float[] scale = new float[ns];
                for (int k = 0; k < ns; k++) {
                    scale[k] = (float) r.nextGaussian();
                }
                float[] gx = new float[x.length];
                Loss.crossEntropyBackward(x, 0, outer, c, inner, t, 0, w, -100, eps, lse, scale, gx, 0);
                for (int k = 0; k < ns; k++) {
                    int i = k / inner, j = k % inner;
                    int y = (int) t[k];
                    if (y == -100) {
                        assertEquals(0f, loss[k]);
                        assertEquals(0f, wy[k]);
                        for (int cl = 0; cl < c; cl++) {
                            assertEquals(0f, gx[(i * c + cl) * inner + j]);
                        }
                        continue;
                    }
                    assertEquals(ceRef(x, outer, c, inner, i, j, y, w, eps), loss[k], 1e-4 * (1 + Math.abs(loss[k])));
                    assertEquals(w == null ? 1f : w[y], wy[k]);
                    for (int cl = 0; cl < c; cl++) {
                        int at = (i * c + cl) * inner + j;
                        float orig = x[at];
                        double h = 1e-3;
                        x[at] = (float) (orig + h);
                        double up = ceRef(x, outer, c, inner, i, j, y, w, eps);
                        x[at] = (float) (orig - h);
                        double down = ceRef(x, outer, c, inner, i, j, y, w, eps);
                        x[at] = orig;
                        double numeric = scale[k] * (up - down) / ((double) (float) (orig + h) - (float) (orig - h));
                        assertEquals(numeric, gx[at], 1e-3 * (1 + Math.abs(numeric)), "cross entropy gradient");
                    }
                }
            }
        }
    }

    @Test
    void crossEntropyIsStableForHugeLogits() {
        float[] x = {1e4f, 0, -1e4f};
        float[] loss = new float[1], lse = new float[1], wy = new float[1];
        Loss.crossEntropyForward(x, 0, 1, 3, 1, new long[] {2}, 0, null, -100, 0f, loss, lse, wy);
        assertEquals(2e4f, loss[0], 1f);
        float[] g = new float[3];
        Loss.crossEntropyBackward(x, 0, 1, 3, 1, new long[] {2}, 0, null, -100, 0f, lse, new float[] {1}, g, 0);
        assertEquals(1f, g[0], 1e-6f);
        assertEquals(-1f, g[2], 1e-6f);
    }

    @Test
    void badTargetsNameThePosition() {
        float[] x = new float[6];
        IndexOutOfBoundsException e = assertThrows(
                IndexOutOfBoundsException.class,
                () -> Loss.crossEntropyForward(
                        x, 0, 2, 3, 1, new long[] {0, 3}, 0, null, -100, 0f, new float[2], new float[2], new float[2]));
        assertTrue(e.getMessage().contains("target 3 at position 1"), e.getMessage());
        // A negative target other than the ignore index is out of bounds too.
        IndexOutOfBoundsException f = assertThrows(
                IndexOutOfBoundsException.class,
                () -> Loss.nllForward(x, 0, 2, 3, 1, new long[] {-1, 1}, 0, null, -100, new float[2], new float[2]));
        assertTrue(f.getMessage().contains("target -1 at position 0"), f.getMessage());
    }

    @Test
    void nllPicksTheWeightedTarget() {
        float[] x = {-1, -2, -3, -4, -5, -6};
        float[] w = {1, 2, 3};
        float[] loss = new float[2], wy = new float[2];
        Loss.nllForward(x, 0, 2, 3, 1, new long[] {2, 0}, 0, w, -100, loss, wy);
        assertEquals(9f, loss[0]);
        assertEquals(4f, loss[1]);
        assertEquals(3f, wy[0]);
        float[] gx = new float[6];
        Loss.nllBackward(2, 3, 1, new long[] {2, 0}, 0, w, -100, new float[] {0.5f, 2f}, gx, 0);
        assertEquals(-1.5f, gx[2]);
        assertEquals(-2f, gx[3]);
        assertEquals(0f, gx[0]);
    }

    @Test
    void bceWithLogitsMatchesDefinitionAndDerivatives() {
        SplittableRandom r = new SplittableRandom(13);
        int n = 50;
        float[] x = new float[n], t = new float[n], w = new float[n], pw = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (4 * r.nextGaussian());
            t[i] = (float) r.nextDouble();
            w[i] = (float) (0.5 + r.nextDouble());
            pw[i] = (float) (0.5 + 2 * r.nextDouble());
        }
        float[] loss = new float[n], gx = new float[n], gt = new float[n];
        Loss.bceWithLogitsForward(x, 0, t, 0, w, 0, pw, 0, loss, 0, n);
        Loss.bceWithLogitsBackward(x, 0, t, 0, w, 0, pw, 0, new float[] {2f}, 0, 0, gx, 0, gt, 0, n);
        for (int i = 0; i < n; i++) {
            double ref = bce(x[i], t[i], w[i], pw[i]);
            assertEquals(ref, loss[i], 1e-5 * (1 + Math.abs(ref)));
            double h = 1e-4;
            double dx = 2 * (bce(x[i] + h, t[i], w[i], pw[i]) - bce(x[i] - h, t[i], w[i], pw[i])) / (2 * h);
            double dt = 2 * (bce(x[i], t[i] + h, w[i], pw[i]) - bce(x[i], t[i] - h, w[i], pw[i])) / (2 * h);
            assertEquals(dx, gx[i], 1e-4 * (1 + Math.abs(dx)));
            assertEquals(dt, gt[i], 1e-4 * (1 + Math.abs(dt)));
        }
        // Far-out logits stay finite.
        Loss.bceWithLogitsForward(new float[] {1000f, -1000f}, 0, new float[] {0, 1}, 0, null, 0, null, 0, loss, 0, 2);
        assertEquals(1000f, loss[0]);
        assertEquals(1000f, loss[1]);
    }

    /** The textbook form, in double, via log-sigmoid written with log1p for moderate x. */
    private static double bce(double x, double t, double w, double pw) {
        double logSig = -Math.log1p(Math.exp(-x));
        double logOneMinus = -x + logSig;
        return -w * (pw * t * logSig + (1 - t) * logOneMinus);
    }
}
