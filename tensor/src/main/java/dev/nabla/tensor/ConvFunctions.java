package dev.nabla.tensor;

import dev.nabla.tensor.kernel.AdaptivePool2d;
import dev.nabla.tensor.kernel.Conv2d;
import dev.nabla.tensor.kernel.Conv2dSpec;
import dev.nabla.tensor.kernel.Pool2d;
import dev.nabla.tensor.kernel.Pool2dSpec;
import java.util.Arrays;

/**
 * Convolution and pooling over NCHW tensors (or unbatched CHW, as PyTorch accepts), forward and
 * backward, for {@link TensorFunctional}. Each pass is one kernel call on contiguous arrays;
 * the backward passes accumulate into freshly zeroed gradients. The geometry is validated here,
 * with messages that name the call and its shapes, before a kernel sees it.
 */
final class ConvFunctions {
    private ConvFunctions() {}

    /** Fails unless {@code t} is null or float32, naming the op and the argument. */
    static void requireFloat(String op, String what, Tensor t) {
        if (t != null && t.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException(op + ": " + what + " must be float32, got " + t.dtype() + " of shape "
                    + t.shape() + "; convert with toFloat()");
        }
    }

    /** A {@code {height, width}} pair, checked and copied. */
    static int[] pair(String op, String what, int[] v) {
        if (v == null || v.length != 2) {
            throw new IllegalArgumentException(
                    op + ": " + what + " must be a {height, width} pair, got " + Arrays.toString(v));
        }
        return v.clone();
    }

    /** The dims of an input as a batched 4-D shape: a 3-D input gains a batch dimension of 1. */
    private static int[] batched(String op, Shape s) {
        int[] d = s.dims();
        if (d.length == 4) {
            return d;
        }
        if (d.length == 3) {
            return new int[] {1, d[0], d[1], d[2]};
        }
        throw new ShapeMismatchException(op + ": expected input [N, C, H, W] or [C, H, W], got " + s);
    }

    /** The kernel's messages start with the kernel's name; ours name the call and its shapes. */
    private static String reason(IllegalArgumentException e) {
        return e.getMessage().replaceFirst("^[a-z_0-9]+: ", "");
    }

    private static float[] data(Tensor t) {
        return t.storage.data;
    }

    // =================================================================== convolution

    /** The geometry of a convolution of {@code input} by {@code weight}, every shape checked. */
    static Conv2dSpec conv2dSpec(
            Shape input, Shape weight, Shape bias, int[] stride, int[] padding, int[] dilation, int groups) {
        if (weight.rank() != 4) {
            throw new ShapeMismatchException(
                    "conv2d: weight must be [outChannels, inChannels/groups, kH, kW], got " + weight);
        }
        int[] x = batched("conv2d", input);
        int cout = weight.size(0);
        if (groups < 1 || x[1] != weight.size(1) * groups) {
            throw new ShapeMismatchException("conv2d: input " + input + " has " + x[1] + " channels but weight "
                    + weight + " with groups=" + groups + " expects " + (long) weight.size(1) * groups);
        }
        if (bias != null && (bias.rank() != 1 || bias.size(0) != cout)) {
            throw new ShapeMismatchException(
                    "conv2d: bias must be [" + cout + "] for weight " + weight + ", got " + bias);
        }
        try {
            return new Conv2dSpec(
                    x[0],
                    x[1],
                    x[2],
                    x[3],
                    cout,
                    weight.size(2),
                    weight.size(3),
                    stride[0],
                    stride[1],
                    padding[0],
                    padding[1],
                    dilation[0],
                    dilation[1],
                    groups);
        } catch (IllegalArgumentException e) {
            throw new ShapeMismatchException("conv2d: input " + input + " with weight " + weight + ", stride "
                    + Arrays.toString(stride) + ", padding " + Arrays.toString(padding) + ", dilation "
                    + Arrays.toString(dilation) + ": " + reason(e));
        }
    }

    /** The output dims of a convolution, unbatched when the input was. */
    private static int[] outDims(Conv2dSpec s, Shape input) {
        return input.rank() == 3
                ? new int[] {s.outChannels(), s.outH(), s.outW()}
                : new int[] {s.batch(), s.outChannels(), s.outH(), s.outW()};
    }

    /** The output gradient, checked against the output the geometry gives, and made contiguous. */
    private static Tensor gradOutput(String op, Tensor grad, Conv2dSpec s, Shape input) {
        requireFloat(op, "gradient", grad);
        int[] want = outDims(s, input);
        if (!Arrays.equals(grad.dims, want)) {
            throw new ShapeMismatchException(op + ": gradient " + grad.shape() + " does not match the output "
                    + Shape.of(want) + " of a convolution of input " + input);
        }
        return grad.contiguous();
    }

