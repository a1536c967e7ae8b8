package dev.nabla.nn;

import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;
import dev.nabla.tensor.Reduction;
import java.util.Objects;

/**
 * Kullback-Leibler divergence, PyTorch's {@code nn.KLDivLoss}: {@code input} holds
 * log-probabilities, {@code target} probabilities (or log-probabilities with {@code logTarget});
 * pointwise {@code t (log t - x)}. {@link Reduction#BATCHMEAN} (sum over everything divided by the
 * batch size) is the true KL divergence per sample; MEAN, PyTorch's default, averages over all
 * elements.
 *
 * <pre>{@code
 * KLDivLoss kl = new KLDivLoss(Reduction.BATCHMEAN);
 * Variable loss = kl.call(studentLogits.logSoftmax(1), teacherProbs);
 * KLDivLoss logSpace = new KLDivLoss(KLDivLoss.options().reduction(Reduction.BATCHMEAN).logTarget(true));
 * }</pre>
 */
public final class KLDivLoss implements Loss {

    /**
     * The arguments of {@link KLDivLoss}, PyTorch's keyword arguments: {@code reduction} (MEAN) and
     * {@code logTarget} (false). Immutable: each method returns a changed copy.
     *
     * <pre>{@code
     * new KLDivLoss(KLDivLoss.options().reduction(Reduction.BATCHMEAN).logTarget(true));
     * }</pre>
     */
    public static final class Options {
        private static final Options DEFAULTS = new Options(Reduction.MEAN, false);

        private final Reduction reduction;
        private final boolean logTarget;

        private Options(Reduction reduction, boolean logTarget) {
            this.reduction = reduction;
            this.logTarget = logTarget;
        }

        /** MEAN, SUM, NONE or BATCHMEAN. */
        public Options reduction(Reduction reduction) {
            return new Options(reduction, logTarget);
        }

        /** The target holds log-probabilities. */
        public Options logTarget(boolean logTarget) {
            return new Options(reduction, logTarget);
        }

        @Override
        public String toString() {
            return "KLDivLoss.Options(reduction=" + reduction + ", log_target=" + logTarget + ")";
        }
    }

    private final Reduction reduction;
    private final boolean logTarget;

    /** PyTorch's defaults: MEAN, probabilities as target. */
    public static Options options() {
        return Options.DEFAULTS;
    }

    public KLDivLoss() {
        this(options());
    }

    public KLDivLoss(Reduction reduction) {
        this(options().reduction(reduction));
    }

    public KLDivLoss(Options options) {
        this.reduction = Objects.requireNonNull(options.reduction, "KLDivLoss: reduction");
        this.logTarget = options.logTarget;
    }

    @Override
    public Variable call(Variable input, Variable target) {
        return Functional.klDiv(input, target, reduction, logTarget);
    }

    @Override
    public String toString() {
        return "KLDivLoss(" + reduction + (logTarget ? ", log target" : "") + ")";
    }
}
