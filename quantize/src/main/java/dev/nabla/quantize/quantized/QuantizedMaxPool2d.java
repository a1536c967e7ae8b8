package dev.nabla.quantize.quantized;

import dev.nabla.autograd.Variable;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.Module;
import dev.nabla.tensor.QuantizedOps;

/**
 * Max pooling of a quint8 tensor ({@link QuantizedOps#maxPool2d}): the configuration of a
 * {@link MaxPool2d}, the input's scale and zero point.
 *
 * <pre>{@code
 * new QuantizedMaxPool2d(new MaxPool2d(2)).call(qx);
 * }</pre>
 */
public final class QuantizedMaxPool2d extends Module {
    static {
        OnnxQdq.register(); // ONNX export of int8 models works without set-up
    }

    final int[] kernel;
    final int[] stride;
    final int[] padding;
    final int[] dilation;
    final boolean ceilMode;

    public QuantizedMaxPool2d(MaxPool2d pool) {
        this.kernel = pool.kernelSize();
        this.stride = pool.stride();
        this.padding = pool.padding();
        this.dilation = pool.dilation();
        this.ceilMode = pool.ceilMode();
    }

    @Override
    protected Variable forward(Variable x) {
        return Variable.of(QuantizedOps.maxPool2d(x.data(), kernel, stride, padding, dilation, ceilMode));
    }

    @Override
    protected String describe() {
        return "QuantizedMaxPool2d(" + kernel[0] + "x" + kernel[1] + ")";
    }
}
