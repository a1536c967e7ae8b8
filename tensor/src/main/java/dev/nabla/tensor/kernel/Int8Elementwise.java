package dev.nabla.tensor.kernel;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Elementwise int8 kernels: quantize, dequantize, fake-quantize, requantizing add, and the
 * narrowing and scaling steps of the int8 GEMM's epilogue.
 *
 * <p>Quantization follows PyTorch ({@code quantize_val}): {@code q = clamp(zero + round(x * (1 /
 * scale)), lo, hi)}, the product in float and rounded half to even; NaN quantizes to the zero point.
 * Every vector loop computes exactly what its scalar tail computes, so results do not depend on the
 * vector width.
 *
 * <pre>{@code
 * float[] x = {-1f, 0f, 0.26f, 100f};
 * byte[] q = new byte[4];
 * Int8Elementwise.quantize(x, 0, 4, 0.1f, 10, 0, 255, q, 0);   // q = {0, 10, 13, 255} as unsigned bytes
 * }</pre>
 */
public final class Int8Elementwise {
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> IS = IntVector.SPECIES_PREFERRED;
    /** Bytes with as many lanes as {@link #IS}: a quarter of its width. */
    private static final VectorSpecies<Byte> BS =
            VectorSpecies.of(byte.class, VectorShape.forBitSize(IS.vectorBitSize() / 4));

    private static final int L = IS.length();
    /** 1.5 * 2^23: adding and subtracting it rounds a float of magnitude below 2^22 half to even. */
    private static final float MAGIC = 12582912f;

    private Int8Elementwise() {}

    // ------------------------------------------------------------------ quantize

    /**
     * One value: {@code clamp(zero + round_half_even(x * inv), lo, hi)}; the product is clamped
     * near the range before rounding (which changes nothing after the final clamp) so the rounding
     * trick stays exact.
     */
    public static int quantize(float x, float inv, int zero, int lo, int hi) {
        float t = Math.max(lo - zero - 1f, Math.min(hi - zero + 1f, x * inv));
        int r = (int) ((t + MAGIC) - MAGIC);
        return Math.max(lo, Math.min(hi, r + zero));
    }

    /**
     * {@code q[qo + i] = quantize(x[xo + i], 1 / scale, zero, lo, hi)} for {@code i < n}, stored as
     * bytes (uint8 values 128..255 as their two's complement bits).
     */
    public static void quantize(float[] x, int xo, int n, float scale, int zero, int lo, int hi, byte[] q, int qo) {
        float inv = 1f / scale;
        Parallel.forRange(n, Elementwise.GRAIN, (from, to) -> quantizeRange(x, xo, inv, zero, lo, hi, q, qo, from, to));
    }

    private static void quantizeRange(
            float[] x, int xo, float inv, int zero, int lo, int hi, byte[] q, int qo, int from, int to) {
        int i = from;
        if (FS.length() == L) {
            FloatVector vinv = FloatVector.broadcast(FS, inv);
            FloatVector magic = FloatVector.broadcast(FS, MAGIC);
            IntVector vz = IntVector.broadcast(IS, zero);
            // clamp(r + zero, lo, hi) == clamp(r, lo - zero, hi - zero) + zero, which cannot overflow
            IntVector vlo = IntVector.broadcast(IS, lo - zero);
            IntVector vhi = IntVector.broadcast(IS, hi - zero);
            for (int ub = from + (to - from) / L * L; i < ub; i += L) {
                IntVector v = roundedInts(FloatVector.fromArray(FS, x, xo + i).mul(vinv), magic);
                IntVector c = vhi.min(vlo.max(v)).add(vz);
                ((ByteVector) c.convertShape(VectorOperators.I2B, BS, 0)).intoArray(q, qo + i);
            }
        }
        for (; i < to; i++) {
            q[qo + i] = (byte) quantize(x[xo + i], inv, zero, lo, hi);
        }
    }

