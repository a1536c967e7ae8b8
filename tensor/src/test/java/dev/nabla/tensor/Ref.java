package dev.nabla.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The scalar reference the tensor tests compare against: values read straight out of a tensor's
 * storage by index arithmetic (never through {@code Strided} or {@code toArray()}), odometer loops
 * in double, random shapes with odd, size-1 and empty dimensions, and operands of a given logical
 * shape laid out contiguously or as transposed, stepped or expanded views.
 */
final class Ref {
    /** Unit roundoff of float32. */
    static final double U = 0x1p-24;

    private Ref() {}

    // ------------------------------------------------------------------ reading tensors

    /**
     * Row-major values of any strided tensor, read by {@code offset + sum(index * stride)}; the
     * elements of an integer or bool tensor (bool as 1 and 0) are converted to float.
     */
    static float[] values(Tensor t) {
        int[] d = t.dims();
        int[] s = t.strides();
        Storage storage = t.storage;
        int n = t.numel();
        float[] out = new float[n];
        int[] idx = new int[d.length];
        for (int i = 0; i < n; i++) {
            int at = t.storageOffset();
            for (int k = 0; k < d.length; k++) {
                at += idx[k] * s[k];
            }
            out[i] = storage.dtype == DType.FLOAT32 ? storage.data[at] : (float) storage.getLong(at);
            next(idx, d);
        }
        return out;
    }

    /** Writes row-major values into any strided tensor by index arithmetic. */
    static void write(Tensor t, float[] values) {
        int[] d = t.dims();
        int[] s = t.strides();
        float[] data = t.storage.data;
        int[] idx = new int[d.length];
        for (float value : values) {
            int at = t.storageOffset();
            for (int k = 0; k < d.length; k++) {
                at += idx[k] * s[k];
            }
            data[at] = value;
            next(idx, d);
        }
    }

    static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    /** Advances a row-major multi-index; false after the last one. */
    static boolean next(int[] idx, int[] dims) {
        for (int k = dims.length - 1; k >= 0; k--) {
            if (++idx[k] < dims[k]) {
                return true;
            }
            idx[k] = 0;
        }
        return false;
    }

    static int numel(int[] dims) {
        int n = 1;
        for (int d : dims) {
            n *= d;
        }
        return n;
    }

    /** Row-major flat position of {@code idx} in {@code dims}, with size-1 dimensions broadcast. */
    static int broadcastFlat(int[] outIdx, int[] dims) {
        int lead = outIdx.length - dims.length;
        int at = 0;
        for (int k = 0; k < dims.length; k++) {
            int i = dims[k] == 1 ? 0 : outIdx[lead + k];
            at = at * dims[k] + i;
        }
        return at;
    }

    /** NumPy broadcasting, written out independently of {@link Shape#broadcast}. */
    static int[] broadcast(int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int ai = i - (rank - a.length);
            int bi = i - (rank - b.length);
            int da = ai < 0 ? 1 : a[ai];
            int db = bi < 0 ? 1 : b[bi];
            if (da != db && da != 1 && db != 1) {
                throw new AssertionError("test bug: " + Arrays.toString(a) + " vs " + Arrays.toString(b));
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    // ------------------------------------------------------------------ random shapes and layouts

    private static final int[] SIZES = {1, 1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17, 33};

    /** A random shape of rank 0..maxRank with at most maxNumel elements; sometimes with a 0 dim. */
    static int[] randomShape(SplittableRandom r, int maxRank, int maxNumel) {
        while (true) {
            int rank = r.nextInt(maxRank + 1);
            int[] d = new int[rank];
            for (int i = 0; i < rank; i++) {
                d[i] = r.nextInt(12) == 0 ? 0 : SIZES[r.nextInt(SIZES.length)];
            }
            if (numel(d) <= maxNumel) {
                return d;
            }
        }
    }

    /** Two shapes that broadcast: ranks may differ, dimensions may be 1 on either side or 0 on both. */
    static int[][] broadcastPair(SplittableRandom r, int maxRank, int maxNumel) {
        int[] out = randomShape(r, maxRank, maxNumel);
        return new int[][] {broadcastOperand(r, out), broadcastOperand(r, out)};
    }

    static int[] broadcastOperand(SplittableRandom r, int[] out) {
        int drop = r.nextInt(3) == 0 ? r.nextInt(out.length + 1) : 0;
        int[] d = Arrays.copyOfRange(out, drop, out.length);
        for (int i = 0; i < d.length; i++) {
            if (r.nextInt(4) == 0) {
                d[i] = 1;
            }
        }
        return d;
    }

    /** How an operand of a given logical shape is laid out in memory. */
    enum Layout {
        CONTIGUOUS,
        PERMUTED,
        STEPPED,
        EXPANDED,
        OFFSET;

        static Layout random(SplittableRandom r) {
            return values()[r.nextInt(values().length)];
        }
    }

    static float[] randomValues(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 4 - 2);
        }
        return v;
    }

    /** A tensor of logical shape {@code dims} filled with random values in [-2, 2), laid out as asked. */
    static Tensor random(SplittableRandom r, Layout layout, int... dims) {
        return layout(r, layout, dims, n -> randomValues(r, n));
    }

    interface Fill {
        float[] values(int n);
    }

