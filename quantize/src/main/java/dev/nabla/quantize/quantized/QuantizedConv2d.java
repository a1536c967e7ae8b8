package dev.nabla.quantize.quantized;

import dev.nabla.autograd.Autograd;
import dev.nabla.autograd.Variable;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Module;
import dev.nabla.quantize.observer.QParams;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.QuantizedOps;
import dev.nabla.tensor.QuantizedWeight;
import dev.nabla.tensor.Tensor;
import java.util.Arrays;

/**
 * An int8 convolution, PyTorch's {@code nnq.Conv2d} (and {@code nniq.ConvReLU2d} with {@code relu}):
 * quint8 input, int8 weights with a scale per output channel, int32 accumulation, fixed-point
 * requantization to quint8 with the layer's own output scale and zero point
 * ({@link QuantizedOps#conv2d}). One group.
 *
 * <p>State dict, PyTorch's names where it has them: {@code weight} (int8
 * {@code [Cout, Cin, kH, kW]}), {@code bias} (float32 {@code [Cout]}), {@code scale} and
 * {@code zero_point} (the output's), and {@code weight_scale} (float32 {@code [Cout]}), which PyTorch
 * keeps inside its quantized weight tensor and safetensors cannot (the convention of the
 * compressed-tensors format); the weight's zero points are all 0 and not stored.
 *
 * <pre>{@code
 * QuantizedConv2d q = QuantizedConv2d.from(conv, true, weightQParams, outputQParams);
 * Variable y = q.call(Variable.of(x.quantizePerTensor(0.02, 0, DType.UINT8)));
 * }</pre>
 */
public final class QuantizedConv2d extends Module {
    static {
        OnnxQdq.register(); // ONNX export of int8 models works without set-up
    }

    final int in;
    final int out;
    final int[] kernel;
    final int[] stride;
    final int[] padding;
    final int[] dilation;
    final boolean relu;
    final Tensor weight;
    final Tensor bias;
    final Tensor weightScale;
    final Tensor scale;
    final Tensor zeroPoint;
    private final WeightCache cache;

    /**
     * A layer of this geometry with zero weights, unit scales and output scale 1: the shape that
     * {@link Module#loadStateDict} fills when a quantized checkpoint is loaded.
     */
    public QuantizedConv2d(
            int inChannels, int outChannels, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean relu) {
        this.in = inChannels;
        this.out = outChannels;
        this.kernel = kernel.clone();
        this.stride = stride.clone();
        this.padding = padding.clone();
        this.dilation = dilation.clone();
        this.relu = relu;
        this.weight = registerBuffer("weight", Tensor.zeros(DType.INT8, outChannels, inChannels, kernel[0], kernel[1]));
        this.bias = registerBuffer("bias", Tensor.zeros(outChannels));
        this.scale = registerBuffer("scale", QParamsBuffers.scale(1));
        this.zeroPoint = registerBuffer("zero_point", QParamsBuffers.zeroPoint(0));
        this.weightScale = registerBuffer("weight_scale", Tensor.ones(outChannels));
        this.cache = new WeightCache(weight, weightScale);
    }

    /**
     * Quantizes a float convolution (any batch norm already folded into it): its weight with the
     * per-channel symmetric {@code weightQParams}, its output to {@code output}; {@code relu} fuses
     * a following ReLU.
     */
    public static QuantizedConv2d from(Conv2d conv, boolean relu, QParams weightQParams, QParams output) {
        if (conv.groups() != 1) {
            throw new IllegalArgumentException("QuantizedConv2d: " + conv + " has " + conv.groups()
                    + " groups; the int8 convolution supports one");
        }
        QuantizedConv2d q = new QuantizedConv2d(
                conv.inChannels(),
                conv.outChannels(),
                conv.kernelSize(),
                conv.stride(),
                conv.padding(),
                conv.dilation(),
                relu);
        QuantizedWeight w = WeightQParams.quantize("QuantizedConv2d", conv.weight.data(), weightQParams);
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            q.weight.copyFrom(w.values());
            q.weightScale.copyFrom(w.scales());
            if (conv.bias != null) {
                q.bias.copyFrom(conv.bias.data());
            }
            q.scale.copyFrom(QParamsBuffers.scale(output.scale()));
            q.zeroPoint.copyFrom(QParamsBuffers.zeroPoint(output.zeroPoint()));
        }
        return q;
    }

    /** The int8 weight with its scales. */
    public QuantizedWeight weight() {
        return cache.get();
    }

    public double outputScale() {
        return scale.item();
    }

    public long outputZeroPoint() {
        return zeroPoint.itemLong();
    }

    @Override
    protected Variable forward(Variable x) {
        Tensor y = QuantizedOps.conv2d(
                x.data(),
                cache.get(),
                bias,
                stride,
                padding,
                dilation,
                QParamsBuffers.scaleOf(this::describe, scale),
                QParamsBuffers.zeroOf(this::describe, zeroPoint),
                relu);
        return Variable.of(y);
    }

    @Override
    protected String describe() {
        return (relu ? "QuantizedConvReLU2d(" : "QuantizedConv2d(") + in + " -> " + out + ", kernel "
                + kernel[0] + "x" + kernel[1] + ", stride " + Arrays.toString(stride) + ", padding "
                + Arrays.toString(padding) + ")";
    }
}
