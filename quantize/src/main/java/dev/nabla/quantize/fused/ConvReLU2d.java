package dev.nabla.quantize.fused;

import dev.nabla.autograd.Variable;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Module;
import dev.nabla.nn.ReLU;

/**
 * A convolution followed by a ReLU as one module, PyTorch's {@code intrinsic.ConvReLU2d}: what
 * fusion makes of conv-ReLU and conv-BN-ReLU (the batch norm folded into the convolution), so that
 * quantization observes, and later computes, only the ReLU's output. Children {@code 0} (the
 * convolution) and {@code 1} (the ReLU).
 *
 * <pre>{@code
 * var f = new ConvReLU2d(new Conv2d(3, 8, 3));
 * f.call(Variable.randn(new Generator(0), 1, 3, 8, 8));   // relu(conv(x))
 * }</pre>
 */
public final class ConvReLU2d extends Module {
    private final Conv2d conv;
    private final ReLU relu;

    public ConvReLU2d(Conv2d conv) {
        this.conv = registerModule("0", conv);
        this.relu = registerModule("1", new ReLU());
    }

    /** The convolution (with any batch norm folded in). */
    public Conv2d conv() {
        return conv;
    }

    @Override
    protected Variable forward(Variable x) {
        return relu.call(conv.call(x));
    }

    @Override
    protected String describe() {
        return "ConvReLU2d";
    }
}
