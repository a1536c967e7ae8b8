package dev.nabla.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Checks {@link Gemm} against two independent oracles: a plain triple loop in double precision,
 * and EJML's double-precision {@code CommonOps_DDRM.mult*}, which also does its own transposes.
 *
 * <p><b>Tolerance.</b> Each element of C is a length-k dot product. Accumulating it in float in
 * any order (blocked, FMA or not) has the classic forward error bound
 * {@code |fl(s) - s| <= gamma_k * sum_p |a_ip * b_pj|} with {@code gamma_k ~= k * u} and
 * {@code u = 2^-24}; scaling by alpha, adding beta*C and adding the partial sums of the k-blocks
 * (KC = 256) cost a few more roundings. We allow
 * {@code 2 * (k + 4) * u * (|alpha| * sum_p |a_ip * b_pj| + |beta * c_ij|)} plus 1e-30 for exact
 * zeros: per element, so a wrong element (a lost k-block, a misplaced row) fails even when the
 * matrix is large, yet any correct summation order passes. The references run in double, whose
 * own error is about 2^29 times smaller.
 */
class GemmTest {
    private static final double U = Math.ulp(1f) / 2; // unit roundoff of float, 2^-24

    /** One problem: shapes, transposes, scalars and storage (offsets, padded row pitches). */
    private record Case(
            boolean transA,
            boolean transB,
            int m,
            int n,
            int k,
            float alpha,
            float beta,
            int aOff,
            int lda,
            int bOff,
            int ldb,
            int cOff,
            int ldc) {
        int aRows() {
            return transA ? k : m;
        }

        int aCols() {
            return transA ? m : k;
        }

        int bRows() {
            return transB ? n : k;
        }

        int bCols() {
            return transB ? k : n;
        }

        static Case packed(boolean transA, boolean transB, int m, int n, int k, float alpha, float beta) {
            return new Case(
                    transA,
                    transB,
                    m,
                    n,
                    k,
                    alpha,
                    beta,
                    0,
                    Math.max(1, transA ? m : k),
                    0,
                    Math.max(1, transB ? k : n),
                    0,
                    Math.max(1, n));
        }

        @Override
        public String toString() {
            return (transA ? "T" : "N") + (transB ? "T" : "N") + " m=" + m + " n=" + n + " k=" + k
                    + " alpha=" + alpha + " beta=" + beta + " aOff=" + aOff + " lda=" + lda
                    + " bOff=" + bOff + " ldb=" + ldb + " cOff=" + cOff + " ldc=" + ldc;
        }
    }

    /** Filled operands; C's padding and the space around it hold a sentinel that must survive. */
    private static final class Operands {
        static final float SENTINEL = -12345.5f;
        final float[] a;
        final float[] b;
        final float[] c;
        final float[] c0;

        Operands(Case t, Random rnd, boolean nanC) {
            a = new float[t.aOff() + t.aRows() * t.lda() + 3];
            b = new float[t.bOff() + t.bRows() * t.ldb() + 3];
            c = new float[t.cOff() + t.m() * t.ldc() + 3];
            fill(a, rnd);
            fill(b, rnd);
            Arrays.fill(c, SENTINEL);
            for (int i = 0; i < t.m(); i++) {
                for (int j = 0; j < t.n(); j++) {
                    c[t.cOff() + i * t.ldc() + j] = nanC ? Float.NaN : rnd.nextFloat() * 2 - 1;
                }
            }
            c0 = c.clone();
        }

        private static void fill(float[] x, Random rnd) {
            for (int i = 0; i < x.length; i++) {
                x[i] = rnd.nextFloat() * 2 - 1;
            }
        }
    }

    private static double opA(Case t, float[] a, int i, int p) {
        return t.transA() ? a[t.aOff() + p * t.lda() + i] : a[t.aOff() + i * t.lda() + p];
    }

    private static double opB(Case t, float[] b, int p, int j) {
        return t.transB() ? b[t.bOff() + j * t.ldb() + p] : b[t.bOff() + p * t.ldb() + j];
    }

