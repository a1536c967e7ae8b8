package dev.nabla.autograd;

import static dev.nabla.autograd.Variable.constant;
import static dev.nabla.autograd.Variable.record;

import dev.nabla.tensor.Tensor;

/** Primitives of neural networks whose fused backward beats composing them from pointwise ops. */
final class NeuralOps {
    private NeuralOps() {
    }

    /** softmax or log-softmax along {@code dim}; the backward is one fused kernel pass. */
    static Variable softmax(Variable a, int dim, boolean log) {
        Tensor out = log ? a.data().logSoftmax(dim) : a.data().softmax(dim);
        String name = log ? "logSoftmax" : "softmax";
        if (!Autograd.needsGrad(a)) {
            return constant(out);
        }
        Saved y = new Saved(name, out);
        return record(name, out, g -> new Tensor[] {y.get().softmaxBackward(log, dim, g)}, a);
    }
}
