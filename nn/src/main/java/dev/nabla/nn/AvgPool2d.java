package dev.nabla.nn;

import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;
import dev.nabla.tensor.ShapeMismatchException;

/**
 * Average pooling over {@code [N, C, H, W]} (or {@code [C, H, W]}) windows, PyTorch's
 * {@code nn.AvgPool2d}: stride defaults to the kernel size; {@code countIncludePad} (the default)
 * divides by the window size including its padding, otherwise by the real elements it covers.
 *
 * <pre>{@code
 * Variable y = new AvgPool2d(2).forward(Variable.zeros(8, 16, 32, 32));   // [8, 16, 16, 16]
 * }</pre>
 */
public final class AvgPool2d extends Module {
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final boolean ceilMode;
    private final boolean countIncludePad;

    /** Square window, stride equal to the kernel, no padding. */
    public AvgPool2d(int kernel) {
        this(kernel, kernel, 0, false, true);
    }

    public AvgPool2d(int kernel, int stride) {
        this(kernel, stride, 0, false, true);
    }

    public AvgPool2d(int kernel, int stride, int padding, boolean ceilMode, boolean countIncludePad) {
        this(
                new int[] {kernel, kernel},
                new int[] {stride, stride},
                new int[] {padding, padding},
                ceilMode,
                countIncludePad);
    }

    /** The general form: {@code {height, width}} pairs. */
    public AvgPool2d(int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        this.kernel = Layers.pair("AvgPool2d", "kernel", kernel, 1);
        this.stride = Layers.pair("AvgPool2d", "stride", stride, 1);
        this.padding = Layers.pair("AvgPool2d", "padding", padding, 0);
        Layers.checkPoolPadding("AvgPool2d", this.padding, this.kernel);
        this.ceilMode = ceilMode;
        this.countIncludePad = countIncludePad;
    }

    @Override
    public Variable forward(Variable x) {
        Layers.requireImages(describe(), x);
        try {
            return Functional.avgPool2d(x, kernel, stride, padding, ceilMode, countIncludePad);
        } catch (ShapeMismatchException e) {
            throw new ShapeMismatchException(describe() + ": " + e.getMessage());
        }
    }

    @Override
    protected String describe() {
        return "AvgPool2d(kernel " + kernel[0] + "x" + kernel[1] + ", stride " + Layers.show(stride, "x")
                + (padding[0] + padding[1] > 0 ? ", padding " + Layers.show(padding, "x") : "")
                + (ceilMode ? ", ceil mode" : "") + (countIncludePad ? "" : ", padding not counted") + ")";
    }
}