    /** Runs the case through {@code Gemm.run} with micro-kernel height mr and checks it against the triple loop. */
    private static void checkAgainstTripleLoop(Case t, int mr, Random rnd) {
        checkAgainstTripleLoop(t, mr, rnd, false);
    }

    /** As above; with {@code prepack} B goes through {@link Gemm#packB} and {@code Gemm.runPacked}. */
    private static void checkAgainstTripleLoop(Case t, int mr, Random rnd, boolean prepack) {
        boolean nanC = t.beta() == 0f;
        Operands o = new Operands(t, rnd, nanC);
        if (prepack) {
            Gemm.PackedB pb = Gemm.packB(t.transB(), t.k(), t.n(), o.b, t.bOff(), t.ldb());
            assertEquals(t.k(), pb.k());
            assertEquals(t.n(), pb.n());
            Gemm.runPacked(
                    mr, t.transA(), t.m(), t.alpha(), o.a, t.aOff(), t.lda(), pb, t.beta(), o.c, t.cOff(), t.ldc());
        } else {
            Gemm.run(
                    mr,
                    t.transA(),
                    t.transB(),
                    t.m(),
                    t.n(),
                    t.k(),
                    t.alpha(),
                    o.a,
                    t.aOff(),
                    t.lda(),
                    o.b,
                    t.bOff(),
                    t.ldb(),
                    t.beta(),
                    o.c,
                    t.cOff(),
                    t.ldc());
        }
        // Rows of op(A) and columns of op(B), read through the strided layouts once.
        double[][] rowsA = new double[t.m()][t.k()];
        double[][] colsB = new double[t.n()][t.k()];
        for (int p = 0; p < t.k(); p++) {
            for (int i = 0; i < t.m(); i++) {
                rowsA[i][p] = opA(t, o.a, i, p);
            }
            for (int j = 0; j < t.n(); j++) {
                colsB[j][p] = opB(t, o.b, p, j);
            }
        }
        for (int i = 0; i < t.m(); i++) {
            double[] ai = rowsA[i];
            for (int j = 0; j < t.n(); j++) {
                double[] bj = colsB[j];
                double sum = 0;
                double abs = 0;
                for (int p = 0; p < t.k(); p++) {
                    double prod = ai[p] * bj[p];
                    sum += prod;
                    abs += Math.abs(prod);
                }
                int ci = t.cOff() + i * t.ldc() + j;
                double c0 = t.beta() == 0f ? 0 : o.c0[ci];
                double want = t.alpha() * sum + t.beta() * c0;
                double tol = 2 * (t.k() + 4) * U * (Math.abs(t.alpha()) * abs + Math.abs(t.beta() * c0)) + 1e-30;
                float got = o.c[ci];
                if (!(Math.abs(got - want) <= tol)) {
                    fail("mr=" + mr + (prepack ? " packed B " : " ") + t + ": C[" + i + "][" + j + "] = " + got
                            + ", expected " + want + " (tolerance " + tol + ")");
                }
            }
        }
        assertOutsideUntouched(t, o);
    }

    /** Everything in c that is not one of the m x n elements (row padding, before, after) is unchanged. */
    private static void assertOutsideUntouched(Case t, Operands o) {
        boolean[] inside = new boolean[o.c.length];
        for (int i = 0; i < t.m(); i++) {
            for (int j = 0; j < t.n(); j++) {
                inside[t.cOff() + i * t.ldc() + j] = true;
            }
        }
        for (int x = 0; x < o.c.length; x++) {
            if (!inside[x] && Float.floatToRawIntBits(o.c[x]) != Float.floatToRawIntBits(o.c0[x])) {
                fail(t + ": c[" + x + "] outside the m x n result changed from " + o.c0[x] + " to " + o.c[x]);
            }
        }
    }

    private static final int[] EDGE_SIZES = {1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 23, 31, 32, 33, 47, 48, 49, 65};

