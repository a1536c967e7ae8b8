package dev.nabla.nn;

import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.ShapeMismatchException;

/**
 * 2-D convolution over {@code [N, Cin, H, W]} (or unbatched {@code [Cin, H, W]}) with a weight
 * {@code [Cout, Cin/groups, kH, kW]} and an optional bias {@code [Cout]}, like PyTorch's
 * {@code nn.Conv2d} (zero padding). Initialised as PyTorch does: weight Kaiming-uniform with
 * {@code a = sqrt(5)} (bound {@code 1/sqrt(fanIn)}), bias uniform in {@code ±1/sqrt(fanIn)}, where
 * {@code fanIn = Cin/groups * kH * kW}. The bias is added inside the convolution kernel.
 *
 * <p>The channel counts and the kernel size are positional, as in PyTorch; the other arguments are
 * {@link Options} with PyTorch's keyword names, so {@code nn.Conv2d(3, 16, 3, stride=2, padding=1,
 * bias=False)} reads {@code new Conv2d(3, 16, 3, Conv2d.options().stride(2).padding(1).bias(false))}.
 *
 * <pre>{@code
 * Conv2d conv = new Conv2d(3, 16, 3, Conv2d.options().padding(1).generator(new Generator(0)));
 * Variable y = conv.call(Variable.zeros(8, 3, 32, 32));        // [8, 16, 32, 32]
 * Conv2d plain = new Conv2d(3, 16, 3);                          // stride 1, no padding, bias
 * }</pre>
 */
public final class Conv2d extends Module {

    /**
     * The optional arguments of {@link Conv2d}, PyTorch's keyword arguments: {@code stride} (1),
     * {@code padding} (0), {@code dilation} (1), {@code groups} (1), {@code bias} (true), and the
     * {@link Generator} the initial weights are drawn from (the default generator). Immutable:
     * each method returns a changed copy, so one value can configure many layers.
     *
     * <pre>{@code
     * Conv2d.Options same = Conv2d.options().padding(1).bias(false);
     * new Conv2d(16, 16, 3, same);
     * }</pre>
     */
    public static final class Options {
        private static final Options DEFAULTS =
                new Options(new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 1, true, null);

        private final int[] stride;
        private final int[] padding;
        private final int[] dilation;
        private final int groups;
        private final boolean bias;
        private final Generator generator;

        private Options(int[] stride, int[] padding, int[] dilation, int groups, boolean bias, Generator generator) {
            this.stride = stride;
            this.padding = padding;
            this.dilation = dilation;
            this.groups = groups;
            this.bias = bias;
            this.generator = generator;
        }

        public Options stride(int stride) {
            return stride(stride, stride);
        }

        public Options stride(int height, int width) {
            return new Options(new int[] {height, width}, padding, dilation, groups, bias, generator);
        }

        /** Zeros added on each side. */
        public Options padding(int padding) {
            return padding(padding, padding);
        }

        public Options padding(int height, int width) {
            return new Options(stride, new int[] {height, width}, dilation, groups, bias, generator);
        }

        public Options dilation(int dilation) {
            return dilation(dilation, dilation);
        }

        public Options dilation(int height, int width) {
            return new Options(stride, padding, new int[] {height, width}, groups, bias, generator);
        }

        /** Channel groups; both channel counts must be multiples of it. */
        public Options groups(int groups) {
            return new Options(stride, padding, dilation, groups, bias, generator);
        }

        public Options bias(boolean bias) {
            return new Options(stride, padding, dilation, groups, bias, generator);
        }

        /** Where the initial weights come from (Nabla's addition: a seed per model). */
        public Options generator(Generator generator) {
            return new Options(stride, padding, dilation, groups, bias, generator);
        }

        @Override
        public String toString() {
            return "Conv2d.Options(stride=" + Layers.show(stride, "x") + ", padding=" + Layers.show(padding, "x")
                    + ", dilation=" + Layers.show(dilation, "x") + ", groups=" + groups + ", bias=" + bias + ")";
        }
    }

