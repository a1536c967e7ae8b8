package dev.nabla.tensor.kernel;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Reductions over the middle axis of a contiguous {@code [outer, r, inner]} block, the layout
 * every "reduce along these axes" becomes once the axes are made adjacent. {@code inner == 1} is a
 * row reduction (SIMD across the row); {@code inner > 1} reduces whole rows into an output row
 * (SIMD across {@code inner}).
 *
 * <pre>{@code
 * float[] x = {1, 2, 3, 4, 5, 6};               // [2, 3]
 * float[] rowSums = new float[2];
 * Reduce.sum(x, 0, 2, 3, 1, rowSums, 0);        // {6, 15}
 * float[] colSums = new float[3];
 * Reduce.sum(x, 0, 1, 2, 3, colSums, 0);        // {5, 7, 9}
 * }</pre>
 */
public final class Reduce {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /** The associative reductions with a SIMD form. */
    public enum Op {
        SUM,
        MAX,
        MIN
    }

    private Reduce() {}

    public static void sum(float[] x, int xo, int outer, int r, int inner, float[] o, int oo) {
        reduce(Op.SUM, x, xo, outer, r, inner, o, oo);
    }

    /**
     * {@code o[i, j] = op over k of x[i, k, j]}. An empty reduction ({@code r == 0}) gives 0 for
     * SUM and throws for MAX and MIN, which have no identity.
     */
    public static void reduce(Op op, float[] x, int xo, int outer, int r, int inner, float[] o, int oo) {
        if (r == 0) {
            if (op != Op.SUM) {
                throw new IllegalArgumentException(op.name().toLowerCase()
                        + ": cannot reduce over a dimension of size 0 (the operation has no identity)");
            }
            Arrays.fill(o, oo, oo + outer * inner, 0f);
            return;
        }
        long work = (long) outer * r * inner;
        if (inner == 1) {
            int grain = Math.max(1, Elementwise.GRAIN / Math.max(1, r));
            Parallel.forRange(outer, grain, (from, to) -> {
                for (int i = from; i < to; i++) {
                    o[oo + i] = reduceRow(op, x, xo + i * r, r);
                }
            });
        } else if (outer >= Parallel.threads() || work < Elementwise.GRAIN) {
            int grain = (int) Math.max(1, Elementwise.GRAIN / Math.max(1L, (long) r * inner));
            Parallel.forRange(outer, grain, (from, to) -> {
                for (int i = from; i < to; i++) {
                    reduceRows(op, x, xo + i * r * inner, r, inner, 0, inner, o, oo + i * inner);
                }
            });
        } else {
            // Few outer blocks (e.g. a column sum of one big matrix): split along inner instead.
            for (int i = 0; i < outer; i++) {
                int base = xo + i * r * inner;
                int ob = oo + i * inner;
                Parallel.forRange(
                        inner,
                        Math.max(L, Elementwise.GRAIN / r),
                        (from, to) -> reduceRows(op, x, base, r, inner, from, to, o, ob));
            }
        }
    }

    /**
     * One contiguous row reduced to a scalar; sums in {@link Lanes}' fixed order, so the result
     * does not depend on the vector width.
     */
    static float reduceRow(Op op, float[] x, int off, int n) {
        int i = 0;
        if (op == Op.SUM) {
            return Lanes.sum(x, off, n, Lanes.buffer());
        }
        boolean max = op == Op.MAX;
        float acc = x[off];
        int ub = S.loopBound(n);
        if (ub > 0) {
            FloatVector a = FloatVector.fromArray(S, x, off);
            for (i = L; i < ub; i += L) {
                FloatVector v = FloatVector.fromArray(S, x, off + i);
                a = max ? v.max(a) : v.min(a);
            }
            // 1 * a: a receiver whose class C2 knows (see Lanes); the loop's a may not be.
            acc = FloatVector.broadcast(S, 1f).mul(a).reduceLanes(max ? VectorOperators.MAX : VectorOperators.MIN);
        }
        for (; i < n; i++) {
            float v = x[off + i];
            acc = max ? Math.max(acc, v) : Math.min(acc, v);
        }
        return acc;
    }

