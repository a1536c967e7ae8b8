package dev.nabla.nn;

import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Reduction;
import dev.nabla.autograd.Variable;
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
 * Variable loss = ce.forward(logits, Variable.of(Tensor.ofLongs(3, 0, 7)));   // logits [3, 10]
 * CrossEntropyLoss smoothed = new CrossEntropyLoss(null, -100, 0.1, Reduction.MEAN);
 * }</pre>
 */
public final class CrossEntropyLoss implements Loss {
    private final Tensor weight;
    private final int ignoreIndex;
    private final double labelSmoothing;
    private final Reduction reduction;

    public CrossEntropyLoss() {
        this(null, Functional.DEFAULT_IGNORE_INDEX, 0, Reduction.MEAN);
    }

    public CrossEntropyLoss(Reduction reduction) {
        this(null, Functional.DEFAULT_IGNORE_INDEX, 0, reduction);
    }

    /** {@code weight} ({@code [C]}) may be null; it is copied. */
    public CrossEntropyLoss(Tensor weight, int ignoreIndex, double labelSmoothing, Reduction reduction) {
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
            throw new IllegalArgumentException(
                    "CrossEntropyLoss: label smoothing must be in [0, 1], got " + labelSmoothing);
        }
        this.weight = weight == null ? null : weight.copy();
        this.ignoreIndex = ignoreIndex;
        this.labelSmoothing = labelSmoothing;
        this.reduction = Losses.check("CrossEntropyLoss", reduction);
    }

    @Override
    public Variable forward(Variable input, Variable target) {
        return Functional.crossEntropy(input, target, weight, ignoreIndex, labelSmoothing, reduction);
    }

    @Override
    public String toString() {
        return "CrossEntropyLoss(" + reduction + (weight != null ? ", weighted" : "")
                + (ignoreIndex != Functional.DEFAULT_IGNORE_INDEX ? ", ignore " + ignoreIndex : "")
                + (labelSmoothing != 0 ? ", label smoothing " + labelSmoothing : "") + ")";
    }
}
