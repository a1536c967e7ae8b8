package dev.nabla.nn;

import dev.nabla.autograd.Variable;

/**
 * Hyperbolic tangent elementwise.
 *
 * <pre>{@code
 * new Tanh().call(Variable.of(0f, 1f));   // [0, 0.7616]
 * }</pre>
 */
public final class Tanh extends Module {
    @Override
    protected Variable forward(Variable x) {
        return x.tanh();
    }
}
