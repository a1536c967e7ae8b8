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
 * <pre>{@code
 * Conv2d conv = new Conv2d(3, 16, 3, 1, 1, new Generator(0));   // 3x3, stride 1, padding 1
 * Variable y = conv.forward(Variable.zeros(8, 3, 32, 32));      // [8, 16, 32, 32]
 * }</pre>
 */
public final class Conv2d extends Module {
    private final int in;
    private final int out;
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final int[] dilation;
    private final int groups;
    public final Variable weight;
    public final Variable bias;

    /** Square kernel, stride 1, no padding, bias, drawing from the default generator. */
    public Conv2d(int in, int out, int kernel) {
        this(in, out, kernel, 1, 0, Generator.defaultGenerator());
    }

    public Conv2d(int in, int out, int kernel, Generator g) {
        this(in, out, kernel, 1, 0, g);
    }

    public Conv2d(int in, int out, int kernel, int stride, int padding, Generator g) {
        this(in, out, kernel, stride, padding, 1, 1, true, g);
    }

    public Conv2d(
            int in, int out, int kernel, int stride, int padding, int dilation, int groups, boolean bias, Generator g) {
        this(
                in,
                out,
                new int[] {kernel, kernel},
                new int[] {stride, stride},
                new int[] {padding, padding},
                new int[] {dilation, dilation},
                groups,
                bias,
                g);
    }

    /** The general form: kernel, stride, padding and dilation as {@code {height, width}} pairs. */
    public Conv2d(
            int in,
            int out,
            int[] kernel,
            int[] stride,
            int[] padding,
            int[] dilation,
            int groups,
            boolean bias,
            Generator g) {
        this.kernel = Layers.pair("Conv2d", "kernel", kernel, 1);
        this.stride = Layers.pair("Conv2d", "stride", stride, 1);
        this.padding = Layers.pair("Conv2d", "padding", padding, 0);
        this.dilation = Layers.pair("Conv2d", "dilation", dilation, 1);
        if (in <= 0 || out <= 0 || groups <= 0 || in % groups != 0 || out % groups != 0) {
            throw new IllegalArgumentException("Conv2d: need positive channel counts divisible by groups, got in=" + in
                    + ", out=" + out + ", groups=" + groups);
        }
        this.in = in;
        this.out = out;
        this.groups = groups;
        int fanIn = in / groups * this.kernel[0] * this.kernel[1];
        this.weight = registerParameter(
                "weight", Init.kaimingUniform(g, 5f, out, in / groups, this.kernel[0], this.kernel[1]));
        this.bias = bias ? registerParameter("bias", Init.uniform(g, 1.0 / Math.sqrt(fanIn), out)) : null;
    }

    @Override
    public Variable forward(Variable x) {
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
