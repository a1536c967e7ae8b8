package dev.nabla.nn;

import dev.nabla.autograd.Variable;
import dev.nabla.tensor.ShapeMismatchException;

/**
 * Softmax along one dimension (negative counts from the end), computed stably.
 *
 * <pre>{@code
 * new Softmax(-1).call(Variable.of(new float[][] {{1, 2, 3}}));   // [[0.090, 0.245, 0.665]]
 * }</pre>
 */
public final class Softmax extends Module {
    private final int dim;

    public Softmax(int dim) {
        this.dim = dim;
    }

    @Override
    protected Variable forward(Variable x) {
        if (dim >= x.dim() || dim < -Math.max(1, x.dim())) {
            throw new ShapeMismatchException(
                    describe() + ": expected an input with dimension " + dim + ", got " + x.shape());
        }
        return x.softmax(dim);
    }

    @Override
    protected String describe() {
        return "Softmax(dim=" + dim + ")";
    }
}
