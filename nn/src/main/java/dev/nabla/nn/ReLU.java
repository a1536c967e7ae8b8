package dev.nabla.nn;

import dev.nabla.autograd.Variable;

/**
 * {@code max(x, 0)} elementwise.
 *
 * <pre>{@code
 * new ReLU().call(Variable.of(-1f, 2f));   // [0, 2]
 * }</pre>
 */
public final class ReLU extends Module {
    @Override
    protected Variable forward(Variable x) {
        return x.relu();
    }
}
