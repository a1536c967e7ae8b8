package dev.nabla.nn;

import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;
import dev.nabla.tensor.ShapeMismatchException;

/**
 * Average pooling to a fixed output size whatever the input size, PyTorch's
 * {@code nn.AdaptiveAvgPool2d}: output cell {@code (i, j)} averages input rows
 * {@code [floor(i*H/outH), ceil((i+1)*H/outH))} and the columns likewise.
 *
 * <pre>{@code
 * Variable y = new AdaptiveAvgPool2d(1, 1).call(Variable.zeros(8, 64, 7, 7));   // [8, 64, 1, 1]
 * }</pre>
 */
public final class AdaptiveAvgPool2d extends Module {
    private final int outH;
    private final int outW;

    /** A square {@code size x size} output. */
    public AdaptiveAvgPool2d(int size) {
        this(size, size);
    }

    public AdaptiveAvgPool2d(int outH, int outW) {
        if (outH < 1 || outW < 1) {
            throw new IllegalArgumentException(
                    "AdaptiveAvgPool2d: output size must be positive, got " + outH + "x" + outW);
        }
        this.outH = outH;
        this.outW = outW;
    }

    @Override
    protected Variable forward(Variable x) {
        if ((x.dim() != 4 && x.dim() != 3) || x.size(-1) == 0 || x.size(-2) == 0) {
            throw new ShapeMismatchException(
                    describe() + ": expected input [N, C, H, W] or [C, H, W] with H, W > 0, got " + x.shape());
        }
        return Functional.adaptiveAvgPool2d(x, outH, outW);
    }

    /** {@code {height, width}} of the output. */
    public int[] outputSize() {
        return new int[] {outH, outW};
    }

    @Override
    protected String describe() {
        return "AdaptiveAvgPool2d(" + outH + "x" + outW + ")";
    }
}
