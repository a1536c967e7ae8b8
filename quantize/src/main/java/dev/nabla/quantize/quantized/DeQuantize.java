package dev.nabla.quantize.quantized;

import dev.nabla.autograd.Variable;
import dev.nabla.nn.Module;

/**
 * Turns a quantized tensor back into float32, PyTorch's {@code nnq.DeQuantize}: what a
 * {@link dev.nabla.quantize.DeQuantStub} becomes.
 *
 * <pre>{@code
 * Tensor q = Tensor.of(0.5f).quantizePerTensor(0.1, 0, DType.UINT8);
 * new DeQuantize().call(Variable.of(q));   // 0.5 as float32
 * }</pre>
 */
public final class DeQuantize extends Module {
    static {
        OnnxQdq.register(); // ONNX export of int8 models works without set-up
    }

    @Override
    protected Variable forward(Variable x) {
        if (!x.data().isQuantized()) {
            throw new IllegalArgumentException("DeQuantize: expects a quantized tensor, got " + x.dtype() + " "
                    + x.shape() + "; is a layer between the QuantStub and here left in float?");
        }
        return Variable.of(x.data().dequantize());
    }
}
