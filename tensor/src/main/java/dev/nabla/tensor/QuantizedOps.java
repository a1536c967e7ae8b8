package dev.nabla.tensor;

import dev.nabla.tensor.kernel.Conv2dSpec;
import dev.nabla.tensor.kernel.Int8Conv2d;
import dev.nabla.tensor.kernel.Int8Elementwise;
import dev.nabla.tensor.kernel.Int8Gemm;
import dev.nabla.tensor.kernel.Int8Pool2d;
import dev.nabla.tensor.kernel.Pool2dSpec;
import java.util.Arrays;
import java.util.Objects;

/**
 * Operations on quantized tensors, the int8 counterparts of the float layers (PyTorch's
 * {@code torch.ops.quantized} and {@code torch.ao.nn.quantized.functional}): each takes uint8
 * activations ({@code quint8}, one scale and zero point per tensor) and, for linear and
 * convolution, a {@link QuantizedWeight}; computes in int32; and requantizes to the output's scale
 * and zero point in fixed point. Nothing is dequantized between layers.
 *
 * <pre>{@code
 * Tensor x = Tensor.rand(new Generator(0), 4, 8).quantizePerTensor(1.0 / 255, 0, DType.UINT8);
 * QuantizedWeight w = QuantizedWeight.quantize(Tensor.randn(new Generator(1), 3, 8), Tensor.full(0.02f, 3));
 * Tensor y = QuantizedOps.linear(x, w, null, 0.05, 128, false);     // quint8 [4, 3]
 * Tensor f = QuantizedOps.linearDynamic(Tensor.randn(new Generator(2), 4, 8), w, null);   // float32 [4, 3]
 * }</pre>
 */
public final class QuantizedOps {
    private QuantizedOps() {}

