package dev.nabla.tensor;

import java.util.Arrays;

/**
 * The sizes of a tensor's dimensions, outermost first. Immutable value type.
 *
 * <pre>{@code
 * Shape s = Shape.of(64, 3, 32, 32);
 * s.rank();      // 4
 * s.numel();     // 196608
 * s.size(-1);    // 32
 * Shape.broadcast("add", Shape.of(4, 1), Shape.of(3));   // [4, 3]
 * }</pre>
 *
 * @param dims the sizes; each is zero or positive (a zero size makes an empty tensor)
 */
public record Shape(int[] dims) {

    /** The shape of a scalar (rank 0, one element). */
    public static final Shape SCALAR = new Shape(new int[0]);

    public Shape {
        dims = dims.clone();
        long n = 1;
        for (int d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(dims));
            }
            n *= d;
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(
                        "shape " + Arrays.toString(dims) + " has more than " + Integer.MAX_VALUE + " elements");
            }
        }
    }

    public static Shape of(int... dims) {
        return new Shape(dims);
    }

    /** A copy of the sizes (the record's own array never escapes). */
    @Override
    public int[] dims() {
        return dims.clone();
    }

    public int rank() {
        return dims.length;
    }

    /** Size of one dimension; negative axes count from the end, as in PyTorch. */
    public int size(int axis) {
        return dims[dimension("size", axis)];
    }

    /** Number of elements (1 for a scalar). */
    public int numel() {
        int n = 1;
        for (int d : dims) {
            n *= d;
        }
        return n;
    }

    /** Resolves a possibly negative axis against this rank, or throws naming the valid range. */
    public int axis(int axis) {
        return normalizeAxis(axis, dims.length);
    }

    /**
     * Like {@link #axis} for operations that index into an actual dimension, which a scalar does
     * not have ({@link #axis} lets a reduction name axis 0 or -1 of a scalar, as PyTorch does).
     */
    int dimension(String op, int axis) {
        if (dims.length == 0) {
            throw new IndexOutOfBoundsException(
                    op + ": dimension " + axis + " out of range for a tensor of rank 0 (a scalar has no dimensions)");
        }
        return axis(axis);
    }

    static int normalizeAxis(int axis, int rank) {
        int r = Math.max(rank, 1);
        if (axis < -r || axis >= r) {
            throw new IndexOutOfBoundsException("dimension " + axis + " out of range for a tensor of rank " + rank
                    + " (expected in [" + (-r) + ", " + (r - 1) + "])");
        }
        return axis < 0 ? axis + r : axis;
    }

    /** Row-major strides of a contiguous tensor of this shape. */
    public int[] contiguousStrides() {
        int[] s = new int[dims.length];
        int acc = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= Math.max(dims[i], 1);
        }
        return s;
    }

    /**
     * NumPy broadcasting: dimensions are aligned from the right, and each pair must be equal or
     * contain a 1.
     *
     * @param op the operation, named in the error when the shapes do not broadcast
     */
    public static Shape broadcast(String op, Shape a, Shape b) {
        if (a.equals(b)) {
            return a;
        }
        int rank = Math.max(a.rank(), b.rank());
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.rank() ? 1 : a.dims[i - (rank - a.rank())];
            int db = i < rank - b.rank() ? 1 : b.dims[i - (rank - b.rank())];
            if (da != db && da != 1 && db != 1) {
                throw new ShapeMismatchException(op + ": shapes " + a + " and " + b + " cannot be broadcast (dimension "
                        + i + ": " + da + " vs " + db + ")");
            }
            out[i] = da == 1 ? db : da;
        }
        return new Shape(out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    /** Prints as {@code [2, 3]}. */
    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