    static Tensor conv2d(
            Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        requireFloat("conv2d", "input", x);
        requireFloat("conv2d", "weight", weight);
        requireFloat("conv2d", "bias", bias);
        Conv2dSpec spec = conv2dSpec(
                x.shape(), weight.shape(), bias == null ? null : bias.shape(), stride, padding, dilation, groups);
        Tensor xc = x.contiguous();
        Tensor wc = weight.contiguous();
        Tensor bc = bias == null ? null : bias.contiguous();
        Tensor y = Tensor.zeros(outDims(spec, x.shape()));
        Conv2d.forward(
                spec,
                data(xc),
                xc.offset,
                data(wc),
                wc.offset,
                bc == null ? null : data(bc),
                bc == null ? 0 : bc.offset,
                data(y),
                0);
        return y;
    }

    static Tensor conv2dInputGrad(
            Tensor grad, Tensor weight, Shape input, int[] stride, int[] padding, int[] dilation, int groups) {
        requireFloat("conv2dInputGrad", "weight", weight);
        Conv2dSpec spec = conv2dSpec(input, weight.shape(), null, stride, padding, dilation, groups);
        Tensor g = gradOutput("conv2dInputGrad", grad, spec, input);
        Tensor w = weight.contiguous();
        Tensor gx = Tensor.zeros(input);
        Conv2d.backwardInput(spec, data(g), g.offset, data(w), w.offset, data(gx), 0);
        return gx;
    }

    static Tensor conv2dWeightGrad(
            Tensor grad, Tensor x, Shape weight, int[] stride, int[] padding, int[] dilation, int groups) {
        requireFloat("conv2dWeightGrad", "input", x);
        Conv2dSpec spec = conv2dSpec(x.shape(), weight, null, stride, padding, dilation, groups);
        Tensor g = gradOutput("conv2dWeightGrad", grad, spec, x.shape());
        Tensor xc = x.contiguous();
        Tensor gw = Tensor.zeros(weight);
        Conv2d.backwardWeight(spec, data(xc), xc.offset, data(g), g.offset, data(gw), 0);
        return gw;
    }

    static Tensor conv2dBiasGrad(Tensor grad) {
        requireFloat("conv2dBiasGrad", "gradient", grad);
        int[] d = batched("conv2dBiasGrad", grad.shape());
        Tensor g = grad.contiguous();
        Tensor gb = Tensor.zeros(d[1]);
        if (g.numel() == 0) {
            return gb;
        }
        // The bias kernel reads only the output side of the geometry: a 1x1 convolution whose
        // output has the gradient's shape describes it exactly.
        Conv2dSpec spec = new Conv2dSpec(d[0], 1, d[2], d[3], d[1], 1, 1, 1, 1, 0, 0, 1, 1, 1);
        Conv2d.backwardBias(spec, data(g), g.offset, data(gb), 0);
        return gb;
    }

    // =================================================================== pooling

    private static Pool2dSpec poolSpec(
            String op, Shape input, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        int[] x = batched(op, input);
        try {
            return new Pool2dSpec(
                    x[0],
                    x[1],
                    x[2],
                    x[3],
                    kernel[0],
                    kernel[1],
                    stride[0],
                    stride[1],
                    padding[0],
                    padding[1],
                    dilation[0],
                    dilation[1],
                    ceilMode);
        } catch (IllegalArgumentException e) {
            throw new ShapeMismatchException(op + ": input " + input + " with kernel " + Arrays.toString(kernel)
                    + ", stride " + Arrays.toString(stride) + ", padding " + Arrays.toString(padding)
                    + (dilation[0] * dilation[1] != 1 ? ", dilation " + Arrays.toString(dilation) : "")
                    + (ceilMode ? ", ceil mode" : "") + ": " + reason(e));
        }
    }

    private static int[] pooledDims(Shape input, int planes, int batch, int outH, int outW) {
        return input.rank() == 3 ? new int[] {planes, outH, outW} : new int[] {batch, planes, outH, outW};
    }

    private static Tensor poolGrad(String op, Tensor grad, Shape input, int channels, int batch, int outH, int outW) {
        requireFloat(op, "gradient", grad);
        int[] want = pooledDims(input, channels, batch, outH, outW);
        if (!Arrays.equals(grad.dims, want)) {
            throw new ShapeMismatchException(op + ": gradient " + grad.shape() + " does not match the output "
                    + Shape.of(want) + " of pooling input " + input);
        }
        return grad.contiguous();
    }

    /** Max pooling; {@code indices} (int32, or null when not wanted) receives each window's argmax. */
    static TensorFunctional.MaxPool2dResult maxPool2d(
            Tensor x, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode, boolean indices) {
        requireFloat("maxPool2d", "input", x);
        Pool2dSpec spec = poolSpec("maxPool2d", x.shape(), kernel, stride, padding, dilation, ceilMode);
        Tensor xc = x.contiguous();
        int[] dims = pooledDims(x.shape(), spec.channels(), spec.batch(), spec.outH(), spec.outW());
        Tensor y = Tensor.zeros(dims);
        Tensor idx = indices ? Tensor.zeros(DType.INT32, dims) : null;
        Pool2d.maxForward(spec, data(xc), xc.offset, data(y), 0, idx == null ? null : idx.storage.ints(), 0);
        return new TensorFunctional.MaxPool2dResult(y, idx);
    }