    /**
     * {@code t} rounded half to even, as ints, exact wherever the caller's int clamp keeps the value
     * (|t| < 2^22, far beyond any 8-bit range); outside it the result is still beyond the clamp on
     * the same side (the magic sum keeps the sign and magnitude above 2^22; the cast saturates),
     * and NaN becomes 0 as in the scalar {@link #quantize(float, float, int, int, int)}. Clamping the
     * ints instead of the floats (as the scalar definition does) gives the same values and spares two
     * NaN-propagating float min/max sequences per vector.
     */
    private static IntVector roundedInts(FloatVector t, FloatVector magic) {
        return (IntVector) t.add(magic).sub(magic).convertShape(VectorOperators.F2I, IS, 0);
    }

    /**
     * {@code out[oo + i] = quantize(x[xo + i], inv, zero, lo, hi) - zero} for {@code i < n}, as ints:
     * a row of activations quantized and centred for the int8 GEMM in one vector pass (the dynamic
     * linear layer quantizes every batch on the fly, so this pass is on its critical path).
     */
    static void quantizeCentred(float[] x, int xo, int n, float inv, int zero, int lo, int hi, int[] out, int oo) {
        int i = 0;
        if (FS.length() == L) {
            FloatVector vinv = FloatVector.broadcast(FS, inv);
            FloatVector magic = FloatVector.broadcast(FS, MAGIC);
            // clamp(r + zero, lo, hi) - zero == clamp(r, lo - zero, hi - zero); the clamp is on ints
            // (see roundedInts)
            IntVector vlo = IntVector.broadcast(IS, lo - zero);
            IntVector vhi = IntVector.broadcast(IS, hi - zero);
            for (int ub = n / L * L; i < ub; i += L) {
                IntVector v = roundedInts(FloatVector.fromArray(FS, x, xo + i).mul(vinv), magic);
                vhi.min(vlo.max(v)).intoArray(out, oo + i);
            }
        }
        for (; i < n; i++) {
            out[oo + i] = quantize(x[xo + i], inv, zero, lo, hi) - zero;
        }
    }

