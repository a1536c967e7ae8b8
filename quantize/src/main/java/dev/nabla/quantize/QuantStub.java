package dev.nabla.quantize;

import dev.nabla.autograd.Variable;
import dev.nabla.nn.Module;

/**
 * Marks where float values enter the quantized part of a model, PyTorch's {@code QuantStub}: the
 * identity in a float model; preparation observes its output, conversion replaces it with a
 * {@link dev.nabla.quantize.quantized.Quantize} that quantizes with the observed scale and zero
 * point. {@link QuantWrapper} puts one before a whole model.
 *
 * <pre>{@code
 * new QuantStub().call(Variable.of(1f, 2f));   // unchanged
 * }</pre>
 */
public final class QuantStub extends Module {
    @Override
    protected Variable forward(Variable x) {
        return x;
    }
}
