package dev.nabla.quantize.quantized;

import dev.nabla.autograd.Variable;
import dev.nabla.nn.Module;
import dev.nabla.tensor.QuantizedOps;

/**
 * ReLU of a quint8 tensor, {@code max(q, zero_point)} in the input's own scale and zero point (as
 * PyTorch applies {@code torch.relu} to a quantized tensor). Only a ReLU that fusion could not merge
 * into the layer before it ends up here.
 *
 * <pre>{@code
 * new QuantizedReLU().call(Variable.of(Tensor.of(-1f, 1f).quantizePerTensor(0.1, 10, DType.UINT8)));   // [0, 1]
 * }</pre>
 */
public final class QuantizedReLU extends Module {
    static {
        OnnxQdq.register(); // ONNX export of int8 models works without set-up
    }

    @Override
    protected Variable forward(Variable x) {
        return Variable.of(QuantizedOps.relu(x.data()));
    }
}
