package dev.nabla.tensor;

import static dev.nabla.tensor.ConvFunctions.requireFloat;

import dev.nabla.tensor.kernel.Loss;
import java.util.Arrays;

/**
 * Loss functions for {@link TensorFunctional}, forward and gradient, with PyTorch's semantics.
 * Cross entropy is one fused log-softmax + NLL kernel pass each way ({@link Loss}); class-index
 * targets are int64 (int32 is accepted too), as in PyTorch.
 */
final class LossFunctions {
    private LossFunctions() {}

    /** Sample layout of a class-index loss: scores {@code [outer, c, inner]}, targets {@code [outer, inner]}. */
    private record Layout(int outer, int c, int inner, int[] targetDims) {
        int samples() {
            return outer * inner;
        }
    }

    private static Layout layout(String op, Tensor input, Tensor target) {
        requireFloat(op, "input", input);
        int[] d = input.dims;
        if (d.length == 0) {
            throw new ShapeMismatchException(op + ": input must be [C], [N, C] or [N, C, d1, ...], got a scalar");
        }
        int[] expect;
        Layout l;
        if (d.length == 1) {
            expect = new int[0];
            l = new Layout(1, d[0], 1, expect);
        } else {
            expect = new int[d.length - 1];
            expect[0] = d[0];
            int inner = 1;
            for (int i = 2; i < d.length; i++) {
                expect[i - 1] = d[i];
                inner *= d[i];
            }
            l = new Layout(d[0], d[1], inner, expect);
        }
        if (!Arrays.equals(target.dims, expect)) {
            throw new ShapeMismatchException(op + ": input " + input.shape() + " needs class-index targets of shape "
                    + Shape.of(expect) + ", got " + target.shape());
        }
        if (l.c == 0) {
            throw new ShapeMismatchException(op + ": input " + input.shape() + " has no classes");
        }
        return l;
    }

    /** The class indices of an int64 or int32 target; float labels are refused, with the fix. */
    private static long[] classIndices(String op, Tensor target) {
        DType t = target.dtype();
        if (t != DType.INT64 && t != DType.INT32) {
            throw new IllegalArgumentException(op + ": class-index targets must be an int64 tensor (as in PyTorch;"
                    + " int32 is accepted too), got " + t + " of shape " + target.shape()
                    + "; convert float labels with toLong()"
                    + (op.equals("crossEntropy") ? " (class probabilities must have the input's shape)" : ""));
        }
        return target.toLongArray();
    }

    private static float[] classWeights(String op, Tensor weight, int c) {
        if (weight == null) {
            return null;
        }
        if (weight.dim() != 1 || weight.size(0) != c) {
            throw new ShapeMismatchException(op + ": class weights must be [" + c + "], got " + weight.shape());
        }
        return weight.toArray();
    }

    private static void rejectBatchMean(String op, Reduction r) {
        if (r == Reduction.BATCHMEAN) {
            throw new IllegalArgumentException(
                    op + ": reduction BATCHMEAN applies only to klDiv; use MEAN, SUM or NONE");
        }
    }

    /**
     * Reduces per-sample losses: NONE keeps them in the targets' shape; SUM adds them; MEAN
     * divides the sum by the total sample weight (PyTorch's weighted mean; NaN when it is 0).
     */
    private static Tensor reduceSamples(float[] loss, float[] wy, Reduction r, int[] dims) {
        if (r == Reduction.NONE) {
            return Tensor.wrap(loss, dims);
        }
        double sum = 0;
        for (float v : loss) {
            sum += v;
        }
        if (r == Reduction.SUM) {
            return Tensor.scalar((float) sum);
        }
        return Tensor.scalar((float) (sum / weightSum(wy)));
    }

    private static double weightSum(float[] wy) {
        double t = 0;
        for (float v : wy) {
            t += v;
        }
        return t;
    }

    /**
     * Each sample's weight: its target's class weight, 1 without class weights, 0 when ignored
     * (what the forward kernels report; the backward recomputes it from the targets).
     */
    private static float[] sampleWeights(long[] t, float[] w, int ignoreIndex) {
        float[] wy = new float[t.length];
        for (int s = 0; s < t.length; s++) {
            long k = t[s];
            // Out-of-range targets are reported by the kernel, which names the position.
            wy[s] = k == ignoreIndex ? 0f : w == null ? 1f : k >= 0 && k < w.length ? w[(int) k] : 0f;
        }
        return wy;
    }

