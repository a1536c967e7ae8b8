package dev.nabla.tensor;

import dev.nabla.tensor.kernel.Elementwise;
import dev.nabla.tensor.kernel.Parallel;

/**
 * Walks several equally shaped strided operands row by row. Dimensions that are laid out
 * contiguously in every operand are merged first, so {@code [N, C, H, W] + [1, C, 1, 1]} becomes
 * rows of {@code H*W} with a stride-0 operand, and the per-row body runs a SIMD kernel over the
 * whole row: the bookkeeping here costs once per row, never per element.
 */
final class Strided {

    /** Called once per row: {@code offsets[k]} is operand k's first element of the row. */
    @FunctionalInterface
    interface Row {
        void run(int[] offsets, int n, int[] innerStrides);
    }

    private Strided() {}

    static void rows(int[] dims, int[][] strides, int[] base, Row body) {
        int ops = strides.length;
        // Coalesce: drop size-1 dims, merge i into i+1 when every operand steps contiguously.
        int[] cd = new int[dims.length];
        int[][] cs = new int[ops][dims.length];
        int rank = 0;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] == 1) {
                continue;
            }
            if (dims[i] == 0) {
                return;
            }
            if (rank > 0) {
                boolean merge = true;
                for (int k = 0; k < ops && merge; k++) {
                    merge = cs[k][rank - 1] == strides[k][i] * dims[i];
                }
                if (merge) {
                    cd[rank - 1] *= dims[i];
                    for (int k = 0; k < ops; k++) {
                        cs[k][rank - 1] = strides[k][i];
                    }
                    continue;
                }
            }
            cd[rank] = dims[i];
            for (int k = 0; k < ops; k++) {
                cs[k][rank] = strides[k][i];
            }
            rank++;
        }
        int[] inner = new int[ops];
        if (rank == 0) {
            body.run(base.clone(), 1, inner);
            return;
        }
        int n = cd[rank - 1];
        for (int k = 0; k < ops; k++) {
            inner[k] = cs[k][rank - 1];
        }
        int outer = 1;
        for (int i = 0; i < rank - 1; i++) {
            outer *= cd[i];
        }
        int outerRank = rank - 1;
        int grain = Math.max(1, Elementwise.GRAIN / n);
        Parallel.forRange(outer, grain, (from, to) -> {
            int[] idx = new int[outerRank];
            int[] off = base.clone();
            int rem = from;
            for (int i = outerRank - 1; i >= 0; i--) {
                idx[i] = rem % cd[i];
                rem /= cd[i];
                for (int k = 0; k < ops; k++) {
                    off[k] += idx[i] * cs[k][i];
                }
            }
            for (int r = from; r < to; r++) {
                body.run(off, n, inner);
                for (int i = outerRank - 1; i >= 0; i--) {
                    for (int k = 0; k < ops; k++) {
                        off[k] += cs[k][i];
                    }
                    if (++idx[i] < cd[i]) {
                        break;
                    }
                    for (int k = 0; k < ops; k++) {
                        off[k] -= cs[k][i] * cd[i];
                    }
                    idx[i] = 0;
                }
            }
        });
    }

    /**
     * Copies {@code src} (any strides) into {@code dst} (any strides) of the same shape, converting
     * the elements when the dtypes differ (the rules of {@link Convert}).
     */
    static void copy(Tensor src, Tensor dst) {
        Storage ss = src.storage;
        Storage ds = dst.storage;
        int[][] strides = {src.strides, dst.strides};
        int[] base = {src.offset, dst.offset};
        if (ss.dtype != ds.dtype) {
            rows(dst.dims, strides, base, (off, n, st) -> Convert.row(ss, off[0], st[0], ds, off[1], st[1], n));
            return;
        }
        if (ss.dtype == DType.FLOAT32) {
            float[] s = ss.data;
            float[] d = ds.data;
            rows(dst.dims, strides, base, (off, n, st) -> {
                if (st[0] == 1 && st[1] == 1) {
                    System.arraycopy(s, off[0], d, off[1], n);
                } else if (st[0] == 0) {
                    float v = s[off[0]];
                    for (int i = 0, j = off[1]; i < n; i++, j += st[1]) {
                        d[j] = v;
                    }
                } else {
                    for (int i = 0, a = off[0], b = off[1]; i < n; i++, a += st[0], b += st[1]) {
                        d[b] = s[a];
                    }
                }
            });
            return;
        }
        Object s = ss.array();
        Object d = ds.array();
        rows(dst.dims, strides, base, (off, n, st) -> {
            if (st[0] == 1 && st[1] == 1) {
                System.arraycopy(s, off[0], d, off[1], n);
            } else {
                Convert.row(ss, off[0], st[0], ds, off[1], st[1], n);
            }
        });
    }
}