    /** Random shapes around the tile sizes of both micro-kernels, all four transposes, padded and offset. */
    @ParameterizedTest(name = "mr={0}")
    @ValueSource(ints = {6, 8})
    void randomShapesMatchTripleLoop(int mr) {
        Random rnd = new Random(42 + mr);
        float[][] scalars = {{1f, 0f}, {1f, 1f}, {-0.75f, 0f}, {1.5f, -0.5f}, {0.25f, 2f}};
        for (int trial = 0; trial < 400; trial++) {
            boolean transA = (trial & 1) != 0;
            boolean transB = (trial & 2) != 0;
            int m = EDGE_SIZES[rnd.nextInt(EDGE_SIZES.length)];
            int n = EDGE_SIZES[rnd.nextInt(EDGE_SIZES.length)];
            int k = rnd.nextInt(8) == 0 ? 250 + rnd.nextInt(300) : EDGE_SIZES[rnd.nextInt(EDGE_SIZES.length)];
            float[] ab = scalars[rnd.nextInt(scalars.length)];
            boolean padded = rnd.nextBoolean();
            int pa = padded ? 1 + rnd.nextInt(5) : 0;
            int pb = padded ? 1 + rnd.nextInt(5) : 0;
            int pc = padded ? 1 + rnd.nextInt(5) : 0;
            Case t = new Case(
                    transA,
                    transB,
                    m,
                    n,
                    k,
                    ab[0],
                    ab[1],
                    padded ? rnd.nextInt(7) : 0,
                    (transA ? m : k) + pa,
                    padded ? rnd.nextInt(7) : 0,
                    (transB ? k : n) + pb,
                    padded ? rnd.nextInt(7) : 0,
                    n + pc);
            checkAgainstTripleLoop(t, mr, rnd);
        }
    }

    /** Shapes that cross the cache blocks: m > MC, k > KC (several k-blocks), n > NC, and the threaded split. */
    @ParameterizedTest(name = "mr={0}")
    @ValueSource(ints = {6, 8})
    void blockBoundariesMatchTripleLoop(int mr) {
        Random rnd = new Random(7 + mr);
        int[][] shapes = {
            {Gemm.MC + 1, 40, 9},
            {2 * Gemm.MC + 13, 3, 70},
            {37, 35, 2 * Gemm.KC + 3},
            {9, 70, Gemm.KC},
            {5, Gemm.NC + 37, 6},
            {3, 2 * Gemm.NC + 1, 2},
            {130, 131, 61},
            {200, 64, 100},
            {64, 200, 100},
            {2 * Gemm.MC + 7, 2 * Gemm.NR + 5, Gemm.KC + 1}, // above PARALLEL_MIN_MACS: threaded
        };
        for (int[] s : shapes) {
            for (int tr = 0; tr < 4; tr++) {
                Case t = new Case(
                        (tr & 1) != 0,
                        (tr & 2) != 0,
                        s[0],
                        s[1],
                        s[2],
                        0.5f,
                        tr == 3 ? 0f : 1f,
                        3,
                        ((tr & 1) != 0 ? s[0] : s[2]) + 2,
                        1,
                        ((tr & 2) != 0 ? s[2] : s[1]) + 1,
                        2,
                        s[1] + 3);
                checkAgainstTripleLoop(t, mr, rnd);
            }
        }
    }

    /**
     * A few rows of A are read where they lie, many are packed first: either way a row of C gets
     * the same bits, so a layer's output row does not depend on the batch it came in.
     */
    @ParameterizedTest(name = "mr={0}")
    @ValueSource(ints = {6, 8})
    void rowsReadInPlaceMatchPackedRows(int mr) {
        Random rnd = new Random(41 + mr);
        int big = 3 * Gemm.DIRECT_MAX_ROWS + 5, n = 77, k = Gemm.KC + 30;
        float[] a = new float[big * k];
        float[] w = new float[k * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = rnd.nextFloat() * 2 - 1;
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = rnd.nextFloat() * 2 - 1;
        }
        float[] all = new float[big * n];
        Gemm.run(mr, false, false, big, n, k, 1f, a, 0, k, w, 0, n, 0f, all, 0, n);
        for (int m : new int[] {Gemm.DIRECT_MAX_ROWS, 37, 8, 2}) {
            float[] few = new float[m * n];
            Gemm.run(mr, false, false, m, n, k, 1f, a, 0, k, w, 0, n, 0f, few, 0, n);
            assertArrayEquals(Arrays.copyOf(all, m * n), few, "mr=" + mr + ", the first " + m + " rows");
        }
    }

