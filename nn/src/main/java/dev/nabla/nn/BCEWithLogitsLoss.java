package dev.nabla.nn;

import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;
import dev.nabla.tensor.Reduction;
import dev.nabla.tensor.Tensor;

/**
 * Binary cross entropy on logits, PyTorch's {@code nn.BCEWithLogitsLoss}, computed in the stable
 * form {@code (1 - t) x + (1 + (pw - 1) t) softplus(-x)}: no overflow for large logits. Optional
 * {@code weight} (broadcast to the input) and {@code posWeight} (weight of the positive term,
 * typically {@code [C]} for the last dimension).
 *
 * <pre>{@code
 * BCEWithLogitsLoss bce = new BCEWithLogitsLoss(BCEWithLogitsLoss.options().posWeight(Tensor.of(3f)));   // positives x3
 * Variable loss = bce.call(logits, Variable.of(1f, 0f, 1f));
 * }</pre>
 */
public final class BCEWithLogitsLoss implements Loss {

    /**
     * The arguments of {@link BCEWithLogitsLoss}, PyTorch's keyword arguments: {@code weight}
     * (broadcast to the input, copied; none), {@code posWeight} (the positive term's weight,
     * copied; none) and {@code reduction} (MEAN). Immutable: each method returns a changed copy.
     *
     * <pre>{@code
     * new BCEWithLogitsLoss(BCEWithLogitsLoss.options().posWeight(Tensor.of(2f, 5f)).reduction(Reduction.SUM));
     * }</pre>
     */
    public static final class Options {
        private static final Options DEFAULTS = new Options(null, null, Reduction.MEAN);

        private final Tensor weight;
        private final Tensor posWeight;
        private final Reduction reduction;

        private Options(Tensor weight, Tensor posWeight, Reduction reduction) {
            this.weight = weight;
            this.posWeight = posWeight;
            this.reduction = reduction;
        }

        /** A weight broadcast to the input (copied), or null for none. */
        public Options weight(Tensor weight) {
            return new Options(weight == null ? null : weight.copy(), posWeight, reduction);
        }

        /** The weight of the positive term, usually {@code [C]} (copied), or null for none. */
        public Options posWeight(Tensor posWeight) {
            return new Options(weight, posWeight == null ? null : posWeight.copy(), reduction);
        }

        /** MEAN, SUM or NONE. */
        public Options reduction(Reduction reduction) {
            return new Options(weight, posWeight, reduction);
        }

        @Override
        public String toString() {
            return "BCEWithLogitsLoss.Options(weight=" + (weight == null ? "None" : weight.shape()) + ", pos_weight="
                    + (posWeight == null ? "None" : posWeight.shape()) + ", reduction=" + reduction + ")";
        }
    }

    private final Tensor weight;
    private final Tensor posWeight;
    private final Reduction reduction;

    /** PyTorch's defaults: no weights, MEAN. */
    public static Options options() {
        return Options.DEFAULTS;
    }

    public BCEWithLogitsLoss() {
        this(options());
    }

    public BCEWithLogitsLoss(Reduction reduction) {
        this(options().reduction(reduction));
    }

    public BCEWithLogitsLoss(Options options) {
        this.weight = options.weight;
        this.posWeight = options.posWeight;
        this.reduction = Losses.check("BCEWithLogitsLoss", options.reduction);
    }

    @Override
    public Variable call(Variable input, Variable target) {
        return Functional.bceWithLogits(input, target, weight, posWeight, reduction);
    }

    @Override
    public String toString() {
        return "BCEWithLogitsLoss(" + reduction + (weight != null ? ", weighted" : "")
                + (posWeight != null ? ", pos_weight " + posWeight.shape() : "") + ")";
    }
}
