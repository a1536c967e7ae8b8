package dev.nabla.nn;

import dev.nabla.autograd.Variable;

/**
 * An operation between two activations that a model declares as a module, PyTorch's
 * {@code FloatFunctional}, so that quantization can find it: observers watch its output, and
 * conversion replaces it with an int8 version that adds in fixed point with its own output scale.
 * A residual connection written {@code h.add(x)} is invisible to quantization; written
 * {@code addRelu.addRelu(h, x)} with a registered {@code FloatFunctional}, it is quantized like any
 * layer. Use one instance per place in the model (each learns its own output range).
 *
 * <pre>{@code
 * class Block extends Module {
 *     final Conv2d conv = registerModule("conv", new Conv2d(16, 16, 3, Conv2d.options().padding(1)));
 *     final FloatFunctional skip = registerModule("add_relu", new FloatFunctional());
 *
 *     @Override
 *     protected Variable forward(Variable x) {
 *         return skip.addRelu(conv.call(x), x);   // relu(conv(x) + x)
 *     }
 * }
 * }</pre>
 */
public class FloatFunctional extends Module {

    /** {@code a + b} (same shapes, or broadcast), through the hooks as {@link #call} runs them. */
    public final Variable add(Variable a, Variable b) {
        return apply(a, b, false);
    }

    /** {@code relu(a + b)}, PyTorch's {@code add_relu}: one operation, so quantization fuses the ReLU. */
    public final Variable addRelu(Variable a, Variable b) {
        return apply(a, b, true);
    }

    private Variable apply(Variable a, Variable b, boolean relu) {
        Module stand = replacement();
        if (stand instanceof FloatFunctional f) {
            return f.apply(a, b, relu);
        }
        if (stand != null) {
            throw new IllegalStateException(describe() + " was replaced by " + stand.describe()
                    + ", which is not a FloatFunctional and cannot add");
        }
        return callHooked(a, x -> sum(x, b, relu), y -> y, (y, replaced) -> replaced);
    }

    /**
     * The operation itself, {@code a + b} and then a ReLU when asked; a quantized subclass adds in
     * int8. The hooks see {@code a} as the input and the result as the output.
     */
    protected Variable sum(Variable a, Variable b, boolean relu) {
        Variable s = a.add(b);
        return relu ? s.relu() : s;
    }

    /** A FloatFunctional has no single-input forward: call {@link #add} or {@link #addRelu}. */
    @Override
    protected Variable forward(Variable input) {
        throw new UnsupportedOperationException(
                describe() + " has no forward of one input: call add(a, b) or addRelu(a, b)");
    }
}
