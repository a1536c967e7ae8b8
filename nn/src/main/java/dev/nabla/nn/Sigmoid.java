package dev.nabla.nn;

import dev.nabla.autograd.Variable;

/**
 * The logistic function {@code 1 / (1 + exp(-x))} elementwise.
 *
 * <pre>{@code
 * new Sigmoid().call(Variable.of(0f));   // [0.5]
 * }</pre>
 */
public final class Sigmoid extends Module {
    @Override
    protected Variable forward(Variable x) {
        return x.sigmoid();
    }
}
