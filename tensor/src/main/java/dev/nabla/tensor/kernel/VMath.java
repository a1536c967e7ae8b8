package dev.nabla.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * exp, log and tanh of float vectors built from IEEE arithmetic only (fma, multiply, add,
 * divide, bit moves), each with a scalar twin that performs the same operations in the same
 * order, so a value gets the same bits in a SIMD lane, in a scalar tail, interpreted or compiled
 * (lane sums in a fixed order are {@link Lanes#sum}).
 *
 * <p>{@code VectorOperators.EXP/LOG/TANH} do not have that property: the JDK evaluates them lane by
 * lane in Java until C2 compiles the call site into the native SVML routine, which rounds
 * differently by an ulp, so the same input changed result during warm-up (and with it, with the
 * thread count and from run to run). The algorithms are Cephes' {@code expf}, {@code logf} and
 * {@code tanhf} (about 1 ulp, within 2), evaluated with fused multiply-adds.
 *
 * <pre>{@code
 * FloatVector e = VMath.exp(FloatVector.broadcast(FloatVector.SPECIES_PREFERRED, 1f));  // 2.7182817
 * float t = VMath.tanh(0.5f);                                                          // 0.46211717
 * }</pre>
 */
final class VMath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;

    /** Above this exp overflows to infinity anyway; below it underflows to 0 (2^-150 rounds to 0). */
    private static final float EXP_HI = 89f;

    private static final float EXP_LO = -104f;
    private static final float LOG2E = 1.44269504088896341f;
    /** ln 2 split so that n * LN2_HI is exact for the n exp needs (Cody-Waite). */
    private static final float LN2_HI = 0.693359375f;

    private static final float LN2_LO = -2.12194440e-4f;
    /** Adding and subtracting 1.5 * 2^23 rounds a float below 2^22 to the nearest integer. */
    private static final float ROUND = 12582912f;

    private static final float E1 = 1.9875691500e-4f;
    private static final float E2 = 1.3981999507e-3f;
    private static final float E3 = 8.3334519073e-3f;
    private static final float E4 = 4.1665795894e-2f;
    private static final float E5 = 1.6666665459e-1f;
    private static final float E6 = 5.0000001201e-1f;

    private static final float SQRT_HALF = 0.707106781186547524f;
    private static final float L1 = 7.0376836292e-2f;
    private static final float L2 = -1.1514610310e-1f;
    private static final float L3 = 1.1676998740e-1f;
    private static final float L4 = -1.2420140846e-1f;
    private static final float L5 = 1.4249322787e-1f;
    private static final float L6 = -1.6668057665e-1f;
    private static final float L7 = 2.0000714765e-1f;
    private static final float L8 = -2.4999993993e-1f;
    private static final float L9 = 3.3333331174e-1f;

    private static final float TANH_SMALL = 0.625f;
    private static final float T1 = -5.70498872745e-3f;
    private static final float T2 = 2.06390887954e-2f;
    private static final float T3 = -5.37397155531e-2f;
    private static final float T4 = 1.33314422036e-1f;
    private static final float T5 = -3.33332819422e-1f;

    private VMath() {}

    // ------------------------------------------------------------------ exp

    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(EXP_LO).min(EXP_HI); // NaN stays NaN
        FloatVector n = xc.fma(LOG2E, ROUND).sub(ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(S, -LN2_HI), xc);
        r = n.fma(FloatVector.broadcast(S, -LN2_LO), r);
        FloatVector q = r.fma(E1, E2)
                .fma(r, FloatVector.broadcast(S, E3))
                .fma(r, FloatVector.broadcast(S, E4))
                .fma(r, FloatVector.broadcast(S, E5))
                .fma(r, FloatVector.broadcast(S, E6));
        FloatVector p = q.fma(r.mul(r), r).add(1f);
        // 2^n in two halves, so subnormal results round once and n = 128 still overflows to inf
        IntVector ni = (IntVector) n.convert(VectorOperators.F2I, 0);
        IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
        IntVector n2 = ni.sub(n1);
        return p.mul(pow2(n1)).mul(pow2(n2));
    }

    private static FloatVector pow2(IntVector n) {
        return n.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
    }

    static float exp(float x) {
        float xc = Math.min(Math.max(x, EXP_LO), EXP_HI);
        float n = Math.fma(xc, LOG2E, ROUND) - ROUND;
        float r = Math.fma(n, -LN2_HI, xc);
        r = Math.fma(n, -LN2_LO, r);
        float q = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(r, E1, E2), r, E3), r, E4), r, E5), r, E6);
        float p = Math.fma(q, r * r, r) + 1f;
        int ni = (int) n;
        int n1 = ni >> 1;
        int n2 = ni - n1;
        return p * Float.intBitsToFloat((n1 + 127) << 23) * Float.intBitsToFloat((n2 + 127) << 23);
    }

    // ------------------------------------------------------------------ log

    static FloatVector log(FloatVector x) {
        // Subnormals: scale into the normal range first and take 23 off the exponent.
        VectorMask<Float> sub = x.lt(Float.MIN_NORMAL);
        FloatVector xs = x.blend(x.mul(0x1p23f), sub);
        IntVector bits = xs.reinterpretAsInts();
        IntVector e = bits.lanewise(VectorOperators.LSHR, 23).and(0xff).sub(126);
        e = e.blend(e.sub(23), sub.cast(I));
        // x = m * 2^e with m in [0.5, 1); then m in [sqrt(1/2), sqrt(2)) around 1
        FloatVector m = bits.and(0x007fffff).or(0x3f000000).reinterpretAsFloats();
        VectorMask<Float> low = m.lt(SQRT_HALF);
        FloatVector fe = ((FloatVector) e.convert(VectorOperators.I2F, 0));
        fe = fe.blend(fe.sub(1f), low);
        FloatVector f = m.blend(m.add(m), low).sub(1f);
        FloatVector z = f.mul(f);
        FloatVector y = f.fma(L1, L2)
                .fma(f, FloatVector.broadcast(S, L3))
                .fma(f, FloatVector.broadcast(S, L4))
                .fma(f, FloatVector.broadcast(S, L5))
                .fma(f, FloatVector.broadcast(S, L6))
                .fma(f, FloatVector.broadcast(S, L7))
                .fma(f, FloatVector.broadcast(S, L8))
                .fma(f, FloatVector.broadcast(S, L9))
                .mul(f)
                .mul(z);
        y = fe.fma(FloatVector.broadcast(S, LN2_LO), y);
        y = z.fma(FloatVector.broadcast(S, -0.5f), y);
        FloatVector res = fe.fma(FloatVector.broadcast(S, LN2_HI), f.add(y));
        res = res.blend(Float.NaN, x.lt(0f).or(x.test(VectorOperators.IS_NAN)));
        res = res.blend(Float.NEGATIVE_INFINITY, x.eq(0f));
        return res.blend(Float.POSITIVE_INFINITY, x.eq(Float.POSITIVE_INFINITY));
    }

    static float log(float x) {
        boolean sub = x < Float.MIN_NORMAL;
        float xs = sub ? x * 0x1p23f : x;
        int bits = Float.floatToRawIntBits(xs);
        int e = ((bits >>> 23) & 0xff) - 126;
        if (sub) {
            e -= 23;
        }
        float m = Float.intBitsToFloat((bits & 0x007fffff) | 0x3f000000);
        boolean low = m < SQRT_HALF;
        float fe = e;
        if (low) {
            fe = fe - 1f;
        }
        float f = (low ? m + m : m) - 1f;
        float z = f * f;
        float y = Math.fma(
                        Math.fma(
                                Math.fma(
                                        Math.fma(
                                                Math.fma(Math.fma(Math.fma(Math.fma(f, L1, L2), f, L3), f, L4), f, L5),
                                                f,
                                                L6),
                                        f,
                                        L7),
                                f,
                                L8),
                        f,
                        L9)
                * f
                * z;
        y = Math.fma(fe, LN2_LO, y);
        y = Math.fma(z, -0.5f, y);
        float res = Math.fma(fe, LN2_HI, f + y);
        if (x < 0f || x != x) {
            return Float.NaN;
        }
        if (x == 0f) {
            return Float.NEGATIVE_INFINITY;
        }
        return x == Float.POSITIVE_INFINITY ? Float.POSITIVE_INFINITY : res;
    }

    // ------------------------------------------------------------------ tanh

    static FloatVector tanh(FloatVector x) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector ax = x.abs();
        // |x| >= 0.625: 1 - 2 / (exp(2|x|) + 1), signed like x
        FloatVector big =
                one.sub(FloatVector.broadcast(S, 2f).div(exp(ax.add(ax)).add(1f)));
        big = big.lanewise(VectorOperators.NEG, x.lt(0f));
        // |x| < 0.625: x + x^3 P(x^2)
        FloatVector z = x.mul(x);
        FloatVector p = z.fma(T1, T2)
                .fma(z, FloatVector.broadcast(S, T3))
                .fma(z, FloatVector.broadcast(S, T4))
                .fma(z, FloatVector.broadcast(S, T5));
        FloatVector small = p.mul(z).fma(x, x).blend(x, x.eq(0f)); // keep the sign of -0
        return small.blend(big, ax.compare(VectorOperators.GE, TANH_SMALL));
    }

    static float tanh(float x) {
        float ax = Math.abs(x);
        if (ax >= TANH_SMALL) {
            float big = 1f - 2f / (exp(ax + ax) + 1f);
            return x < 0f ? -big : big;
        }
        if (x == 0f) {
            return x;
        }
        float z = x * x;
        float p = Math.fma(Math.fma(Math.fma(Math.fma(z, T1, T2), z, T3), z, T4), z, T5);
        return Math.fma(p * z, x, x);
    }
}
