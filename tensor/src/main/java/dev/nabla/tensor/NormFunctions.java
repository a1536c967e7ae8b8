package dev.nabla.tensor;

import static dev.nabla.tensor.ConvFunctions.requireFloat;

import dev.nabla.tensor.kernel.Norm;
import java.util.Arrays;

/**
 * Batch and layer normalisation for {@link TensorFunctional}, forward and backward, as fused
 * kernel passes ({@link Norm}): statistics in one pass and normalisation in another going forward;
 * the two gradient sums in one pass and the input gradient in another going back. The forward
 * returns the per-channel (per-row) statistics the backward needs, so no intermediate tensor
 * (centred input, normalised input) is ever materialised or kept.
 */
final class NormFunctions {
    private NormFunctions() {}

    private static float[] channelValues(String op, String what, Tensor t, int c, Shape xShape) {
        if (t == null) {
            return null;
        }
        requireFloat(op, what, t);
        if (t.dim() != 1 || t.size(0) != c) {
            throw new ShapeMismatchException(
                    op + ": " + what + " must be [" + c + "] for input " + xShape + ", got " + t.shape());
        }
        return t.toArray();
    }

    /** N, C and the elements per sample and channel of a batch-norm input. */
    private static int[] batchNormLayout(String op, Shape x) {
        if (x.rank() < 2) {
            throw new ShapeMismatchException(op + ": expected input [N, C, ...], got " + x);
        }
        int n = x.size(0);
        int c = x.size(1);
        int hw = n * c == 0 ? 0 : x.numel() / (n * c);
        return new int[] {n, c, hw};
    }

