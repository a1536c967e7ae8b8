package dev.nabla.quantize;

import dev.nabla.autograd.Variable;
import dev.nabla.nn.Module;

/**
 * Marks where values leave the quantized part of a model, PyTorch's {@code DeQuantStub}: the
 * identity in a float model, replaced by a {@link dev.nabla.quantize.quantized.DeQuantize} (int8 to
 * float) on conversion.
 *
 * <pre>{@code
 * new DeQuantStub().call(Variable.of(1f, 2f));   // unchanged
 * }</pre>
 */
public final class DeQuantStub extends Module {
    @Override
    protected Variable forward(Variable x) {
        return x;
    }
}
