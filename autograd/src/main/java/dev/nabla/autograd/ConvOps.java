package dev.nabla.autograd;

import static dev.nabla.autograd.Variable.constant;
import static dev.nabla.autograd.Variable.record;

import dev.nabla.tensor.ShapeMismatchException;
import dev.nabla.tensor.Tensor;
import dev.nabla.tensor.kernel.AdaptivePool2d;
import dev.nabla.tensor.kernel.Conv2d;
import dev.nabla.tensor.kernel.Conv2dSpec;
import dev.nabla.tensor.kernel.Pool2d;
import dev.nabla.tensor.kernel.Pool2dSpec;
import java.util.Arrays;

/**
 * Convolution and pooling over NCHW variables (or unbatched CHW, as PyTorch accepts). Each
 * forward is one kernel call on contiguous arrays; the backward passes accumulate into freshly
 * zeroed gradients, and only the gradients some input needs are computed (the first layer of a
 * network, whose input needs none, skips the costly input gradient).
 */
final class ConvOps {
    private ConvOps() {}

    /** The input as a batched 4-D tensor: a 3-D input gains a batch dimension of 1. */
    private static Tensor batched(String op, Variable x) {
        Autograd.requireFloat(op, "input", x);
        if (x.dim() == 4) {
            return x.data();
        }
        if (x.dim() == 3) {
            return x.data().unsqueeze(0);
        }
        throw new ShapeMismatchException(op + ": expected input [N, C, H, W] or [C, H, W], got " + x.shape());
    }

    /** The kernel's messages start with the kernel's name; ours name the call and its shapes. */
    private static String reason(IllegalArgumentException e) {
        return e.getMessage().replaceFirst("^[a-z_0-9]+: ", "");
    }