    /** Checks a scale and zero point for {@code dtype} (UINT8 or INT8). */
    static void checkQParams(String op, double scale, long zeroPoint, DType dtype) {
        if (dtype != DType.UINT8 && dtype != DType.INT8) {
            throw new IllegalArgumentException(
                    op + ": the quantized dtype must be UINT8 (quint8) or INT8 (qint8), got " + dtype);
        }
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException(op + ": scale must be positive and finite, got " + scale);
        }
        long lo = dtype == DType.UINT8 ? 0 : -128;
        if (zeroPoint < lo || zeroPoint > lo + 255) {
            throw new IllegalArgumentException(op + ": zero point " + zeroPoint + " is outside " + dtype + "'s range ["
                    + lo + ", " + (lo + 255) + "]");
        }
    }

    /** A contiguous quint8 tensor, or a clear error naming the operation. */
    private static Tensor activation(String op, Tensor x) {
        Objects.requireNonNull(x, op + ": input is null");
        if (!x.isQuantized() || x.dtype() != DType.UINT8) {
            throw new IllegalArgumentException(op + ": expects a quint8 (uint8 quantized) tensor, got "
                    + (x.isQuantized() ? x.quantizedDescription() : x.dtype().toString()) + " " + x.shape()
                    + (x.isQuantized() ? "" : "; quantize the input first (quantizePerTensor, or a QuantStub)"));
        }
        return x.contiguous();
    }

    private static byte[] bytes(Tensor t) {
        return t.storage.bytes();
    }

    // ------------------------------------------------------------------ linear

    /**
     * Quantized linear layer over the last dimension of {@code x} ({@code [..., in]} quint8):
     * {@code y = requantize(sum (x - zx) * w + round(bias / (sx * sw)))} as quint8 {@code [..., out]}
     * with {@code scale} and {@code zeroPoint}, clamped at the zero point when {@code relu}.
     * {@code bias} is float32 {@code [out]} or null.
     */
    public static Tensor linear(Tensor x, QuantizedWeight w, Tensor bias, double scale, long zeroPoint, boolean relu) {
        Tensor qx = activation("quantized linear", x);
        checkQParams("quantized linear", scale, zeroPoint, DType.UINT8);
        int out = w.outChannels();
        int in = w.values().numel() / out;
        if (w.values().dim() != 2 || qx.dim() == 0 || qx.size(-1) != in) {
            throw new ShapeMismatchException("quantized linear: input " + qx.shape() + " and weight "
                    + w.values().shape() + " do not fit (input's last dimension must be " + in + ")");
        }
        checkBias("quantized linear", bias, out);
        int m = qx.numel() / in;
        int[] dims = qx.dims();
        dims[dims.length - 1] = out;
        byte[] y = new byte[m * out];
        Int8Gemm.linear(
                m,
                in,
                bytes(qx),
                qx.offset,
                qx.storage.qZero,
                w.packedForLinear(),
                w.requantizer(qx.storage.qScale, scale, (int) zeroPoint, relu, bias),
                y,
                0);
        return Tensor.quantized(y, scale, (int) zeroPoint, DType.UINT8, Shape.of(dims));
    }

    /**
     * Dynamically quantized linear layer, PyTorch's {@code quantized::linear_dynamic}: {@code x}
     * ({@code [..., in]} float32) is quantized to uint8 with a scale and zero point chosen from its
     * own minimum and maximum (widened to include 0), multiplied by the int8 weight in int32, and
     * the result scaled back to float32 with the bias added.
     */
    public static Tensor linearDynamic(Tensor x, QuantizedWeight w, Tensor bias) {
        Objects.requireNonNull(x, "dynamic quantized linear: input is null");
        x.requireFloat("dynamic quantized linear");
        int out = w.outChannels();
        int in = w.values().numel() / out;
        if (w.values().dim() != 2 || x.dim() == 0 || x.size(-1) != in) {
            throw new ShapeMismatchException("dynamic quantized linear: input " + x.shape() + " and weight "
                    + w.values().shape() + " do not fit (input's last dimension must be " + in + ")");
        }
        checkBias("dynamic quantized linear", bias, out);
        Tensor xc = x.contiguous();
        int m = xc.numel() / in;
        int[] dims = xc.dims();
        dims[dims.length - 1] = out;
        Tensor y = Tensor.zeros(dims);
        if (m == 0) {
            return y;
        }
        float[] range = Int8Elementwise.minMax(xc.storage.data, xc.offset, m * in);
        double[] qp = dynamicQParams(range[0], range[1]);
        float[] colScale = new float[out];
        for (int c = 0; c < out; c++) {
            colScale[c] = (float) (qp[0] * w.scale(c));
        }
        Int8Gemm.linearFloat(
                m,
                in,
                xc.storage.data,
                xc.offset,
                (float) qp[0],
                (int) qp[1],
                w.packedForLinear(),
                colScale,
                bias == null ? null : floats(bias),
                y.storage.data,
                0);
        return y;
    }

    /** A float32 vector's values from index 0: its own array when it has no offset (no copy per call). */
    private static float[] floats(Tensor v) {
        Tensor c = v.contiguous();
        return c.offset == 0 ? c.storage.data : c.toArray();
    }

    /**
     * The uint8 scale and zero point of dynamic quantization for values in {@code [min, max]}: the
     * range widened to include 0, {@code scale = (max - min) / 255} in float32 (1 for an all-zero
     * range), {@code zero = clamp(round(-min / scale), 0, 255)}.
     */
    public static double[] dynamicQParams(float min, float max) {
        if (!Float.isFinite(min) || !Float.isFinite(max)) {
            throw new IllegalArgumentException(
                    "dynamic quantization: the input holds NaN or infinite values (min " + min + ", max " + max + ")");
        }
        float lo = Math.min(min, 0f);
        float hi = Math.max(max, 0f);
        float scale = (hi - lo) / 255f;
        if (scale == 0f) {
            scale = 1f;
        }
        double zero = Math.max(0, Math.min(255, Math.rint(-lo / scale)));
        return new double[] {scale, zero};
    }

    private static void checkBias(String op, Tensor bias, int out) {
        if (bias != null && (bias.dtype() != DType.FLOAT32 || bias.dim() != 1 || bias.size(0) != out)) {
            throw new ShapeMismatchException(
                    op + ": bias must be float32 [" + out + "], got " + bias.dtype() + " " + bias.shape());
        }
    }

    // ------------------------------------------------------------------ convolution

    /**
     * Quantized 2-D convolution of {@code x} ({@code [N, Cin, H, W]} or {@code [Cin, H, W]}, quint8)
     * with the int8 weight {@code [Cout, Cin, kH, kW]} (one group), zero padding (the input's zero
     * point), float32 {@code bias [Cout]} or null; quint8 output with {@code scale} and
     * {@code zeroPoint}, clamped at the zero point when {@code relu}.
     */
    public static Tensor conv2d(
            Tensor x,
            QuantizedWeight w,
            Tensor bias,
            int[] stride,
            int[] padding,
            int[] dilation,
            double scale,
            long zeroPoint,
            boolean relu) {
        Tensor qx = activation("quantized conv2d", x);
        checkQParams("quantized conv2d", scale, zeroPoint, DType.UINT8);
        Tensor wv = w.values();
        if (wv.dim() != 4) {
            throw new ShapeMismatchException("quantized conv2d: weight must be [Cout, Cin, kH, kW], got " + wv.shape());
        }
        boolean unbatched = qx.dim() == 3;
        if (qx.dim() != 4 && !unbatched) {
            throw new ShapeMismatchException(
                    "quantized conv2d: expected input [N, C, H, W] or [C, H, W], got " + qx.shape());
        }
        Tensor q4 = unbatched ? qx.unsqueeze(0) : qx;
        if (q4.size(1) != wv.size(1)) {
            throw new ShapeMismatchException("quantized conv2d: input " + qx.shape() + " has " + q4.size(1)
                    + " channels but weight " + wv.shape() + " expects " + wv.size(1));
        }
        checkBias("quantized conv2d", bias, wv.size(0));
        Conv2dSpec spec;
        try {
            spec = new Conv2dSpec(
                    q4.size(0),
                    q4.size(1),
                    q4.size(2),
                    q4.size(3),
                    wv.size(0),
                    wv.size(2),
                    wv.size(3),
                    stride[0],
                    stride[1],
                    padding[0],
                    padding[1],
                    dilation[0],
                    dilation[1],
                    1);
        } catch (IllegalArgumentException e) {
            throw new ShapeMismatchException("quantized conv2d: input " + qx.shape() + " with weight " + wv.shape()
                    + ", stride " + Arrays.toString(stride) + ", padding " + Arrays.toString(padding) + ": "
                    + e.getMessage());
        }
        byte[] y = new byte[spec.outputSize()];
        Int8Conv2d.forward(
                spec,
                bytes(q4),
                q4.offset,
                q4.storage.qZero,
                w.packedForConv(),
                w.requantizer(q4.storage.qScale, scale, (int) zeroPoint, relu, bias),
                y,
                0);
        Shape s = unbatched
                ? Shape.of(spec.outChannels(), spec.outH(), spec.outW())
                : Shape.of(spec.batch(), spec.outChannels(), spec.outH(), spec.outW());
        return Tensor.quantized(y, scale, (int) zeroPoint, DType.UINT8, s);
    }

    // ------------------------------------------------------------------ elementwise

    /**
     * Quantized addition of two equally shaped quint8 tensors, PyTorch's {@code quantized::add}
     * ({@code add_relu} with {@code relu}): the real sum requantized to {@code scale} and
     * {@code zeroPoint} in fixed point, halves rounded up.
     */
    public static Tensor add(Tensor a, Tensor b, double scale, long zeroPoint, boolean relu) {
        Tensor qa = activation("quantized add", a);
        Tensor qb = activation("quantized add", b);
        checkQParams("quantized add", scale, zeroPoint, DType.UINT8);
        if (!qa.shape().equals(qb.shape())) {
            throw new ShapeMismatchException("quantized add: shapes " + qa.shape() + " and " + qb.shape() + " differ");
        }
        int[] f = Int8Elementwise.addFactors(qa.storage.qScale, qb.storage.qScale, scale);
        byte[] y = new byte[qa.numel()];
        int zo = (int) zeroPoint;
        Int8Elementwise.add(
                bytes(qa),
                qa.offset,
                qa.storage.qZero,
                bytes(qb),
                qb.offset,
                qb.storage.qZero,
                f,
                zo,
                relu ? zo : 0,
                255,
                y,
                0,
                y.length);
        return Tensor.quantized(y, scale, zo, DType.UINT8, qa.shape());
    }

    /** ReLU of a quint8 tensor: {@code max(q, zeroPoint)}, in the input's scale and zero point. */
    public static Tensor relu(Tensor x) {
        Tensor qx = activation("quantized relu", x);
        byte[] y = new byte[qx.numel()];
        Int8Elementwise.clampBelow(bytes(qx), qx.offset, y.length, qx.storage.qZero, y, 0);
        return Tensor.quantized(y, qx.storage.qScale, qx.storage.qZero, DType.UINT8, qx.shape());
    }

    // ------------------------------------------------------------------ pooling

    /** Max pooling of a quint8 {@code [N, C, H, W]} (or {@code [C, H, W]}) tensor; keeps its scale and zero point. */
    public static Tensor maxPool2d(
            Tensor x, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        Tensor qx = activation("quantized max_pool2d", x);
        Pool2dSpec s = poolSpec("quantized max_pool2d", qx, kernel, stride, padding, dilation, ceilMode);
        byte[] y = new byte[s.outputSize()];
        Int8Pool2d.max(s, bytes(qx), qx.offset, y, 0);
        return pooled(qx, s, y);
    }

    /** Average pooling of a quint8 tensor, in its scale and zero point. */
    public static Tensor avgPool2d(
            Tensor x, int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        Tensor qx = activation("quantized avg_pool2d", x);
        Pool2dSpec s = poolSpec("quantized avg_pool2d", qx, kernel, stride, padding, new int[] {1, 1}, ceilMode);
        byte[] y = new byte[s.outputSize()];
        Int8Pool2d.avg(s, countIncludePad, qx.storage.qZero, bytes(qx), qx.offset, y, 0);
        return pooled(qx, s, y);
    }

    /** Adaptive average pooling of a quint8 tensor to {@code outH x outW}, in its scale and zero point. */
    public static Tensor adaptiveAvgPool2d(Tensor x, int outH, int outW) {
        Tensor qx = activation("quantized adaptive_avg_pool2d", x);
        if (qx.dim() != 4 && qx.dim() != 3) {
            throw new ShapeMismatchException(
                    "quantized adaptive_avg_pool2d: expected input [N, C, H, W] or [C, H, W], got " + qx.shape());
        }
        int h = qx.size(-2), w = qx.size(-1);
        int planes = qx.numel() / (h * w);
        byte[] y = new byte[planes * outH * outW];
        Int8Pool2d.adaptiveAvg(planes, h, w, outH, outW, qx.storage.qZero, bytes(qx), qx.offset, y, 0);
        int[] dims = qx.dims();
        dims[dims.length - 2] = outH;
        dims[dims.length - 1] = outW;
        return Tensor.quantized(y, qx.storage.qScale, qx.storage.qZero, DType.UINT8, Shape.of(dims));
    }

    private static Pool2dSpec poolSpec(
            String op, Tensor qx, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        if (qx.dim() != 4 && qx.dim() != 3) {
            throw new ShapeMismatchException(op + ": expected input [N, C, H, W] or [C, H, W], got " + qx.shape());
        }
        int n = qx.dim() == 4 ? qx.size(0) : 1;
        try {
            return new Pool2dSpec(
                    n,
                    qx.size(-3),
                    qx.size(-2),
                    qx.size(-1),
                    kernel[0],
                    kernel[1],
                    stride[0],
                    stride[1],
                    padding[0],
                    padding[1],
                    dilation[0],
                    dilation[1],
                    ceilMode);
        } catch (IllegalArgumentException e) {
            throw new ShapeMismatchException(op + ": input " + qx.shape() + ": " + e.getMessage());
        }
    }

    private static Tensor pooled(Tensor qx, Pool2dSpec s, byte[] y) {
        Shape shape = qx.dim() == 4
                ? Shape.of(s.batch(), s.channels(), s.outH(), s.outW())
                : Shape.of(s.channels(), s.outH(), s.outW());
        return Tensor.quantized(y, qx.storage.qScale, qx.storage.qZero, DType.UINT8, shape);
    }

    // ------------------------------------------------------------------ fake quantization

    /**
     * Fake quantization of a float32 tensor, PyTorch's {@code fake_quantize_per_tensor_affine}:
     * each value quantized to {@code [qmin, qmax]} with {@code scale} and {@code zeroPoint} and
     * dequantized again, all in float32; what quantization-aware training inserts.
     */
    public static Tensor fakeQuantize(Tensor x, double scale, long zeroPoint, int qmin, int qmax) {
        x.requireFloat("fakeQuantize");
        checkRange("fakeQuantize", scale, zeroPoint, qmin, qmax);
        Tensor c = x.contiguous();
        Tensor out = Tensor.zeros(c.dims());
        Int8Elementwise.fakeQuantize(
                c.storage.data, c.offset, c.numel(), (float) scale, (int) zeroPoint, qmin, qmax, out.storage.data, 0);
        return out;
    }

    /**
     * Per-channel fake quantization along dimension 0 (a weight's output channels), PyTorch's
     * {@code fake_quantize_per_channel_affine} with {@code axis=0}: {@code scales} float32 and
     * {@code zeroPoints} int64 or int32, both {@code [x.size(0)]}.
     */
    public static Tensor fakeQuantizePerChannel(Tensor x, Tensor scales, Tensor zeroPoints, int qmin, int qmax) {
        x.requireFloat("fakeQuantizePerChannel");
        int out = x.dim() == 0 ? 0 : x.size(0);
        if (x.dim() == 0
                || scales.dim() != 1
                || scales.size(0) != out
                || zeroPoints.dim() != 1
                || zeroPoints.size(0) != out) {
            throw new ShapeMismatchException("fakeQuantizePerChannel: scales " + scales.shape() + " and zero points "
                    + zeroPoints.shape() + " must be [" + out + "] for input " + x.shape());
        }
        float[] s = scales.toArray();
        long[] z = zeroPoints.toLongArray();
        int[] zi = new int[out];
        for (int c = 0; c < out; c++) {
            checkRange("fakeQuantizePerChannel", s[c], z[c], qmin, qmax);
            zi[c] = (int) z[c];
        }
        Tensor c = x.contiguous();
        Tensor y = Tensor.zeros(c.dims());
        Int8Elementwise.fakeQuantizePerChannel(
                c.storage.data, c.offset, out, c.numel() / out, s, zi, qmin, qmax, y.storage.data, 0);
        return y;
    }

    private static void checkRange(String op, double scale, long zeroPoint, int qmin, int qmax) {
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException(op + ": scale must be positive and finite, got " + scale);
        }
        if (qmin >= qmax || qmin < -128 || qmax > 255 || zeroPoint < qmin || zeroPoint > qmax) {
            throw new IllegalArgumentException(
                    op + ": need -128 <= qmin < qmax <= 255 and the zero point between them, got [" + qmin + ", " + qmax
                            + "] with zero point " + zeroPoint);
        }
    }
}
