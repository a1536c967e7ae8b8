package dev.nabla.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Single-precision general matrix multiply, row-major:
 * {@code C = alpha * op(A) * op(B) + beta * C}, where {@code op(X)} is X or its transpose.
 *
 * <p>A is {@code m x k} (stored {@code k x m} when {@code transA}), B is {@code k x n} (stored
 * {@code n x k} when {@code transB}); {@code lda}, {@code ldb}, {@code ldc} are the row pitches of
 * the stored matrices. {@code beta == 0} overwrites C without reading it (NaN in C does not leak).
 *
 * <pre>{@code
 * float[] a = {1, 2, 3, 4}, b = {5, 6, 7, 8}, c = new float[4];
 * Gemm.sgemm(false, false, 2, 2, 2, 1f, a, 0, 2, b, 0, 2, 0f, c, 0, 2);   // c = {19, 22, 43, 50}
 * }</pre>
 */
public final class Gemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private Gemm() {
    }

    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        // Interim i-k-j kernel; replaced by the packed, register-blocked kernel of the kernels issue.
        float[] bn = b;
        int bo = bOff;
        int ldbn = ldb;
        if (transB) {
            bn = new float[k * n];
            for (int p = 0; p < k; p++) {
                for (int j = 0; j < n; j++) {
                    bn[p * n + j] = b[bOff + j * ldb + p];
                }
            }
            bo = 0;
            ldbn = n;
        }
        float[] bb = bn;
        int bbo = bo;
        int ldbb = ldbn;
        Parallel.forRange(m, Math.max(1, (1 << 16) / Math.max(1, n * k)), (from, to) -> {
            float[] row = new float[n];
            for (int i = from; i < to; i++) {
                java.util.Arrays.fill(row, 0f);
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    if (av == 0f) {
                        continue;
                    }
                    FloatVector va = FloatVector.broadcast(S, av);
                    int base = bbo + p * ldbb;
                    int j = 0;
                    for (int ub = S.loopBound(n); j < ub; j += L) {
                        FloatVector.fromArray(S, bb, base + j).fma(va, FloatVector.fromArray(S, row, j)).intoArray(row, j);
                    }
                    for (; j < n; j++) {
                        row[j] += av * bb[base + j];
                    }
                }
                int ci = cOff + i * ldc;
                for (int j = 0; j < n; j++) {
                    c[ci + j] = beta == 0f ? alpha * row[j] : alpha * row[j] + beta * c[ci + j];
                }
            }
        });
    }
}
