package dev.nabla.nn;

import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;
import dev.nabla.tensor.ShapeMismatchException;

/**
 * Max pooling over {@code [N, C, H, W]} (or {@code [C, H, W]}) windows, PyTorch's
 * {@code nn.MaxPool2d}: stride defaults to the kernel size; padding (at most half the kernel) never
 * wins a window; {@code ceilMode} keeps a last partial window. The gradient flows to the first
 * maximum of each window.
 *
 * <pre>{@code
 * Variable y = new MaxPool2d(2).forward(Variable.zeros(8, 16, 32, 32));   // [8, 16, 16, 16]
 * }</pre>
 */
public final class MaxPool2d extends Module {
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final int[] dilation;
    private final boolean ceilMode;

    /** Square window, stride equal to the kernel, no padding. */
    public MaxPool2d(int kernel) {
        this(kernel, kernel, 0, false);
    }

    public MaxPool2d(int kernel, int stride) {
        this(kernel, stride, 0, false);
    }

    public MaxPool2d(int kernel, int stride, int padding, boolean ceilMode) {
        this(
                new int[] {kernel, kernel},
                new int[] {stride, stride},
                new int[] {padding, padding},
                new int[] {1, 1},
                ceilMode);
    }

    /** The general form: {@code {height, width}} pairs. */
    public MaxPool2d(int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        this.kernel = Layers.pair("MaxPool2d", "kernel", kernel, 1);
        this.stride = Layers.pair("MaxPool2d", "stride", stride, 1);
        this.padding = Layers.pair("MaxPool2d", "padding", padding, 0);
        this.dilation = Layers.pair("MaxPool2d", "dilation", dilation, 1);
        Layers.checkPoolPadding("MaxPool2d", this.padding, this.kernel);
        this.ceilMode = ceilMode;
    }

    @Override
    public Variable forward(Variable x) {
        Layers.requireImages(describe(), x);
        try {
            return Functional.maxPool2d(x, kernel, stride, padding, dilation, ceilMode);
        } catch (ShapeMismatchException e) {
            throw new ShapeMismatchException(describe() + ": " + e.getMessage());
        }
    }

    @Override
    protected String describe() {
        return "MaxPool2d(kernel " + kernel[0] + "x" + kernel[1] + ", stride " + Layers.show(stride, "x")
                + (padding[0] + padding[1] > 0 ? ", padding " + Layers.show(padding, "x") : "")
                + (dilation[0] * dilation[1] != 1 ? ", dilation " + Layers.show(dilation, "x") : "")
                + (ceilMode ? ", ceil mode" : "") + ")";
    }
}
