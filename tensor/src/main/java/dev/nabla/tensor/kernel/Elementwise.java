package dev.nabla.tensor.kernel;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * SIMD elementwise kernels over float arrays with offsets.
 *
 * <p>Each public entry point splits large ranges over {@link Parallel}; the per-op loops below
 * choose the operation once, outside the loop, so the hot loop is straight Vector API code with a
 * scalar tail. Operand strides of 0 (a broadcast scalar) and 1 (contiguous) take SIMD paths; any
 * other stride falls back to a scalar loop.
 *
 * <pre>{@code
 * float[] a = {1, 2, 3}, b = {10, 20, 30}, out = new float[3];
 * Elementwise.binary(BinaryOp.ADD, a, 0, 1, b, 0, 1, out, 0, 3);   // out = {11, 22, 33}
 * }</pre>
 */
public final class Elementwise {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Below this many elements a single thread is faster than handing work to the pool. */
    public static final int GRAIN = 1 << 15;

    private Elementwise() {}

    /**
     * Splits {@code [0, n)} over the pool at multiples of the vector length. A transcendental
     * SIMD lane and the scalar tail can differ by an ulp, so with arbitrary chunk boundaries an
     * element's result would depend on the thread count; aligned, only the last {@code n % L}
     * elements ever take the tail.
     */
    private static void split(int n, Parallel.Range body) {
        int blocks = (n + L - 1) / L;
        Parallel.forRange(blocks, GRAIN / L, (from, to) -> body.run(from * L, Math.min(n, to * L)));
    }

    // ------------------------------------------------------------------ binary

    /**
     * {@code o[oo + i] = op(a[ao + i*as], b[bo + i*bs])} for {@code i} in {@code [0, n)}.
     * The output may alias an input exactly (in-place update).
     */
    public static void binary(
            BinaryOp op, float[] a, int ao, int as, float[] b, int bo, int bs, float[] o, int oo, int n) {
        split(n, (from, to) -> binaryRange(op, a, ao + from * as, as, b, bo + from * bs, bs, o, oo + from, to - from));
    }

    /** Serial form of {@link #binary}; used by callers that already split the work. */
    public static void binaryRange(
            BinaryOp op, float[] a, int ao, int as, float[] b, int bo, int bs, float[] o, int oo, int n) {
        if (as == 1 && bs == 1) {
            vv(op, a, ao, b, bo, o, oo, n);
        } else if (as == 1 && bs == 0) {
            vs(op, a, ao, b[bo], o, oo, n);
        } else if (as == 0 && bs == 1) {
            sv(op, a[ao], b, bo, o, oo, n);
        } else if (as == 0 && bs == 0) {
            Arrays.fill(o, oo, oo + n, op.apply(a[ao], b[bo]));
        } else {
            for (int i = 0; i < n; i++) {
                o[oo + i] = op.apply(a[ao + i * as], b[bo + i * bs]);
            }
        }
    }

    private static FloatVector v(float[] x, int off) {
        return FloatVector.fromArray(S, x, off);
    }

    private static FloatVector cmp(FloatVector x, VectorOperators.Comparison c, FloatVector y) {
        VectorMask<Float> m = x.compare(c, y);
        return FloatVector.zero(S).blend(1f, m);
    }

    private static void vv(BinaryOp op, float[] a, int ao, float[] b, int bo, float[] o, int oo, int n) {
        int i = 0;
        int ub = S.loopBound(n);
        switch (op) {
            case ADD -> {
                for (; i < ub; i += L) v(a, ao + i).add(v(b, bo + i)).intoArray(o, oo + i);
            }
            case SUB -> {
                for (; i < ub; i += L) v(a, ao + i).sub(v(b, bo + i)).intoArray(o, oo + i);
            }
            case MUL -> {
                for (; i < ub; i += L) v(a, ao + i).mul(v(b, bo + i)).intoArray(o, oo + i);
            }
            case DIV -> {
                for (; i < ub; i += L) v(a, ao + i).div(v(b, bo + i)).intoArray(o, oo + i);
            }
            case MAX -> {
                for (; i < ub; i += L) v(a, ao + i).max(v(b, bo + i)).intoArray(o, oo + i);
            }
            case MIN -> {
                for (; i < ub; i += L) v(a, ao + i).min(v(b, bo + i)).intoArray(o, oo + i);
            }
            case EQ -> {
                for (; i < ub; i += L)
                    cmp(v(a, ao + i), VectorOperators.EQ, v(b, bo + i)).intoArray(o, oo + i);
            }
            case NE -> {
                for (; i < ub; i += L)
                    cmp(v(a, ao + i), VectorOperators.NE, v(b, bo + i)).intoArray(o, oo + i);
            }
            case LT -> {
                for (; i < ub; i += L)
                    cmp(v(a, ao + i), VectorOperators.LT, v(b, bo + i)).intoArray(o, oo + i);
            }
            case LE -> {
                for (; i < ub; i += L)
                    cmp(v(a, ao + i), VectorOperators.LE, v(b, bo + i)).intoArray(o, oo + i);
            }
            case GT -> {
                for (; i < ub; i += L)
                    cmp(v(a, ao + i), VectorOperators.GT, v(b, bo + i)).intoArray(o, oo + i);
            }
            case GE -> {
                for (; i < ub; i += L)
                    cmp(v(a, ao + i), VectorOperators.GE, v(b, bo + i)).intoArray(o, oo + i);
            }
            case POW -> {} // scalar: the Vector API's POW is no faster than Math.pow here
        }
        for (; i < n; i++) {
            o[oo + i] = op.apply(a[ao + i], b[bo + i]);
        }
    }

