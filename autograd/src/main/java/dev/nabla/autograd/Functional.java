package dev.nabla.autograd;

import static dev.nabla.autograd.Variable.constant;
import static dev.nabla.autograd.Variable.record;

import dev.nabla.tensor.Tensor;

/**
 * Neural-network functions over variables, the counterpart of {@code torch.nn.functional}: the
 * layers of {@code dev.nabla.nn} are thin modules around these. Each is a primitive with a fused
 * backward where that is measurably cheaper than composing smaller ops.
 *
 * <pre>{@code
 * Variable x = Variable.randn(new Generator(0), 64, 784);
 * Variable w = Variable.randn(new Generator(1), 10, 784).requiresGrad(true);
 * Variable y = Functional.linear(x, w, null);            // [64, 10]
 * }</pre>
 */
public final class Functional {
    private Functional() {
    }

    /**
     * {@code x W^T + b} over the last dimension of {@code x}; leading dimensions are folded into
     * one GEMM, so the weight gradient is a single {@code g^T x} however many there are.
     */
    public static Variable linear(Variable x, Variable weight, Variable bias) {
        int in = weight.size(1);
        int out = weight.size(0);
        if (x.dim() == 0 || x.size(-1) != in) {
            throw new dev.nabla.tensor.ShapeMismatchException("linear: input " + x.shape() + " and weight "
                    + weight.shape() + " do not fit (input's last dimension must be " + in + ")");
        }
        int[] outDims = x.dims();
        outDims[outDims.length - 1] = out;
        Tensor x2 = x.data().reshape(-1, in);
        Tensor y = x2.matmul(weight.data().t());
        if (bias != null) {
            y.add(bias.data(), y);
        }
        y = y.reshape(outDims);
        Variable[] inputs = bias == null ? new Variable[] {x, weight} : new Variable[] {x, weight, bias};
        if (!Autograd.needsGrad(inputs)) {
            return constant(y);
        }
        Saved sx = new Saved("linear", x2);
        Saved sw = new Saved("linear", weight.data());
        int[] xDims = x.dims();
        return record("linear", y, g -> {
            Tensor g2 = g.reshape(-1, out);
            Tensor gx = x.requiresGrad() ? g2.matmul(sw.get()).reshape(xDims) : null;
            Tensor gw = weight.requiresGrad() ? g2.t().matmul(sx.get()) : null;
            if (bias == null) {
                return new Tensor[] {gx, gw};
            }
            return new Tensor[] {gx, gw, bias.requiresGrad() ? g2.sum(0) : null};
        }, inputs);
    }
}
