package dev.nabla.autograd;

import static dev.nabla.autograd.Variable.constant;
import static dev.nabla.autograd.Variable.record;

import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;
import dev.nabla.tensor.TensorFunctional;
import java.util.Map;

/**
 * Convolution and pooling over NCHW variables (or unbatched CHW, as PyTorch accepts): each a
 * forward and a backward over the tensor-level ops of {@link TensorFunctional}, which validate
 * the shapes and run the kernels. Only the gradients some input needs are computed (the first
 * layer of a network, whose input needs none, skips the costly input gradient).
 */
final class ConvOps {
    private ConvOps() {}

    static Variable conv2d(
            Variable x, Variable weight, Variable bias, int[] stride, int[] padding, int[] dilation, int groups) {
        Tensor b = bias == null ? null : bias.data();
        Tensor out = TensorFunctional.conv2d(x.data(), weight.data(), b, stride, padding, dilation, groups);
        Variable[] inputs = bias == null ? new Variable[] {x, weight} : new Variable[] {x, weight, bias};
        if (!Autograd.needsGrad(inputs)) {
            return constant(out);
        }
        // Each gradient needs only the other operand: keep nothing that no gradient will read.
        boolean needX = x.requiresGrad();
        boolean needW = weight.requiresGrad();
        boolean needB = bias != null && bias.requiresGrad();
        Saved sx = needW ? new Saved("conv2d", x.data()) : null;
        Saved sw = needX ? new Saved("conv2d", weight.data()) : null;
        Shape xs = x.shape();
        Shape ws = weight.shape();
        return record(
                "conv2d",
                Map.of(
                        "stride", stride.clone(),
                        "padding", padding.clone(),
                        "dilation", dilation.clone(),
                        "groups", groups),
                out,
                g -> {
                    Tensor gx = needX
                            ? TensorFunctional.conv2dInputGrad(g, sw.get(), xs, stride, padding, dilation, groups)
                            : null;
                    Tensor gw = needW
                            ? TensorFunctional.conv2dWeightGrad(g, sx.get(), ws, stride, padding, dilation, groups)
                            : null;
                    if (bias == null) {
                        return new Tensor[] {gx, gw};
                    }
                    return new Tensor[] {gx, gw, needB ? TensorFunctional.conv2dBiasGrad(g) : null};
                },
                inputs);
    }

    static Variable maxPool2d(Variable x, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        if (!Autograd.needsGrad(x)) {
            return constant(TensorFunctional.maxPool2d(x.data(), kernel, stride, padding, dilation, ceilMode));
        }
        TensorFunctional.MaxPool2dResult r =
                TensorFunctional.maxPool2dWithIndices(x.data(), kernel, stride, padding, dilation, ceilMode);
        Shape xs = x.shape();
        Tensor indices = r.indices();
        return record(
                "maxPool2d",
                Map.of(
                        "kernel", kernel.clone(),
                        "stride", stride.clone(),
                        "padding", padding.clone(),
                        "dilation", dilation.clone(),
                        "ceilMode", ceilMode),
                r.output(),
                g -> new Tensor[] {
                    TensorFunctional.maxPool2dBackward(g, indices, xs, kernel, stride, padding, dilation, ceilMode)
                },
                x);
    }

    static Variable avgPool2d(
            Variable x, int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        Tensor y = TensorFunctional.avgPool2d(x.data(), kernel, stride, padding, ceilMode, countIncludePad);
        if (!Autograd.needsGrad(x)) {
            return constant(y);
        }
        Shape xs = x.shape();
        return record(
                "avgPool2d",
                Map.of(
                        "kernel", kernel.clone(),
                        "stride", stride.clone(),
                        "padding", padding.clone(),
                        "ceilMode", ceilMode,
                        "countIncludePad", countIncludePad),
                y,
                g -> new Tensor[] {
                    TensorFunctional.avgPool2dBackward(g, xs, kernel, stride, padding, ceilMode, countIncludePad)
                },
                x);
    }

    static Variable adaptiveAvgPool2d(Variable x, int outH, int outW) {
        Tensor y = TensorFunctional.adaptiveAvgPool2d(x.data(), outH, outW);
        if (!Autograd.needsGrad(x)) {
            return constant(y);
        }
        Shape xs = x.shape();
        return record(
                "adaptiveAvgPool2d",
                Map.of("outH", outH, "outW", outW),
                y,
                g -> new Tensor[] {TensorFunctional.adaptiveAvgPool2dBackward(g, xs)},
                x);
    }
}
