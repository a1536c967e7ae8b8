package dev.nabla.tensor.kernel;

import java.util.Arrays;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fixed-point requantization of int32 accumulators to 8-bit outputs, as gemmlowp and TFLite do it
 * ("single rounding"): a real multiplier {@code M = inScale * weightScale / outScale} becomes an
 * integer {@code m0} in {@code [2^30, 2^31)} and a shift {@code s} with {@code M ~ m0 * 2^-s}, and
 * an accumulator {@code acc} (plus an int32 bias) maps to
 * <pre>
 *   q = clamp(zeroPoint + ((acc + bias) * m0 + 2^(s-1)) >> s, lo, hi)
 * </pre>
 * in 64-bit integer arithmetic: no floating point between layers, so the result is the same bits
 * on every machine, vector width and thread count. The relative error of {@code m0} is below
 * {@code 2^-30}, far under the half unit that rounding to 8 bits allows.
 *
 * <p>One requantizer holds the multipliers of every output channel (one entry for per-tensor
 * weights). {@link #apply} is the scalar definition; the vector paths of the int8 kernels compute
 * the same formula lane by lane.
 *
 * <pre>{@code
 * Requantizer r = Requantizer.of(new double[] {0.02 * 0.01 / 0.05}, new int[] {0}, 3, 0, 255);
 * r.apply(0, 1000);   // 3 + round(1000 * 0.004) = 7
 * }</pre>
 */
public final class Requantizer {
    private static final VectorSpecies<Integer> IS = IntVector.SPECIES_PREFERRED;
    /** Longs with as many lanes as {@link #HALF} ints: the widening multiply runs on these. */
    private static final VectorSpecies<Long> LS = LongVector.SPECIES_PREFERRED;

    private static final VectorSpecies<Integer> HALF =
            VectorSpecies.of(int.class, jdk.incubator.vector.VectorShape.forBitSize(LS.vectorBitSize() / 2));

    final long[] m0;
    final long[] shift;
    final long[] bias;
    final int zeroPoint;
    final int lo;
    final int hi;

    private Requantizer(long[] m0, long[] shift, long[] bias, int zeroPoint, int lo, int hi) {
        this.m0 = m0;
        this.shift = shift;
        this.bias = bias;
        this.zeroPoint = zeroPoint;
        this.lo = lo;
        this.hi = hi;
    }

    /**
     * @param multipliers per output channel, {@code inScale * weightScale[c] / outScale}; positive
     * @param bias        per output channel int32 bias added to the accumulator, or null for none
     * @param zeroPoint   the output's zero point
     * @param lo          the smallest output (the zero point for a fused ReLU)
     * @param hi          the largest output
     */
    public static Requantizer of(double[] multipliers, int[] bias, int zeroPoint, int lo, int hi) {
        if (lo > hi || zeroPoint < lo - 255 || zeroPoint > hi + 255) {
            throw new IllegalArgumentException("requantize: need lo <= hi and a zero point near them, got lo=" + lo
                    + ", hi=" + hi + ", zero point " + zeroPoint);
        }
        if (bias != null && bias.length != multipliers.length) {
            throw new IllegalArgumentException(
                    "requantize: " + multipliers.length + " multipliers but " + bias.length + " biases");
        }
        int n = multipliers.length;
        long[] m0 = new long[n];
        long[] shift = new long[n];
        long[] b = new long[n];
        for (int c = 0; c < n; c++) {
            long[] fp = fixedPoint(multipliers[c]);
            m0[c] = fp[0];
            shift[c] = fp[1];
            b[c] = bias == null ? 0 : bias[c];
        }
        return new Requantizer(m0, shift, b, zeroPoint, lo, hi);
    }

    /**
     * {@code {m0, s}} with {@code m} about {@code m0 * 2^-s}, {@code m0} in {@code [2^30, 2^31)} and
     * {@code 1 <= s <= 62}; a multiplier too small for that gives {@code {0, 1}} (every output is the
     * zero point).
     */
    static long[] fixedPoint(double m) {
        if (!(m > 0) || Double.isInfinite(m)) {
            throw new IllegalArgumentException("requantize: a multiplier must be positive and finite, got " + m);
        }
        int e = Math.getExponent(m); // m = f * 2^e, f in [1, 2)
        long m0 = Math.round(Math.scalb(m, 30 - e)); // f * 2^30, in [2^30, 2^31]
        long s = 30L - e;
        if (m0 == 1L << 31) {
            m0 >>= 1;
            s--;
        }
        if (s > 62) {
            return new long[] {0, 1};
        }
        if (s < 1) {
            throw new IllegalArgumentException("requantize: multiplier " + m + " is too large (at most 2^30)");
        }
        return new long[] {m0, s};
    }

    /** Output channels. */
    public int channels() {
        return m0.length;
    }

    /** The scalar definition: channel {@code c}'s output for accumulator {@code acc}. */
    public int apply(int c, int acc) {
        long s = shift[c];
        long v = ((acc + bias[c]) * m0[c] + (1L << (s - 1))) >> s;
        return (int) Math.max(lo, Math.min(hi, zeroPoint + v));
    }

    /**
     * Requantizes {@code n} accumulators of channel {@code c} in place:
     * {@code acc[ao + i] = apply(c, acc[ao + i])}.
     */
    void rowInPlace(int c, int[] acc, int ao, int n) {
        LongVector vm = LongVector.broadcast(LS, m0[c]);
        LongVector vs = LongVector.broadcast(LS, shift[c]);
        LongVector vb = LongVector.broadcast(LS, bias[c]);
        int step = LS.length();
        int i = 0;
        for (; i <= n - step; i += step) {
            requant(vm, vs, vb, acc, ao + i);
        }
        for (; i < n; i++) {
            acc[ao + i] = apply(c, acc[ao + i]);
        }
    }

    /**
     * Requantizes {@code n} accumulators of consecutive channels in place:
     * {@code acc[ao + i] = apply(c0 + i, acc[ao + i])} (a row of a linear layer's output).
     */
    void colsInPlace(int c0, int[] acc, int ao, int n) {
        int step = LS.length();
        int i = 0;
        for (; i <= n - step; i += step) {
            requant(
                    LongVector.fromArray(LS, m0, c0 + i),
                    LongVector.fromArray(LS, shift, c0 + i),
                    LongVector.fromArray(LS, bias, c0 + i),
                    acc,
                    ao + i);
        }
        for (; i < n; i++) {
            acc[ao + i] = apply(c0 + i, acc[ao + i]);
        }
    }

    /** {@link #apply} on {@code LS.length()} lanes at {@code acc[at]}, written back. */
    private void requant(LongVector vm, LongVector vs, LongVector vb, int[] acc, int at) {
        LongVector x = (LongVector) IntVector.fromArray(HALF, acc, at).convertShape(VectorOperators.I2L, LS, 0);
        LongVector round = LongVector.broadcast(LS, 1L).lanewise(VectorOperators.LSHL, vs.sub(1));
        LongVector q = vb.add(x).mul(vm).add(round).lanewise(VectorOperators.ASHR, vs);
        LongVector clamped = LongVector.broadcast(LS, hi)
                .min(LongVector.broadcast(LS, lo)
                        .max(LongVector.broadcast(LS, zeroPoint).add(q)));
        ((IntVector) clamped.convertShape(VectorOperators.L2I, HALF, 0)).intoArray(acc, at);
    }

    @Override
    public String toString() {
        return "Requantizer(" + m0.length + " channels, m0="
                + Arrays.toString(Arrays.copyOf(m0, Math.min(4, m0.length))) + (m0.length > 4 ? "..." : "")
                + ", zero point " + zeroPoint + ", range [" + lo + ", " + hi + "])";
    }
}