    private static void vs(BinaryOp op, float[] a, int ao, float s, float[] o, int oo, int n) {
        int i = 0;
        int ub = S.loopBound(n);
        FloatVector vs = FloatVector.broadcast(S, s);
        switch (op) {
            case ADD -> {
                for (; i < ub; i += L) v(a, ao + i).add(vs).intoArray(o, oo + i);
            }
            case SUB -> {
                for (; i < ub; i += L) v(a, ao + i).sub(vs).intoArray(o, oo + i);
            }
            case MUL -> {
                for (; i < ub; i += L) v(a, ao + i).mul(vs).intoArray(o, oo + i);
            }
            case DIV -> {
                for (; i < ub; i += L) v(a, ao + i).div(vs).intoArray(o, oo + i);
            }
            case MAX -> {
                for (; i < ub; i += L) v(a, ao + i).max(vs).intoArray(o, oo + i);
            }
            case MIN -> {
                for (; i < ub; i += L) v(a, ao + i).min(vs).intoArray(o, oo + i);
            }
            case EQ -> {
                for (; i < ub; i += L) cmp(v(a, ao + i), VectorOperators.EQ, vs).intoArray(o, oo + i);
            }
            case NE -> {
                for (; i < ub; i += L) cmp(v(a, ao + i), VectorOperators.NE, vs).intoArray(o, oo + i);
            }
            case LT -> {
                for (; i < ub; i += L) cmp(v(a, ao + i), VectorOperators.LT, vs).intoArray(o, oo + i);
            }
            case LE -> {
                for (; i < ub; i += L) cmp(v(a, ao + i), VectorOperators.LE, vs).intoArray(o, oo + i);
            }
            case GT -> {
                for (; i < ub; i += L) cmp(v(a, ao + i), VectorOperators.GT, vs).intoArray(o, oo + i);
            }
            case GE -> {
                for (; i < ub; i += L) cmp(v(a, ao + i), VectorOperators.GE, vs).intoArray(o, oo + i);
            }
            case POW -> {
                if (s == 2f) {
                    for (; i < ub; i += L) {
                        FloatVector x = v(a, ao + i);
                        x.mul(x).intoArray(o, oo + i);
                    }
                } else if (s == 0.5f) {
                    // sqrt except where Math.pow differs: pow(-0, .5) = +0 (so add +0) and pow(-inf, .5) = +inf
                    FloatVector inf = FloatVector.broadcast(S, Float.POSITIVE_INFINITY);
                    for (; i < ub; i += L) {
                        FloatVector x = v(a, ao + i);
                        x.add(0f)
                                .sqrt()
                                .blend(inf, x.eq(Float.NEGATIVE_INFINITY))
                                .intoArray(o, oo + i);
                    }
                }
            }
        }
        for (; i < n; i++) {
            o[oo + i] = op.apply(a[ao + i], s);
        }
    }

