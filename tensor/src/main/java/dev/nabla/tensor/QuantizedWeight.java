package dev.nabla.tensor;

import dev.nabla.tensor.kernel.Int8Elementwise;
import dev.nabla.tensor.kernel.Int8Weights;
import dev.nabla.tensor.kernel.Requantizer;
import java.util.Arrays;
import java.util.Objects;

/**
 * The int8 weight of a quantized linear or convolution layer: int8 values {@code [out, ...]} with
 * one symmetric scale per output channel (zero point 0), PyTorch's per-channel {@code qint8}
 * weight. The int8 kernels' packed copies are made on first use and kept, so a layer packs its
 * weight once, not per call.
 *
 * <pre>{@code
 * Tensor w = Tensor.of(new float[][] {{0.5f, -1f}, {0.02f, 0.01f}});
 * QuantizedWeight q = QuantizedWeight.quantize(w, Tensor.of(1f / 127, 0.02f / 127));
 * q.values();        // tensor([[ 64, -127], [127, 64]], dtype=int8)
 * q.dequantize();    // close to w
 * }</pre>
 */
public final class QuantizedWeight {
    private final Tensor values;
    private final float[] scales;
    private volatile Int8Weights linear;
    private volatile Int8Weights conv;
    private volatile Memo memo;

    /** The last requantizer made for this weight, with what it was made from. */
    private record Memo(
            double inScale, double outScale, int outZero, boolean relu, Tensor bias, int biasVersion, Requantizer rq) {
        boolean matches(double in, double out, int zero, boolean r, Tensor b) {
            return in == inScale
                    && out == outScale
                    && zero == outZero
                    && r == relu
                    && b == bias
                    && (b == null || b.version() == biasVersion);
        }
    }

    private QuantizedWeight(Tensor values, float[] scales) {
        this.values = values;
        this.scales = scales;
    }

    /**
     * Wraps int8 {@code values} ({@code [out, ...]}, copied) and their per-channel float32
     * {@code scales} ({@code [out]}, each positive and finite), e.g. as read from a state dict.
     */
    public static QuantizedWeight of(Tensor values, Tensor scales) {
        Objects.requireNonNull(values, "values");
        Objects.requireNonNull(scales, "scales");
        if (values.dtype() != DType.INT8 || values.isQuantized() || values.dim() < 2) {
            throw new IllegalArgumentException("QuantizedWeight: values must be a plain int8 tensor [out, ...], got "
                    + values.dtype() + " " + values.shape());
        }
        return new QuantizedWeight(values.copy(), checkScales(scales, values.size(0)));
    }

    /**
     * Quantizes a float32 weight {@code [out, ...]} per output channel with the given symmetric
     * {@code scales} ({@code [out]}): {@code q = clamp(round(w / scale), -128, 127)}.
     */
    public static QuantizedWeight quantize(Tensor weight, Tensor scales) {
        Objects.requireNonNull(weight, "weight");
        if (weight.dtype() != DType.FLOAT32 || weight.dim() < 2) {
            throw new IllegalArgumentException("QuantizedWeight: the weight must be float32 [out, ...], got "
                    + weight.dtype() + " " + weight.shape());
        }
        int out = weight.size(0);
        float[] s = checkScales(scales, out);
        Tensor w = weight.contiguous();
        int inner = w.numel() / out;
        byte[] q = new byte[w.numel()];
        for (int c = 0; c < out; c++) {
            Int8Elementwise.quantize(w.storage.data, w.offset + c * inner, inner, s[c], 0, -128, 127, q, c * inner);
        }
        return new QuantizedWeight(Tensor.fromArray(q, weight.dims()), s);
    }

    private static float[] checkScales(Tensor scales, int out) {
        if (scales.dtype() != DType.FLOAT32 || scales.dim() != 1 || scales.size(0) != out) {
            throw new IllegalArgumentException("QuantizedWeight: scales must be float32 [" + out + "], got "
                    + scales.dtype() + " " + scales.shape());
        }
        float[] s = scales.toArray();
        for (int c = 0; c < s.length; c++) {
            if (!(s[c] > 0) || Float.isInfinite(s[c])) {
                throw new IllegalArgumentException(
                        "QuantizedWeight: scale " + c + " is " + s[c] + "; scales must be positive and finite");
            }
        }
        return s;
    }

    /** The int8 values {@code [out, ...]} (live: do not modify). */
    public Tensor values() {
        return values;
    }

    /** The per-channel scales {@code [out]}, a new float32 tensor. */
    public Tensor scales() {
        return Tensor.fromArray(scales.clone(), scales.length);
    }

    /** Output channels. */
    public int outChannels() {
        return scales.length;
    }

    /** The float weight the values stand for, {@code q * scale[channel]}. */
    public Tensor dequantize() {
        int out = scales.length;
        Tensor v = values.toFloat();
        return v.mul(Tensor.fromArray(scales.clone(), out).reshape(reshapeDims(v.dim(), out)));
    }

    private static int[] reshapeDims(int rank, int out) {
        int[] d = new int[rank];
        Arrays.fill(d, 1);
        d[0] = out;
        return d;
    }

    float scale(int channel) {
        return scales[channel];
    }

    /** Packed for {@code Int8Gemm.linear} (on first use). */
    Int8Weights packedForLinear() {
        Int8Weights p = linear;
        if (p == null) {
            p = Int8Weights.forLinear(values.toByteArray(), 0, scales.length, values.numel() / scales.length);
            linear = p;
        }
        return p;
    }

    /** Packed for {@code Int8Conv2d} (on first use). */
    Int8Weights packedForConv() {
        Int8Weights p = conv;
        if (p == null) {
            p = Int8Weights.forConv(values.toByteArray(), 0, scales.length, values.numel() / scales.length);
            conv = p;
        }
        return p;
    }

    /**
     * The requantizer from accumulators of inputs with scale {@code inScale} to outputs with
     * {@code outScale} and {@code outZero} (clamped at the zero point for a fused ReLU), with the
     * float {@code bias} (may be null) rounded to int32 in the accumulator's scale. The last one is
     * kept, so a layer with fixed quantization parameters builds it once.
     */
    Requantizer requantizer(double inScale, double outScale, int outZero, boolean relu, Tensor bias) {
        Memo m = memo;
        if (m != null && m.matches(inScale, outScale, outZero, relu, bias)) {
            return m.rq;
        }
        int out = scales.length;
        double[] mult = new double[out];
        int[] b = bias == null ? null : new int[out];
        float[] bv = bias == null ? null : bias.toArray();
        for (int c = 0; c < out; c++) {
            double accScale = inScale * scales[c];
            mult[c] = accScale / outScale;
            if (b != null) {
                double q = Math.rint(bv[c] / accScale);
                b[c] = (int) Math.max(Integer.MIN_VALUE / 2, Math.min(Integer.MAX_VALUE / 2, q));
            }
        }
        Requantizer rq = Requantizer.of(mult, b, outZero, relu ? outZero : 0, 255);
        memo = new Memo(inScale, outScale, outZero, relu, bias, bias == null ? 0 : bias.version(), rq);
        return rq;
    }

    @Override
    public String toString() {
        return "QuantizedWeight(" + values.shape() + ", per-channel symmetric int8)";
    }
}
