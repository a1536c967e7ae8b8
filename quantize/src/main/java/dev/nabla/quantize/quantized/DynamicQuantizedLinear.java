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
 * A dynamically quantized linear layer, PyTorch's {@code nnqd.Linear}: int8 weights (a scale per
 * output feature) stored once; float32 activations quantized to uint8 on every call with a scale
 * from that batch's own range, multiplied in int32, and scaled back to float32
 * ({@link QuantizedOps#linearDynamic}). Float in, float out, no calibration: what
 * {@code quantizeDynamic} puts in place of each {@link Linear}.
 *
 * <p>State dict: {@code weight} (int8 {@code [out, in]}), {@code bias} (float32 {@code [out]}) and
 * {@code weight_scale} (float32 {@code [out]}).
 *
 * <pre>{@code
 * var q = DynamicQuantizedLinear.from(new Linear(784, 512), weightQParams);
 * q.call(Variable.randn(new Generator(0), 64, 784));   // float32 [64, 512]
 * }</pre>
 */
public final class DynamicQuantizedLinear extends Module {
    static {
        OnnxQdq.register(); // ONNX export of int8 models works without set-up
    }

    final int in;
    final int out;
    final Tensor weight;
    final Tensor bias;
    final Tensor weightScale;
    private final WeightCache cache;

    /** A layer of this size with zero weights, for {@link Module#loadStateDict}. */
    public DynamicQuantizedLinear(int inFeatures, int outFeatures) {
        this.in = inFeatures;
        this.out = outFeatures;
        this.weight = registerBuffer("weight", Tensor.zeros(DType.INT8, outFeatures, inFeatures));
        this.bias = registerBuffer("bias", Tensor.zeros(outFeatures));
        this.weightScale = registerBuffer("weight_scale", Tensor.ones(outFeatures));
        this.cache = new WeightCache(weight, weightScale);
    }

    /** Quantizes a float layer's weight with the per-channel symmetric {@code weightQParams}. */
    public static DynamicQuantizedLinear from(Linear linear, QParams weightQParams) {
        DynamicQuantizedLinear q = new DynamicQuantizedLinear(linear.inFeatures(), linear.outFeatures());
        QuantizedWeight w = WeightQParams.quantize("DynamicQuantizedLinear", linear.weight.data(), weightQParams);
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            q.weight.copyFrom(w.values());
            q.weightScale.copyFrom(w.scales());
            if (linear.bias != null) {
                q.bias.copyFrom(linear.bias.data());
            }
        }
        return q;
    }

    public QuantizedWeight weight() {
        return cache.get();
    }

    @Override
    protected Variable forward(Variable x) {
        return Variable.of(QuantizedOps.linearDynamic(x.data(), cache.get(), bias));
    }

    @Override
    protected String describe() {
        return "DynamicQuantizedLinear(" + in + " -> " + out + ")";
    }
}
