package dev.nabla.nn;

import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;
import dev.nabla.tensor.ShapeMismatchException;

/**
 * Average pooling over {@code [N, C, H, W]} (or {@code [C, H, W]}) windows, PyTorch's
 * {@code nn.AvgPool2d}: stride defaults to the kernel size; {@code countIncludePad} (the default)
 * divides by the window size including its padding, otherwise by the real elements it covers. The
 * kernel size is positional; the rest are {@link Options} with PyTorch's keyword names.
 *
 * <pre>{@code
 * Variable y = new AvgPool2d(2).call(Variable.zeros(8, 16, 32, 32));   // [8, 16, 16, 16]
 * AvgPool2d p = new AvgPool2d(3, AvgPool2d.options().stride(2).padding(1).countIncludePad(false));
 * }</pre>
 */
public final class AvgPool2d extends Module {

    /**
     * The optional arguments of {@link AvgPool2d}, PyTorch's keyword arguments: {@code stride} (the
     * kernel size), {@code padding} (0), {@code ceilMode} (false) and {@code countIncludePad}
     * (true). Immutable: each method returns a changed copy.
     *
     * <pre>{@code
     * new AvgPool2d(2, AvgPool2d.options().ceilMode(true));
     * }</pre>
     */
    public static final class Options {
        private static final Options DEFAULTS = new Options(null, new int[] {0, 0}, false, true);

        private final int[] stride; // null: the kernel size
        private final int[] padding;
        private final boolean ceilMode;
        private final boolean countIncludePad;

        private Options(int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
            this.stride = stride;
            this.padding = padding;
            this.ceilMode = ceilMode;
            this.countIncludePad = countIncludePad;
        }

        public Options stride(int stride) {
            return stride(stride, stride);
        }

        public Options stride(int height, int width) {
            return new Options(new int[] {height, width}, padding, ceilMode, countIncludePad);
        }

        /** Zeros on each side, at most half the kernel. */
        public Options padding(int padding) {
            return padding(padding, padding);
        }

        public Options padding(int height, int width) {
            return new Options(stride, new int[] {height, width}, ceilMode, countIncludePad);
        }

        /** Rounds the output size up, keeping a last partial window. */
        public Options ceilMode(boolean ceilMode) {
            return new Options(stride, padding, ceilMode, countIncludePad);
        }

        /** Whether the padding zeros count in each window's divisor. */
        public Options countIncludePad(boolean countIncludePad) {
            return new Options(stride, padding, ceilMode, countIncludePad);
        }

        @Override
        public String toString() {
            return "AvgPool2d.Options(stride=" + (stride == null ? "kernel_size" : Layers.show(stride, "x"))
                    + ", padding=" + Layers.show(padding, "x") + ", ceil_mode=" + ceilMode + ", count_include_pad="
                    + countIncludePad + ")";
        }
    }

    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final boolean ceilMode;
    private final boolean countIncludePad;

    /** The defaults: stride equal to the kernel, no padding, floor mode, padding counted. */
    public static Options options() {
        return Options.DEFAULTS;
    }

    /** Square window, stride equal to the kernel, no padding. */
    public AvgPool2d(int kernelSize) {
        this(kernelSize, options());
    }

    /** Square window and stride, no padding. */
    public AvgPool2d(int kernelSize, int stride) {
        this(kernelSize, options().stride(stride));
    }

    public AvgPool2d(int kernelSize, Options options) {
        this(new int[] {kernelSize, kernelSize}, options);
    }

    /** A {@code {height, width}} window. */
    public AvgPool2d(int[] kernelSize, Options options) {
        this.kernel = Layers.pair("AvgPool2d", "kernel_size", kernelSize, 1);
        this.stride = Layers.pair("AvgPool2d", "stride", options.stride == null ? kernel : options.stride, 1);
        this.padding = Layers.pair("AvgPool2d", "padding", options.padding, 0);
        Layers.checkPoolPadding("AvgPool2d", this.padding, this.kernel);
        this.ceilMode = options.ceilMode;
        this.countIncludePad = options.countIncludePad;
    }

    @Override
    protected Variable forward(Variable x) {
        Layers.requireImages(describe(), x);
        try {
            return Functional.avgPool2d(x, kernel, stride, padding, ceilMode, countIncludePad);
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

    public boolean ceilMode() {
        return ceilMode;
    }

    public boolean countIncludePad() {
        return countIncludePad;
    }

    @Override
    protected String describe() {
        return "AvgPool2d(kernel " + kernel[0] + "x" + kernel[1] + ", stride " + Layers.show(stride, "x")
                + (padding[0] + padding[1] > 0 ? ", padding " + Layers.show(padding, "x") : "")
                + (ceilMode ? ", ceil mode" : "") + (countIncludePad ? "" : ", padding not counted") + ")";
    }
}
