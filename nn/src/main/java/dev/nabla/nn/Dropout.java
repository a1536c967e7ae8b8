package dev.nabla.nn;

import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;
import dev.nabla.tensor.Generator;
import java.util.Objects;

/**
 * Inverted dropout, PyTorch's {@code nn.Dropout}: in training mode each element is zeroed with
 * probability {@code p} and the survivors are scaled by {@code 1/(1-p)}; in eval mode the input
 * passes through unchanged. The masks come from this layer's generator, so a seeded model drops
 * the same elements on every run.
 *
 * <pre>{@code
 * Dropout drop = new Dropout(0.5, new Generator(0));
 * Variable y = drop.call(Variable.ones(4, 8));   // about half 0, the rest 2
 * drop.eval();
 * drop.call(Variable.ones(4, 8));                // all ones
 * }</pre>
 */
public final class Dropout extends Module {
    private final double p;
    private final Generator generator;

    /** {@code p = 0.5}, masks from the default generator. */
    public Dropout() {
        this(0.5, Generator.defaultGenerator());
    }

    public Dropout(double p) {
        this(p, Generator.defaultGenerator());
    }

    public Dropout(double p, Generator g) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("Dropout: probability must be in [0, 1], got " + p);
        }
        this.p = p;
        this.generator = Objects.requireNonNull(g, "Dropout: generator");
    }

    @Override
    protected Variable forward(Variable x) {
        return Functional.dropout(x, p, isTraining(), generator);
    }

    @Override
    protected String describe() {
        return "Dropout(p=" + p + ")";
    }
}
