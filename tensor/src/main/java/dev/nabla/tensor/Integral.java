package dev.nabla.tensor;

import dev.nabla.tensor.kernel.BinaryOp;
import dev.nabla.tensor.kernel.Reduce;
import dev.nabla.tensor.kernel.UnaryOp;

/**
 * The integer and bool side of the tensor operations: exact {@code long} arithmetic, comparisons,
 * reductions and arg-extrema. Operands are read into {@code long[]} (integers and bools convert
 * exactly), the operation is chosen once outside its loop, and the result narrows to its dtype by
 * {@link Convert}'s wrap-around rule, as PyTorch's integer overflow wraps. These are not the hot
 * paths of training, which stay on the float32 SIMD kernels.
 */
final class Integral {
    private Integral() {}

    /** An int64 tensor over {@code values} (no copy), converted to {@code dtype}. */
    static Tensor tensor(long[] values, Shape shape, DType dtype) {
        return new Tensor(new Storage(values), 0, shape, shape.contiguousStrides()).to(dtype);
    }

    /** A bool tensor over {@code values}, which must be 0 or 1 (no copy). */
    static Tensor bools(byte[] values, Shape shape) {
        return new Tensor(new Storage(DType.BOOL, values), 0, shape, shape.contiguousStrides());
    }

    /**
     * {@code a op b} broadcast to {@code shape}, both read exactly as longs: comparisons give bool,
     * the arithmetic ops give {@code result}.
     */
    static Tensor binary(BinaryOp op, Tensor a, Tensor b, Shape shape, DType result) {
        long[] x = a.expand(shape).toLongArray();
        long[] y = b.expand(shape).toLongArray();
        int n = x.length;
        if (op.isComparison()) {
            byte[] o = new byte[n];
            switch (op) {
                case EQ -> {
                    for (int i = 0; i < n; i++) {
                        o[i] = (byte) (x[i] == y[i] ? 1 : 0);
                    }
                }
                case NE -> {
                    for (int i = 0; i < n; i++) {
                        o[i] = (byte) (x[i] != y[i] ? 1 : 0);
                    }
                }
                case LT -> {
                    for (int i = 0; i < n; i++) {
                        o[i] = (byte) (x[i] < y[i] ? 1 : 0);
                    }
                }
                case LE -> {
                    for (int i = 0; i < n; i++) {
                        o[i] = (byte) (x[i] <= y[i] ? 1 : 0);
                    }
                }
                case GT -> {
                    for (int i = 0; i < n; i++) {
                        o[i] = (byte) (x[i] > y[i] ? 1 : 0);
                    }
                }
                case GE -> {
                    for (int i = 0; i < n; i++) {
                        o[i] = (byte) (x[i] >= y[i] ? 1 : 0);
                    }
                }
                default -> throw new AssertionError(op);
            }
            return bools(o, shape);
        }
        long[] o = new long[n];
        switch (op) {
            case ADD -> {
                for (int i = 0; i < n; i++) {
                    o[i] = x[i] + y[i];
                }
            }
            case SUB -> {
                for (int i = 0; i < n; i++) {
                    o[i] = x[i] - y[i];
                }
            }
            case MUL -> {
                for (int i = 0; i < n; i++) {
                    o[i] = x[i] * y[i];
                }
            }
            case MAX -> {
                for (int i = 0; i < n; i++) {
                    o[i] = Math.max(x[i], y[i]);
                }
            }
            case MIN -> {
                for (int i = 0; i < n; i++) {
                    o[i] = Math.min(x[i], y[i]);
                }
            }
            case POW -> {
                for (int i = 0; i < n; i++) {
                    o[i] = pow(x[i], y[i]);
                }
            }
            default -> throw new AssertionError(op + " has no integer form");
        }
        return tensor(o, shape, result);
    }

    /** {@code condition ? a : b} broadcast to {@code shape}, for an integer or bool {@code result}. */
    static Tensor where(Tensor condition, Tensor a, Tensor b, Shape shape, DType result) {
        byte[] c = condition.expand(shape).toByteArray();
        long[] x = a.expand(shape).toLongArray();
        long[] y = b.expand(shape).toLongArray();
        for (int i = 0; i < c.length; i++) {
            if (c[i] != 0) {
                y[i] = x[i];
            }
        }
        return tensor(y, shape, result);
    }

    /** The logical operations, on the truth values ({@code != 0}) of any dtype. */
    enum Logic {
        AND,
        OR,
        XOR
    }

