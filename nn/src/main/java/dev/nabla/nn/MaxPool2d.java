package dev.nabla.nn;

import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;
import dev.nabla.tensor.ShapeMismatchException;

/**
 * Max pooling over {@code [N, C, H, W]} (or {@code [C, H, W]}) windows, PyTorch's
 * {@code nn.MaxPool2d}: stride defaults to the kernel size; padding (at most half the kernel) never
 * wins a window; {@code ceilMode} keeps a last partial window. The gradient flows to the first
 * maximum of each window. The kernel size is positional; the rest are {@link Options} with
 * PyTorch's keyword names.
 *
 * <pre>{@code
 * Variable y = new MaxPool2d(2).call(Variable.zeros(8, 16, 32, 32));   // [8, 16, 16, 16]
 * MaxPool2d overlapping = new MaxPool2d(3, 2);                          // kernel 3, stride 2
 * MaxPool2d padded = new MaxPool2d(3, MaxPool2d.options().stride(2).padding(1).ceilMode(true));
 * }</pre>
 */
public final class MaxPool2d extends Module {

    /**
     * The optional arguments of {@link MaxPool2d}, PyTorch's keyword arguments: {@code stride} (the
     * kernel size), {@code padding} (0), {@code dilation} (1) and {@code ceilMode} (false).
     * Immutable: each method returns a changed copy.
     *
     * <pre>{@code
     * new MaxPool2d(3, MaxPool2d.options().stride(2).padding(1));   // ResNet's stem pooling
     * }</pre>
     */
    public static final class Options {
        private static final Options DEFAULTS = new Options(null, new int[] {0, 0}, new int[] {1, 1}, false);

        private final int[] stride; // null: the kernel size
        private final int[] padding;
        private final int[] dilation;
        private final boolean ceilMode;

        private Options(int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
            this.stride = stride;
            this.padding = padding;
            this.dilation = dilation;
            this.ceilMode = ceilMode;
        }

        public Options stride(int stride) {
            return stride(stride, stride);
        }

        public Options stride(int height, int width) {
            return new Options(new int[] {height, width}, padding, dilation, ceilMode);
        }

        /** Implicit -infinity on each side, at most half the kernel. */
        public Options padding(int padding) {
            return padding(padding, padding);
        }

        public Options padding(int height, int width) {
            return new Options(stride, new int[] {height, width}, dilation, ceilMode);
        }

        public Options dilation(int dilation) {
            return dilation(dilation, dilation);
        }

        public Options dilation(int height, int width) {
            return new Options(stride, padding, new int[] {height, width}, ceilMode);
        }

        /** Rounds the output size up, keeping a last partial window. */
        public Options ceilMode(boolean ceilMode) {
            return new Options(stride, padding, dilation, ceilMode);
        }

        @Override
        public String toString() {
            return "MaxPool2d.Options(stride=" + (stride == null ? "kernel_size" : Layers.show(stride, "x"))
                    + ", padding=" + Layers.show(padding, "x") + ", dilation=" + Layers.show(dilation, "x")
                    + ", ceil_mode=" + ceilMode + ")";
        }
    }

    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final int[] dilation;
    private final boolean ceilMode;

    /** The defaults: stride equal to the kernel, no padding, no dilation, floor mode. */
    public static Options options() {
        return Options.DEFAULTS;
    }

    /** Square window, stride equal to the kernel, no padding. */
    public MaxPool2d(int kernelSize) {
        this(kernelSize, options());
    }

    /** Square window and stride, no padding. */
    public MaxPool2d(int kernelSize, int stride) {
        this(kernelSize, options().stride(stride));
    }

    public MaxPool2d(int kernelSize, Options options) {
        this(new int[] {kernelSize, kernelSize}, options);
    }

    /** A {@code {height, width}} window. */
    public MaxPool2d(int[] kernelSize, Options options) {
        this.kernel = Layers.pair("MaxPool2d", "kernel_size", kernelSize, 1);
        this.stride = Layers.pair("MaxPool2d", "stride", options.stride == null ? kernel : options.stride, 1);
        this.padding = Layers.pair("MaxPool2d", "padding", options.padding, 0);
        this.dilation = Layers.pair("MaxPool2d", "dilation", options.dilation, 1);
        Layers.checkPoolPadding("MaxPool2d", this.padding, this.kernel);
        this.ceilMode = options.ceilMode;
    }

    @Override
    protected Variable forward(Variable x) {
        Layers.requireImages(describe(), x);
        try {
            return Functional.maxPool2d(x, kernel, stride, padding, dilation, ceilMode);
        } catch (ShapeMismatchException e) {
            throw new ShapeMismatchException(describe() + ": " + e.getMessage());
        }
    }

    /** {@code {height, width}} (a copy). */
    public int[] kernelSize() {
        return kernel.clone();
    }

    /** {@code {height, width}} (a copy). */
    public int[] stride() {
        return stride.clone();
    }

    /** {@code {height, width}} (a copy). */
    public int[] padding() {
        return padding.clone();
    }

    /** {@code {height, width}} (a copy). */
    public int[] dilation() {
        return dilation.clone();
    }

    public boolean ceilMode() {
        return ceilMode;
    }

    @Override
    protected String describe() {
        return "MaxPool2d(kernel " + kernel[0] + "x" + kernel[1] + ", stride " + Layers.show(stride, "x")
                + (padding[0] + padding[1] > 0 ? ", padding " + Layers.show(padding, "x") : "")
                + (dilation[0] * dilation[1] != 1 ? ", dilation " + Layers.show(dilation, "x") : "")
                + (ceilMode ? ", ceil mode" : "") + ")";
    }
}