    static Tensor maxPool2dBackward(
            Tensor grad,
            Tensor indices,
            Shape input,
            int[] kernel,
            int[] stride,
            int[] padding,
            int[] dilation,
            boolean ceilMode) {
        Pool2dSpec spec = poolSpec("maxPool2dBackward", input, kernel, stride, padding, dilation, ceilMode);
        Tensor g = poolGrad("maxPool2dBackward", grad, input, spec.channels(), spec.batch(), spec.outH(), spec.outW());
        if (!indices.shape().equals(grad.shape())) {
            throw new ShapeMismatchException("maxPool2dBackward: indices " + indices.shape()
                    + " must have the gradient's shape " + grad.shape());
        }
        if (indices.dtype() != DType.INT32 && indices.dtype() != DType.INT64) {
            throw new IllegalArgumentException("maxPool2dBackward: indices must be int32 or int64, got "
                    + indices.dtype() + "; pass those maxPool2dWithIndices returned");
        }
        Tensor ic = indices.to(DType.INT32).contiguous();
        Tensor gx = Tensor.zeros(input);
        Pool2d.maxBackward(spec, data(g), g.offset, ic.storage.ints(), ic.offset, data(gx), 0);
        return gx;
    }

    static Tensor avgPool2d(
            Tensor x, int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        requireFloat("avgPool2d", "input", x);
        Pool2dSpec spec = poolSpec("avgPool2d", x.shape(), kernel, stride, padding, new int[] {1, 1}, ceilMode);
        Tensor xc = x.contiguous();
        Tensor y = Tensor.zeros(pooledDims(x.shape(), spec.channels(), spec.batch(), spec.outH(), spec.outW()));
        Pool2d.avgForward(spec, countIncludePad, data(xc), xc.offset, data(y), 0);
        return y;
    }

    static Tensor avgPool2dBackward(
            Tensor grad,
            Shape input,
            int[] kernel,
            int[] stride,
            int[] padding,
            boolean ceilMode,
            boolean countIncludePad) {
        Pool2dSpec spec = poolSpec("avgPool2dBackward", input, kernel, stride, padding, new int[] {1, 1}, ceilMode);
        Tensor g = poolGrad("avgPool2dBackward", grad, input, spec.channels(), spec.batch(), spec.outH(), spec.outW());
        Tensor gx = Tensor.zeros(input);
        Pool2d.avgBackward(spec, countIncludePad, data(g), g.offset, data(gx), 0);
        return gx;
    }

    /** The input's dims as {@code [planes, inH, inW]}, checked for adaptive pooling. */
    private static int[] adaptivePlanes(String op, Shape input, int outH, int outW) {
        int[] x = batched(op, input);
        if (outH < 1 || outW < 1) {
            throw new IllegalArgumentException(op + ": output size must be positive, got " + outH + "x" + outW);
        }
        if (x[2] == 0 || x[3] == 0) {
            throw new ShapeMismatchException(op + ": input " + input + " has an empty plane");
        }
        return new int[] {x[0] * x[1], x[2], x[3], x[0], x[1]};
    }

    static Tensor adaptiveAvgPool2d(Tensor x, int outH, int outW) {
        requireFloat("adaptiveAvgPool2d", "input", x);
        int[] p = adaptivePlanes("adaptiveAvgPool2d", x.shape(), outH, outW);
        Tensor xc = x.contiguous();
        Tensor y = Tensor.zeros(pooledDims(x.shape(), p[4], p[3], outH, outW));
        AdaptivePool2d.avgForward(p[0], p[1], p[2], outH, outW, data(xc), xc.offset, data(y), 0);
        return y;
    }

    static Tensor adaptiveAvgPool2dBackward(Tensor grad, Shape input) {
        int[] gd = grad.dims;
        if (gd.length < 2) {
            throw new ShapeMismatchException(
                    "adaptiveAvgPool2dBackward: gradient " + grad.shape() + " is not [N, C, H, W] or [C, H, W]");
        }
        int outH = gd[gd.length - 2];
        int outW = gd[gd.length - 1];
        int[] p = adaptivePlanes("adaptiveAvgPool2dBackward", input, outH, outW);
        Tensor g = poolGrad("adaptiveAvgPool2dBackward", grad, input, p[4], p[3], outH, outW);
        Tensor gx = Tensor.zeros(input);
        AdaptivePool2d.avgBackward(p[0], p[1], p[2], outH, outW, data(g), g.offset, data(gx), 0);
        return gx;
    }
}