    /** Columns {@code [from, to)} of an {@code [r, inner]} block reduced into {@code o}. */
    private static void reduceRows(Op op, float[] x, int base, int r, int inner, int from, int to, float[] o, int oo) {
        System.arraycopy(x, base + from, o, oo + from, to - from);
        int width = to - from;
        int ub = S.loopBound(width);
        for (int k = 1; k < r; k++) {
            int row = base + k * inner;
            int j = 0;
            switch (op) {
                case SUM -> {
                    for (; j < ub; j += L) {
                        FloatVector.fromArray(S, o, oo + from + j)
                                .add(FloatVector.fromArray(S, x, row + from + j))
                                .intoArray(o, oo + from + j);
                    }
                    for (; j < width; j++) {
                        o[oo + from + j] += x[row + from + j];
                    }
                }
                case MAX -> {
                    for (; j < ub; j += L) {
                        FloatVector.fromArray(S, o, oo + from + j)
                                .max(FloatVector.fromArray(S, x, row + from + j))
                                .intoArray(o, oo + from + j);
                    }
                    for (; j < width; j++) {
                        o[oo + from + j] = Math.max(o[oo + from + j], x[row + from + j]);
                    }
                }
                case MIN -> {
                    for (; j < ub; j += L) {
                        FloatVector.fromArray(S, o, oo + from + j)
                                .min(FloatVector.fromArray(S, x, row + from + j))
                                .intoArray(o, oo + from + j);
                    }
                    for (; j < width; j++) {
                        o[oo + from + j] = Math.min(o[oo + from + j], x[row + from + j]);
                    }
                }
            }
        }
    }

    /**
     * Index of the largest ({@code largest}) or smallest element along the middle axis; ties go to
     * the first index, and NaN counts as larger than anything (PyTorch's rule).
     */
    public static void argExtreme(boolean largest, float[] x, int xo, int outer, int r, int inner, long[] o, int oo) {
        if (r == 0) {
            throw new IllegalArgumentException(
                    (largest ? "argmax" : "argmin") + ": cannot reduce over a dimension of size 0");
        }
        for (int i = 0; i < outer; i++) {
            for (int j = 0; j < inner; j++) {
                int base = xo + i * r * inner + j;
                int best = 0;
                float bv = x[base];
                for (int k = 1; k < r && bv == bv; k++) {
                    float v = x[base + k * inner];
                    if (v != v || (largest ? v > bv : v < bv)) {
                        best = k;
                        bv = v;
                    }
                }
                o[oo + i * inner + j] = best;
            }
        }
    }

    /**
     * Variance along the middle axis, two-pass (mean first) for accuracy, divided by
     * {@code r - correction} (1 = unbiased, PyTorch's default). Fewer than {@code correction + 1}
     * elements give NaN, as in PyTorch.
     */
    public static void variance(float[] x, int xo, int outer, int r, int inner, int correction, float[] o, int oo) {
        float[] mean = new float[outer * inner];
        sum(x, xo, outer, r, inner, mean, 0);
        float inv = 1f / r;
        for (int i = 0; i < mean.length; i++) {
            mean[i] *= inv;
        }
        float denom = r - correction;
        Parallel.forRange(outer, Math.max(1, Elementwise.GRAIN / Math.max(1, r * inner)), (from, to) -> {
            for (int i = from; i < to; i++) {
                for (int j = 0; j < inner; j++) {
                    double acc = 0;
                    float m = mean[i * inner + j];
                    int base = xo + i * r * inner + j;
                    for (int k = 0; k < r; k++) {
                        float d = x[base + k * inner] - m;
                        acc += d * d;
                    }
                    o[oo + i * inner + j] = denom > 0 ? (float) (acc / denom) : Float.NaN;
                }
            }
        });
    }
}