    static Variable conv2d(
            Variable x, Variable weight, Variable bias, int[] stride, int[] padding, int[] dilation, int groups) {
        Autograd.requireFloat("conv2d", "weight", weight);
        Autograd.requireFloat("conv2d", "bias", bias);
        if (weight.dim() != 4) {
            throw new ShapeMismatchException(
                    "conv2d: weight must be [outChannels, inChannels/groups, kH, kW], got " + weight.shape());
        }
        Tensor xt = batched("conv2d", x);
        int cout = weight.size(0);
        if (groups < 1 || xt.size(1) != weight.size(1) * groups) {
            throw new ShapeMismatchException("conv2d: input " + x.shape() + " has " + xt.size(1)
                    + " channels but weight " + weight.shape() + " with groups=" + groups + " expects "
                    + (long) weight.size(1) * groups);
        }
        if (bias != null && (bias.dim() != 1 || bias.size(0) != cout)) {
            throw new ShapeMismatchException(
                    "conv2d: bias must be [" + cout + "] for weight " + weight.shape() + ", got " + bias.shape());
        }
        Conv2dSpec spec;
        try {
            spec = new Conv2dSpec(
                    xt.size(0),
                    xt.size(1),
                    xt.size(2),
                    xt.size(3),
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
            throw new ShapeMismatchException("conv2d: input " + x.shape() + " with weight " + weight.shape()
                    + ", stride " + Arrays.toString(stride) + ", padding " + Arrays.toString(padding) + ", dilation "
                    + Arrays.toString(dilation) + ": " + reason(e));
        }
        Tensor xc = xt.contiguous();
        Tensor wc = weight.data().contiguous();
        Tensor bc = bias == null ? null : bias.data().contiguous();
        Tensor y = Tensor.zeros(spec.batch(), cout, spec.outH(), spec.outW());
        Conv2d.forward(
                spec,
                xc.storageArray(),
                xc.storageOffset(),
                wc.storageArray(),
                wc.storageOffset(),
                bc == null ? null : bc.storageArray(),
                bc == null ? 0 : bc.storageOffset(),
                y.storageArray(),
                0);
        Tensor out = x.dim() == 3 ? y.squeeze(0) : y;
        Variable[] inputs = bias == null ? new Variable[] {x, weight} : new Variable[] {x, weight, bias};
        if (!Autograd.needsGrad(inputs)) {
            return constant(out);
        }
        // Each gradient needs only the other operand: keep nothing that no gradient will read.
        boolean needX = x.requiresGrad();
        boolean needW = weight.requiresGrad();
        boolean needB = bias != null && bias.requiresGrad();
        Saved sx = needW ? new Saved("conv2d", xc) : null;
        Saved sw = needX ? new Saved("conv2d", wc) : null;
        int[] xDims = x.dims();
        return record(
                "conv2d",
                java.util.Map.of(
                        "stride", stride.clone(),
                        "padding", padding.clone(),
                        "dilation", dilation.clone(),
                        "groups", groups),
                out,
                g -> {
                    Tensor gc = g.contiguous();
                    float[] ga = gc.storageArray();
                    int go = gc.storageOffset();
                    Tensor gx = null;
                    Tensor gw = null;
                    Tensor gb = null;
                    if (needX) {
                        Tensor w = sw.get();
                        gx = Tensor.zeros(xDims);
                        Conv2d.backwardInput(spec, ga, go, w.storageArray(), w.storageOffset(), gx.storageArray(), 0);
                    }
                    if (needW) {
                        Tensor xs = sx.get();
                        gw = Tensor.zeros(weight.dims());
                        Conv2d.backwardWeight(
                                spec, xs.storageArray(), xs.storageOffset(), ga, go, gw.storageArray(), 0);
                    }
                    if (needB) {
                        gb = Tensor.zeros(cout);
                        Conv2d.backwardBias(spec, ga, go, gb.storageArray(), 0);
                    }
                    return bias == null ? new Tensor[] {gx, gw} : new Tensor[] {gx, gw, gb};
                },
                inputs);
    }

    private static Pool2dSpec poolSpec(
            String op,
            Tensor xt,
            Variable x,
            int[] kernel,
            int[] stride,
            int[] padding,
            int[] dilation,
            boolean ceilMode) {
        try {
            return new Pool2dSpec(
                    xt.size(0),
                    xt.size(1),
                    xt.size(2),
                    xt.size(3),
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
            throw new ShapeMismatchException(op + ": input " + x.shape() + " with kernel " + Arrays.toString(kernel)
                    + ", stride " + Arrays.toString(stride) + ", padding " + Arrays.toString(padding)
                    + (dilation[0] * dilation[1] != 1 ? ", dilation " + Arrays.toString(dilation) : "")
                    + (ceilMode ? ", ceil mode" : "") + ": " + reason(e));
        }
    }

    private static Tensor pooledShape(Variable x, Pool2dSpec s) {
        return x.dim() == 3
                ? Tensor.zeros(s.channels(), s.outH(), s.outW())
                : Tensor.zeros(s.batch(), s.channels(), s.outH(), s.outW());
    }

    static Variable maxPool2d(Variable x, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        Tensor xt = batched("maxPool2d", x);
        Pool2dSpec spec = poolSpec("maxPool2d", xt, x, kernel, stride, padding, dilation, ceilMode);
        Tensor xc = xt.contiguous();
        Tensor y = pooledShape(x, spec);
        boolean grad = Autograd.needsGrad(x);
        int[] idx = grad ? new int[spec.outputSize()] : null;
        Pool2d.maxForward(spec, xc.storageArray(), xc.storageOffset(), y.storageArray(), 0, idx, 0);
        if (!grad) {
            return constant(y);
        }
        int[] xDims = x.dims();
        return record(
                "maxPool2d",
                java.util.Map.of(
                        "kernel", kernel.clone(),
                        "stride", stride.clone(),
                        "padding", padding.clone(),
                        "dilation", dilation.clone(),
                        "ceilMode", ceilMode),
                y,
                g -> {
                    Tensor gc = g.contiguous();
                    Tensor gx = Tensor.zeros(xDims);
                    Pool2d.maxBackward(spec, gc.storageArray(), gc.storageOffset(), idx, 0, gx.storageArray(), 0);
                    return new Tensor[] {gx};
                },
                x);
    }

    static Variable avgPool2d(
            Variable x, int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        Tensor xt = batched("avgPool2d", x);
        Pool2dSpec spec = poolSpec("avgPool2d", xt, x, kernel, stride, padding, new int[] {1, 1}, ceilMode);
        Tensor xc = xt.contiguous();
        Tensor y = pooledShape(x, spec);
        Pool2d.avgForward(spec, countIncludePad, xc.storageArray(), xc.storageOffset(), y.storageArray(), 0);
        if (!Autograd.needsGrad(x)) {
            return constant(y);
        }
        int[] xDims = x.dims();
        return record(
                "avgPool2d",
                java.util.Map.of(
                        "kernel", kernel.clone(),
                        "stride", stride.clone(),
                        "padding", padding.clone(),
                        "ceilMode", ceilMode,
                        "countIncludePad", countIncludePad),
                y,
                g -> {
                    Tensor gc = g.contiguous();
                    Tensor gx = Tensor.zeros(xDims);
                    Pool2d.avgBackward(
                            spec, countIncludePad, gc.storageArray(), gc.storageOffset(), gx.storageArray(), 0);
                    return new Tensor[] {gx};
                },
                x);
    }

    static Variable adaptiveAvgPool2d(Variable x, int outH, int outW) {
        Tensor xt = batched("adaptiveAvgPool2d", x);
        if (outH < 1 || outW < 1) {
            throw new IllegalArgumentException(
                    "adaptiveAvgPool2d: output size must be positive, got " + outH + "x" + outW);
        }
        int n = xt.size(0);
        int c = xt.size(1);
        int inH = xt.size(2);
        int inW = xt.size(3);
        if (inH == 0 || inW == 0) {
            throw new ShapeMismatchException("adaptiveAvgPool2d: input " + x.shape() + " has an empty plane");
        }
        Tensor xc = xt.contiguous();
        Tensor y = x.dim() == 3 ? Tensor.zeros(c, outH, outW) : Tensor.zeros(n, c, outH, outW);
        AdaptivePool2d.avgForward(
                n * c, inH, inW, outH, outW, xc.storageArray(), xc.storageOffset(), y.storageArray(), 0);
        if (!Autograd.needsGrad(x)) {
            return constant(y);
        }
        int[] xDims = x.dims();
        return record(
                "adaptiveAvgPool2d",
                java.util.Map.of("outH", outH, "outW", outW),
                y,
                g -> {
                    Tensor gc = g.contiguous();
                    Tensor gx = Tensor.zeros(xDims);
                    AdaptivePool2d.avgBackward(
                            n * c, inH, inW, outH, outW, gc.storageArray(), gc.storageOffset(), gx.storageArray(), 0);
                    return new Tensor[] {gx};
                },
                x);
    }
}
