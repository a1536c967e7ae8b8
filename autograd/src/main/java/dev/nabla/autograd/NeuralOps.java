package dev.nabla.autograd;

import static dev.nabla.autograd.Variable.constant;
import static dev.nabla.autograd.Variable.record;

import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import dev.nabla.tensor.TensorFunctional;
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
        return record(
                name,
                Map.of("dim", dim),
                out,
                g -> new Tensor[] {
                    log
                            ? TensorFunctional.logSoftmaxBackward(g, y.get(), dim)
                            : TensorFunctional.softmaxBackward(g, y.get(), dim)
                },
                a);
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
        Tensor mask = TensorFunctional.dropoutMask(p, g, x.dims());
        Tensor out = x.data().mul(mask);
        if (!Autograd.needsGrad(x)) {
            return constant(out);
        }
        return record("dropout", Map.of("p", p), out, gr -> new Tensor[] {gr.mul(mask)}, x);
    }

    /**
     * Rows of {@code weight} picked by int64 (or int32) {@code indices} of any shape: output
     * {@code [...indices, dim]}. The gradient adds each output row back into its weight row; the
     * row {@code paddingIdx} (when {@code >= 0}, or negative from the end) gets none, as in PyTorch.
     */
    static Variable embedding(Variable indices, Variable weight, Integer paddingIdx) {
        Tensor out = paddingIdx == null
                ? TensorFunctional.embedding(indices.data(), weight.data())
                : TensorFunctional.embedding(indices.data(), weight.data(), paddingIdx);
        int rows = weight.size(0);
        if (!Autograd.needsGrad(weight)) {
            return constant(out);
        }
        // The backward reads the indices again.
        Saved sIdx = new Saved("embedding", indices.data());
        return record(
                "embedding",
                Tracing.attrs("paddingIdx", paddingIdx),
                out,
                g -> new Tensor[] {
                    null,
                    paddingIdx == null
                            ? TensorFunctional.embeddingBackward(g, sIdx.get(), rows)
                            : TensorFunctional.embeddingBackward(g, sIdx.get(), rows, paddingIdx)
                },
                indices,
                weight);
    }
}
