package dev.nabla.tensor;

/**
 * How a loss combines its per-element values, PyTorch's {@code reduction} argument.
 *
 * <ul>
 *   <li>{@link #MEAN}: the average (for the class-index losses, the weighted average: the sum
 *       divided by the total weight of the non-ignored targets, as PyTorch does);</li>
 *   <li>{@link #SUM}: the sum;</li>
 *   <li>{@link #NONE}: no reduction, one loss per element or sample;</li>
 *   <li>{@link #BATCHMEAN}: the sum divided by the batch size (the first dimension), accepted
 *       only by {@code klDiv}, where it is the mathematically correct KL divergence.</li>
 * </ul>
 *
 * <pre>{@code
 * Variable perSample = Functional.crossEntropy(logits, labels, null, -100, 0, Reduction.NONE);
 * }</pre>
 */
public enum Reduction {
    MEAN,
    SUM,
    NONE,
    BATCHMEAN
}