    private static void sv(BinaryOp op, float s, float[] b, int bo, float[] o, int oo, int n) {
        int i = 0;
        int ub = S.loopBound(n);
        FloatVector vs = FloatVector.broadcast(S, s);
        switch (op) {
            case ADD -> {
                for (; i < ub; i += L) vs.add(v(b, bo + i)).intoArray(o, oo + i);
            }
            case SUB -> {
                for (; i < ub; i += L) vs.sub(v(b, bo + i)).intoArray(o, oo + i);
            }
            case MUL -> {
                for (; i < ub; i += L) vs.mul(v(b, bo + i)).intoArray(o, oo + i);
            }
            case DIV -> {
                for (; i < ub; i += L) vs.div(v(b, bo + i)).intoArray(o, oo + i);
            }
            case MAX -> {
                for (; i < ub; i += L) vs.max(v(b, bo + i)).intoArray(o, oo + i);
            }
            case MIN -> {
                for (; i < ub; i += L) vs.min(v(b, bo + i)).intoArray(o, oo + i);
            }
            case EQ -> {
                for (; i < ub; i += L) cmp(vs, VectorOperators.EQ, v(b, bo + i)).intoArray(o, oo + i);
            }
            case NE -> {
                for (; i < ub; i += L) cmp(vs, VectorOperators.NE, v(b, bo + i)).intoArray(o, oo + i);
            }
            case LT -> {
                for (; i < ub; i += L) cmp(vs, VectorOperators.LT, v(b, bo + i)).intoArray(o, oo + i);
            }
            case LE -> {
                for (; i < ub; i += L) cmp(vs, VectorOperators.LE, v(b, bo + i)).intoArray(o, oo + i);
            }
            case GT -> {
                for (; i < ub; i += L) cmp(vs, VectorOperators.GT, v(b, bo + i)).intoArray(o, oo + i);
            }
            case GE -> {
                for (; i < ub; i += L) cmp(vs, VectorOperators.GE, v(b, bo + i)).intoArray(o, oo + i);
            }
            case POW -> {}
        }
        for (; i < n; i++) {
            o[oo + i] = op.apply(s, b[bo + i]);
        }
    }

    // ------------------------------------------------------------------ unary

    /** {@code o[oo + i] = op(x[xo + i])}; the output may alias the input. */
    public static void unary(UnaryOp op, float[] x, int xo, float[] o, int oo, int n) {
        split(n, (from, to) -> unaryRange(op, x, xo + from, o, oo + from, to - from));
    }

