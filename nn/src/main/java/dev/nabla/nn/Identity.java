package dev.nabla.nn;

import dev.nabla.autograd.Variable;

/**
 * Returns its input, PyTorch's {@code nn.Identity}: a placeholder where a layer has been removed,
 * e.g. the batch norm that fusion folded into the convolution before it.
 *
 * <pre>{@code
 * new Identity().call(Variable.of(1f, 2f));   // the same variable
 * }</pre>
 */
public final class Identity extends Module {
    @Override
    protected Variable forward(Variable x) {
        return x;
    }
}
