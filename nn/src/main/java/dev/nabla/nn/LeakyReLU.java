package dev.nabla.nn;

import dev.nabla.autograd.Variable;

/**
 * {@code x} where positive, {@code negativeSlope * x} elsewhere (PyTorch's default slope 0.01).
 *
 * <pre>{@code
 * new LeakyReLU(0.1).call(Variable.of(-2f, 3f));   // [-0.2, 3]
 * }</pre>
 */
public final class LeakyReLU extends Module {
    private final float slope;

    public LeakyReLU() {
        this(0.01);
    }

    public LeakyReLU(double negativeSlope) {
        this.slope = (float) negativeSlope;
    }

    @Override
    protected Variable forward(Variable x) {
        return x.leakyRelu(slope);
    }

    @Override
    protected String describe() {
        return "LeakyReLU(" + slope + ")";
    }
}