    /**
     * A tensor of logical shape {@code dims} in the given layout, with element values from
     * {@code fill}. The stepped and offset layouts sit inside a bigger buffer whose other cells
     * hold NaN, so an operation that reads outside its view shows up as NaN in the result.
     */
    static Tensor layout(SplittableRandom r, Layout layout, int[] dims, Fill fill) {
        int rank = dims.length;
        switch (layout) {
            case CONTIGUOUS -> {
                return Tensor.fromArray(fill.values(numel(dims)), dims);
            }
            case PERMUTED -> {
                int[] perm = permutation(r, rank);
                int[] src = new int[rank];
                for (int i = 0; i < rank; i++) {
                    src[perm[i]] = dims[i];
                }
                // base.permute(perm) has shape dims, with permuted strides
                return Tensor.fromArray(fill.values(numel(src)), src).permute(perm);
            }
            case STEPPED -> {
                int[] big = new int[rank];
                for (int i = 0; i < rank; i++) {
                    big[i] = dims[i] * 2 + 1;
                }
                Tensor t = Tensor.full(Float.NaN, big);
                for (int i = 0; i < rank; i++) {
                    t = t.slice(i, 1, 1 + 2 * dims[i], 2);
                }
                write(t, fill.values(numel(dims)));
                return t;
            }
            case EXPANDED -> {
                int[] src = dims.clone();
                boolean any = false;
                for (int i = 0; i < rank; i++) {
                    if (dims[i] > 1 && r.nextBoolean()) {
                        src[i] = 1;
                        any = true;
                    }
                }
                if (!any && rank > 0 && dims[0] > 1) {
                    src[0] = 1;
                }
                return Tensor.fromArray(fill.values(numel(src)), src).expand(dims);
            }
            case OFFSET -> {
                // A contiguous block in the middle of a bigger buffer: offset != 0, still contiguous.
                int n = numel(dims);
                float[] v = new float[n + 7];
                Arrays.fill(v, Float.NaN);
                System.arraycopy(fill.values(n), 0, v, 3, n);
                return Tensor.wrap(v, n + 7).narrow(0, 3, n).view(dims);
            }
            default -> throw new AssertionError(layout);
        }
    }

    /**
     * The same view (offset, shape, strides) over a copy of {@code t}'s whole buffer converted to
     * {@code dtype}: a layout of {@link #layout} in another dtype.
     */
    static Tensor as(Tensor t, DType dtype) {
        Storage src = t.storage;
        int n = src.data.length;
        Storage dst = Storage.allocate(dtype, n);
        for (int i = 0; i < n; i++) {
            dst.setDouble(i, src.data[i]);
        }
        return new Tensor(dst, t.storageOffset(), t.shape(), t.strides());
    }

    static int[] permutation(SplittableRandom r, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    // ------------------------------------------------------------------ assertions

    static void assertShape(int[] expected, Tensor t, String ctx) {
        if (!Arrays.equals(expected, t.dims())) {
            fail(ctx + ": expected shape " + Arrays.toString(expected) + " but got " + t.shape());
        }
    }

    /** Bit-exact comparison (any NaN matches any NaN; +0 and -0 differ). */
    static void assertExact(float[] expected, Tensor actual, String ctx) {
        float[] got = values(actual);
        assertEquals(expected.length, got.length, ctx + ": element count");
        for (int i = 0; i < got.length; i++) {
            if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(got[i])) {
                fail(ctx + ": element " + i + " (of " + got.length + ", shape " + actual.shape() + ") expected "
                        + expected[i] + " but got " + got[i]);
            }
        }
    }

    /** {@code |got - expected| <= atol + rtol * |expected|}; NaN must meet NaN, infinities must be equal. */
    static void assertClose(double[] expected, Tensor actual, double atol, double rtol, String ctx) {
        float[] got = values(actual);
        assertClose(expected, got, atol, rtol, ctx + " (shape " + actual.shape() + ")");
    }

    static void assertClose(double[] expected, float[] got, double atol, double rtol, String ctx) {
        assertEquals(expected.length, got.length, ctx + ": element count");
        for (int i = 0; i < got.length; i++) {
            double e = expected[i];
            double g = got[i];
            boolean ok;
            if (Double.isNaN(e) || Double.isInfinite(e)) {
                ok = Double.compare(e, g) == 0 || (Double.isNaN(e) && Double.isNaN(g));
            } else {
                ok = Math.abs(g - e) <= atol + rtol * Math.abs(e);
            }
            if (!ok) {
                fail(ctx + ": element " + i + " of " + got.length + " expected " + e + " but got " + g + " (|diff| "
                        + Math.abs(g - e) + ", allowed " + (atol + rtol * Math.abs(e)) + ")");
            }
        }
    }

    /** Per-element tolerance version: {@code |got - expected| <= tol[i]}. */
    static void assertWithin(double[] expected, double[] tol, Tensor actual, String ctx) {
        float[] got = values(actual);
        assertEquals(expected.length, got.length, ctx + ": element count");
        for (int i = 0; i < got.length; i++) {
            double e = expected[i];
            boolean ok = Double.isNaN(e)
                    ? Float.isNaN(got[i])
                    : Double.isInfinite(e) ? e == got[i] : Math.abs(got[i] - e) <= tol[i];
            if (!ok) {
                fail(ctx + " (shape " + actual.shape() + "): element " + i + " expected " + e + " but got " + got[i]
                        + " (|diff| " + Math.abs(got[i] - e) + ", allowed " + tol[i] + ")");
            }
        }
    }
}