    /** Each sample's share of the output gradient {@code g} under reduction {@code r}. */
    private static float[] sampleScale(String op, Tensor g, Reduction r, float[] wy, int[] dims) {
        requireFloat(op, "gradient", g);
        if (r == Reduction.NONE) {
            if (!Arrays.equals(g.dims, dims)) {
                throw new ShapeMismatchException(
                        op + ": gradient " + g.shape() + " does not match the unreduced loss " + Shape.of(dims));
            }
            return g.toArray();
        }
        if (g.numel() != 1) {
            throw new ShapeMismatchException(op + ": the gradient of a reduced loss has one element, got " + g.shape());
        }
        float[] s = new float[wy.length];
        double v = g.item();
        if (r == Reduction.MEAN) {
            v /= weightSum(wy);
        }
        Arrays.fill(s, (float) v);
        return s;
    }

    private static void checkSmoothing(double smoothing) {
        if (!(smoothing >= 0 && smoothing <= 1)) {
            throw new IllegalArgumentException("crossEntropy: label smoothing must be in [0, 1], got " + smoothing);
        }
    }

    // =================================================================== cross entropy

    static TensorFunctional.CrossEntropyResult crossEntropy(
            Tensor input, Tensor target, Tensor weight, int ignoreIndex, double smoothing, Reduction reduction) {
        rejectBatchMean("crossEntropy", reduction);
        checkSmoothing(smoothing);
        Layout l = layout("crossEntropy", input, target);
        float[] w = classWeights("crossEntropy", weight, l.c);
        long[] t = classIndices("crossEntropy", target);
        Tensor xc = input.contiguous();
        int ns = l.samples();
        float[] loss = new float[ns];
        float[] lse = new float[ns];
        float[] wy = new float[ns];
        Loss.crossEntropyForward(
                xc.storage.data,
                xc.offset,
                l.outer,
                l.c,
                l.inner,
                t,
                0,
                w,
                ignoreIndex,
                (float) smoothing,
                loss,
                lse,
                wy);
        Tensor out = reduceSamples(loss, wy, reduction, l.targetDims);
        return new TensorFunctional.CrossEntropyResult(out, Tensor.wrap(lse, l.targetDims));
    }

    static Tensor crossEntropyBackward(
            Tensor grad,
            Tensor input,
            Tensor target,
            Tensor weight,
            int ignoreIndex,
            double smoothing,
            Reduction reduction,
            Tensor logSumExp) {
        String op = "crossEntropyBackward";
        rejectBatchMean(op, reduction);
        checkSmoothing(smoothing);
        Layout l = layout(op, input, target);
        float[] w = classWeights(op, weight, l.c);
        long[] t = classIndices(op, target);
        if (logSumExp == null || logSumExp.dtype() != DType.FLOAT32 || !Arrays.equals(logSumExp.dims, l.targetDims)) {
            throw new ShapeMismatchException(op + ": logSumExp must be the float32 " + Shape.of(l.targetDims)
                    + " tensor crossEntropyForward returned, got "
                    + (logSumExp == null ? "null" : logSumExp.dtype() + " " + logSumExp.shape()));
        }
        Tensor xc = input.contiguous();
        float[] wy = sampleWeights(t, w, ignoreIndex);
        Tensor gx = Tensor.zeros(input.dims);
        Loss.crossEntropyBackward(
                xc.storage.data,
                xc.offset,
                l.outer,
                l.c,
                l.inner,
                t,
                0,
                w,
                ignoreIndex,
                (float) smoothing,
                logSumExp.toArray(),
                sampleScale(op, grad, reduction, wy, l.targetDims),
                gx.storage.data,
                0);
        return gx;
    }

    /**
     * Cross entropy against class probabilities (a float target of the input's shape), composed
     * from tensor ops: {@code -sum_c w[c] * t[c] * logSoftmax(x)[c]} per sample, the target
     * smoothed to {@code (1 - eps) * t + eps / C} first; MEAN divides by the number of samples.
     */
    static Tensor crossEntropyProbabilities(
            Tensor input, Tensor target, Tensor weight, int ignoreIndex, double smoothing, Reduction reduction) {
        rejectBatchMean("crossEntropy", reduction);
        checkSmoothing(smoothing);
        requireFloat("crossEntropy", "input", input);
        checkProbabilityTarget(ignoreIndex);
        int classDim = input.dim() == 1 ? 0 : 1;
        int c = input.size(classDim);
        Tensor t = smoothing == 0 ? target : target.mul((float) (1 - smoothing)).add((float) (smoothing / c));
        float[] w = classWeights("crossEntropy", weight, c);
        if (w != null) {
            t = t.mul(Tensor.fromArray(w, classWeightDims(input.dim(), classDim, c)));
        }
        Tensor perSample = input.logSoftmax(classDim).mul(t).sum(classDim).neg();
        return switch (reduction) {
            case NONE -> perSample;
            case SUM -> perSample.sum();
            case MEAN -> perSample.mean();
            case BATCHMEAN -> throw new AssertionError("rejected above");
        };
    }

