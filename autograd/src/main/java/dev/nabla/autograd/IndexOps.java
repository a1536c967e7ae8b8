package dev.nabla.autograd;

import static dev.nabla.autograd.Variable.constant;
import static dev.nabla.autograd.Variable.record;

import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;
import java.util.Map;

/**
 * Integer indexing; the index tensors carry no gradient, and repeated indices accumulate. The
 * backward reads the index again, so it is saved (version-checked) like any other input.
 */
final class IndexOps {
    private IndexOps() {}

    static Variable gather(Variable a, int dim, Tensor index) {
        Tensor out = a.data().gather(dim, index);
        if (!Autograd.needsGrad(a)) {
            return constant(out);
        }
        Shape s = a.shape();
        Saved ix = new Saved("gather", index);
        return record(
                "gather",
                Map.of("dim", dim, "index", index),
                out,
                g -> new Tensor[] {Tensor.zeros(s).scatterAdd(dim, ix.get(), g)},
                a);
    }

    static Variable indexSelect(Variable a, int dim, Tensor index) {
        Tensor out = a.data().indexSelect(dim, index);
        if (!Autograd.needsGrad(a)) {
            return constant(out);
        }
        Shape s = a.shape();
        Saved ix = new Saved("indexSelect", index);
        return record(
                "indexSelect",
                Map.of("dim", dim, "index", index),
                out,
                g -> new Tensor[] {Tensor.zeros(s).indexAdd(dim, ix.get(), g)},
                a);
    }
}
