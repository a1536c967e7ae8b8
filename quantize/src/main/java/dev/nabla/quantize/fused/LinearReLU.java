package dev.nabla.quantize.fused;

import dev.nabla.autograd.Variable;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Module;
import dev.nabla.nn.ReLU;

/**
 * A linear layer followed by a ReLU as one module, PyTorch's {@code intrinsic.LinearReLU}; children
 * {@code 0} (the layer) and {@code 1} (the ReLU).
 *
 * <pre>{@code
 * var f = new LinearReLU(new Linear(4, 2));
 * f.call(Variable.randn(new Generator(0), 3, 4));   // relu(linear(x))
 * }</pre>
 */
public final class LinearReLU extends Module {
    private final Linear linear;
    private final ReLU relu;

    public LinearReLU(Linear linear) {
        this.linear = registerModule("0", linear);
        this.relu = registerModule("1", new ReLU());
    }

    public Linear linear() {
        return linear;
    }

    @Override
    protected Variable forward(Variable x) {
        return relu.call(linear.call(x));
    }

    @Override
    protected String describe() {
        return "LinearReLU";
    }
}