    static Tensor logical(Logic op, Tensor a, Tensor b) {
        Shape shape = Shape.broadcast(
                "logical" + op.name().charAt(0) + op.name().substring(1).toLowerCase(), a.shape, b.shape);
        byte[] x = a.expand(shape).to(DType.BOOL).toByteArray();
        byte[] y = b.expand(shape).to(DType.BOOL).toByteArray();
        switch (op) {
            case AND -> {
                for (int i = 0; i < x.length; i++) {
                    x[i] &= y[i];
                }
            }
            case OR -> {
                for (int i = 0; i < x.length; i++) {
                    x[i] |= y[i];
                }
            }
            case XOR -> {
                for (int i = 0; i < x.length; i++) {
                    x[i] ^= y[i];
                }
            }
        }
        return bools(x, shape);
    }

    /** {@code base^exp} with wrap-around, by squaring; PyTorch refuses negative exponents for integers. */
    private static long pow(long base, long exp) {
        if (exp < 0) {
            throw new IllegalArgumentException("pow: integers to negative integer powers are not allowed (exponent "
                    + exp + "); convert with toFloat() first");
        }
        long r = 1;
        while (exp != 0) {
            if ((exp & 1) != 0) {
                r *= base;
            }
            base *= base;
            exp >>>= 1;
        }
        return r;
    }

    /** NEG, ABS, SIGN, SQUARE and RELU of an integer tensor, in its own dtype. */
    static Tensor unary(UnaryOp op, Tensor a, DType result) {
        long[] x = a.toLongArray();
        long[] o = new long[x.length];
        switch (op) {
            case NEG -> {
                for (int i = 0; i < x.length; i++) {
                    o[i] = -x[i];
                }
            }
            case ABS -> {
                for (int i = 0; i < x.length; i++) {
                    o[i] = Math.abs(x[i]);
                }
            }
            case SIGN -> {
                for (int i = 0; i < x.length; i++) {
                    o[i] = Long.signum(x[i]);
                }
            }
            case SQUARE -> {
                for (int i = 0; i < x.length; i++) {
                    o[i] = x[i] * x[i];
                }
            }
            case RELU -> {
                for (int i = 0; i < x.length; i++) {
                    o[i] = Math.max(x[i], 0);
                }
            }
            default -> throw new AssertionError(op + " has no integer form");
        }
        return tensor(o, a.shape, result);
    }

    /**
     * SUM, MAX or MIN along the middle axis of a row-major {@code [outer, r, inner]} block. An
     * empty SUM is 0; an empty MAX or MIN throws, as for floats.
     */
    static long[] reduce(Reduce.Op op, long[] x, int outer, int r, int inner) {
        if (r == 0 && op != Reduce.Op.SUM) {
            throw new IllegalArgumentException(op.name().toLowerCase()
                    + ": cannot reduce over a dimension of size 0 (the operation has no identity)");
        }
        long[] o = new long[outer * inner];
        for (int i = 0; i < outer; i++) {
            for (int j = 0; j < inner; j++) {
                int base = i * r * inner + j;
                long acc = r == 0 ? 0 : x[base];
                switch (op) {
                    case SUM -> {
                        for (int k = 1; k < r; k++) {
                            acc += x[base + k * inner];
                        }
                    }
                    case MAX -> {
                        for (int k = 1; k < r; k++) {
                            acc = Math.max(acc, x[base + k * inner]);
                        }
                    }
                    case MIN -> {
                        for (int k = 1; k < r; k++) {
                            acc = Math.min(acc, x[base + k * inner]);
                        }
                    }
                }
                o[i * inner + j] = acc;
            }
        }
        return o;
    }

    /** Index of the first largest (or smallest) value along the middle axis of {@code [outer, r, inner]}. */
    static long[] argExtreme(boolean largest, long[] x, int outer, int r, int inner) {
        if (r == 0) {
            throw new IllegalArgumentException(
                    (largest ? "argmax" : "argmin") + ": cannot reduce over a dimension of size 0");
        }
        long[] o = new long[outer * inner];
        for (int i = 0; i < outer; i++) {
            for (int j = 0; j < inner; j++) {
                int base = i * r * inner + j;
                int best = 0;
                long bv = x[base];
                for (int k = 1; k < r; k++) {
                    long v = x[base + k * inner];
                    if (largest ? v > bv : v < bv) {
                        best = k;
                        bv = v;
                    }
                }
                o[i * inner + j] = best;
            }
        }
        return o;
    }
}
