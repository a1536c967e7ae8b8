package dev.nabla.nn;

import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;
import dev.nabla.tensor.Reduction;

/**
 * Squared error {@code (input - target)^2}, PyTorch's {@code nn.MSELoss}; input and target must
 * have the same shape. A target that requires grad gets a gradient too.
 *
 * <pre>{@code
 * Variable loss = new MSELoss().call(prediction, Variable.of(1f, 2f, 3f));
 * }</pre>
 */
public final class MSELoss implements Loss {
    private final Reduction reduction;

    public MSELoss() {
        this(Reduction.MEAN);
    }

    public MSELoss(Reduction reduction) {
        this.reduction = Losses.check("MSELoss", reduction);
    }

    @Override
    public Variable call(Variable input, Variable target) {
        return Functional.mseLoss(input, target, reduction);
    }

    @Override
    public String toString() {
        return "MSELoss(" + reduction + ")";
    }
}
