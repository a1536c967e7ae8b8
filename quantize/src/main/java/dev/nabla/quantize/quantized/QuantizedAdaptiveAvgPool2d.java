package dev.nabla.quantize.quantized;

import dev.nabla.autograd.Variable;
import dev.nabla.nn.AdaptiveAvgPool2d;
import dev.nabla.nn.Module;
import dev.nabla.tensor.QuantizedOps;

/**
 * Adaptive average pooling of a quint8 tensor ({@link QuantizedOps#adaptiveAvgPool2d}), e.g. the
 * global pooling before a classifier; in the input's scale and zero point.
 *
 * <pre>{@code
 * new QuantizedAdaptiveAvgPool2d(new AdaptiveAvgPool2d(1)).call(qx);   // [N, C, 1, 1]
 * }</pre>
 */
public final class QuantizedAdaptiveAvgPool2d extends Module {
    static {
        OnnxQdq.register(); // ONNX export of int8 models works without set-up
    }

    final int[] size;

    public QuantizedAdaptiveAvgPool2d(AdaptiveAvgPool2d pool) {
        this.size = pool.outputSize();
    }

    @Override
    protected Variable forward(Variable x) {
        return Variable.of(QuantizedOps.adaptiveAvgPool2d(x.data(), size[0], size[1]));
    }

    @Override
    protected String describe() {
        return "QuantizedAdaptiveAvgPool2d(" + size[0] + "x" + size[1] + ")";
    }
}