    /**
     * The minimum and maximum of {@code x[xo ...]} ({@code n >= 1} values) in one pass, as
     * {@code {min, max}}: the range a dynamic quantization's scale comes from. NaN propagates as in
     * {@link Math#min}, so a NaN input gives NaN bounds (which the caller rejects).
     */
    public static float[] minMax(float[] x, int xo, int n) {
        int i = 0;
        int lo = Integer.MAX_VALUE;
        int hi = Integer.MIN_VALUE;
        if (n >= L) {
            // On ordered ints (see ordered): Java's NaN-propagating float min/max is a sequence of
            // about five instructions on x86, and the float loop ran at half a cycle per value.
            IntVector lo0 = IntVector.broadcast(IS, Integer.MAX_VALUE), lo1 = lo0;
            IntVector hi0 = IntVector.broadcast(IS, Integer.MIN_VALUE), hi1 = hi0;
            for (int ub = n - 2 * L; i <= ub; i += 2 * L) {
                IntVector v0 = ordered(FloatVector.fromArray(FS, x, xo + i));
                IntVector v1 = ordered(FloatVector.fromArray(FS, x, xo + i + L));
                lo0 = lo0.min(v0);
                hi0 = hi0.max(v0);
                lo1 = lo1.min(v1);
                hi1 = hi1.max(v1);
            }
            for (int ub = n - L; i <= ub; i += L) {
                IntVector v = ordered(FloatVector.fromArray(FS, x, xo + i));
                lo0 = lo0.min(v);
                hi0 = hi0.max(v);
            }
            lo = lo0.min(lo1).reduceLanes(VectorOperators.MIN);
            hi = hi0.max(hi1).reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) {
            int v = ordered(Float.floatToRawIntBits(x[xo + i]));
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        // A NaN orders above +Inf (positive sign bit) or below -Inf (negative), as Math.min and
        // Math.max would give it for both bounds.
        if (hi > ORDERED_POSITIVE_INFINITY || lo < ORDERED_NEGATIVE_INFINITY) {
            return new float[] {Float.NaN, Float.NaN};
        }
        return new float[] {Float.intBitsToFloat(ordered(lo)), Float.intBitsToFloat(ordered(hi))};
    }

    private static final int ORDERED_POSITIVE_INFINITY = ordered(Float.floatToRawIntBits(Float.POSITIVE_INFINITY));
    private static final int ORDERED_NEGATIVE_INFINITY = ordered(Float.floatToRawIntBits(Float.NEGATIVE_INFINITY));

    /**
     * A float's bits mapped to an int whose signed order is the float order, -0.0 below 0.0 (as in
     * Math.min): negative floats have their magnitude bits flipped. The map is its own inverse.
     */
    private static int ordered(int bits) {
        return bits ^ ((bits >> 31) & 0x7FFFFFFF);
    }

    private static IntVector ordered(FloatVector v) {
        IntVector b = (IntVector) v.reinterpretShape(IS, 0);
        return b.lanewise(
                VectorOperators.XOR, b.lanewise(VectorOperators.ASHR, 31).and(0x7FFFFFFF));
    }

    /**
     * {@code out[oo + i] = (q[qo + i] - zero) * scale} for {@code i < n}; {@code unsigned} reads the
     * bytes as uint8, else as int8.
     */
    public static void dequantize(
            byte[] q, int qo, int n, boolean unsigned, float scale, int zero, float[] out, int oo) {
        Parallel.forRange(n, Elementwise.GRAIN, (from, to) -> {
            int i = from;
            if (FS.length() == L) {
                FloatVector vs = FloatVector.broadcast(FS, scale);
                IntVector vz = IntVector.broadcast(IS, zero);
                for (int ub = from + (to - from) / L * L; i < ub; i += L) {
                    IntVector v = widen(q, qo + i, unsigned).sub(vz);
                    ((FloatVector) v.convertShape(VectorOperators.I2F, FS, 0))
                            .mul(vs)
                            .intoArray(out, oo + i);
                }
            }
            for (; i < to; i++) {
                out[oo + i] = ((unsigned ? q[qo + i] & 0xFF : q[qo + i]) - zero) * scale;
            }
        });
    }

    /** L bytes at {@code q[at]} as ints, zero- or sign-extended. */
    private static IntVector widen(byte[] q, int at, boolean unsigned) {
        ByteVector b = ByteVector.fromArray(BS, q, at);
        return (IntVector) b.convertShape(unsigned ? VectorOperators.ZERO_EXTEND_B2I : VectorOperators.B2I, IS, 0);
    }

    /**
     * Fake quantization ({@code quantize} then dequantize, in float), PyTorch's
     * {@code fake_quantize_per_tensor_affine}: {@code out[oo + i] = (quantize(x, 1/scale, zero, lo, hi) - zero) * scale}.
     * {@code out} may be {@code x}.
     */
    public static void fakeQuantize(
            float[] x, int xo, int n, float scale, int zero, int lo, int hi, float[] out, int oo) {
        float inv = 1f / scale;
        Parallel.forRange(
                n, Elementwise.GRAIN, (from, to) -> fakeRange(x, xo, inv, scale, zero, lo, hi, out, oo, from, to));
    }

    /**
     * Per-channel fake quantization of {@code channels} consecutive blocks of {@code inner} values
     * (axis 0 of a weight), block {@code c} with {@code scales[c]} and {@code zeros[c]}.
     */
    public static void fakeQuantizePerChannel(
            float[] x,
            int xo,
            int channels,
            int inner,
            float[] scales,
            int[] zeros,
            int lo,
            int hi,
            float[] out,
            int oo) {
        Parallel.forRange(channels, Math.max(1, Elementwise.GRAIN / Math.max(1, inner)), (c0, c1) -> {
            for (int c = c0; c < c1; c++) {
                int at = c * inner;
                fakeRange(x, xo + at, 1f / scales[c], scales[c], zeros[c], lo, hi, out, oo + at, 0, inner);
            }
        });
    }

    private static void fakeRange(
            float[] x,
            int xo,
            float inv,
            float scale,
            int zero,
            int lo,
            int hi,
            float[] out,
            int oo,
            int from,
            int to) {
        int i = from;
        if (FS.length() == L) {
            FloatVector vinv = FloatVector.broadcast(FS, inv);
            FloatVector vs = FloatVector.broadcast(FS, scale);
            FloatVector tlo = FloatVector.broadcast(FS, lo - zero - 1f);
            FloatVector thi = FloatVector.broadcast(FS, hi - zero + 1f);
            FloatVector magic = FloatVector.broadcast(FS, MAGIC);
            IntVector vlo = IntVector.broadcast(IS, lo - zero);
            IntVector vhi = IntVector.broadcast(IS, hi - zero);
            for (int ub = from + (to - from) / L * L; i < ub; i += L) {
                FloatVector t =
                        FloatVector.fromArray(FS, x, xo + i).mul(vinv).min(thi).max(tlo);
                FloatVector r = t.add(magic).sub(magic);
                IntVector v = vhi.min(vlo.max((IntVector) r.convertShape(VectorOperators.F2I, IS, 0)));
                ((FloatVector) v.convertShape(VectorOperators.I2F, FS, 0))
                        .mul(vs)
                        .intoArray(out, oo + i);
            }
        }
        for (; i < to; i++) {
            out[oo + i] = (quantize(x[xo + i], inv, zero, lo, hi) - zero) * scale;
        }
    }

    // ------------------------------------------------------------------ quantized arithmetic

    /**
     * Fixed-point factors of a requantizing add: {@code {ma, mb, shift}} with
     * {@code ma / 2^shift ~ scaleA / scaleOut}, likewise b, and {@code 255 * (ma + mb) < 2^31} so the
     * sum of two products fits an int.
     */
    public static int[] addFactors(double scaleA, double scaleB, double scaleOut) {
        double ra = scaleA / scaleOut;
        double rb = scaleB / scaleOut;
        if (!(ra > 0 && rb > 0) || Double.isInfinite(ra + rb)) {
            throw new IllegalArgumentException(
                    "quantized add: scales must be positive, got " + scaleA + ", " + scaleB + " -> " + scaleOut);
        }
        // 255 * (ra + rb) * 2^shift < 2^30 leaves a bit of headroom for the rounding term.
        int shift = Math.min(24, 30 - 8 - Math.getExponent(ra + rb) - 1);
        if (shift < 1) {
            throw new IllegalArgumentException("quantized add: input scales " + scaleA + ", " + scaleB
                    + " are too large for the output scale " + scaleOut);
        }
        return new int[] {(int) Math.round(Math.scalb(ra, shift)), (int) Math.round(Math.scalb(rb, shift)), shift};
    }

    /** The scalar definition of {@link #add}. */
    public static int add(int a, int za, int b, int zb, int[] factors, int zo, int lo, int hi) {
        int s = factors[2];
        int v = ((a - za) * factors[0] + (b - zb) * factors[1] + (1 << (s - 1))) >> s;
        return Math.max(lo, Math.min(hi, zo + v));
    }

    /**
     * {@code out = clamp(zo + round((a - za) * sa / so + (b - zb) * sb / so), lo, hi)} for uint8
     * {@code a}, {@code b} and {@code out} ({@code lo = zo} fuses a ReLU), in fixed point with the
     * factors of {@link #addFactors}; rounds halves up.
     */
    public static void add(
            byte[] a,
            int ao,
            int za,
            byte[] b,
            int bo,
            int zb,
            int[] factors,
            int zo,
            int lo,
            int hi,
            byte[] out,
            int oo,
            int n) {
        Parallel.forRange(n, Elementwise.GRAIN, (from, to) -> {
            int i = from;
            int s = factors[2];
            IntVector ma = IntVector.broadcast(IS, factors[0]);
            IntVector mb = IntVector.broadcast(IS, factors[1]);
            IntVector vza = IntVector.broadcast(IS, za);
            IntVector vzb = IntVector.broadcast(IS, zb);
            IntVector round = IntVector.broadcast(IS, 1 << (s - 1));
            IntVector vzo = IntVector.broadcast(IS, zo);
            IntVector vlo = IntVector.broadcast(IS, lo);
            IntVector vhi = IntVector.broadcast(IS, hi);
            for (int ub = from + (to - from) / L * L; i < ub; i += L) {
                IntVector da = widen(a, ao + i, true).sub(vza);
                IntVector db = widen(b, bo + i, true).sub(vzb);
                IntVector v = da.mul(ma)
                        .add(db.mul(mb))
                        .add(round)
                        .lanewise(VectorOperators.ASHR, s)
                        .add(vzo);
                ((ByteVector) vhi.min(vlo.max(v)).convertShape(VectorOperators.I2B, BS, 0)).intoArray(out, oo + i);
            }
            for (; i < to; i++) {
                out[oo + i] = (byte) add(a[ao + i] & 0xFF, za, b[bo + i] & 0xFF, zb, factors, zo, lo, hi);
            }
        });
    }

    /** {@code out = max(q, floor)} over uint8 values: a ReLU of a uint8 tensor whose zero point is {@code floor}. */
    public static void clampBelow(byte[] q, int qo, int n, int floor, byte[] out, int oo) {
        Parallel.forRange(n, Elementwise.GRAIN, (from, to) -> {
            int i = from;
            IntVector f = IntVector.broadcast(IS, floor);
            for (int ub = from + (to - from) / L * L; i < ub; i += L) {
                IntVector v = widen(q, qo + i, true).max(f);
                ((ByteVector) v.convertShape(VectorOperators.I2B, BS, 0)).intoArray(out, oo + i);
            }
            for (; i < to; i++) {
                out[oo + i] = (byte) Math.max(q[qo + i] & 0xFF, floor);
            }
        });
    }

    // ------------------------------------------------------------------ GEMM epilogue steps

    /** {@code dst[dstOff + i] = (byte) src[srcOff + i]}: the low 8 bits of already clamped ints. */
    static void narrow(int[] src, int srcOff, byte[] dst, int dstOff, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            ((ByteVector) IntVector.fromArray(IS, src, srcOff + i).convertShape(VectorOperators.I2B, BS, 0))
                    .intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) {
            dst[dstOff + i] = (byte) src[srcOff + i];
        }
    }

