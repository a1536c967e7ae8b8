package dev.nabla.autograd;

import static dev.nabla.autograd.Variable.constant;
import static dev.nabla.autograd.Variable.record;

import dev.nabla.tensor.DType;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.ShapeMismatchException;
import dev.nabla.tensor.Tensor;
import dev.nabla.tensor.kernel.Loss;
import java.util.Arrays;

/**
 * Loss functions, each a single primitive with PyTorch's semantics and a backward written out
 * (cross entropy's is one fused log-softmax + NLL kernel pass). Class-index targets are int64
 * tensors (int32 is accepted too), as in PyTorch; they carry no gradient. The regression-style losses (MSE, BCE with
 * logits, KL divergence) also give the gradient of a target that requires grad.
 */
final class LossOps {
    private LossOps() {}

    /** Sample layout of a class-index loss: scores {@code [outer, c, inner]}, targets {@code [outer, inner]}. */
    private record Layout(int outer, int c, int inner, int[] targetDims) {
        int samples() {
            return outer * inner;
        }
    }

    private static Layout layout(String op, Variable input, Variable target) {
        Autograd.requireFloat(op, "input", input);
        int[] d = input.dims();
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
        if (!Arrays.equals(target.dims(), expect)) {
            throw new ShapeMismatchException(op + ": input " + input.shape() + " needs class-index targets of shape "
                    + Shape.of(expect) + ", got " + target.shape());
        }
        if (l.c == 0) {
            throw new ShapeMismatchException(op + ": input " + input.shape() + " has no classes");
        }
        return l;
    }