    /** Dims that broadcast class weights {@code [c]} along the class dimension of a rank-{@code rank} input. */
    static int[] classWeightDims(int rank, int classDim, int c) {
        int[] at = new int[rank];
        Arrays.fill(at, 1);
        at[classDim] = c;
        return at;
    }

    static void checkProbabilityTarget(int ignoreIndex) {
        if (ignoreIndex != TensorFunctional.DEFAULT_IGNORE_INDEX) {
            throw new IllegalArgumentException("crossEntropy: ignore index " + ignoreIndex
                    + " applies to class-index targets only, not to class probabilities (as in PyTorch)");
        }
    }

    // =================================================================== negative log likelihood

    static Tensor nllLoss(Tensor input, Tensor target, Tensor weight, int ignoreIndex, Reduction reduction) {
        rejectBatchMean("nllLoss", reduction);
        Layout l = layout("nllLoss", input, target);
        float[] w = classWeights("nllLoss", weight, l.c);
        long[] t = classIndices("nllLoss", target);
        Tensor xc = input.contiguous();
        int ns = l.samples();
        float[] loss = new float[ns];
        float[] wy = new float[ns];
        Loss.nllForward(xc.storage.data, xc.offset, l.outer, l.c, l.inner, t, 0, w, ignoreIndex, loss, wy);
        return reduceSamples(loss, wy, reduction, l.targetDims);
    }

    static Tensor nllLossBackward(
            Tensor grad, Tensor input, Tensor target, Tensor weight, int ignoreIndex, Reduction reduction) {
        String op = "nllLossBackward";
        rejectBatchMean(op, reduction);
        Layout l = layout(op, input, target);
        float[] w = classWeights(op, weight, l.c);
        long[] t = classIndices(op, target);
        float[] wy = sampleWeights(t, w, ignoreIndex);
        Tensor gx = Tensor.zeros(input.dims);
        Loss.nllBackward(
                l.outer,
                l.c,
                l.inner,
                t,
                0,
                w,
                ignoreIndex,
                sampleScale(op, grad, reduction, wy, l.targetDims),
                gx.storage.data,
                0);
        return gx;
    }

    // =================================================================== elementwise losses

    private static void sameShape(String op, Tensor input, Tensor target) {
        if (!input.shape().equals(target.shape())) {
            throw new ShapeMismatchException(
                    op + ": input " + input.shape() + " and target " + target.shape() + " must have the same shape");
        }
    }

    /** The per-element values reduced: NONE as they are, SUM/MEAN to a scalar, BATCHMEAN by dimension 0. */
    private static Tensor reduceElements(Tensor v, Reduction r) {
        return switch (r) {
            case NONE -> v;
            case SUM -> v.sum();
            case MEAN -> v.mean();
            case BATCHMEAN -> v.sum().div(v.dim() == 0 ? 1 : v.size(0));
        };
    }

    /**
     * The output gradient spread back over the elements: as it is for NONE, else one value (the
     * reducing modes' per-element share) that broadcasts.
     */
    private static Tensor spread(String op, Tensor g, Reduction r, Shape s) {
        requireFloat(op, "gradient", g);
        if (r == Reduction.NONE) {
            if (!g.shape().equals(s)) {
                throw new ShapeMismatchException(
                        op + ": gradient " + g.shape() + " does not match the unreduced loss " + s);
            }
            return g;
        }
        if (g.numel() != 1) {
            throw new ShapeMismatchException(op + ": the gradient of a reduced loss has one element, got " + g.shape());
        }
        return switch (r) {
            case SUM -> g.reshape();
            case MEAN -> g.reshape().div(Math.max(1, s.numel()));
            case BATCHMEAN -> g.reshape().div(s.rank() == 0 ? 1 : s.size(0));
            case NONE -> throw new AssertionError("handled above");
        };
    }

    static Tensor mseLoss(Tensor input, Tensor target, Reduction reduction) {
        rejectBatchMean("mseLoss", reduction);
        requireFloat("mseLoss", "input", input);
        sameShape("mseLoss", input, target);
        return reduceElements(input.sub(target).square(), reduction);
    }

    /** {@code d loss / d input}; the target's gradient is its negation. */
    static Tensor mseLossBackward(Tensor grad, Tensor input, Tensor target, Reduction reduction) {
        String op = "mseLossBackward";
        rejectBatchMean(op, reduction);
        requireFloat(op, "input", input);
        sameShape(op, input, target);
        return input.sub(target).mul(spread(op, grad, reduction, input.shape()).mul(2f));
    }

