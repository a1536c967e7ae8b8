package dev.nabla.quantize.qat;

import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Module;
import dev.nabla.quantize.fused.Copies;

/**
 * A linear layer trained with fake-quantized weights (per output feature, symmetric int8, from
 * their current range), optionally followed by a ReLU, PyTorch's {@code qat.Linear} and
 * {@code intrinsic.qat.LinearReLU}. Child {@code linear}, a copy of the float layer.
 *
 * <pre>{@code
 * var q = new QatLinear(new Linear(84, 10), false);
 * q.call(x);
 * }</pre>
 */
public final class QatLinear extends Module {
    private final Linear linear;
    private final boolean relu;

    public QatLinear(Linear linear, boolean relu) {
        this.linear = registerModule("linear", Copies.linear(linear));
        this.relu = relu;
    }

    public Linear linear() {
        return linear;
    }

    public boolean relu() {
        return relu;
    }

    @Override
    protected Variable forward(Variable x) {
        Variable w =
                FakeQuantize.straightThroughPerChannel(linear.weight, QatConv2d.weightQParams(linear.weight.data()));
        Variable y = Functional.linear(x, w, linear.bias);
        return relu ? y.relu() : y;
    }

    @Override
    protected String describe() {
        return "QatLinear(" + linear.inFeatures() + " -> " + linear.outFeatures() + (relu ? ", relu" : "") + ")";
    }
}