    private final int in;
    private final int out;
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final int[] dilation;
    private final int groups;
    public final Variable weight;
    public final Variable bias;

    /** The defaults: stride 1, no padding, no dilation, one group, a bias. */
    public static Options options() {
        return Options.DEFAULTS;
    }

    /** Square kernel, stride 1, no padding, bias, drawing from the default generator. */
    public Conv2d(int inChannels, int outChannels, int kernelSize) {
        this(inChannels, outChannels, kernelSize, options());
    }

    /** Square kernel, stride 1, no padding, bias, drawing from {@code g}. */
    public Conv2d(int inChannels, int outChannels, int kernelSize, Generator g) {
        this(inChannels, outChannels, kernelSize, options().generator(g));
    }

    /** A square {@code kernelSize x kernelSize} kernel with the given options. */
    public Conv2d(int inChannels, int outChannels, int kernelSize, Options options) {
        this(inChannels, outChannels, new int[] {kernelSize, kernelSize}, options);
    }

    /** A {@code {height, width}} kernel with the given options. */
    public Conv2d(int inChannels, int outChannels, int[] kernelSize, Options options) {
        this.kernel = Layers.pair("Conv2d", "kernel_size", kernelSize, 1);
        this.stride = Layers.pair("Conv2d", "stride", options.stride, 1);
        this.padding = Layers.pair("Conv2d", "padding", options.padding, 0);
        this.dilation = Layers.pair("Conv2d", "dilation", options.dilation, 1);
        int groups = options.groups;
        if (inChannels <= 0
                || outChannels <= 0
                || groups <= 0
                || inChannels % groups != 0
                || outChannels % groups != 0) {
            throw new IllegalArgumentException(
                    "Conv2d: need positive channel counts divisible by groups, got in_channels=" + inChannels
                            + ", out_channels=" + outChannels + ", groups=" + groups);
        }
        this.in = inChannels;
        this.out = outChannels;
        this.groups = groups;
        Generator g = options.generator == null ? Generator.defaultGenerator() : options.generator;
        int fanIn = inChannels / groups * this.kernel[0] * this.kernel[1];
        this.weight = registerParameter(
                "weight", Init.kaimingUniform(g, 5f, outChannels, inChannels / groups, this.kernel[0], this.kernel[1]));
        this.bias =
                options.bias ? registerParameter("bias", Init.uniform(g, 1.0 / Math.sqrt(fanIn), outChannels)) : null;
    }

    @Override
    protected Variable forward(Variable x) {
        if ((x.dim() != 4 && x.dim() != 3) || x.size(-3) != in) {
            throw new ShapeMismatchException(
                    describe() + ": expected input [N, " + in + ", H, W] (or [" + in + ", H, W]), got " + x.shape());
        }
        try {
            return Functional.conv2d(x, weight, bias, stride, padding, dilation, groups);
        } catch (ShapeMismatchException e) {
            throw new ShapeMismatchException(describe() + ": " + e.getMessage());
        }
    }

    /** PyTorch's {@code in_channels}. */
    public int inChannels() {
        return in;
    }

    /** PyTorch's {@code out_channels}. */
    public int outChannels() {
        return out;
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

    public int groups() {
        return groups;
    }

    @Override
    protected String describe() {
        StringBuilder sb = new StringBuilder("Conv2d(" + in + " -> " + out + ", kernel " + kernel[0] + "x" + kernel[1]);
        sb.append(", stride ")
                .append(Layers.show(stride, "x"))
                .append(", padding ")
                .append(Layers.show(padding, "x"));
        if (dilation[0] != 1 || dilation[1] != 1) {
            sb.append(", dilation ").append(Layers.show(dilation, "x"));
        }
        if (groups != 1) {
            sb.append(", groups ").append(groups);
        }
        if (bias == null) {
            sb.append(", no bias");
        }
        return sb.append(')').toString();
    }
}
