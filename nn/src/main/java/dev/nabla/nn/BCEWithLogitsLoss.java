package dev.nabla.nn;

import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Reduction;
import dev.nabla.autograd.Variable;
import dev.nabla.tensor.Tensor;

/**
 * Binary cross entropy on logits, PyTorch's {@code nn.BCEWithLogitsLoss}, computed in the stable
 * form {@code (1 - t) x + (1 + (pw - 1) t) softplus(-x)}: no overflow for large logits. Optional
 * {@code weight} (broadcast to the input) and {@code posWeight} (weight of the positive term,
 * typically {@code [C]} for the last dimension).
 *
 * <pre>{@code
 * BCEWithLogitsLoss bce = new BCEWithLogitsLoss(null, Tensor.of(3f), Reduction.MEAN);   // positives x3
 * Variable loss = bce.forward(logits, Variable.of(1f, 0f, 1f));
 * }</pre>
 */
public final class BCEWithLogitsLoss implements Loss {
    private final Tensor weight;
    private final Tensor posWeight;
    private final Reduction reduction;

    public BCEWithLogitsLoss() {
        this(null, null, Reduction.MEAN);
    }

    public BCEWithLogitsLoss(Reduction reduction) {
        this(null, null, reduction);
    }

    /** {@code weight} and {@code posWeight} may be null; they are copied. */
    public BCEWithLogitsLoss(Tensor weight, Tensor posWeight, Reduction reduction) {
        this.weight = weight == null ? null : weight.copy();
        this.posWeight = posWeight == null ? null : posWeight.copy();
        this.reduction = Losses.check("BCEWithLogitsLoss", reduction);
    }

    @Override
    public Variable forward(Variable input, Variable target) {
        return Functional.bceWithLogits(input, target, weight, posWeight, reduction);
    }

    @Override
    public String toString() {
        return "BCEWithLogitsLoss(" + reduction + (weight != null ? ", weighted" : "")
                + (posWeight != null ? ", pos_weight " + posWeight.shape() : "") + ")";
    }
}