    /** A weight tensor broadcast to the input's shape, contiguous (copied only when it broadcasts). */
    private static Tensor broadcastTo(String op, String what, Tensor t, Shape s) {
        if (t == null) {
            return null;
        }
        Shape b;
        try {
            b = Shape.broadcast(op, t.shape(), s);
        } catch (ShapeMismatchException e) {
            b = null;
        }
        if (b == null || !b.equals(s)) {
            throw new ShapeMismatchException(op + ": " + what + " " + t.shape() + " cannot be broadcast to input " + s);
        }
        return t.toFloat().expand(s).contiguous();
    }

    private static float[] data(Tensor t) {
        return t == null ? null : t.storage.data;
    }

    private static int offset(Tensor t) {
        return t == null ? 0 : t.offset;
    }

    static Tensor bceWithLogits(Tensor input, Tensor target, Tensor weight, Tensor posWeight, Reduction reduction) {
        String op = "bceWithLogits";
        rejectBatchMean(op, reduction);
        requireFloat(op, "input", input);
        requireFloat(op, "target", target);
        sameShape(op, input, target);
        Shape s = input.shape();
        Tensor xc = input.contiguous();
        Tensor tc = target.contiguous();
        Tensor wc = broadcastTo(op, "weight", weight, s);
        Tensor pc = broadcastTo(op, "pos_weight", posWeight, s);
        Tensor loss = Tensor.zeros(s);
        Loss.bceWithLogitsForward(
                data(xc),
                xc.offset,
                data(tc),
                tc.offset,
                data(wc),
                offset(wc),
                data(pc),
                offset(pc),
                data(loss),
                0,
                s.numel());
        return reduceElements(loss, reduction);
    }

    /** The gradients with respect to the input and the target, each computed only when asked for. */
    static Tensor[] bceWithLogitsBackward(
            Tensor grad,
            Tensor input,
            Tensor target,
            Tensor weight,
            Tensor posWeight,
            Reduction reduction,
            boolean needInput,
            boolean needTarget) {
        String op = "bceWithLogitsBackward";
        rejectBatchMean(op, reduction);
        requireFloat(op, "input", input);
        requireFloat(op, "target", target);
        sameShape(op, input, target);
        Shape s = input.shape();
        Tensor gs = spread(op, grad, reduction, s).contiguous();
        Tensor xc = input.contiguous();
        Tensor tc = target.contiguous();
        Tensor wc = broadcastTo(op, "weight", weight, s);
        Tensor pc = broadcastTo(op, "pos_weight", posWeight, s);
        Tensor gx = needInput ? Tensor.zeros(s) : null;
        Tensor gt = needTarget ? Tensor.zeros(s) : null;
        Loss.bceWithLogitsBackward(
                data(xc),
                xc.offset,
                data(tc),
                tc.offset,
                data(wc),
                offset(wc),
                data(pc),
                offset(pc),
                data(gs),
                gs.offset,
                gs.numel() == 1 && s.numel() != 1 ? 0 : 1,
                data(gx),
                0,
                data(gt),
                0,
                s.numel());
        return new Tensor[] {gx, gt};
    }

    static Tensor klDiv(Tensor input, Tensor target, Reduction reduction, boolean logTarget) {
        requireFloat("klDiv", "input", input);
        sameShape("klDiv", input, target);
        Tensor x = input;
        Tensor t = target;
        Tensor v;
        if (logTarget) {
            v = t.exp().mul(t.sub(x));
        } else {
            // xlogy(t, t) - t * x, with 0 * log 0 = 0 as in PyTorch.
            Tensor tlogt = Tensor.where(t.eq(0f), Tensor.scalar(0f), t.mul(t.log()));
            v = tlogt.sub(t.mul(x));
        }
        return reduceElements(v, reduction);
    }

    static Tensor[] klDivBackward(
            Tensor grad,
            Tensor input,
            Tensor target,
            Reduction reduction,
            boolean logTarget,
            boolean needInput,
            boolean needTarget) {
        String op = "klDivBackward";
        requireFloat(op, "input", input);
        sameShape(op, input, target);
        Tensor gs = spread(op, grad, reduction, input.shape());
        Tensor tv = target;
        Tensor gx = null;
        Tensor gt = null;
        if (needInput) {
            gx = (logTarget ? tv.exp() : tv).mul(gs).neg();
        }
        if (needTarget) {
            // d/dt: log-target exp(t) * (t - x + 1); else log(t) + 1 - x.
            gt = logTarget
                    ? tv.exp().mul(tv.sub(input).add(1f)).mul(gs)
                    : tv.log().add(1f).sub(input).mul(gs);
        }
        return new Tensor[] {gx, gt};
    }
}
