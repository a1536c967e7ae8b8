package dev.nabla.autograd;

import static dev.nabla.autograd.Variable.constant;
import static dev.nabla.autograd.Variable.record;

import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

/** Integer indexing; the index tensors carry no gradient, and repeated indices accumulate. */
final class IndexOps {
    private IndexOps() {
    }

    static Variable gather(Variable a, int dim, Tensor index) {
        Tensor out = a.data().gather(dim, index);
        if (!Autograd.needsGrad(a)) {
            return constant(out);
        }
        Shape s = a.shape();
        return record("gather", out, g -> new Tensor[] {Tensor.zeros(s).scatterAdd(dim, index, g)}, a);
    }

    static Variable indexSelect(Variable a, int dim, Tensor index) {
        Tensor out = a.data().indexSelect(dim, index);
        if (!Autograd.needsGrad(a)) {
            return constant(out);
        }
        Shape s = a.shape();
        return record("indexSelect", out, g -> new Tensor[] {Tensor.zeros(s).indexAdd(dim, index, g)}, a);
    }
}
