package dev.nabla.nn;

import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Reduction;
import dev.nabla.autograd.Variable;
import dev.nabla.tensor.Tensor;

/**
 * Negative log likelihood of log-probabilities against class indices, PyTorch's
 * {@code nn.NLLLoss}: shapes, class weights, ignored target and MEAN as in {@link CrossEntropyLoss}
 * (which is this after a log-softmax).
 *
 * <pre>{@code
 * Variable loss = new NLLLoss().forward(logits.logSoftmax(1), labels);
 * }</pre>
 */
public final class NLLLoss implements Loss {
    private final Tensor weight;
    private final int ignoreIndex;
    private final Reduction reduction;

    public NLLLoss() {
        this(null, Functional.DEFAULT_IGNORE_INDEX, Reduction.MEAN);
    }

    public NLLLoss(Reduction reduction) {
        this(null, Functional.DEFAULT_IGNORE_INDEX, reduction);
    }

    /** {@code weight} ({@code [C]}) may be null; it is copied. */
    public NLLLoss(Tensor weight, int ignoreIndex, Reduction reduction) {
        this.weight = weight == null ? null : weight.copy();
        this.ignoreIndex = ignoreIndex;
        this.reduction = Losses.check("NLLLoss", reduction);
    }

    @Override
    public Variable forward(Variable input, Variable target) {
        return Functional.nllLoss(input, target, weight, ignoreIndex, reduction);
    }

    @Override
    public String toString() {
        return "NLLLoss(" + reduction + (weight != null ? ", weighted" : "")
                + (ignoreIndex != Functional.DEFAULT_IGNORE_INDEX ? ", ignore " + ignoreIndex : "") + ")";
    }
}
