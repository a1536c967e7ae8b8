package dev.nabla.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.tensor.Ref.Layout;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Softmax, log-softmax and their backward passes along every dimension, against double loops. */
class SoftmaxTest {

    /** softmax or log-softmax of {@code x} along {@code d}, in double. */
    static double[] reference(boolean log, Tensor x, int d) {
        int[] dims = x.dims();
        float[] v = Ref.values(x);
        double[] out = new double[v.length];
        if (dims.length == 0) {
            out[0] = log
                    ? (Float.isNaN(v[0]) ? Double.NaN : Float.isInfinite(v[0]) ? Double.NaN : 0)
                    : (Float.isFinite(v[0]) ? 1 : Double.NaN);
            return out;
        }
        int outer = 1;
        int inner = 1;
        for (int k = 0; k < d; k++) {
            outer *= dims[k];
        }
        for (int k = d + 1; k < dims.length; k++) {
            inner *= dims[k];
        }
        int r = dims[d];
        for (int i = 0; i < outer; i++) {
            for (int j = 0; j < inner; j++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < r; k++) {
                    max = Math.max(max, v[(i * r + k) * inner + j]);
                }
                double sum = 0;
                for (int k = 0; k < r; k++) {
                    sum += Math.exp(v[(i * r + k) * inner + j] - max);
                }
                for (int k = 0; k < r; k++) {
                    double z = v[(i * r + k) * inner + j] - max;
                    out[(i * r + k) * inner + j] = log ? z - Math.log(sum) : Math.exp(z) / sum;
                }
            }
        }
        return out;
    }

    /**
     * Allowed error per element. Float softmax rounds x - max (absolute error u |x - max|, which
     * exp turns into that relative error) and sums n terms in 8 lanes ((n/8 + 3) u relative);
     * exp adds a few ulps. Log-softmax is x - (max + log(sum)) in float: u times each magnitude
     * plus the relative error of the sum.
     */
    static double[] tolerance(boolean log, Tensor x, int d, double[] ref) {
        int[] dims = x.dims();
        float[] v = Ref.values(x);
        int n = dims.length == 0 ? 1 : dims[d];
        int inner = 1;
        for (int k = d + 1; k < dims.length; k++) {
            inner *= dims[k];
        }
        int outer = n * inner == 0 ? 0 : v.length / (n * inner);
        double[] rowMax = new double[outer * inner];
        Arrays.fill(rowMax, Double.NEGATIVE_INFINITY);
        for (int at = 0; at < v.length; at++) {
            int row = at / (n * inner) * inner + at % inner;
            rowMax[row] = Math.max(rowMax[row], v[at]);
        }
        double sumRel = (n / 8.0 + 16) * Ref.U;
        double[] tol = new double[v.length];
        for (int at = 0; at < v.length; at++) {
            double max = rowMax[at / (n * inner) * inner + at % inner];
            if (log) {
                tol[at] = 2 * Ref.U * (Math.abs(v[at]) + Math.abs(max) + Math.abs(ref[at])) + sumRel;
            } else {
                tol[at] = Math.abs(ref[at]) * (sumRel + 2 * Ref.U * Math.abs(v[at] - max)) + 1e-45;
            }
            if (!Double.isFinite(tol[at])) {
                tol[at] = 0; // a -inf logit: exactly 0 (or -inf) is the only right answer
            }
        }
        return tol;
    }

    static void check(boolean log, Tensor x, int d, Tensor got, String ctx) {
        double[] ref = reference(log, x, d);
        Ref.assertWithin(ref, tolerance(log, x, d, ref), got, ctx);
    }

    @Test
    void everyDimEveryLayout() {
        SplittableRandom r = new SplittableRandom(31);
        for (int t = 0; t < 300; t++) {
            int[] dims = Ref.randomShape(r, 4, 3000);
            double scale = new double[] {1, 10, 1000}[r.nextInt(3)];
            Layout layout = Layout.random(r);
            Tensor x = Ref.layout(r, layout, dims, n -> {
                float[] v = Ref.randomValues(r, n);
                for (int i = 0; i < n; i++) {
                    v[i] *= (float) scale;
                    if (r.nextInt(20) == 0) {
                        v[i] = Float.NEGATIVE_INFINITY; // masked logits
                    }
                }
                return v;
            });
            int rank = dims.length;
            for (int d = 0; d < Math.max(1, rank); d++) {
                int dimArg = r.nextBoolean() || rank == 0 ? d : d - rank;
                String ctx = layout + " " + Arrays.toString(dims) + " dim " + dimArg + " scale " + scale;
                Tensor p = x.softmax(dimArg);
                Ref.assertShape(dims, p, ctx);
                check(false, x, d, p, "softmax " + ctx);
                check(true, x, d, x.logSoftmax(dimArg), "logSoftmax " + ctx);
                Tensor out = Tensor.full(Float.NaN, dims);
                assertSame(out, x.softmax(dimArg, out));
                check(false, x, d, out, "softmax out= " + ctx);
                assertSame(out, x.logSoftmax(dimArg, out));
                check(true, x, d, out, "logSoftmax out= " + ctx);
            }
        }
    }

    @Test
    void largeLogitsDoNotOverflow() {
        Tensor x = Tensor.of(1000, 1001, 1002);
        float[] p = x.softmax(0).toArray();
        double[] e = reference(false, Tensor.of(0, 1, 2), 0);
        for (int i = 0; i < 3; i++) {
            assertEquals(e[i], p[i], 1e-7);
        }
        float[] lp = x.logSoftmax(0).toArray();
        // PyTorch: torch.tensor([1000., 1001., 1002.]).log_softmax(0) = [-2.4076, -1.4076, -0.4076]
        assertArrayEquals(new float[] {-2.4076061f, -1.4076059f, -0.40760595f}, lp, 1e-4f);
        float[] neg = Tensor.of(-1000, -1000).softmax(0).toArray();
        assertArrayEquals(new float[] {0.5f, 0.5f}, neg);
        // -inf entries get probability 0; a row of only -inf is NaN, as in PyTorch.
        float[] masked = Tensor.of(Float.NEGATIVE_INFINITY, 0, Float.NEGATIVE_INFINITY, 0)
                .softmax(0)
                .toArray();
        assertArrayEquals(new float[] {0, 0.5f, 0, 0.5f}, masked);
        float[] lm = Tensor.of(Float.NEGATIVE_INFINITY, 0).logSoftmax(0).toArray();
        assertEquals(Float.NEGATIVE_INFINITY, lm[0]);
        assertEquals(0f, lm[1]);
        for (float v : Tensor.full(Float.NEGATIVE_INFINITY, 3).softmax(0).toArray()) {
            assertTrue(Float.isNaN(v));
        }
        // A NaN poisons its row only.
        Tensor withNan = Tensor.of(new float[][] {{1, Float.NaN}, {1, 2}});
        float[] sn = withNan.softmax(1).toArray();
        assertTrue(Float.isNaN(sn[0]) && Float.isNaN(sn[1]));
        assertEquals(1f, sn[2] + sn[3], 1e-6);
    }

    @Test
    void largeRowsAndManyRows() {
        SplittableRandom r = new SplittableRandom(2);
        for (int[] dims : new int[][] {{100_003}, {4000, 37}, {37, 4000}, {3, 1001, 7}}) {
            Tensor x =
                    Tensor.fromArray(Ref.randomValues(r, Ref.numel(dims)), dims).mul(5f);
            for (int d = 0; d < dims.length; d++) {
                check(false, x, d, x.softmax(d), "softmax " + Arrays.toString(dims) + " dim " + d);
                check(true, x, d, x.logSoftmax(d), "logSoftmax " + Arrays.toString(dims) + " dim " + d);
            }
        }
    }

    @Test
    void backwardMatchesJacobianProduct() {
        SplittableRandom r = new SplittableRandom(41);
        for (int t = 0; t < 200; t++) {
            int[] dims = Ref.randomShape(r, 4, 2000);
            int rank = dims.length;
            if (rank == 0) {
                continue;
            }
            int d = r.nextInt(rank);
            Tensor x = Ref.random(r, Layout.random(r), dims).mul(3f);
            Tensor g = Ref.random(r, Layout.random(r), dims);
            for (boolean log : new boolean[] {false, true}) {
                Tensor y = log ? x.logSoftmax(d) : x.softmax(d);
                // The forward output may be any layout too.
                Tensor yv = rank >= 2 && r.nextBoolean()
                        ? y.transpose(0, rank - 1).contiguous().transpose(0, rank - 1)
                        : y;
                Tensor gx = yv.softmaxBackward(log, d - (r.nextBoolean() ? rank : 0), g);
                double[] p = reference(false, x, d);
                float[] gv = Ref.values(g);
                int outer = 1;
                int inner = 1;
                for (int k = 0; k < d; k++) {
                    outer *= dims[k];
                }
                for (int k = d + 1; k < rank; k++) {
                    inner *= dims[k];
                }
                int n = dims[d];
                double[] e = new double[gv.length];
                double[] tol = new double[gv.length];
                for (int i = 0; i < outer; i++) {
                    for (int j = 0; j < inner; j++) {
                        // J^T g with J = diag(p) - p p^T (softmax) or I - 1 p^T (log-softmax)
                        double dot = 0;
                        double gsum = 0;
                        double gabs = 0;
                        for (int k = 0; k < n; k++) {
                            int at = (i * n + k) * inner + j;
                            dot += gv[at] * p[at];
                            gsum += gv[at];
                            gabs += Math.abs(gv[at]);
                        }
                        for (int k = 0; k < n; k++) {
                            int at = (i * n + k) * inner + j;
                            e[at] = log ? gv[at] - p[at] * gsum : p[at] * (gv[at] - dot);
                            tol[at] = (4 * n + 8) * Ref.U * (Math.abs(gv[at]) + gabs);
                        }
                    }
                }
                Ref.assertWithin(
                        e,
                        tol,
                        gx,
                        (log ? "logSoftmax" : "softmax") + " backward " + Arrays.toString(dims) + " dim " + d);
            }
        }
        ShapeMismatchException e = assertThrows(
                ShapeMismatchException.class, () -> Tensor.zeros(2, 3).softmaxBackward(false, 1, Tensor.zeros(3, 2)));
        assertTrue(
                e.getMessage().contains("softmax")
                        && e.getMessage().contains("[2, 3]")
                        && e.getMessage().contains("[3, 2]"),
                e.getMessage());
    }

    @Test
    void errorsAndEdgeShapes() {
        assertThrows(IndexOutOfBoundsException.class, () -> Tensor.zeros(2, 3).softmax(2));
        ShapeMismatchException e = assertThrows(
                ShapeMismatchException.class, () -> Tensor.zeros(2, 3).softmax(1, Tensor.zeros(3, 2)));
        assertTrue(e.getMessage().contains("softmax") && e.getMessage().contains("[3, 2]"), e.getMessage());
        Ref.assertShape(new int[] {3, 0}, Tensor.zeros(3, 0).softmax(1), "empty row");
        Ref.assertShape(new int[] {3, 0}, Tensor.zeros(3, 0).softmax(0), "empty inner");
        Tensor empty = Tensor.zeros(0, 4);
        assertSame(empty, Tensor.zeros(0, 4).logSoftmax(1, empty), "empty out is allowed");
        assertEquals(1f, Tensor.scalar(5).softmax(0).item());
        assertEquals(0f, Tensor.scalar(5).logSoftmax(-1).item());
        // in place, and out overlapping the input partially
        Tensor x = Tensor.of(1, 2, 3, 4);
        x.softmax(0, x);
        assertEquals(1f, x.sum().item(), 1e-6);
        Tensor z = Tensor.arange(9 * 4).reshape(9, 4).mul(0.1f);
        Tensor zin = z.narrow(0, 0, 8).copy();
        z.narrow(0, 0, 8).softmax(1, z.narrow(0, 1, 8));
        Ref.assertClose(reference(false, zin, 1), z.narrow(0, 1, 8), 1e-6, 1e-5, "softmax into a shifted view");
    }
}