    /**
     * The fused epilogue (bias, then ReLU) gives the bits of the three steps apart: C filled with
     * the bias, the product added with beta 1, a ReLU pass as {@code Tensor.relu} computes it. Shapes
     * with A read in place (up to {@link Gemm#DIRECT_MAX_ROWS} rows) and packed, edge tiles, several
     * k-slices (the bias enters once, the ReLU at the end), NaN and signed zeros in the bias.
     */
    @ParameterizedTest(name = "mr={0}")
    @ValueSource(ints = {6, 8})
    void fusedBiasReluEpilogueMatchesSeparatePasses(int mr) {
        Random rnd = new Random(31 + mr);
        int[][] shapes = {
            {64, 512, 784},
            {64, 10, 512},
            {37, 70, Gemm.KC + 9},
            {130, 131, 61},
            {100, 40, 2 * Gemm.KC + 3},
            {9, 33, 17},
            {2, 5, 3}
        };
        for (int[] sh : shapes) {
            int m = sh[0], n = sh[1], k = sh[2];
            for (boolean transA : new boolean[] {false, true}) {
                float[] a = new float[m * k + 1];
                float[] w = new float[n * k];
                float[] bias = new float[n + 2];
                for (int i = 0; i < a.length; i++) {
                    a[i] = rnd.nextFloat() * 2 - 1;
                }
                for (int i = 0; i < w.length; i++) {
                    w[i] = rnd.nextFloat() * 2 - 1;
                }
                for (int i = 0; i < bias.length; i++) {
                    bias[i] = i % 11 == 3 ? Float.NaN : i % 11 == 5 ? -0f : rnd.nextFloat() * 2 - 1;
                }
                Gemm.PackedB pb = Gemm.packB(true, k, n, w, 0, k);
                int lda = transA ? m : k;
                for (boolean relu : new boolean[] {false, true}) {
                    float[] want = new float[m * n];
                    for (int i = 0; i < m; i++) {
                        System.arraycopy(bias, 2, want, i * n, n);
                    }
                    Gemm.runPacked(mr, transA, m, 1f, a, 1, lda, pb, 1f, want, 0, n);
                    if (relu) {
                        for (int i = 0; i < want.length; i++) {
                            float v = want[i];
                            want[i] = v > 0f ? v : (v == v ? 0f : v);
                        }
                    }
                    float[] got = new float[m * n];
                    Arrays.fill(got, Float.NaN);
                    Gemm.runPacked(mr, transA, m, 1f, a, 1, lda, pb, 0f, got, 0, n, bias, 2, relu);
                    for (int i = 0; i < want.length; i++) {
                        if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(want[i])) {
                            fail("mr=" + mr + " m=" + m + " n=" + n + " k=" + k + " transA=" + transA + " relu=" + relu
                                    + ": C[" + i / n + "][" + i % n + "] = " + got[i] + ", separate passes " + want[i]);
                        }
                    }
                }
                float[] none = new float[m * n];
                Gemm.sgemm(transA, m, a, 1, lda, pb, null, 0, false, none, 0, n);
                float[] plain = new float[m * n];
                Gemm.sgemm(transA, m, 1f, a, 1, lda, pb, 0f, plain, 0, n);
                assertArrayEquals(plain, none, "no bias, no ReLU: the plain product");
            }
        }
    }

    @Test
    void fusedEntryChecksTheBias() {
        Gemm.PackedB pb = Gemm.packB(false, 3, 5, new float[15], 0, 5);
        IndexOutOfBoundsException e = assertThrows(
                IndexOutOfBoundsException.class,
                () -> Gemm.sgemm(false, 2, new float[6], 0, 3, pb, new float[4], 0, true, new float[10], 0, 5));
        assertTrue(e.getMessage().contains("bias"), e.getMessage());
    }

    /** Pre-packed B: edge tiles, several k-slices and column blocks, offsets, both kernels, all transposes. */
    @ParameterizedTest(name = "mr={0}")
    @ValueSource(ints = {6, 8})
    void prepackedBMatchesTripleLoop(int mr) {
        Random rnd = new Random(21 + mr);
        int[][] shapes = {
            {1, 1, 1},
            {1, 40, 9},
            {7, 1, 13},
            {9, 33, 17},
            {64, 120, 400},
            {17, 70, Gemm.KC + 9},
            {3, Gemm.NC + 20, 5},
            {130, 131, 61},
            {2, 2 * Gemm.NR + 1, 2 * Gemm.KC + 1}
        };
        for (int[] sh : shapes) {
            for (int tr = 0; tr < 4; tr++) {
                boolean transA = (tr & 1) != 0;
                boolean transB = (tr & 2) != 0;
                Case t = new Case(
                        transA,
                        transB,
                        sh[0],
                        sh[1],
                        sh[2],
                        tr == 1 ? 0.5f : 1f,
                        tr >= 2 ? 0f : 0.75f,
                        2,
                        (transA ? sh[0] : sh[2]) + 1,
                        3,
                        (transB ? sh[2] : sh[1]) + 2,
                        1,
                        sh[1] + 1);
                checkAgainstTripleLoop(t, mr, rnd, true);
            }
        }
    }

    /** One packed B serves many products, from several threads at once, with the same results as packing per call. */
    @Test
    void prepackedBIsReusableAndSharedAcrossThreads() {
        Random rnd = new Random(31);
        int m = 50;
        int n = 90;
        int k = 70;
        float[] b = new float[n * k];
        for (int i = 0; i < b.length; i++) {
            b[i] = rnd.nextFloat() - 0.5f;
        }
        Gemm.PackedB pb = Gemm.packB(true, k, n, b, 0, k);
        float[][] as = new float[4][m * k];
        float[][] want = new float[4][m * n];
        for (int w = 0; w < 4; w++) {
            for (int i = 0; i < as[w].length; i++) {
                as[w][i] = rnd.nextFloat() - 0.5f;
            }
            Gemm.sgemm(false, true, m, n, k, 1f, as[w], 0, k, b, 0, k, 0f, want[w], 0, n);
        }
        float[][] got = new float[4][m * n];
        Parallel.forChunks(4, 4, (from, to) -> {
            for (int w = from; w < to; w++) {
                Gemm.sgemm(false, m, 1f, as[w], 0, k, pb, 0f, got[w], 0, n);
            }
        });
        for (int w = 0; w < 4; w++) {
            assertArrayEquals(want[w], got[w], "product " + w);
        }
    }

    /** The default entry point against EJML, which transposes on its own. */
    @Test
    void matchesEjml() {
        Random rnd = new Random(3);
        int[][] shapes = {
            {1, 120, 400},
            {64, 3, 27},
            {64, 256, 300},
            {17, 33, 65},
            {100, 1, 50},
            {2, 2, 2},
            {48, 96, 128},
            {129, 67, 31}
        };
        for (int[] s : shapes) {
            for (int tr = 0; tr < 4; tr++) {
                Case t = Case.packed((tr & 1) != 0, (tr & 2) != 0, s[0], s[1], s[2], 1.25f, -0.5f);
                Operands o = new Operands(t, rnd, false);
                Gemm.sgemm(
                        t.transA(),
                        t.transB(),
                        t.m(),
                        t.n(),
                        t.k(),
                        t.alpha(),
                        o.a,
                        0,
                        t.lda(),
                        o.b,
                        0,
                        t.ldb(),
                        t.beta(),
                        o.c,
                        0,
                        t.ldc());
                DMatrixRMaj a = toDouble(o.a, t.aRows(), t.aCols());
                DMatrixRMaj b = toDouble(o.b, t.bRows(), t.bCols());
                DMatrixRMaj ab = new DMatrixRMaj(t.m(), t.n());
                if (t.transA() && t.transB()) {
                    CommonOps_DDRM.multTransAB(a, b, ab);
                } else if (t.transA()) {
                    CommonOps_DDRM.multTransA(a, b, ab);
                } else if (t.transB()) {
                    CommonOps_DDRM.multTransB(a, b, ab);
                } else {
                    CommonOps_DDRM.mult(a, b, ab);
                }
                DMatrixRMaj absA = a.copy();
                DMatrixRMaj absB = b.copy();
                CommonOps_DDRM.abs(absA);
                CommonOps_DDRM.abs(absB);
                DMatrixRMaj bound = new DMatrixRMaj(t.m(), t.n());
                if (t.transA() && t.transB()) {
                    CommonOps_DDRM.multTransAB(absA, absB, bound);
                } else if (t.transA()) {
                    CommonOps_DDRM.multTransA(absA, absB, bound);
                } else if (t.transB()) {
                    CommonOps_DDRM.multTransB(absA, absB, bound);
                } else {
                    CommonOps_DDRM.mult(absA, absB, bound);
                }
                for (int i = 0; i < t.m(); i++) {
                    for (int j = 0; j < t.n(); j++) {
                        double c0 = o.c0[i * t.ldc() + j];
                        double want = t.alpha() * ab.get(i, j) + t.beta() * c0;
                        double tol =
                                2 * (t.k() + 4) * U * (Math.abs(t.alpha()) * bound.get(i, j) + Math.abs(t.beta() * c0));
                        assertEquals(want, o.c[i * t.ldc() + j], tol, t + " at C[" + i + "][" + j + "]");
                    }
                }
            }
        }
    }

    private static DMatrixRMaj toDouble(float[] x, int rows, int cols) {
        DMatrixRMaj d = new DMatrixRMaj(rows, cols);
        for (int i = 0; i < rows * cols; i++) {
            d.data[i] = x[i];
        }
        return d;
    }

    /** The skinny shapes of real layers, all transposes, with NaN in C and beta = 0. */
    @Test
    void layerShapesWithNanFilledOutput() {
        Random rnd = new Random(11);
        int[][] shapes = {
            {1, 120, 400},
            {1, 10, 84},
            {64, 256, 4096},
            {64, 512, 784},
            {64, 3, 27},
            {3, 64, 27},
            {120, 1, 400},
            {1, 1, 1000},
            {1, 1000, 1},
            {1000, 1, 1},
            {256, 10, 33}
        };
        for (int[] s : shapes) {
            for (int tr = 0; tr < 4; tr++) {
                long macs = (long) s[0] * s[1] * s[2];
                for (int mr : new int[] {6, 8}) {
                    // Keep the suite fast: the big shapes only with this machine's kernel, and the
                    // biggest (64x256x4096) only as NN and NT; the random shapes cover the rest.
                    if ((mr == Gemm.MR || macs < 1 << 20) && (macs < 1 << 22 || tr == 0 || tr == 2)) {
                        checkAgainstTripleLoop(
                                Case.packed((tr & 1) != 0, (tr & 2) != 0, s[0], s[1], s[2], 1f, 0f), mr, rnd);
                    }
                }
            }
        }
    }

    @Test
    void javadocExample() {
        float[] a = {1, 2, 3, 4};
        float[] b = {5, 6, 7, 8};
        float[] c = new float[4];
        Gemm.sgemm(false, false, 2, 2, 2, 1f, a, 0, 2, b, 0, 2, 0f, c, 0, 2);
        assertArrayEquals(new float[] {19, 22, 43, 50}, c);
    }

    /** Small integer inputs make every product and sum exact in float: results must match bit for bit. */
    @Test
    void exactOnIntegers() {
        Random rnd = new Random(5);
        for (int tr = 0; tr < 4; tr++) {
            Case t = Case.packed((tr & 1) != 0, (tr & 2) != 0, 37, 71, 300, 1f, 1f);
            float[] a = new float[t.aRows() * t.lda()];
            float[] b = new float[t.bRows() * t.ldb()];
            float[] c = new float[t.m() * t.ldc()];
            for (int i = 0; i < a.length; i++) {
                a[i] = rnd.nextInt(9) - 4;
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = rnd.nextInt(9) - 4;
            }
            for (int i = 0; i < c.length; i++) {
                c[i] = rnd.nextInt(100);
            }
            float[] want = c.clone();
            for (int i = 0; i < t.m(); i++) {
                for (int j = 0; j < t.n(); j++) {
                    double s = 0;
                    for (int p = 0; p < t.k(); p++) {
                        s += opA(t, a, i, p) * opB(t, b, p, j);
                    }
                    want[i * t.ldc() + j] += (float) s;
                }
            }
            Gemm.sgemm(
                    t.transA(), t.transB(), t.m(), t.n(), t.k(), 1f, a, 0, t.lda(), b, 0, t.ldb(), 1f, c, 0, t.ldc());
            assertArrayEquals(want, c, t.toString());
        }
    }

    /** alpha == 0 or k == 0 only scales C by beta: A and B are not read (NaN there must not leak). */
    @Test
    void alphaZeroAndEmptyK() {
        float[] nanA = new float[12];
        float[] nanB = new float[12];
        Arrays.fill(nanA, Float.NaN);
        Arrays.fill(nanB, Float.NaN);
        float[] c = {1, 2, 3, 4, 5, 6};
        Gemm.sgemm(false, false, 2, 3, 4, 0f, nanA, 0, 4, nanB, 0, 3, 2f, c, 0, 3);
        assertArrayEquals(new float[] {2, 4, 6, 8, 10, 12}, c);
        Gemm.sgemm(true, true, 2, 3, 0, 1f, nanA, 0, 2, nanB, 0, 1, 0.5f, c, 0, 3);
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, c);
        float[] nanC = {Float.NaN, Float.NaN, Float.NaN, Float.NaN, Float.NaN, Float.NaN};
        Gemm.sgemm(false, false, 2, 3, 0, 1f, nanA, 0, 1, nanB, 0, 3, 0f, nanC, 0, 3);
        assertArrayEquals(new float[6], nanC);
    }

    @Test
    void emptyOutputsAreNoOps() {
        float[] c = {7};
        Gemm.sgemm(false, false, 0, 5, 3, 1f, new float[0], 0, 3, new float[15], 0, 5, 0f, c, 0, 5);
        Gemm.sgemm(false, false, 4, 0, 3, 1f, new float[12], 0, 3, new float[0], 0, 1, 0f, c, 0, 1);
        assertArrayEquals(new float[] {7}, c);
    }

    /** Both thread counts give the same numbers (same per-element summation order), also when nested in a worker. */
    @Test
    void threadedAndNestedCallsAgreeWithSerial() {
        int saved = Parallel.threads();
        try {
            Random rnd = new Random(9);
            for (int tr = 0; tr < 4; tr++) {
                // All above Gemm.PARALLEL_MIN_MACS, so the threaded paths (split n, split m, GEMV) run.
                for (int[] s : new int[][] {{150, 300, 100}, {400, 60, 180}, {1, 3000, 1500}, {3000, 1, 1500}}) {
                    assertTrue((long) s[0] * s[1] * s[2] >= Gemm.PARALLEL_MIN_MACS, "too small to split");
                    Case t = Case.packed((tr & 1) != 0, (tr & 2) != 0, s[0], s[1], s[2], 0.5f, 0.5f);
                    Operands o = new Operands(t, rnd, false);
                    float[] serial = o.c.clone();
                    Parallel.setThreads(1);
                    Gemm.sgemm(
                            t.transA(),
                            t.transB(),
                            t.m(),
                            t.n(),
                            t.k(),
                            t.alpha(),
                            o.a,
                            0,
                            t.lda(),
                            o.b,
                            0,
                            t.ldb(),
                            t.beta(),
                            serial,
                            0,
                            t.ldc());
                    Parallel.setThreads(3);
                    float[] threaded = o.c.clone();
                    Gemm.sgemm(
                            t.transA(),
                            t.transB(),
                            t.m(),
                            t.n(),
                            t.k(),
                            t.alpha(),
                            o.a,
                            0,
                            t.lda(),
                            o.b,
                            0,
                            t.ldb(),
                            t.beta(),
                            threaded,
                            0,
                            t.ldc());
                    assertArrayEquals(serial, threaded, t.toString());
                    // Each worker runs its own GEMM on its own C; Parallel keeps them serial inside.
                    List<float[]> outs = new ArrayList<>();
                    for (int w = 0; w < 3; w++) {
                        outs.add(o.c.clone());
                    }
                    AtomicInteger ran = new AtomicInteger();
                    Parallel.forChunks(3, 3, (from, to) -> {
                        for (int w = from; w < to; w++) {
                            Gemm.sgemm(
                                    t.transA(),
                                    t.transB(),
                                    t.m(),
                                    t.n(),
                                    t.k(),
                                    t.alpha(),
                                    o.a,
                                    0,
                                    t.lda(),
                                    o.b,
                                    0,
                                    t.ldb(),
                                    t.beta(),
                                    outs.get(w),
                                    0,
                                    t.ldc());
                            ran.incrementAndGet();
                        }
                    });
                    assertEquals(3, ran.get());
                    for (float[] out : outs) {
                        assertArrayEquals(serial, out, "nested " + t);
                    }
                }
            }
        } finally {
            Parallel.setThreads(saved);
        }
    }

    @Test
    void badArgumentsNameTheOperationAndShapes() {
        float[] x = new float[100];
        IllegalArgumentException neg = assertThrows(
                IllegalArgumentException.class,
                () -> Gemm.sgemm(false, false, -1, 2, 2, 1f, x, 0, 2, x, 0, 2, 0f, x, 0, 2));
        assertTrue(neg.getMessage().contains("sgemm") && neg.getMessage().contains("m=-1"), neg.getMessage());
        IllegalArgumentException pitch = assertThrows(
                IllegalArgumentException.class,
                () -> Gemm.sgemm(false, true, 4, 5, 6, 1f, x, 0, 6, x, 0, 5, 0f, x, 0, 5));
        assertTrue(
                pitch.getMessage().contains("B is 5x6") && pitch.getMessage().contains("pitch=5"), pitch.getMessage());
        IndexOutOfBoundsException small = assertThrows(
                IndexOutOfBoundsException.class,
                () -> Gemm.sgemm(false, false, 8, 8, 8, 1f, x, 0, 8, x, 0, 8, 0f, x, 40, 8));
        assertTrue(
                small.getMessage().contains("C is 8x8") && small.getMessage().contains("has 100"), small.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> Gemm.sgemm(false, false, 2, 2, 2, 1f, x, -1, 2, x, 0, 2, 0f, x, 0, 2));
        assertThrows(
                NullPointerException.class,
                () -> Gemm.sgemm(false, false, 2, 2, 2, 1f, null, 0, 2, x, 0, 2, 0f, x, 0, 2));
        IllegalArgumentException packPitch =
                assertThrows(IllegalArgumentException.class, () -> Gemm.packB(false, 4, 10, x, 0, 9));
        assertTrue(
                packPitch.getMessage().contains("packB")
                        && packPitch.getMessage().contains("B is 4x10"),
                packPitch.getMessage());
        Gemm.PackedB pb = Gemm.packB(false, 4, 10, x, 0, 10);
        IndexOutOfBoundsException packedC = assertThrows(
                IndexOutOfBoundsException.class, () -> Gemm.sgemm(false, 11, 1f, x, 0, 4, pb, 0f, x, 0, 10));
        assertTrue(packedC.getMessage().contains("C is 11x10"), packedC.getMessage());
    }
}