    /**
     * {@code y[yo + j] = fma(c[co + j], scale[s0 + j], bias[s0 + j])} (bias 0 when null) for
     * {@code j < n}: part of a dynamic layer's output row, columns {@code s0 ..}.
     */
    static void scaleRow(int[] c, int co, float[] scale, float[] bias, int s0, float[] y, int yo, int n) {
        int j = 0;
        if (FS.length() == L) {
            for (; j <= n - L; j += L) {
                FloatVector v =
                        (FloatVector) IntVector.fromArray(IS, c, co + j).convertShape(VectorOperators.I2F, FS, 0);
                FloatVector b = bias == null ? FloatVector.zero(FS) : FloatVector.fromArray(FS, bias, s0 + j);
                v.fma(FloatVector.fromArray(FS, scale, s0 + j), b).intoArray(y, yo + j);
            }
        }
        for (; j < n; j++) {
            y[yo + j] = Math.fma((float) c[co + j], scale[s0 + j], bias == null ? 0f : bias[s0 + j]);
        }
    }

    // ------------------------------------------------------------------ statistics

    /**
     * Adds to {@code counts} a histogram of {@code x[xo ...]} ({@code n} values) over
     * {@code counts.length} equal bins spanning {@code [min, max]}, as {@code torch.histc}: bin
     * {@code (int) ((v - min) / (max - min) * bins)}, the value {@code max} in the last bin, values
     * outside the range and NaN ignored.
     */
    public static void histogram(float[] x, int xo, int n, float min, float max, long[] counts) {
        int bins = counts.length;
        float span = max - min;
        for (int i = 0; i < n; i++) {
            float v = x[xo + i];
            if (!(v >= min && v <= max)) {
                continue;
            }
            int b = span > 0 ? (int) ((v - min) / span * bins) : 0;
            counts[Math.min(b, bins - 1)]++;
        }
    }
}