    static TensorFunctional.BatchNormResult batchNorm(
            Tensor x,
            Tensor runningMean,
            Tensor runningVar,
            Tensor weight,
            Tensor bias,
            boolean training,
            double momentum,
            double eps) {
        requireFloat("batchNorm", "input", x);
        if ((runningMean == null) != (runningVar == null)) {
            throw new IllegalArgumentException("batchNorm: give both running statistics or neither");
        }
        if (!(eps > 0) || !(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException(
                    "batchNorm: need eps > 0 and momentum in [0, 1], got eps=" + eps + ", momentum=" + momentum);
        }
        Shape xs = x.shape();
        int[] lay = batchNormLayout("batchNorm", xs);
        int n = lay[0];
        int c = lay[1];
        int hw = lay[2];
        float[] rm = channelValues("batchNorm", "running_mean", runningMean, c, xs);
        float[] rv = channelValues("batchNorm", "running_var", runningVar, c, xs);
        float[] w = channelValues("batchNorm", "weight", weight, c, xs);
        float[] b = channelValues("batchNorm", "bias", bias, c, xs);
        boolean batchStats = training || runningMean == null;
        long m = (long) n * hw;
        Tensor xc = x.contiguous();
        float[] xa = xc.storage.data;
        int xo = xc.offset;
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
        Tensor y = Tensor.zeros(x.dims);
        Norm.normalize(xa, xo, n, c, hw, mean, scale, shift, y.storage.data, 0);
        return new TensorFunctional.BatchNormResult(y, Tensor.wrap(mean, c), Tensor.wrap(invstd, c));
    }

    static Tensor[] batchNormBackward(
            Tensor grad,
            Tensor x,
            Tensor weight,
            Tensor mean,
            Tensor invstd,
            boolean batchStats,
            boolean needInput,
            boolean needWeight,
            boolean needBias) {
        String op = "batchNormBackward";
        requireFloat(op, "input", x);
        requireFloat(op, "gradient", grad);
        Shape xs = x.shape();
        if (!grad.shape().equals(xs)) {
            throw new ShapeMismatchException(op + ": gradient " + grad.shape() + " and input " + xs + " differ");
        }
        int[] lay = batchNormLayout(op, xs);
        int n = lay[0];
        int c = lay[1];
        int hw = lay[2];
        long m = (long) n * hw;
        float[] w = channelValues(op, "weight", weight, c, xs);
        float[] mu = channelValues(op, "mean", mean, c, xs);
        float[] is = channelValues(op, "invstd", invstd, c, xs);
        if (mu == null || is == null) {
            throw new IllegalArgumentException(op + ": needs the mean and invstd batchNormForward returned");
        }
        float[] scale = new float[c];
        for (int ch = 0; ch < c; ch++) {
            scale[ch] = w == null ? is[ch] : w[ch] * is[ch];
        }
        Tensor gc = grad.contiguous();
        float[] ga = gc.storage.data;
        int go = gc.offset;
        Tensor xc = x.contiguous();
        float[] sumG = new float[c];
        float[] sumGX = new float[c];
        if (needWeight || needBias || (needInput && batchStats)) {
            Norm.gradSums(ga, go, xc.storage.data, xc.offset, n, c, hw, mu, sumG, sumGX);
        }
        Tensor gx = null;
        if (needInput) {
            gx = Tensor.zeros(x.dims);
            float[] zero = new float[c];
            if (batchStats) {
                // gx = w*invstd * (g - sumG/M - (x - mean) * invstd^2 * sumGX/M)
                float[] xScale = new float[c];
                float[] bias0 = new float[c];
                for (int ch = 0; ch < c; ch++) {
                    float k = scale[ch];
                    xScale[ch] = -k * is[ch] * is[ch] * sumGX[ch] / m;
                    bias0[ch] = -k * sumG[ch] / m;
                }
                Norm.normalizeBackward(
                        ga, go, xc.storage.data, xc.offset, n, c, hw, mu, scale, xScale, bias0, gx.storage.data, 0);
            } else {
                Norm.normalize(ga, go, n, c, hw, zero, scale, zero, gx.storage.data, 0);
            }
        }
        Tensor gw = null;
        if (needWeight) {
            float[] v = new float[c];
            for (int ch = 0; ch < c; ch++) {
                v[ch] = sumGX[ch] * is[ch];
            }
            gw = Tensor.wrap(v, c);
        }
        Tensor gb = needBias ? Tensor.wrap(sumG, c) : null;
        return new Tensor[] {gx, gw, gb};
    }

    /** Rows and row length of a layer-norm input, every shape checked. */
    private static int[] layerNormLayout(String op, Shape x, int[] normalizedShape, Tensor weight, Tensor bias) {
        int k = normalizedShape.length;
        if (k == 0) {
            throw new IllegalArgumentException(op + ": the normalised shape must have at least one dimension");
        }
        Shape ns = Shape.of(normalizedShape);
        int[] xd = x.dims();
        boolean fits =
                xd.length >= k && Arrays.equals(Arrays.copyOfRange(xd, xd.length - k, xd.length), normalizedShape);
        if (!fits) {
            throw new ShapeMismatchException(
                    op + ": normalised shape " + ns + " does not match the last " + k + " dimension(s) of input " + x);
        }
        for (Tensor p : new Tensor[] {weight, bias}) {
            if (p != null && !p.shape().equals(ns)) {
                throw new ShapeMismatchException(
                        op + ": " + (p == weight ? "weight" : "bias") + " must be " + ns + ", got " + p.shape());
            }
        }
        int d = ns.numel();
        return new int[] {d == 0 ? 0 : x.numel() / d, d};
    }

    /** The dims of layer norm's statistics: the input's leading dims, then a 1 per normalised dim. */
    private static int[] statDims(int[] xd, int k) {
        int[] s = xd.clone();
        Arrays.fill(s, xd.length - k, xd.length, 1);
        return s;
    }

    static TensorFunctional.LayerNormResult layerNorm(
            Tensor x, int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        requireFloat("layerNorm", "input", x);
        requireFloat("layerNorm", "weight", weight);
        requireFloat("layerNorm", "bias", bias);
        if (!(eps > 0)) {
            throw new IllegalArgumentException("layerNorm: eps must be > 0, got " + eps);
        }
        int[] lay = layerNormLayout("layerNorm", x.shape(), normalizedShape, weight, bias);
        int rows = lay[0];
        int d = lay[1];
        Tensor xc = x.contiguous();
        Tensor wc = weight == null ? null : weight.contiguous();
        Tensor bc = bias == null ? null : bias.contiguous();
        int[] sd = statDims(x.dims, normalizedShape.length);
        Tensor mean = Tensor.zeros(sd);
        Tensor rstd = Tensor.zeros(sd);
        Tensor y = Tensor.zeros(x.dims);
        Norm.layerNormForward(
                xc.storage.data,
                xc.offset,
                rows,
                d,
                wc == null ? null : wc.storage.data,
                wc == null ? 0 : wc.offset,
                bc == null ? null : bc.storage.data,
                bc == null ? 0 : bc.offset,
                (float) eps,
                y.storage.data,
                0,
                mean.storage.data,
                rstd.storage.data);
        return new TensorFunctional.LayerNormResult(y, mean, rstd);
    }

    static Tensor[] layerNormBackward(
            Tensor grad,
            Tensor x,
            int[] normalizedShape,
            Tensor weight,
            Tensor mean,
            Tensor rstd,
            boolean needInput,
            boolean needWeight,
            boolean needBias) {
        String op = "layerNormBackward";
        requireFloat(op, "input", x);
        requireFloat(op, "gradient", grad);
        requireFloat(op, "weight", weight);
        if (!grad.shape().equals(x.shape())) {
            throw new ShapeMismatchException(op + ": gradient " + grad.shape() + " and input " + x.shape() + " differ");
        }
        int[] lay = layerNormLayout(op, x.shape(), normalizedShape, weight, null);
        int rows = lay[0];
        int d = lay[1];
        Shape sd = Shape.of(statDims(x.dims, normalizedShape.length));
        for (Tensor s : new Tensor[] {mean, rstd}) {
            if (s == null || !s.shape().equals(sd) || s.dtype() != DType.FLOAT32) {
                throw new ShapeMismatchException(op + ": mean and rstd must be the float32 " + sd
                        + " statistics layerNormForward returned, got "
                        + (s == null ? "null" : s.dtype() + " " + s.shape()));
            }
        }
        Tensor gc = grad.contiguous();
        Tensor xc = x.contiguous();
        Tensor wc = weight == null ? null : weight.contiguous();
        Tensor mc = mean.contiguous();
        Tensor rc = rstd.contiguous();
        float[] mu = mc.offset == 0 && mc.storage.data.length == rows
                ? mc.storage.data
                : Arrays.copyOfRange(mc.storage.data, mc.offset, mc.offset + rows);
        float[] rs = rc.offset == 0 && rc.storage.data.length == rows
                ? rc.storage.data
                : Arrays.copyOfRange(rc.storage.data, rc.offset, rc.offset + rows);
        Tensor gx = needInput ? Tensor.zeros(x.dims) : null;
        Tensor gw = needWeight ? Tensor.zeros(normalizedShape) : null;
        Tensor gb = needBias ? Tensor.zeros(normalizedShape) : null;
        Norm.layerNormBackward(
                gc.storage.data,
                gc.offset,
                xc.storage.data,
                xc.offset,
                rows,
                d,
                wc == null ? null : wc.storage.data,
                wc == null ? 0 : wc.offset,
                mu,
                rs,
                gx == null ? null : gx.storage.data,
                0,
                gw == null ? null : gw.storage.data,
                0,
                gb == null ? null : gb.storage.data,
                0);
        return new Tensor[] {gx, gw, gb};
    }
}
