package dev.nabla.autograd;

import static dev.nabla.autograd.Variable.constant;
import static dev.nabla.autograd.Variable.record;

import dev.nabla.tensor.DType;
import dev.nabla.tensor.Reduction;
import dev.nabla.tensor.ShapeMismatchException;
import dev.nabla.tensor.Tensor;
import dev.nabla.tensor.TensorFunctional;
import java.util.Arrays;

/**
 * Loss functions, each a single primitive with PyTorch's semantics over the forward and gradient
 * of {@link TensorFunctional} (cross entropy's backward is one fused log-softmax + NLL kernel pass
 * that reuses the forward's log-sum-exp). Class-index targets are int64 tensors (int32 is accepted
 * too), as in PyTorch; they carry no gradient. The regression-style losses (MSE, BCE with logits,
 * KL divergence) also give the gradient of a target that requires grad.
 */
final class LossOps {
    private LossOps() {}

    static Variable crossEntropy(
            Variable input, Variable target, Tensor weight, int ignoreIndex, double smoothing, Reduction reduction) {
        if (target.dtype() == DType.FLOAT32 && target.shape().equals(input.shape())) {
            return crossEntropyProbabilities(input, target, weight, ignoreIndex, smoothing, reduction);
        }
        Tensor t = target.data();
        TensorFunctional.CrossEntropyResult r =
                TensorFunctional.crossEntropyForward(input.data(), t, weight, ignoreIndex, smoothing, reduction);
        if (!Autograd.needsGrad(input)) {
            return constant(r.loss());
        }
        Saved sx = new Saved("crossEntropy", input.data());
        Saved st = new Saved("crossEntropy", t);
        return record(
                "crossEntropy",
                r.loss(),
                g -> new Tensor[] {
                    TensorFunctional.crossEntropyBackward(
                            g, sx.get(), st.get(), weight, ignoreIndex, smoothing, reduction, r.logSumExp()),
                    null
                },
                input,
                target);
    }

    /**
     * PyTorch's cross entropy against class probabilities (a float target of the input's shape):
     * {@code -sum_c w[c] * t[c] * logSoftmax(x)[c]} per sample, the target smoothed to
     * {@code (1 - eps) * t + eps / C} first; MEAN divides by the number of samples (class weights do
     * not enter the divisor, unlike with class indices). Composed from differentiable ops, so the
     * target gets its gradient too.
     */
    private static Variable crossEntropyProbabilities(
            Variable input, Variable target, Tensor weight, int ignoreIndex, double smoothing, Reduction reduction) {
        if (reduction == Reduction.BATCHMEAN) {
            throw new IllegalArgumentException(
                    "crossEntropy: reduction BATCHMEAN applies only to klDiv; use MEAN, SUM or NONE");
        }
        if (!(smoothing >= 0 && smoothing <= 1)) {
            throw new IllegalArgumentException("crossEntropy: label smoothing must be in [0, 1], got " + smoothing);
        }
        Autograd.requireFloat("crossEntropy", "input", input);
        if (ignoreIndex != TensorFunctional.DEFAULT_IGNORE_INDEX) {
            throw new IllegalArgumentException("crossEntropy: ignore index " + ignoreIndex
                    + " applies to class-index targets only, not to class probabilities (as in PyTorch)");
        }
        int classDim = input.dim() == 1 ? 0 : 1;
        int c = input.size(classDim);
        Variable t =
                smoothing == 0 ? target : target.mul((float) (1 - smoothing)).add((float) (smoothing / c));
        if (weight != null) {
            if (weight.dim() != 1 || weight.size(0) != c) {
                throw new ShapeMismatchException(
                        "crossEntropy: class weights must be [" + c + "], got " + weight.shape());
            }
            int[] at = new int[input.dim()];
            Arrays.fill(at, 1);
            at[classDim] = c;
            t = t.mul(Variable.of(weight.toFloat().reshape(at)));
        }
        Variable perSample = input.logSoftmax(classDim).mul(t).sum(classDim).neg();
        return switch (reduction) {
            case NONE -> perSample;
            case SUM -> perSample.sum();
            case MEAN -> perSample.mean();
            case BATCHMEAN -> throw new AssertionError("rejected above");
        };
    }

    static Variable nllLoss(Variable input, Variable target, Tensor weight, int ignoreIndex, Reduction reduction) {
        Tensor t = target.data();
        Tensor out = TensorFunctional.nllLoss(input.data(), t, weight, ignoreIndex, reduction);
        if (!Autograd.needsGrad(input)) {
            return constant(out);
        }
        Saved sx = new Saved("nllLoss", input.data());
        Saved st = new Saved("nllLoss", t);
        return record(
                "nllLoss",
                out,
                g -> new Tensor[] {
                    TensorFunctional.nllLossBackward(g, sx.get(), st.get(), weight, ignoreIndex, reduction), null
                },
                input,
                target);
    }

    static Variable mseLoss(Variable input, Variable target, Reduction reduction) {
        Tensor out = TensorFunctional.mseLoss(input.data(), target.data(), reduction);
        if (!Autograd.needsGrad(input, target)) {
            return constant(out);
        }
        boolean needX = input.requiresGrad();
        boolean needT = target.requiresGrad();
        Saved sx = new Saved("mseLoss", input.data());
        Saved st = new Saved("mseLoss", target.data());
        return record(
                "mseLoss",
                out,
                g -> {
                    Tensor gx = TensorFunctional.mseLossBackward(g, sx.get(), st.get(), reduction);
                    return new Tensor[] {needX ? gx : null, needT ? gx.neg() : null};
                },
                input,
                target);
    }

    static Variable bceWithLogits(
            Variable input, Variable target, Tensor weight, Tensor posWeight, Reduction reduction) {
        Tensor out = TensorFunctional.bceWithLogits(input.data(), target.data(), weight, posWeight, reduction);
        if (!Autograd.needsGrad(input, target)) {
            return constant(out);
        }
        boolean needX = input.requiresGrad();
        boolean needT = target.requiresGrad();
        Saved sx = new Saved("bceWithLogits", input.data());
        Saved st = new Saved("bceWithLogits", target.data());
        return record(
                "bceWithLogits",
                out,
                g -> TensorFunctional.bceWithLogitsBackward(
                        g, sx.get(), st.get(), weight, posWeight, reduction, needX, needT),
                input,
                target);
    }

    static Variable klDiv(Variable input, Variable target, Reduction reduction, boolean logTarget) {
        Tensor out = TensorFunctional.klDiv(input.data(), target.data(), reduction, logTarget);
        if (!Autograd.needsGrad(input, target)) {
            return constant(out);
        }
        boolean needX = input.requiresGrad();
        boolean needT = target.requiresGrad();
        Saved sx = new Saved("klDiv", input.data());
        Saved st = new Saved("klDiv", target.data());
        return record(
                "klDiv",
                out,
                g -> TensorFunctional.klDivBackward(g, sx.get(), st.get(), reduction, logTarget, needX, needT),
                input,
                target);
    }
}