    /** The class indices of an int64 or int32 target; float labels are refused, with the fix. */
    private static long[] classIndices(String op, Variable target) {
        DType t = target.data().dtype();
        if (t != DType.INT64 && t != DType.INT32) {
            throw new IllegalArgumentException(op + ": class-index targets must be an int64 tensor (as in PyTorch;"
                    + " int32 is accepted too), got " + t + " of shape " + target.shape()
                    + "; convert float labels with toLong()"
                    + (op.equals("crossEntropy") ? " (class probabilities must have the input's shape)" : ""));
        }
        return target.data().toLongArray();
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

    /** Each sample's share of the output gradient {@code g} under reduction {@code r}. */
    private static float[] sampleScale(Tensor g, Reduction r, float[] wy, int samples) {
        if (r == Reduction.NONE) {
            return g.contiguous().toArray();
        }
        float[] s = new float[samples];
        double v = g.item();
        if (r == Reduction.MEAN) {
            v /= weightSum(wy);
        }
        Arrays.fill(s, (float) v);
        return s;
    }

    static Variable crossEntropy(
            Variable input, Variable target, Tensor weight, int ignoreIndex, double smoothing, Reduction reduction) {
        rejectBatchMean("crossEntropy", reduction);
        if (!(smoothing >= 0 && smoothing <= 1)) {
            throw new IllegalArgumentException("crossEntropy: label smoothing must be in [0, 1], got " + smoothing);
        }
        if (target.dtype() == DType.FLOAT32 && target.shape().equals(input.shape())) {
            return crossEntropyProbabilities(input, target, weight, ignoreIndex, smoothing, reduction);
        }
        Layout l = layout("crossEntropy", input, target);
        float[] w = classWeights("crossEntropy", weight, l.c);
        long[] t = classIndices("crossEntropy", target);
        Tensor xc = input.data().contiguous();
        int ns = l.samples();
        float[] loss = new float[ns];
        float[] lse = new float[ns];
        float[] wy = new float[ns];
        float eps = (float) smoothing;
        Loss.crossEntropyForward(
                xc.storageArray(), xc.storageOffset(), l.outer, l.c, l.inner, t, 0, w, ignoreIndex, eps, loss, lse, wy);
        Tensor out = reduceSamples(loss, wy, reduction, l.targetDims);
        if (!Autograd.needsGrad(input)) {
            return constant(out);
        }
        Saved sx = new Saved("crossEntropy", xc);
        int[] dims = input.dims();
        return record(
                "crossEntropy",
                out,
                g -> {
                    Tensor xv = sx.get();
                    Tensor gx = Tensor.zeros(dims);
                    Loss.crossEntropyBackward(
                            xv.storageArray(),
                            xv.storageOffset(),
                            l.outer,
                            l.c,
                            l.inner,
                            t,
                            0,
                            w,
                            ignoreIndex,
                            eps,
                            lse,
                            sampleScale(g, reduction, wy, ns),
                            gx.storageArray(),
                            0);
                    return new Tensor[] {gx, null};
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
        Autograd.requireFloat("crossEntropy", "input", input);
        if (ignoreIndex != Functional.DEFAULT_IGNORE_INDEX) {
            throw new IllegalArgumentException("crossEntropy: ignore index " + ignoreIndex
                    + " applies to class-index targets only, not to class probabilities (as in PyTorch)");
        }
        int classDim = input.dim() == 1 ? 0 : 1;
        int c = input.size(classDim);
        Variable t =
                smoothing == 0 ? target : target.mul((float) (1 - smoothing)).add((float) (smoothing / c));
        float[] w = classWeights("crossEntropy", weight, c);
        if (w != null) {
            int[] at = new int[input.dim()];
            Arrays.fill(at, 1);
            at[classDim] = c;
            t = t.mul(Variable.of(Tensor.fromArray(w, at)));
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
        rejectBatchMean("nllLoss", reduction);
        Layout l = layout("nllLoss", input, target);
        float[] w = classWeights("nllLoss", weight, l.c);
        long[] t = classIndices("nllLoss", target);
        Tensor xc = input.data().contiguous();
        int ns = l.samples();
        float[] loss = new float[ns];
        float[] wy = new float[ns];
        Loss.nllForward(xc.storageArray(), xc.storageOffset(), l.outer, l.c, l.inner, t, 0, w, ignoreIndex, loss, wy);
        Tensor out = reduceSamples(loss, wy, reduction, l.targetDims);
        if (!Autograd.needsGrad(input)) {
            return constant(out);
        }
        int[] dims = input.dims();
        return record(
                "nllLoss",
                out,
                g -> {
                    Tensor gx = Tensor.zeros(dims);
                    Loss.nllBackward(
                            l.outer,
                            l.c,
                            l.inner,
                            t,
                            0,
                            w,
                            ignoreIndex,
                            sampleScale(g, reduction, wy, ns),
                            gx.storageArray(),
                            0);
                    return new Tensor[] {gx, null};
                },
                input,
                target);
    }

    private static void sameShape(String op, Variable input, Variable target) {
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

    /** The output gradient spread back over the elements (broadcast view for the reducing modes). */
    private static Tensor spread(Tensor g, Reduction r, Shape s) {
        return switch (r) {
            case NONE -> g;
            case SUM -> g.expand(s);
            case MEAN -> g.div(Math.max(1, s.numel())).expand(s);
            case BATCHMEAN -> g.div(s.rank() == 0 ? 1 : s.size(0)).expand(s);
        };
    }

    static Variable mseLoss(Variable input, Variable target, Reduction reduction) {
        rejectBatchMean("mseLoss", reduction);
        Autograd.requireFloat("mseLoss", "input", input);
        sameShape("mseLoss", input, target);
        Tensor diff = input.data().sub(target.data());
        Tensor out = reduceElements(diff.square(), reduction);
        if (!Autograd.needsGrad(input, target)) {
            return constant(out);
        }
        Shape s = input.shape();
        boolean needT = target.requiresGrad();
        boolean needX = input.requiresGrad();
        return record(
                "mseLoss",
                out,
                g -> {
                    Tensor gx = diff.mul(spread(g, reduction, s)).mul(2f);
                    return new Tensor[] {needX ? gx : null, needT ? gx.neg() : null};
                },
                input,
                target);
    }

    static Variable bceWithLogits(
            Variable input, Variable target, Tensor weight, Tensor posWeight, Reduction reduction) {
        rejectBatchMean("bceWithLogits", reduction);
        Autograd.requireFloat("bceWithLogits", "input", input);
        Autograd.requireFloat("bceWithLogits", "target", target);
        sameShape("bceWithLogits", input, target);
        Shape s = input.shape();
        int n = s.numel();
        Tensor xc = input.data().contiguous();
        Tensor tc = target.data().contiguous();
        Tensor wc = broadcastTo("bceWithLogits", "weight", weight, s);
        Tensor pc = broadcastTo("bceWithLogits", "pos_weight", posWeight, s);
        Tensor loss = Tensor.zeros(s);
        Loss.bceWithLogitsForward(
                xc.storageArray(),
                xc.storageOffset(),
                tc.storageArray(),
                tc.storageOffset(),
                wc == null ? null : wc.storageArray(),
                wc == null ? 0 : wc.storageOffset(),
                pc == null ? null : pc.storageArray(),
                pc == null ? 0 : pc.storageOffset(),
                loss.storageArray(),
                0,
                n);
        Tensor out = reduceElements(loss, reduction);
        if (!Autograd.needsGrad(input, target)) {
            return constant(out);
        }
        boolean needX = input.requiresGrad();
        boolean needT = target.requiresGrad();
        Saved sx = new Saved("bceWithLogits", xc);
        Saved st = new Saved("bceWithLogits", tc);
        return record(
                "bceWithLogits",
                out,
                g -> {
                    Tensor gs = spread(g, reduction, s).contiguous();
                    Tensor xv = sx.get();
                    Tensor tv = st.get();
                    Tensor gx = needX ? Tensor.zeros(s) : null;
                    Tensor gt = needT ? Tensor.zeros(s) : null;
                    Loss.bceWithLogitsBackward(
                            xv.storageArray(),
                            xv.storageOffset(),
                            tv.storageArray(),
                            tv.storageOffset(),
                            wc == null ? null : wc.storageArray(),
                            wc == null ? 0 : wc.storageOffset(),
                            pc == null ? null : pc.storageArray(),
                            pc == null ? 0 : pc.storageOffset(),
                            gs.storageArray(),
                            gs.storageOffset(),
                            1,
                            gx == null ? null : gx.storageArray(),
                            0,
                            gt == null ? null : gt.storageArray(),
                            0,
                            n);
                    return new Tensor[] {gx, gt};
                },
                input,
                target);
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

    static Variable klDiv(Variable input, Variable target, Reduction reduction, boolean logTarget) {
        Autograd.requireFloat("klDiv", "input", input);
        sameShape("klDiv", input, target);
        Tensor x = input.data();
        Tensor t = target.data();
        Tensor v;
        if (logTarget) {
            v = t.exp().mul(t.sub(x));
        } else {
            // xlogy(t, t) - t * x, with 0 * log 0 = 0 as in PyTorch.
            Tensor tlogt = Tensor.where(t.eq(0f), Tensor.scalar(0f), t.mul(t.log()));
            v = tlogt.sub(t.mul(x));
        }
        Tensor out = reduceElements(v, reduction);
        if (!Autograd.needsGrad(input, target)) {
            return constant(out);
        }
        boolean needX = input.requiresGrad();
        boolean needT = target.requiresGrad();
        Saved sx = new Saved("klDiv", x);
        Saved st = new Saved("klDiv", t);
        Shape s = input.shape();
        return record(
                "klDiv",
                out,
                g -> {
                    Tensor gs = spread(g, reduction, s);
                    Tensor tv = st.get();
                    Tensor gx = null;
                    Tensor gt = null;
                    if (needX) {
                        gx = (logTarget ? tv.exp() : tv).mul(gs).neg();
                    }
                    if (needT) {
                        Tensor xv = sx.get();
                        // d/dt: log-target exp(t) * (t - x + 1); else log(t) + 1 - x.
                        gt = logTarget
                                ? tv.exp().mul(tv.sub(xv).add(1f)).mul(gs)
                                : tv.log().add(1f).sub(xv).mul(gs);
                    }
                    return new Tensor[] {gx, gt};
                },
                input,
                target);
    }
}
