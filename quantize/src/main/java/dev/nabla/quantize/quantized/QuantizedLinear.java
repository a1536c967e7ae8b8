package dev.nabla.quantize.quantized;

import dev.nabla.autograd.Autograd;
import dev.nabla.autograd.Variable;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Module;
import dev.nabla.quantize.observer.QParams;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.QuantizedOps;
import dev.nabla.tensor.QuantizedWeight;
import dev.nabla.tensor.Tensor;

/**
 * An int8 linear layer, PyTorch's {@code nnq.Linear} (and {@code nniq.LinearReLU} with
 * {@code relu}): quint8 input {@code [..., in]}, int8 weights with a scale per output feature, int32
 * accumulation, fixed-point requantization to quint8 ({@link QuantizedOps#linear}).
 *
 * <p>State dict: {@code weight} (int8 {@code [out, in]}), {@code bias} (float32 {@code [out]}),
 * {@code weight_scale} (float32 {@code [out]}), {@code scale} and {@code zero_point}. PyTorch keeps
 * weight and bias in an opaque {@code _packed_params} entry; these are the plain tensors.
 *
 * <pre>{@code
 * QuantizedLinear q = QuantizedLinear.from(fc, false, weightQParams, outputQParams);
 * }</pre>
 */
public final class QuantizedLinear extends Module {
    static {
        OnnxQdq.register(); // ONNX export of int8 models works without set-up
    }

    final int in;
    final int out;
    final boolean relu;
    final Tensor weight;
    final Tensor bias;
    final Tensor weightScale;
    final Tensor scale;
    final Tensor zeroPoint;
    private final WeightCache cache;

    /** A layer of this size with zero weights and unit scales, for {@link Module#loadStateDict}. */
    public QuantizedLinear(int inFeatures, int outFeatures, boolean relu) {
        this.in = inFeatures;
        this.out = outFeatures;
        this.relu = relu;
        this.weight = registerBuffer("weight", Tensor.zeros(DType.INT8, outFeatures, inFeatures));
        this.bias = registerBuffer("bias", Tensor.zeros(outFeatures));
        this.scale = registerBuffer("scale", QParamsBuffers.scale(1));
        this.zeroPoint = registerBuffer("zero_point", QParamsBuffers.zeroPoint(0));
        this.weightScale = registerBuffer("weight_scale", Tensor.ones(outFeatures));
        this.cache = new WeightCache(weight, weightScale);
    }

    /** Quantizes a float layer: its weight with {@code weightQParams}, its output to {@code output}. */
    public static QuantizedLinear from(Linear linear, boolean relu, QParams weightQParams, QParams output) {
        QuantizedLinear q = new QuantizedLinear(linear.inFeatures(), linear.outFeatures(), relu);
        QuantizedWeight w = WeightQParams.quantize("QuantizedLinear", linear.weight.data(), weightQParams);
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            q.weight.copyFrom(w.values());
            q.weightScale.copyFrom(w.scales());
            if (linear.bias != null) {
                q.bias.copyFrom(linear.bias.data());
            }
            q.scale.copyFrom(QParamsBuffers.scale(output.scale()));
            q.zeroPoint.copyFrom(QParamsBuffers.zeroPoint(output.zeroPoint()));
        }
        return q;
    }

    public QuantizedWeight weight() {
        return cache.get();
    }

    @Override
    protected Variable forward(Variable x) {
        return Variable.of(QuantizedOps.linear(
                x.data(),
                cache.get(),
                bias,
                QParamsBuffers.scaleOf(this::describe, scale),
                QParamsBuffers.zeroOf(this::describe, zeroPoint),
                relu));
    }

    @Override
    protected String describe() {
        return (relu ? "QuantizedLinearReLU(" : "QuantizedLinear(") + in + " -> " + out + ")";
    }
}
