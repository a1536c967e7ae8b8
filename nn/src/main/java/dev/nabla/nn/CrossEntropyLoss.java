package dev.nabla.nn;

import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;
import dev.nabla.tensor.Reduction;
import dev.nabla.tensor.Tensor;

/**
 * Cross entropy of logits against class indices, PyTorch's {@code nn.CrossEntropyLoss}: input
 * {@code [N, C]} (or {@code [N, C, d1, ...]}, or {@code [C]}), target {@code [N]} (or
 * {@code [N, d1, ...]}, or a scalar) of int64 class indices (int32 works too). Optional class
 * weights {@code [C]}, an ignored target value (default -100) and label smoothing; MEAN divides
 * by the summed weight of the non-ignored targets, exactly as PyTorch does. The log-softmax is
 * fused in, so the backward is a single pass. A float target of the input's shape holds class
 * probabilities instead (soft labels), as in PyTorch.
 *
 * <pre>{@code
 * CrossEntropyLoss ce = new CrossEntropyLoss();
 * Variable loss = ce.call(logits, Variable.of(Tensor.ofLongs(3, 0, 7)));   // logits [3, 10]
 * CrossEntropyLoss smoothed = new CrossEntropyLoss(CrossEntropyLoss.options().labelSmoothing(0.1));
 * }</pre>
 */
public final class CrossEntropyLoss implements Loss {

    /**
     * The arguments of {@link CrossEntropyLoss}, PyTorch's keyword arguments: {@code weight} (a
     * {@code [C]} weight per class, copied; none), {@code ignoreIndex} (-100), {@code labelSmoothing}
     * (0) and {@code reduction} (MEAN). Immutable: each method returns a changed copy.
     *
     * <pre>{@code
     * new CrossEntropyLoss(CrossEntropyLoss.options().weight(Tensor.of(1f, 3f)).ignoreIndex(0).reduction(Reduction.SUM));
     * }</pre>
     */
    public static final class Options {
        private static final Options DEFAULTS = new Options(null, Functional.DEFAULT_IGNORE_INDEX, 0, Reduction.MEAN);

        private final Tensor weight;
        private final int ignoreIndex;
        private final double labelSmoothing;
        private final Reduction reduction;

        private Options(Tensor weight, int ignoreIndex, double labelSmoothing, Reduction reduction) {
            this.weight = weight;
            this.ignoreIndex = ignoreIndex;
            this.labelSmoothing = labelSmoothing;
            this.reduction = reduction;
        }

        /** A weight per class, {@code [C]} (copied), or null for none. */
        public Options weight(Tensor weight) {
            return new Options(weight == null ? null : weight.copy(), ignoreIndex, labelSmoothing, reduction);
        }

        /** Targets equal to this contribute nothing. */
        public Options ignoreIndex(int ignoreIndex) {
            return new Options(weight, ignoreIndex, labelSmoothing, reduction);
        }

        /** Mixes the one-hot target with the uniform distribution, in [0, 1]. */
        public Options labelSmoothing(double labelSmoothing) {
            return new Options(weight, ignoreIndex, labelSmoothing, reduction);
        }

        /** MEAN, SUM or NONE. */
        public Options reduction(Reduction reduction) {
            return new Options(weight, ignoreIndex, labelSmoothing, reduction);
        }

        @Override
        public String toString() {
            return "CrossEntropyLoss.Options(weight=" + (weight == null ? "None" : weight.shape()) + ", ignore_index="
                    + ignoreIndex + ", label_smoothing=" + labelSmoothing + ", reduction=" + reduction + ")";
        }
    }

    private final Tensor weight;
    private final int ignoreIndex;
    private final double labelSmoothing;
    private final Reduction reduction;

    /** PyTorch's defaults: no class weights, ignore index -100, no label smoothing, MEAN. */
    public static Options options() {
        return Options.DEFAULTS;
    }

    public CrossEntropyLoss() {
        this(options());
    }

    public CrossEntropyLoss(Reduction reduction) {
        this(options().reduction(reduction));
    }

    public CrossEntropyLoss(Options options) {
        if (!(options.labelSmoothing >= 0 && options.labelSmoothing <= 1)) {
            throw new IllegalArgumentException(
                    "CrossEntropyLoss: label_smoothing must be in [0, 1], got " + options.labelSmoothing);
        }
        this.weight = options.weight;
        this.ignoreIndex = options.ignoreIndex;
        this.labelSmoothing = options.labelSmoothing;
        this.reduction = Losses.check("CrossEntropyLoss", options.reduction);
    }

    @Override
    public Variable call(Variable input, Variable target) {
        return Functional.crossEntropy(input, target, weight, ignoreIndex, labelSmoothing, reduction);
    }

    @Override
    public String toString() {
        return "CrossEntropyLoss(" + reduction + (weight != null ? ", weighted" : "")
                + (ignoreIndex != Functional.DEFAULT_IGNORE_INDEX ? ", ignore " + ignoreIndex : "")
                + (labelSmoothing != 0 ? ", label smoothing " + labelSmoothing : "") + ")";
    }
}
