package dev.nabla.nn;

import dev.nabla.autograd.Variable;

/**
 * The Gaussian error linear unit {@code x * Phi(x)} in its exact (erf) form, PyTorch's default.
 *
 * <pre>{@code
 * new GELU().call(Variable.of(-1f, 0f, 1f));   // [-0.1587, 0, 0.8413]
 * }</pre>
 */
public final class GELU extends Module {
    @Override
    protected Variable forward(Variable x) {
        return x.gelu();
    }
}
