package dev.nabla.nn.data;

import dev.nabla.autograd.Variable;
import java.util.Objects;

/**
 * One mini-batch from a {@link DataLoader}: inputs {@code [B, C, H, W]} (or {@code [B, ...]} for
 * non-image data sets), int64 targets {@code [B]} holding class indices (what the classification
 * losses take, as in PyTorch), and which examples it holds. Neither variable requires grad.
 *
 * <pre>{@code
 * Variable w = Variable.randn(new Generator(0), 784, 10).requiresGrad(true);
 * for (Batch b : loader.epoch(0)) {
 *     Variable logits = b.inputs().flatten(1, 3).matmul(w);   // [B, 1, 28, 28] -> [B, 10]
 *     Variable y = b.targets();                                // [B] int64, e.g. 7 for class 7
 * }
 * }</pre>
 *
 * @param inputs  the images, {@code [size, ...]}
 * @param targets the labels, {@code [size]}, int64
 * @param size    number of examples (the last batch of an epoch may be smaller unless drop-last)
 * @param index   the batch's position in its epoch, from 0
 * @param indices the data-set index of each example, in batch order
 */
public record Batch(Variable inputs, Variable targets, int size, int index, int[] indices) {
    public Batch {
        Objects.requireNonNull(inputs, "inputs");
        Objects.requireNonNull(targets, "targets");
        if (size <= 0 || inputs.size(0) != size || targets.numel() != size || indices.length != size) {
            throw new IllegalArgumentException("batch of " + size + " examples with inputs " + inputs.shape()
                    + ", targets " + targets.shape() + " and " + indices.length + " indices");
        }
        indices = indices.clone();
    }

    /** A copy of the data-set indices, in batch order. */
    @Override
    public int[] indices() {
        return indices.clone();
    }

    @Override
    public String toString() {
        return "Batch[index=" + index + ", size=" + size + ", inputs=" + inputs.shape() + "]";
    }
}
