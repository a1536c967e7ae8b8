package dev.nabla.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.tensor.Ref.Layout;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.ejml.simple.SimpleMatrix;
import org.junit.jupiter.api.Test;

/**
 * matmul against EJML in double. Tolerance: any order of float multiply-adds over k terms stays
 * within {@code (k + 2) u (|A| |B|)_ij} of the exact product (the standard dot-product bound,
 * u = 2^-24), so that is what each element must meet.
 */
class MatmulTest {

    private static final int[] SIZES = {0, 1, 2, 3, 5, 7, 8, 9, 16, 17, 33, 65};

    private static SimpleMatrix matrix(float[] v, int off, int rows, int cols, boolean abs) {
        SimpleMatrix m = new SimpleMatrix(rows, cols);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                float x = v[off + i * cols + j];
                m.set(i, j, abs ? Math.abs(x) : x);
            }
        }
        return m;
    }

    /**
     * Expected result of a batched product of row-major operands already expanded to
     * {@code [batch..., m, k]} and {@code [batch..., k, n]}, with the element tolerance.
     */
    private static double[][] expected(float[] a, float[] b, int batch, int m, int k, int n) {
        double[] e = new double[batch * m * n];
        double[] tol = new double[e.length];
        for (int p = 0; p < batch; p++) {
            SimpleMatrix am = matrix(a, p * m * k, m, k, false);
            SimpleMatrix bm = matrix(b, p * k * n, k, n, false);
            SimpleMatrix c = am.mult(bm);
            SimpleMatrix bound = matrix(a, p * m * k, m, k, true).mult(matrix(b, p * k * n, k, n, true));
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    e[p * m * n + i * n + j] = c.get(i, j);
                    tol[p * m * n + i * n + j] = (k + 2) * Ref.U * bound.get(i, j);
                }
            }
        }
        return new double[][] {e, tol};
    }

    @Test
    void twoDimensionalOnEveryLayout() {
        SplittableRandom r = new SplittableRandom(51);
        for (int t = 0; t < 400; t++) {
            int m = SIZES[r.nextInt(SIZES.length)];
            int k = SIZES[r.nextInt(SIZES.length)];
            int n = SIZES[r.nextInt(SIZES.length)];
            Layout la = Layout.random(r);
            Layout lb = Layout.random(r);
            Tensor a = Ref.random(r, la, m, k);
            Tensor b = Ref.random(r, lb, k, n);
            double[][] e = expected(Ref.values(a), Ref.values(b), 1, m, k, n);
            String ctx = la + " [" + m + ", " + k + "] x " + lb + " [" + k + ", " + n + "]";
            Tensor c = a.matmul(b);
            Ref.assertShape(new int[] {m, n}, c, ctx);
            Ref.assertWithin(e[0], e[1], c, ctx);
            Tensor out = Tensor.full(Float.NaN, m, n);
            assertSame(out, a.matmul(b, out));
            Ref.assertWithin(e[0], e[1], out, ctx + " out=");
        }
    }

    @Test
    void transposedAndStridedOperandsExplicitly() {
        SplittableRandom r = new SplittableRandom(52);
        int m = 19;
        int k = 23;
        int n = 17;
        Tensor at = Ref.random(r, Layout.CONTIGUOUS, k, m).t(); // column-major A
        Tensor bt = Ref.random(r, Layout.CONTIGUOUS, n, k).t(); // column-major B
        Tensor as = Ref.random(r, Layout.CONTIGUOUS, m, 2 * k).slice(1, 0, 2 * k, 2); // column stride 2
        Tensor bs = Ref.random(r, Layout.CONTIGUOUS, 3 * k, n).slice(0, 1, 3 * k, 3); // row stride 3n
        Tensor ap = Ref.random(r, Layout.CONTIGUOUS, m, k + 5).narrow(1, 2, k); // row pitch k + 5
        Tensor rowBroadcast = Ref.random(r, Layout.CONTIGUOUS, 1, k).expand(m, k); // stride 0 rows
        for (Tensor a : new Tensor[] {at, as, ap, rowBroadcast}) {
            for (Tensor b : new Tensor[] {bt, bs, Ref.random(r, Layout.CONTIGUOUS, k, n)}) {
                double[][] e = expected(Ref.values(a), Ref.values(b), 1, m, k, n);
                Ref.assertWithin(
                        e[0],
                        e[1],
                        a.matmul(b),
                        "strides " + Arrays.toString(a.strides()) + " x " + Arrays.toString(b.strides()));
            }
        }
    }

    @Test
    void vectorCases() {
        SplittableRandom r = new SplittableRandom(53);
        for (int t = 0; t < 100; t++) {
            int m = SIZES[r.nextInt(SIZES.length)];
            int k = SIZES[r.nextInt(SIZES.length)];
            int n = SIZES[r.nextInt(SIZES.length)];
            Tensor v = Ref.random(r, Layout.random(r), k);
            Tensor w = Ref.random(r, Layout.random(r), k);
            Tensor a = Ref.random(r, Layout.random(r), m, k);
            Tensor b = Ref.random(r, Layout.random(r), k, n);
            // [k] x [k] -> scalar
            double[][] e = expected(Ref.values(v), Ref.values(w), 1, 1, k, 1);
            Tensor dot = v.matmul(w);
            Ref.assertShape(new int[0], dot, "dot");
            Ref.assertWithin(e[0], e[1], dot, "dot k=" + k);
            // [k] x [k, n] -> [n]
            e = expected(Ref.values(v), Ref.values(b), 1, 1, k, n);
            Tensor vb = v.matmul(b);
            Ref.assertShape(new int[] {n}, vb, "vector-matrix");
            Ref.assertWithin(e[0], e[1], vb, "vector-matrix");
            // [m, k] x [k] -> [m]
            e = expected(Ref.values(a), Ref.values(w), 1, m, k, 1);
            Tensor aw = a.matmul(w);
            Ref.assertShape(new int[] {m}, aw, "matrix-vector");
            Ref.assertWithin(e[0], e[1], aw, "matrix-vector");
            // [B, m, k] x [k] -> [B, m] and [k] x [B, k, n] -> [B, n]
            Tensor ba = Ref.random(r, Layout.random(r), 3, m, k);
            float[] bav = Ref.values(ba);
            float[] wv = Ref.values(w);
            float[] wrep = new float[3 * k];
            for (int p = 0; p < 3; p++) {
                System.arraycopy(wv, 0, wrep, p * k, k);
            }
            e = expected(bav, wrep, 3, m, k, 1);
            Tensor baw = ba.matmul(w);
            Ref.assertShape(new int[] {3, m}, baw, "batched matrix-vector");
            Ref.assertWithin(e[0], e[1], baw, "batched matrix-vector");
            Tensor bb = Ref.random(r, Layout.random(r), 3, k, n);
            float[] vv = Ref.values(v);
            float[] vrep = new float[3 * k];
            for (int p = 0; p < 3; p++) {
                System.arraycopy(vv, 0, vrep, p * k, k);
            }
            e = expected(vrep, Ref.values(bb), 3, 1, k, n);
            Tensor vbb = v.matmul(bb);
            Ref.assertShape(new int[] {3, n}, vbb, "vector-batched matrix");
            Ref.assertWithin(e[0], e[1], vbb, "vector-batched matrix");
        }
        assertEquals(32f, Tensor.of(1, 2, 3).matmul(Tensor.of(4, 5, 6)).item());
    }

    /** Expands a row-major [batch..., r, c] operand to a new batch shape (stride-0 copies). */
    private static float[] expandBatch(Tensor t, int[] batch, int r, int c) {
        int[] full = Arrays.copyOf(batch, batch.length + 2);
        full[batch.length] = r;
        full[batch.length + 1] = c;
        return Ref.values(t.expand(full));
    }

    @Test
    void batchedWithBroadcastBatchDims() {
        SplittableRandom r = new SplittableRandom(54);
        for (int t = 0; t < 150; t++) {
            int m = SIZES[1 + r.nextInt(8)];
            int k = SIZES[r.nextInt(9)];
            int n = SIZES[1 + r.nextInt(8)];
            int[] batch = Ref.randomShape(r, 3, 24);
            int[] ba = Ref.broadcastOperand(r, batch);
            int[] bb = Ref.broadcastOperand(r, batch);
            int[] full = Ref.broadcast(ba, bb);
            int[] ad = Arrays.copyOf(ba, ba.length + 2);
            ad[ba.length] = m;
            ad[ba.length + 1] = k;
            int[] bd = Arrays.copyOf(bb, bb.length + 2);
            bd[bb.length] = k;
            bd[bb.length + 1] = n;
            Tensor a = Ref.random(r, Layout.random(r), ad);
            Tensor b = Ref.random(r, Layout.random(r), bd);
            int count = Ref.numel(full);
            double[][] e = expected(expandBatch(a, full, m, k), expandBatch(b, full, k, n), count, m, k, n);
            int[] od = Arrays.copyOf(full, full.length + 2);
            od[full.length] = m;
            od[full.length + 1] = n;
            Tensor c = a.matmul(b);
            String ctx = Arrays.toString(ad) + " x " + Arrays.toString(bd);
            Ref.assertShape(od, c, ctx);
            Ref.assertWithin(e[0], e[1], c, ctx);
        }
    }

    @Test
    void largeEnoughForThePool() {
        SplittableRandom r = new SplittableRandom(55);
        // One big product (GEMM splits rows) and many small ones (the batch is split).
        int[][] cases = {{1, 129, 200, 97}, {40, 8, 9, 10}, {6, 64, 64, 64}};
        for (int[] cse : cases) {
            int batch = cse[0];
            int m = cse[1];
            int k = cse[2];
            int n = cse[3];
            Tensor a = Ref.random(r, Layout.CONTIGUOUS, batch, m, k);
            Tensor b = Ref.random(r, Layout.PERMUTED, batch, k, n);
            double[][] e = expected(Ref.values(a), Ref.values(b), batch, m, k, n);
            Ref.assertWithin(e[0], e[1], a.matmul(b), Arrays.toString(cse));
        }
    }

    @Test
    void fixedValues() {
        Tensor a = Tensor.of(new float[][] {{1, 2}, {3, 4}});
        Tensor b = Tensor.of(new float[][] {{5, 6}, {7, 8}});
        assertArrayEquals(new float[] {19, 22, 43, 50}, a.matmul(b).toArray());
        assertArrayEquals(new float[] {26, 30, 38, 44}, a.t().matmul(b).toArray());
        assertArrayEquals(
                new float[] {0, 0, 0, 0, 0, 0},
                Tensor.zeros(2, 0).matmul(Tensor.zeros(0, 3)).toArray(),
                "an empty inner dimension gives zeros");
        Ref.assertShape(new int[] {0, 3}, Tensor.zeros(0, 4).matmul(Tensor.zeros(4, 3)), "no rows");
        Ref.assertShape(new int[] {2, 0, 3}, Tensor.zeros(2, 0, 4).matmul(Tensor.zeros(4, 3)), "empty");
        Ref.assertShape(new int[] {0, 2, 3}, Tensor.zeros(0, 2, 4).matmul(Tensor.zeros(4, 3)), "empty batch");
    }

    @Test
    void nanAndInfinityPropagate() {
        // 0 * NaN and 0 * inf are NaN: a zero in A must not skip B's row.
        Tensor a = Tensor.of(new float[][] {{0, 1}, {1, 1}});
        Tensor b = Tensor.of(new float[][] {{Float.NaN, Float.POSITIVE_INFINITY}, {1, 1}});
        float[] c = a.matmul(b).toArray();
        for (float v : c) {
            assertTrue(Float.isNaN(v) || Float.isInfinite(v), Arrays.toString(c));
        }
        assertTrue(
                Float.isNaN(c[0]) && Float.isNaN(c[1]), "0 * NaN + 1 = NaN, 0 * inf + 1 = NaN: " + Arrays.toString(c));
    }

    @Test
    void errorsNameOperationAndShapes() {
        ShapeMismatchException e = assertThrows(
                ShapeMismatchException.class, () -> Tensor.zeros(2, 3).matmul(Tensor.zeros(4, 5)));
        assertTrue(
                e.getMessage().startsWith("matmul:")
                        && e.getMessage().contains("[2, 3]")
                        && e.getMessage().contains("[4, 5]"),
                e.getMessage());
        e = assertThrows(
                ShapeMismatchException.class, () -> Tensor.zeros(2, 2, 3).matmul(Tensor.zeros(3, 3, 4)));
        assertTrue(
                e.getMessage().startsWith("matmul:")
                        && e.getMessage().contains("[2, 2, 3]")
                        && e.getMessage().contains("[3, 3, 4]"),
                e.getMessage());
        e = assertThrows(ShapeMismatchException.class, () -> Tensor.scalar(2).matmul(Tensor.zeros(3)));
        assertTrue(e.getMessage().startsWith("matmul:") && e.getMessage().contains("[]"), e.getMessage());
        e = assertThrows(ShapeMismatchException.class, () -> Tensor.zeros(3).matmul(Tensor.zeros(4)));
        assertTrue(e.getMessage().contains("[3]") && e.getMessage().contains("[4]"), e.getMessage());
        e = assertThrows(
                ShapeMismatchException.class, () -> Tensor.zeros(2, 3).matmul(Tensor.zeros(3, 4), Tensor.zeros(4, 2)));
        assertTrue(
                e.getMessage().contains("matmul")
                        && e.getMessage().contains("[4, 2]")
                        && e.getMessage().contains("[2, 4]"),
                e.getMessage());
        Tensor a = Tensor.ones(3, 3);
        IllegalArgumentException ex =
                assertThrows(IllegalArgumentException.class, () -> a.matmul(Tensor.ones(3, 3), a));
        assertTrue(ex.getMessage().contains("matmul"), ex.getMessage());
    }
}
