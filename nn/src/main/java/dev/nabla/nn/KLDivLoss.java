package dev.nabla.nn;

import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Reduction;
import dev.nabla.autograd.Variable;

/**
 * Kullback-Leibler divergence, PyTorch's {@code nn.KLDivLoss}: {@code input} holds
 * log-probabilities, {@code target} probabilities (or log-probabilities with {@code logTarget});
 * pointwise {@code t (log t - x)}. {@link Reduction#BATCHMEAN} (sum over everything divided by the
 * batch size) is the true KL divergence per sample; MEAN, PyTorch's default, averages over all
 * elements.
 *
 * <pre>{@code
 * KLDivLoss kl = new KLDivLoss(Reduction.BATCHMEAN, false);
 * Variable loss = kl.forward(studentLogits.logSoftmax(1), teacherProbs);
 * }</pre>
 */
public final class KLDivLoss implements Loss {
    private final Reduction reduction;
    private final boolean logTarget;

    public KLDivLoss() {
        this(Reduction.MEAN, false);
    }

    public KLDivLoss(Reduction reduction, boolean logTarget) {
        this.reduction = java.util.Objects.requireNonNull(reduction, "KLDivLoss: reduction");
        this.logTarget = logTarget;
    }

    @Override
    public Variable forward(Variable input, Variable target) {
        return Functional.klDiv(input, target, reduction, logTarget);
    }

    @Override
    public String toString() {
        return "KLDivLoss(" + reduction + (logTarget ? ", log target" : "") + ")";
    }
}
