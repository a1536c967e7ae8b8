package dev.nabla.autograd;

import dev.nabla.tensor.Tensor;

/**
 * A tensor a backward function needs later, with the storage version it had when saved. If the
 * tensor is modified in place before the backward pass runs, {@link #get()} refuses, naming the
 * operation, instead of computing a silently wrong gradient.
 */
final class Saved {
    private final Tensor tensor;
    private final int version;
    private final String op;

    Saved(String op, Tensor tensor) {
        this.op = op;
        this.tensor = tensor;
        this.version = tensor.version();
    }

    Tensor get() {
        if (tensor.version() != version) {
            throw new IllegalStateException("a tensor of shape " + tensor.shape() + " saved by '" + op
                    + "' for the backward pass was modified in place afterwards (version " + tensor.version()
                    + ", saved at version " + version + "); clone it before modifying, or modify it outside the graph");
        }
        return tensor;
    }
}
