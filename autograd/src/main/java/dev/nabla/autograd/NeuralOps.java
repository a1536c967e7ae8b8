package dev.nabla.autograd;

import static dev.nabla.autograd.Variable.constant;
import static dev.nabla.autograd.Variable.record;

import dev.nabla.tensor.DType;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.ShapeMismatchException;
import dev.nabla.tensor.Tensor;
import dev.nabla.tensor.kernel.Dropout;
import java.util.Map;

/** Primitives of neural networks whose fused backward beats composing them from pointwise ops. */
final class NeuralOps {
    private NeuralOps() {}

    /** softmax or log-softmax along {@code dim}; the backward is one fused kernel pass. */
    static Variable softmax(Variable a, int dim, boolean log) {
        Tensor out = log ? a.data().logSoftmax(dim) : a.data().softmax(dim);
        String name = log ? "logSoftmax" : "softmax";
        if (!Autograd.needsGrad(a)) {
            return constant(out);
        }
        Saved y = new Saved(name, out);
        return record(name, Map.of("dim", dim), out, g -> new Tensor[] {y.get().softmaxBackward(log, dim, g)}, a);
    }

    /**
     * Inverted dropout: the mask (0 or {@code 1/(1-p)} per element) is drawn from {@code g}, applied
     * with one multiply, and kept for the backward pass, which is the same multiply. Identity when
     * not training or {@code p == 0}.
     */
    static Variable dropout(Variable x, double p, boolean training, Generator g) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("dropout: probability must be in [0, 1], got " + p);
        }
        Autograd.requireFloat("dropout", "input", x);
        if (!training || p == 0) {
            return x;
        }
        java.util.Objects.requireNonNull(g, "dropout: generator");
        Tensor mask = Tensor.zeros(x.dims());
        Dropout.mask(p, g::nextLong, mask.storageArray(), 0, mask.numel());
        Tensor out = x.data().mul(mask);
        if (!Autograd.needsGrad(x)) {
            return constant(out);
        }
        return record("dropout", Map.of("p", p), out, gr -> new Tensor[] {gr.mul(mask)}, x);
    }

    /**
     * Rows of {@code weight} picked by int64 (or int32) {@code indices} of any shape: output
     * {@code [...indices, dim]}. The gradient adds each output row back into its weight row; the
     * row {@code paddingIdx} (when {@code >= 0}) gets none, as in PyTorch.
     */
    static Variable embedding(Variable indices, Variable weight, int paddingIdx) {
        if (weight.dim() != 2) {
            throw new ShapeMismatchException("embedding: weight must be [numEmbeddings, dim], got " + weight.shape());
        }
        DType type = indices.data().dtype();
        if (type != DType.INT64 && type != DType.INT32) {
            throw new IllegalArgumentException("embedding: indices must be an int64 or int32 tensor (as in PyTorch),"
                    + " got " + type + " of shape " + indices.shape() + "; convert with toLong()");
        }
        int rows = weight.size(0);
        int dim = weight.size(1);
        Tensor flat = indices.data().reshape(-1);
        long[] ix = flat.toLongArray();
        for (int i = 0; i < ix.length; i++) {
            if (ix[i] < 0 || ix[i] >= rows) {
                throw new IndexOutOfBoundsException("embedding: index " + ix[i] + " at position " + i + " of indices "
                        + indices.shape() + " is not in [0, " + rows + ")");
            }
        }
        Tensor picked = weight.data().indexSelect(0, flat);
        int[] outDims = java.util.Arrays.copyOf(indices.dims(), indices.dim() + 1);
        outDims[indices.dim()] = dim;
        Tensor out = picked.reshape(outDims);
        if (!Autograd.needsGrad(weight)) {
            return constant(out);
        }
        // The backward reads the indices again (flat is a view of them when they are contiguous).
        Saved sIdx = new Saved("embedding", flat);
        return record(
                "embedding",
                Map.of("paddingIdx", paddingIdx),
                out,
                g -> {
                    Tensor gw = Tensor.zeros(rows, dim).indexAdd(0, sIdx.get(), g.reshape(-1, dim));
                    if (paddingIdx >= 0) {
                        gw.select(0, paddingIdx).zero();
                    }
                    return new Tensor[] {null, gw};
                },
                indices,
                weight);
    }
}
