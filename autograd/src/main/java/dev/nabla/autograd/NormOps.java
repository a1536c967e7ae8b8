package dev.nabla.autograd;

import static dev.nabla.autograd.Variable.constant;
import static dev.nabla.autograd.Variable.record;

import dev.nabla.tensor.Shape;
import dev.nabla.tensor.ShapeMismatchException;
import dev.nabla.tensor.Tensor;
import dev.nabla.tensor.kernel.Norm;
import java.util.Arrays;

/**
 * Batch and layer normalisation, each one primitive whose forward and backward are fused kernel
 * passes ({@link Norm}): statistics in one pass and normalisation in another going forward; the
 * two gradient sums in one pass and the input gradient in another going back. The per-channel
 * (per-row) factors are computed once in the forward pass and captured, so no intermediate tensor
 * (centred input, normalised input) is ever materialised or saved.
 */
final class NormOps {
    private NormOps() {}

    private static float[] channelValues(String what, Tensor t, int c, Shape xShape) {
        if (t == null) {
            return null;
        }
        if (t.dim() != 1 || t.size(0) != c) {
            throw new ShapeMismatchException(
                    "batchNorm: " + what + " must be [" + c + "] for input " + xShape + ", got " + t.shape());
        }
        return t.toArray();
    }

    static Variable batchNorm(
            Variable x,
            Tensor runningMean,
            Tensor runningVar,
            Variable weight,
            Variable bias,
            boolean training,
            double momentum,
            double eps) {
        Autograd.requireFloat("batchNorm", "input", x);
        Autograd.requireFloat("batchNorm", "weight", weight);
        Autograd.requireFloat("batchNorm", "bias", bias);
        if (x.dim() < 2) {
            throw new ShapeMismatchException("batchNorm: expected input [N, C, ...], got " + x.shape());
        }
        if ((runningMean == null) != (runningVar == null)) {
            throw new IllegalArgumentException("batchNorm: give both running statistics or neither");
        }
        if (!(eps > 0) || !(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException(
                    "batchNorm: need eps > 0 and momentum in [0, 1], got eps=" + eps + ", momentum=" + momentum);
        }
        int n = x.size(0);
        int c = x.size(1);
        int hw = n * c == 0 ? 0 : x.numel() / (n * c);
        Shape xs = x.shape();
        float[] rm = channelValues("running_mean", runningMean, c, xs);
        float[] rv = channelValues("running_var", runningVar, c, xs);
        float[] w = channelValues("weight", weight == null ? null : weight.data(), c, xs);
        float[] b = channelValues("bias", bias == null ? null : bias.data(), c, xs);
        boolean batchStats = training || runningMean == null;
        long m = (long) n * hw;
        Tensor xc = x.data().contiguous();
        float[] xa = xc.storageArray();
        int xo = xc.storageOffset();
        float[] mean;
        float[] invstd = new float[c];
        if (batchStats) {
            if (m <= 1) {
                throw new IllegalArgumentException("batchNorm: expected more than 1 value per channel when using "
                        + "batch statistics, got input " + xs);
            }
            mean = new float[c];
            float[] var = new float[c];
            Norm.batchStats(xa, xo, n, c, hw, mean, var);
            for (int ch = 0; ch < c; ch++) {
                invstd[ch] = (float) (1.0 / Math.sqrt(var[ch] + eps));
            }
            if (training && runningMean != null) {
                float mo = (float) momentum;
                float unbias = (float) m / (m - 1);
                for (int ch = 0; ch < c; ch++) {
                    rm[ch] = (1 - mo) * rm[ch] + mo * mean[ch];
                    rv[ch] = (1 - mo) * rv[ch] + mo * var[ch] * unbias;
                }
                runningMean.copyFrom(Tensor.wrap(rm, c));
                runningVar.copyFrom(Tensor.wrap(rv, c));
            }
        } else {
            mean = rm;
            for (int ch = 0; ch < c; ch++) {
                invstd[ch] = (float) (1.0 / Math.sqrt(rv[ch] + eps));
            }
        }
        // scale = weight / std: applied to (x - mean), then the bias added.
        float[] scale = new float[c];
        float[] shift = new float[c];
        for (int ch = 0; ch < c; ch++) {
            scale[ch] = w == null ? invstd[ch] : w[ch] * invstd[ch];
            shift[ch] = b == null ? 0f : b[ch];
        }
        Tensor y = Tensor.zeros(x.dims());
        Norm.normalize(xa, xo, n, c, hw, mean, scale, shift, y.storageArray(), 0);
        Variable[] inputs = {x, weight, bias};
        if (!Autograd.needsGrad(inputs)) {
            return constant(y);
        }
        boolean needX = x.requiresGrad();
        boolean needW = weight != null && weight.requiresGrad();
        boolean needB = bias != null && bias.requiresGrad();
        Saved sx = new Saved("batchNorm", xc);
        int[] dims = x.dims();
        return record(
                "batchNorm",
                Tracing.attrs(
                        "runningMean", runningMean,
                        "runningVar", runningVar,
                        "training", training,
                        "momentum", momentum,
                        "eps", eps),
                y,
                g -> {
                    Tensor gc = g.contiguous();
                    float[] ga = gc.storageArray();
                    int go = gc.storageOffset();
                    Tensor xv = sx.get();
                    float[] sumG = new float[c];
                    float[] sumGX = new float[c];
                    if (needW || needB || (needX && batchStats)) {
                        Norm.gradSums(ga, go, xv.storageArray(), xv.storageOffset(), n, c, hw, mean, sumG, sumGX);
                    }
                    Tensor gx = null;
                    if (needX) {
                        gx = Tensor.zeros(dims);
                        float[] zero = new float[c];
                        if (batchStats) {
                            // gx = w*invstd * (g - sumG/M - (x - mean) * invstd^2 * sumGX/M)
                            float[] xScale = new float[c];
                            float[] bias0 = new float[c];
                            for (int ch = 0; ch < c; ch++) {
                                float k = scale[ch];
                                xScale[ch] = -k * invstd[ch] * invstd[ch] * sumGX[ch] / m;
                                bias0[ch] = -k * sumG[ch] / m;
                            }
                            Norm.normalizeBackward(
                                    ga,
                                    go,
                                    xv.storageArray(),
                                    xv.storageOffset(),
                                    n,
                                    c,
                                    hw,
                                    mean,
                                    scale,
                                    xScale,
                                    bias0,
                                    gx.storageArray(),
                                    0);
                        } else {
                            Norm.normalize(ga, go, n, c, hw, zero, scale, zero, gx.storageArray(), 0);
                        }
                    }
                    Tensor gw = null;
                    if (needW) {
                        float[] v = new float[c];
                        for (int ch = 0; ch < c; ch++) {
                            v[ch] = sumGX[ch] * invstd[ch];
                        }
                        gw = Tensor.wrap(v, c);
                    }
                    Tensor gb = needB ? Tensor.wrap(sumG, c) : null;
                    return new Tensor[] {gx, gw, gb};
                },
                inputs);
    }

    static Variable layerNorm(Variable x, int[] normalizedShape, Variable weight, Variable bias, double eps) {
        Autograd.requireFloat("layerNorm", "input", x);
        Autograd.requireFloat("layerNorm", "weight", weight);
        Autograd.requireFloat("layerNorm", "bias", bias);
        int k = normalizedShape.length;
        if (k == 0) {
            throw new IllegalArgumentException("layerNorm: the normalised shape must have at least one dimension");
        }
        if (!(eps > 0)) {
            throw new IllegalArgumentException("layerNorm: eps must be > 0, got " + eps);
        }
        Shape ns = Shape.of(normalizedShape);
        int[] xd = x.dims();
        boolean fits =
                xd.length >= k && Arrays.equals(Arrays.copyOfRange(xd, xd.length - k, xd.length), normalizedShape);
        if (!fits) {
            throw new ShapeMismatchException("layerNorm: normalised shape " + ns + " does not match the last " + k
                    + " dimension(s) of input " + x.shape());
        }
        for (Variable p : new Variable[] {weight, bias}) {
            if (p != null && !p.shape().equals(ns)) {
                throw new ShapeMismatchException(
                        "layerNorm: " + (p == weight ? "weight" : "bias") + " must be " + ns + ", got " + p.shape());
            }
        }
        int d = ns.numel();
        int rows = d == 0 ? 0 : x.numel() / d;
        Tensor xc = x.data().contiguous();
        float[] w = weight == null ? null : weight.data().toArray();
        float[] b = bias == null ? null : bias.data().toArray();
        float[] mean = new float[rows];
        float[] rstd = new float[rows];
        Tensor y = Tensor.zeros(xd);
        Norm.layerNormForward(
                xc.storageArray(),
                xc.storageOffset(),
                rows,
                d,
                w,
                0,
                b,
                0,
                (float) eps,
                y.storageArray(),
                0,
                mean,
                rstd);
        Variable[] inputs = {x, weight, bias};
        if (!Autograd.needsGrad(inputs)) {
            return constant(y);
        }
        boolean needX = x.requiresGrad();
        boolean needW = weight != null && weight.requiresGrad();
        boolean needB = bias != null && bias.requiresGrad();
        Saved sx = new Saved("layerNorm", xc);
        return record(
                "layerNorm",
                java.util.Map.of("normalizedShape", normalizedShape.clone(), "eps", eps),
                y,
                g -> {
                    Tensor gc = g.contiguous();
                    Tensor xv = sx.get();
                    Tensor gx = needX ? Tensor.zeros(xd) : null;
                    Tensor gw = needW ? Tensor.zeros(normalizedShape) : null;
                    Tensor gb = needB ? Tensor.zeros(normalizedShape) : null;
                    Norm.layerNormBackward(
                            gc.storageArray(),
                            gc.storageOffset(),
                            xv.storageArray(),
                            xv.storageOffset(),
                            rows,
                            d,
                            w,
                            0,
                            mean,
                            rstd,
                            gx == null ? null : gx.storageArray(),
                            0,
                            gw == null ? null : gw.storageArray(),
                            0,
                            gb == null ? null : gb.storageArray(),
                            0);
                    return new Tensor[] {gx, gw, gb};
                },
                inputs);
    }
}