    /** Serial form of {@link #unary}. */
    public static void unaryRange(UnaryOp op, float[] x, int xo, float[] o, int oo, int n) {
        int i = 0;
        int ub = S.loopBound(n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        switch (op) {
            case NEG -> {
                for (; i < ub; i += L) v(x, xo + i).neg().intoArray(o, oo + i);
            }
            case ABS -> {
                for (; i < ub; i += L) v(x, xo + i).abs().intoArray(o, oo + i);
            }
            case EXP -> {
                for (; i < ub; i += L) VMath.exp(v(x, xo + i)).intoArray(o, oo + i);
            }
            case LOG -> {
                for (; i < ub; i += L) VMath.log(v(x, xo + i)).intoArray(o, oo + i);
            }
            case SQRT -> {
                for (; i < ub; i += L) v(x, xo + i).sqrt().intoArray(o, oo + i);
            }
            case RSQRT -> {
                for (; i < ub; i += L) one.div(v(x, xo + i).sqrt()).intoArray(o, oo + i);
            }
            case TANH -> {
                for (; i < ub; i += L) VMath.tanh(v(x, xo + i)).intoArray(o, oo + i);
            }
            case SIGMOID -> {
                for (; i < ub; i += L) {
                    one.div(one.add(VMath.exp(v(x, xo + i).neg()))).intoArray(o, oo + i);
                }
            }
            case RELU -> {
                for (; i < ub; i += L) v(x, xo + i).max(0f).intoArray(o, oo + i);
            }
            case GELU -> {
                for (; i < ub; i += L) {
                    FloatVector xv = v(x, xo + i);
                    FloatVector cdf =
                            Erf.erf(xv.mul((float) Erf.INV_SQRT2)).add(1f).mul(0.5f);
                    xv.mul(cdf).intoArray(o, oo + i);
                }
            }
            case SQUARE -> {
                for (; i < ub; i += L) {
                    FloatVector xv = v(x, xo + i);
                    xv.mul(xv).intoArray(o, oo + i);
                }
            }
            case RECIPROCAL -> {
                for (; i < ub; i += L) one.div(v(x, xo + i)).intoArray(o, oo + i);
            }
            case SIGN -> {}
        }
        for (; i < n; i++) {
            o[oo + i] = op.apply(x[xo + i]);
        }
    }

    /**
     * Fused backward of a unary op: {@code gx[i] = g[i] * op'(x[i])}, where {@code y} holds the
     * forward output {@code op(x)} (several derivatives are cheapest from it: sigmoid, tanh, exp,
     * sqrt). One pass instead of the three or four a composed backward would take.
     */
    public static void unaryBackward(
            UnaryOp op, float[] x, int xo, float[] y, int yo, float[] g, int go, float[] gx, int gxo, int n) {
        split(
                n,
                (from, to) ->
                        unaryBackwardRange(op, x, xo + from, y, yo + from, g, go + from, gx, gxo + from, to - from));
    }

    private static void unaryBackwardRange(
            UnaryOp op, float[] x, int xo, float[] y, int yo, float[] g, int go, float[] gx, int gxo, int n) {
        int i = 0;
        int ub = S.loopBound(n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector zero = FloatVector.zero(S);
        switch (op) {
            case RELU -> {
                for (; i < ub; i += L) {
                    FloatVector d = one.blend(zero, v(x, xo + i).compare(VectorOperators.LE, 0f));
                    v(g, go + i).mul(d).intoArray(gx, gxo + i);
                }
            }
            case SIGMOID -> {
                for (; i < ub; i += L) {
                    FloatVector yv = v(y, yo + i);
                    v(g, go + i).mul(yv.mul(one.sub(yv))).intoArray(gx, gxo + i);
                }
            }
            case TANH -> {
                for (; i < ub; i += L) {
                    FloatVector yv = v(y, yo + i);
                    v(g, go + i).mul(yv.neg().fma(yv, one)).intoArray(gx, gxo + i);
                }
            }
            case EXP -> {
                for (; i < ub; i += L) v(g, go + i).mul(v(y, yo + i)).intoArray(gx, gxo + i);
            }
            case GELU -> {
                for (; i < ub; i += L) {
                    FloatVector xv = v(x, xo + i);
                    FloatVector cdf =
                            Erf.erf(xv.mul((float) Erf.INV_SQRT2)).add(1f).mul(0.5f);
                    FloatVector pdf = VMath.exp(xv.mul(xv).mul(-0.5f)).mul((float) Erf.INV_SQRT_2PI);
                    v(g, go + i).mul(xv.fma(pdf, cdf)).intoArray(gx, gxo + i);
                }
            }
            default -> {}
        }
        for (; i < n; i++) {
            gx[gxo + i] = g[go + i] * derivative(op, x[xo + i], y[yo + i]);
        }
    }

    /**
     * {@code d op(x) / dx}, given {@code y = op(x)}; the scalar definition of the fused backward,
     * which the SIMD loop reproduces bit for bit.
     */
    public static float derivative(UnaryOp op, float x, float y) {
        return switch (op) {
            case NEG -> -1f;
            case ABS -> x > 0f ? 1f : (x < 0f ? -1f : 0f);
            case EXP -> y;
            case LOG -> 1f / x;
            case SQRT -> 0.5f / y;
            case RSQRT -> -0.5f * y * y * y;
            case TANH -> Math.fma(-y, y, 1f);
            case SIGMOID -> y * (1f - y);
            case RELU -> x <= 0f ? 0f : 1f; // NaN passes the gradient, like the SIMD blend and PyTorch
            case GELU -> {
                float cdf = (Erf.erf(x * (float) Erf.INV_SQRT2) + 1f) * 0.5f;
                float pdf = VMath.exp(x * x * -0.5f) * (float) Erf.INV_SQRT_2PI;
                yield Math.fma(x, pdf, cdf);
            }
            case SQUARE -> 2f * x;
            case RECIPROCAL -> -y * y;
            case SIGN -> 0f;
        };
    }

    // ------------------------------------------------------------------ BLAS-1 style helpers

    /** {@code y[yo + i] += alpha * x[xo + i]}. */
    public static void axpy(int n, float alpha, float[] x, int xo, float[] y, int yo) {
        split(n, (from, to) -> axpyRange(to - from, alpha, x, xo + from, y, yo + from));
    }

    static void axpyRange(int n, float alpha, float[] x, int xo, float[] y, int yo) {
        int i = 0;
        int ub = S.loopBound(n);
        FloatVector va = FloatVector.broadcast(S, alpha);
        for (; i < ub; i += L) {
            v(x, xo + i).fma(va, v(y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = Math.fma(x[xo + i], alpha, y[yo + i]);
        }
    }

    /** {@code o[oo + i] = min(max(x[xo + i], lo), hi)}; NaN stays NaN. */
    public static void clamp(float[] x, int xo, float lo, float hi, float[] o, int oo, int n) {
        split(n, (from, to) -> {
            int i = from;
            int ub = from + S.loopBound(to - from);
            for (; i < ub; i += L) {
                v(x, xo + i).max(lo).min(hi).intoArray(o, oo + i);
            }
            for (; i < to; i++) {
                o[oo + i] = Math.min(Math.max(x[xo + i], lo), hi);
            }
        });
    }

    /** {@code o[oo + i] = c[co + i] != 0 ? a[ao + i] : b[bo + i]} over contiguous operands. */
    public static void where(float[] c, int co, float[] a, int ao, float[] b, int bo, float[] o, int oo, int n) {
        split(n, (from, to) -> {
            int i = from;
            int ub = from + S.loopBound(to - from);
            for (; i < ub; i += L) {
                VectorMask<Float> m = v(c, co + i).compare(VectorOperators.NE, 0f);
                v(b, bo + i).blend(v(a, ao + i), m).intoArray(o, oo + i);
            }
            for (; i < to; i++) {
                o[oo + i] = c[co + i] != 0f ? a[ao + i] : b[bo + i];
            }
        });
    }
}
