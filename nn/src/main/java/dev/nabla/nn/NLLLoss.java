package dev.nabla.nn;

import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;
import dev.nabla.tensor.Reduction;
import dev.nabla.tensor.Tensor;

/**
 * Negative log likelihood of log-probabilities against class indices, PyTorch's
 * {@code nn.NLLLoss}: shapes, class weights, ignored target and MEAN as in {@link CrossEntropyLoss}
 * (which is this after a log-softmax).
 *
 * <pre>{@code
 * Variable loss = new NLLLoss().call(logits.logSoftmax(1), labels);
 * NLLLoss weighted = new NLLLoss(NLLLoss.options().weight(Tensor.of(1f, 5f)).ignoreIndex(0));
 * }</pre>
 */
public final class NLLLoss implements Loss {

    /**
     * The arguments of {@link NLLLoss}, PyTorch's keyword arguments: {@code weight} (a {@code [C]}
     * weight per class, copied; none), {@code ignoreIndex} (-100) and {@code reduction} (MEAN).
     * Immutable: each method returns a changed copy.
     *
     * <pre>{@code
     * new NLLLoss(NLLLoss.options().ignoreIndex(0));
     * }</pre>
     */
    public static final class Options {
        private static final Options DEFAULTS = new Options(null, Functional.DEFAULT_IGNORE_INDEX, Reduction.MEAN);

        private final Tensor weight;
        private final int ignoreIndex;
        private final Reduction reduction;

        private Options(Tensor weight, int ignoreIndex, Reduction reduction) {
            this.weight = weight;
            this.ignoreIndex = ignoreIndex;
            this.reduction = reduction;
        }

        /** A weight per class, {@code [C]} (copied), or null for none. */
        public Options weight(Tensor weight) {
            return new Options(weight == null ? null : weight.copy(), ignoreIndex, reduction);
        }

        /** Targets equal to this contribute nothing. */
        public Options ignoreIndex(int ignoreIndex) {
            return new Options(weight, ignoreIndex, reduction);
        }

        /** MEAN, SUM or NONE. */
        public Options reduction(Reduction reduction) {
            return new Options(weight, ignoreIndex, reduction);
        }

        @Override
        public String toString() {
            return "NLLLoss.Options(weight=" + (weight == null ? "None" : weight.shape()) + ", ignore_index="
                    + ignoreIndex + ", reduction=" + reduction + ")";
        }
    }

    private final Tensor weight;
    private final int ignoreIndex;
    private final Reduction reduction;

    /** PyTorch's defaults: no class weights, ignore index -100, MEAN. */
    public static Options options() {
        return Options.DEFAULTS;
    }

    public NLLLoss() {
        this(options());
    }

    public NLLLoss(Reduction reduction) {
        this(options().reduction(reduction));
    }

    public NLLLoss(Options options) {
        this.weight = options.weight;
        this.ignoreIndex = options.ignoreIndex;
        this.reduction = Losses.check("NLLLoss", options.reduction);
    }

    @Override
    public Variable call(Variable input, Variable target) {
        return Functional.nllLoss(input, target, weight, ignoreIndex, reduction);
    }

    @Override
    public String toString() {
        return "NLLLoss(" + reduction + (weight != null ? ", weighted" : "")
                + (ignoreIndex != Functional.DEFAULT_IGNORE_INDEX ? ", ignore " + ignoreIndex : "") + ")";
    }
}
