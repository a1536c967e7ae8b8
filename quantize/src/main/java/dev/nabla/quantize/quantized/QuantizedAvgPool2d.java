package dev.nabla.quantize.quantized;

import dev.nabla.autograd.Variable;
import dev.nabla.nn.AvgPool2d;
import dev.nabla.nn.Module;
import dev.nabla.tensor.QuantizedOps;

/**
 * Average pooling of a quint8 tensor ({@link QuantizedOps#avgPool2d}): the configuration of an
 * {@link AvgPool2d}, the input's scale and zero point.
 *
 * <pre>{@code
 * new QuantizedAvgPool2d(new AvgPool2d(2)).call(qx);
 * }</pre>
 */
public final class QuantizedAvgPool2d extends Module {
    static {
        OnnxQdq.register(); // ONNX export of int8 models works without set-up
    }

    final int[] kernel;
    final int[] stride;
    final int[] padding;
    final boolean ceilMode;
    final boolean countIncludePad;

    public QuantizedAvgPool2d(AvgPool2d pool) {
        this.kernel = pool.kernelSize();
        this.stride = pool.stride();
        this.padding = pool.padding();
        this.ceilMode = pool.ceilMode();
        this.countIncludePad = pool.countIncludePad();
    }

    @Override
    protected Variable forward(Variable x) {
        return Variable.of(QuantizedOps.avgPool2d(x.data(), kernel, stride, padding, ceilMode, countIncludePad));
    }

    @Override
    protected String describe() {
        return "QuantizedAvgPool2d(" + kernel[0] + "x" + kernel[1] + ")";
    }
}
