package dev.nabla.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

/**
 * The tensor-level functional ops: each backward against central finite differences of its
 * forward (in double, as autograd's GradCheck does, but with no autograd in sight), and the
 * forwards against scalar loops or compositions of plain tensor ops.
 */
class TensorFunctionalTest {
    private static final double STEP = 1e-2;
    private static final double ATOL = 2e-3;
    private static final double RTOL = 2e-2;
    private static final int IGNORE = TensorFunctional.DEFAULT_IGNORE_INDEX;

    /** {@code sum(y * r)} in double: the scalar whose gradient a backward with output gradient r gives. */
    private static double dot(Tensor y, Tensor r) {
        float[] a = y.toArray();
        float[] b = r.toArray();
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    /** Perturbs each element of the contiguous {@code x} in place and compares the slope of {@code loss} with {@code analytic}. */
    private static void assertGrad(String what, Tensor analytic, Tensor x, DoubleSupplier loss) {
        assertEquals(x.shape(), analytic.shape(), what + ": gradient shape");
        assertTrue(x.isContiguous(), what);
        Tensor flat = x.reshape(-1);
        float[] a = analytic.toArray();
        for (int j = 0; j < a.length; j++) {
            float orig = flat.get(j);
            double h = STEP * Math.max(1.0, Math.abs(orig));
            float plus = (float) (orig + h);
            float minus = (float) (orig - h);
            flat.set(plus, j);
            double lp = loss.getAsDouble();
            flat.set(minus, j);
            double lm = loss.getAsDouble();
            flat.set(orig, j);
            double numeric = (lp - lm) / ((double) plus - minus);
            double diff = Math.abs(a[j] - numeric);
            int at = j;
            assertTrue(
                    diff <= ATOL + RTOL * Math.abs(numeric),
                    () -> what + ", element " + at + ": analytic " + a[at] + ", numeric " + numeric);
        }
    }

    private static Tensor randn(long seed, int... dims) {
        return Tensor.randn(new Generator(seed), dims);
    }

    private static Tensor uniform(long seed, double lo, double hi, int... dims) {
        return Tensor.uniform(new Generator(seed), lo, hi, dims);
    }

    /** Distinct values at least 0.1 apart, so a max's winner survives a finite-difference step. */
    private static Tensor spread(long seed, int... dims) {
        int n = Shape.of(dims).numel();
        // Centred on 0 but never 0 itself (relu's kink).
        return Tensor.randperm(new Generator(seed), n)
                .toFloat()
                .mul(0.1f)
                .sub(n * 0.05f - 0.05f)
                .reshape(dims);
    }

    private static <T extends Throwable> String message(Class<T> type, Runnable r) {
        return assertThrows(type, r::run).getMessage();
    }

    // =================================================================== convolution

    /** Direct convolution in double: PyTorch's definition, loop by loop. */
    private static float[] naiveConv(
            Tensor x, Tensor w, Tensor b, int[] stride, int[] pad, int[] dil, int groups, int outH, int outW) {
        int n = x.size(0), cin = x.size(1), h = x.size(2), wd = x.size(3);
        int cout = w.size(0), kh = w.size(2), kw = w.size(3);
        int cpg = cin / groups, opg = cout / groups;
        float[] out = new float[n * cout * outH * outW];
        for (int i = 0; i < n; i++) {
            for (int o = 0; o < cout; o++) {
                int g = o / opg;
                for (int y = 0; y < outH; y++) {
                    for (int z = 0; z < outW; z++) {
                        double s = b == null ? 0 : b.get(o);
                        for (int c = 0; c < cpg; c++) {
                            for (int p = 0; p < kh; p++) {
                                for (int q = 0; q < kw; q++) {
                                    int iy = y * stride[0] - pad[0] + p * dil[0];
                                    int ix = z * stride[1] - pad[1] + q * dil[1];
                                    if (iy >= 0 && iy < h && ix >= 0 && ix < wd) {
                                        s += (double) x.get(i, g * cpg + c, iy, ix) * w.get(o, c, p, q);
                                    }
                                }
                            }
                        }
                        out[((i * cout + o) * outH + y) * outW + z] = (float) s;
                    }
                }
            }
        }
        return out;
    }

    @Test
    void conv2dMatchesTheDefinitionAndItsGradientsMatchFiniteDifferences() {
        int[] stride = {2, 1};
        int[] pad = {1, 0};
        int[] dil = {1, 2};
        Tensor x = randn(1, 2, 4, 6, 7);
        Tensor w = randn(2, 6, 2, 3, 2);
        Tensor b = randn(3, 6);
        Tensor y = TensorFunctional.conv2d(x, w, b, stride, pad, dil, 2);
        assertArrayEquals(new int[] {2, 6, 3, 5}, y.dims());
        float[] want = naiveConv(x, w, b, stride, pad, dil, 2, 3, 5);
        float[] got = y.toArray();
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-4 * (1 + Math.abs(want[i])), "element " + i);
        }
        Tensor r = randn(4, 2, 6, 3, 5);
        DoubleSupplier loss = () -> dot(TensorFunctional.conv2d(x, w, b, stride, pad, dil, 2), r);
        assertGrad("conv2d input", TensorFunctional.conv2dInputGrad(r, w, x.shape(), stride, pad, dil, 2), x, loss);
        assertGrad("conv2d weight", TensorFunctional.conv2dWeightGrad(r, x, w.shape(), stride, pad, dil, 2), w, loss);
        assertGrad("conv2d bias", TensorFunctional.conv2dBiasGrad(r), b, loss);
    }

    @Test
    void unbatchedConvolutionKeepsItsRank() {
        Tensor x = randn(5, 3, 5, 5);
        Tensor w = randn(6, 4, 3, 3, 3);
        Tensor y = TensorFunctional.conv2d(x, w, null, 1, 1);
        assertArrayEquals(new int[] {4, 5, 5}, y.dims());
        assertTrue(y.allClose(
                TensorFunctional.conv2d(x.unsqueeze(0), w, null, 1, 1).squeeze(0), 0, 0));
        Tensor r = randn(7, 4, 5, 5);
        int[] one = {1, 1};
        Tensor gx = TensorFunctional.conv2dInputGrad(r, w, x.shape(), one, one, one, 1);
        assertArrayEquals(new int[] {3, 5, 5}, gx.dims());
        assertArrayEquals(new int[] {4}, TensorFunctional.conv2dBiasGrad(r).dims());
    }

    @Test
    void convolutionErrorsNameTheCallAndTheShapes() {
        Tensor x = Tensor.zeros(2, 3, 8, 8);
        String m =
                message(ShapeMismatchException.class, () -> TensorFunctional.conv2d(x, Tensor.zeros(4, 2, 3, 3), null));
        assertTrue(m.contains("conv2d") && m.contains("[2, 3, 8, 8]") && m.contains("[4, 2, 3, 3]"), m);
        m = message(ShapeMismatchException.class, () -> TensorFunctional.conv2d(x, Tensor.zeros(4, 3, 9, 9), null));
        assertTrue(m.contains("larger than the padded input"), m);
        m = message(
                IllegalArgumentException.class,
                () -> TensorFunctional.conv2d(x.toLong(), Tensor.zeros(4, 3, 3, 3), null));
        assertTrue(m.contains("conv2d: input must be float32") && m.contains("toFloat()"), m);
        int[] one = {1, 1};
        m = message(
                ShapeMismatchException.class,
                () -> TensorFunctional.conv2dInputGrad(
                        Tensor.zeros(2, 4, 5, 5), Tensor.zeros(4, 3, 3, 3), x.shape(), one, new int[2], one, 1));
        assertTrue(m.contains("conv2dInputGrad") && m.contains("[2, 4, 5, 5]") && m.contains("[2, 4, 6, 6]"), m);
        m = message(
                IllegalArgumentException.class, () -> TensorFunctional.conv2d(x, x, null, new int[] {1}, one, one, 1));
        assertTrue(m.contains("stride must be a {height, width} pair"), m);
    }

    // =================================================================== pooling

    @Test
    void maxPoolingPicksTheFirstMaximumAndSendsTheGradientThere() {
        int[] k = {3, 2};
        int[] s = {2, 2};
        int[] p = {1, 1};
        int[] d = {1, 1};
        Tensor x = spread(8, 2, 3, 7, 6);
        var r = TensorFunctional.maxPool2dWithIndices(x, k, s, p, d, true);
        assertEquals(DType.INT32, r.indices().dtype());
        assertArrayEquals(r.output().dims(), r.indices().dims());
        float[] out = r.output().toArray();
        int[] idx = r.indices().toIntArray();
        float[] in = x.toArray();
        int outPlane = r.output().size(2) * r.output().size(3);
        for (int o = 0; o < out.length; o++) {
            assertEquals(in[(o / outPlane) * 42 + idx[o]], out[o], "output " + o + " is the input its index names");
        }
        assertTrue(r.output().allClose(TensorFunctional.maxPool2d(x, k, s, p, d, true), 0, 0));
        Tensor g = randn(9, r.output().dims());
        Tensor gx = TensorFunctional.maxPool2dBackward(g, r.indices(), x.shape(), k, s, p, d, true);
        assertGrad("maxPool2d", gx, x, () -> dot(TensorFunctional.maxPool2d(x, k, s, p, d, true), g));
        Tensor gx64 = TensorFunctional.maxPool2dBackward(g, r.indices().toLong(), x.shape(), k, s, p, d, true);
        assertTrue(gx.allClose(gx64, 0, 0), "int64 indices, as PyTorch returns them, work alike");
    }

    @Test
    void averagePoolingAndItsGradients() {
        Tensor x = randn(10, 2, 3, 7, 6);
        int[] k = {3, 3};
        int[] s = {2, 2};
        int[] p = {1, 1};
        Tensor y = TensorFunctional.avgPool2d(x, k, s, p, true, false);
        // Window (0, 0) covers rows and columns 0..1 of the input (the rest is padding).
        double first = (x.get(0, 0, 0, 0) + x.get(0, 0, 0, 1) + x.get(0, 0, 1, 0) + x.get(0, 0, 1, 1)) / 4.0;
        assertEquals(first, y.get(0, 0, 0, 0), 1e-6);
        Tensor g = randn(11, y.dims());
        assertGrad(
                "avgPool2d",
                TensorFunctional.avgPool2dBackward(g, x.shape(), k, s, p, true, false),
                x,
                () -> dot(TensorFunctional.avgPool2d(x, k, s, p, true, false), g));
        Tensor a = TensorFunctional.adaptiveAvgPool2d(x, 3, 2);
        assertArrayEquals(new int[] {2, 3, 3, 2}, a.dims());
        Tensor ga = randn(12, 2, 3, 3, 2);
        assertGrad(
                "adaptiveAvgPool2d",
                TensorFunctional.adaptiveAvgPool2dBackward(ga, x.shape()),
                x,
                () -> dot(TensorFunctional.adaptiveAvgPool2d(x, 3, 2), ga));
        Tensor global = TensorFunctional.adaptiveAvgPool2d(x, 1, 1);
        assertTrue(global.allClose(x.mean(new int[] {2, 3}, true), 1e-5, 1e-6), "1x1 is the mean of each plane");
    }

    // =================================================================== normalisation

    @Test
    void batchNormNormalisesUpdatesTheRunningStatisticsAndBackPropagates() {
        Tensor x = randn(13, 4, 3, 2, 2);
        Tensor w = uniform(14, 0.5, 1.5, 3);
        Tensor b = randn(15, 3);
        Tensor rm = Tensor.zeros(3);
        Tensor rv = Tensor.ones(3);
        var r = TensorFunctional.batchNormForward(x, rm, rv, w, b, true, 0.1, 1e-5);
        int[] axes = {0, 2, 3};
        Tensor mean = x.mean(axes, true);
        Tensor var = x.var(axes, true, 0);
        Tensor want = x.sub(mean)
                .div(var.add(1e-5f).sqrt())
                .mul(w.reshape(1, 3, 1, 1))
                .add(b.reshape(1, 3, 1, 1));
        assertTrue(r.output().allClose(want, 1e-4, 1e-5));
        assertTrue(r.mean().allClose(mean.reshape(3), 1e-5, 1e-6));
        assertTrue(rm.allClose(mean.reshape(3).mul(0.1f), 1e-5, 1e-6), "running mean moved 10% towards the batch's");
        assertTrue(rv.allClose(x.var(axes, false, 1).mul(0.1f).add(0.9f), 1e-5, 1e-6), "unbiased variance");

        Tensor g = randn(16, 4, 3, 2, 2);
        for (boolean training : new boolean[] {true, false}) {
            Tensor[] grads = TensorFunctional.batchNormBackward(
                    g,
                    x,
                    w,
                    TensorFunctional.batchNormForward(
                            x, training ? null : rm, training ? null : rv, w, b, training, 0.1, 1e-5),
                    training,
                    true,
                    true,
                    true);
            DoubleSupplier loss = () -> dot(
                    TensorFunctional.batchNorm(
                            x, training ? null : rm, training ? null : rv, w, b, training, 0.1, 1e-5),
                    g);
            String mode = training ? " (batch statistics)" : " (running statistics)";
            assertGrad("batchNorm input" + mode, grads[0], x, loss);
            assertGrad("batchNorm weight" + mode, grads[1], w, loss);
            assertGrad("batchNorm bias" + mode, grads[2], b, loss);
        }
        Tensor[] none = TensorFunctional.batchNormBackward(g, x, w, r, true, false, true, false);
        assertNull(none[0]);
        assertNull(none[2]);
    }

    @Test
    void layerNormNormalisesEachRowAndBackPropagates() {
        Tensor x = randn(17, 3, 4, 5);
        Tensor w = uniform(18, 0.5, 1.5, 4, 5);
        Tensor b = randn(19, 4, 5);
        int[] ns = {4, 5};
        var r = TensorFunctional.layerNormForward(x, ns, w, b, 1e-5);
        int[] axes = {1, 2};
        Tensor mean = x.mean(axes, true);
        Tensor want =
                x.sub(mean).div(x.var(axes, true, 0).add(1e-5f).sqrt()).mul(w).add(b);
        assertTrue(r.output().allClose(want, 1e-4, 1e-5));
        assertArrayEquals(new int[] {3, 1, 1}, r.mean().dims(), "statistics keep the normalised dimensions as 1s");
        assertTrue(r.mean().allClose(mean, 1e-5, 1e-6));
        Tensor g = randn(20, 3, 4, 5);
        Tensor[] grads = TensorFunctional.layerNormBackward(g, x, ns, w, r, true, true, true);
        DoubleSupplier loss = () -> dot(TensorFunctional.layerNorm(x, ns, w, b, 1e-5), g);
        assertGrad("layerNorm input", grads[0], x, loss);
        assertGrad("layerNorm weight", grads[1], w, loss);
        assertGrad("layerNorm bias", grads[2], b, loss);
        String m = message(
                ShapeMismatchException.class, () -> TensorFunctional.layerNorm(x, new int[] {5, 4}, null, null, 1e-5));
        assertTrue(m.contains("layerNorm") && m.contains("[5, 4]") && m.contains("[3, 4, 5]"), m);
    }

    // =================================================================== dropout, embedding, activations

    @Test
    void dropoutZeroesAFractionAndScalesTheRest() {
        Tensor x = Tensor.ones(100, 100);
        Tensor y = TensorFunctional.dropout(x, 0.25, true, new Generator(21));
        float[] v = y.toArray();
        int zeros = 0;
        for (float f : v) {
            assertTrue(f == 0f || f == 1f / 0.75f, "0 or 1/(1-p), got " + f);
            zeros += f == 0f ? 1 : 0;
        }
        assertEquals(2500, zeros, 200, "about a quarter dropped");
        assertTrue(y.allClose(x.mul(TensorFunctional.dropoutMask(0.25, new Generator(21), 100, 100)), 0, 0));
        assertSame(x, TensorFunctional.dropout(x, 0.25, false, new Generator(21)), "identity when not training");
    }

    @Test
    void embeddingPicksRowsAndItsGradientAddsThemBack() {
        Tensor table = randn(22, 5, 3);
        Tensor ids = Tensor.ofLongs(4, 0, 4, 2).reshape(2, 2);
        Tensor e = TensorFunctional.embedding(ids, table);
        assertArrayEquals(new int[] {2, 2, 3}, e.dims());
        assertTrue(e.select(0, 1).select(0, 0).allClose(table.select(0, 4), 0, 0));
        Tensor g = randn(23, 2, 2, 3);
        assertGrad(
                "embedding",
                TensorFunctional.embeddingBackward(g, ids, 5),
                table,
                () -> dot(TensorFunctional.embedding(ids, table), g));
        Tensor padded = TensorFunctional.embeddingBackward(g, ids, 5, -1);
        assertTrue(padded.select(0, 4).allClose(Tensor.zeros(3), 0, 0), "the padding row (the last) gets none");
        String m = message(IndexOutOfBoundsException.class, () -> TensorFunctional.embedding(Tensor.ofLongs(5), table));
        assertTrue(m.contains("embedding") && m.contains("index 5"), m);
    }

    @Test
    void activationAndSoftmaxGradientsMatchFiniteDifferences() {
        Tensor x = spread(24, 4, 5).mul(0.5f);
        Tensor g = randn(25, 4, 5);
        assertGrad("relu", TensorFunctional.reluBackward(g, x), x, () -> dot(x.relu(), g));
        assertGrad("sigmoid", TensorFunctional.sigmoidBackward(g, x.sigmoid()), x, () -> dot(x.sigmoid(), g));
        assertGrad("tanh", TensorFunctional.tanhBackward(g, x.tanh()), x, () -> dot(x.tanh(), g));
        assertGrad("gelu", TensorFunctional.geluBackward(g, x), x, () -> dot(x.gelu(), g));
        assertGrad("softmax", TensorFunctional.softmaxBackward(g, x.softmax(1), 1), x, () -> dot(x.softmax(1), g));
        assertGrad(
                "logSoftmax",
                TensorFunctional.logSoftmaxBackward(g, x.logSoftmax(0), 0),
                x,
                () -> dot(x.logSoftmax(0), g));
    }

    // =================================================================== losses

    @Test
    void crossEntropyMatchesItsDefinitionWithWeightsIgnoredTargetsAndSmoothing() {
        Tensor x = randn(26, 5, 4);
        Tensor t = Tensor.ofLongs(3, IGNORE, 0, 1, 3);
        Tensor w = Tensor.of(0.5f, 2f, 1f, 1.5f);
        double eps = 0.1;
        Tensor logp = x.logSoftmax(1);
        double num = 0;
        double den = 0;
        float[] perSample = new float[5];
        for (int s = 0; s < 5; s++) {
            long y = t.getLong(s);
            if (y == IGNORE) {
                continue;
            }
            double smooth = 0;
            for (int k = 0; k < 4; k++) {
                smooth -= w.get(k) * logp.get(s, k);
            }
            double l = (1 - eps) * -w.get((int) y) * logp.get(s, (int) y) + eps / 4 * smooth;
            perSample[s] = (float) l;
            num += l;
            den += w.get((int) y);
        }
        assertEquals(
                num / den,
                TensorFunctional.crossEntropy(x, t, w, IGNORE, eps, Reduction.MEAN)
                        .item(),
                1e-5);
        assertEquals(
                num,
                TensorFunctional.crossEntropy(x, t, w, IGNORE, eps, Reduction.SUM)
                        .item(),
                1e-4);
        assertTrue(Tensor.of(perSample)
                .allClose(TensorFunctional.crossEntropy(x, t, w, IGNORE, eps, Reduction.NONE), 1e-5, 1e-6));
        for (Reduction red : new Reduction[] {Reduction.MEAN, Reduction.SUM, Reduction.NONE}) {
            var f = TensorFunctional.crossEntropyForward(x, t, w, IGNORE, eps, red);
            Tensor g = red == Reduction.NONE ? randn(27, 5) : Tensor.scalar(0.7f);
            assertGrad(
                    "crossEntropy " + red,
                    TensorFunctional.crossEntropyBackward(g, x, t, w, IGNORE, eps, red, f.logSumExp()),
                    x,
                    () -> dot(TensorFunctional.crossEntropy(x, t, w, IGNORE, eps, red), g));
        }
    }

    @Test
    void crossEntropyOverSpatialPositionsAndAgainstClassProbabilities() {
        Tensor x = randn(28, 2, 3, 4);
        Tensor t = Tensor.ofLongs(0, 2, 1, 1, 2, 0, 0, 1).reshape(2, 4);
        var f = TensorFunctional.crossEntropyForward(x, t, null, IGNORE, 0, Reduction.MEAN);
        assertArrayEquals(new int[] {2, 4}, f.logSumExp().dims());
        Tensor g = Tensor.scalar(1);
        assertGrad(
                "crossEntropy [N, C, d]",
                TensorFunctional.crossEntropyBackward(g, x, t, null, IGNORE, 0, Reduction.MEAN, f.logSumExp()),
                x,
                () -> dot(TensorFunctional.crossEntropy(x, t), g));
        Tensor x2 = randn(29, 4, 3);
        Tensor labels = Tensor.ofLongs(2, 0, 1, 2);
        Tensor oneHot = Tensor.arange(3)
                .reshape(1, 3)
                .eq(labels.reshape(4, 1).toFloat())
                .toFloat();
        assertEquals(
                TensorFunctional.crossEntropy(x2, labels).item(),
                TensorFunctional.crossEntropy(x2, oneHot).item(),
                1e-6,
                "one-hot probabilities give the class-index loss");
        String m = message(IllegalArgumentException.class, () -> TensorFunctional.crossEntropy(x2, labels.toFloat()));
        assertTrue(m.contains("toLong()") && m.contains("class probabilities must have the input's shape"), m);
    }

    @Test
    void nllAndMseAndTheirGradients() {
        Tensor lp = randn(30, 4, 3).logSoftmax(1);
        Tensor t = Tensor.ofInts(2, 0, 1, 2);
        Tensor w = Tensor.of(1f, 2f, 3f);
        double want = -(3 * lp.get(0, 2) + 1 * lp.get(1, 0) + 2 * lp.get(2, 1) + 3 * lp.get(3, 2)) / 9.0;
        assertEquals(
                want, TensorFunctional.nllLoss(lp, t, w, IGNORE, Reduction.MEAN).item(), 1e-6);
        Tensor g = Tensor.scalar(1.3f);
        assertGrad(
                "nllLoss",
                TensorFunctional.nllLossBackward(g, lp, t, w, IGNORE, Reduction.MEAN),
                lp,
                () -> dot(TensorFunctional.nllLoss(lp, t, w, IGNORE, Reduction.MEAN), g));

        Tensor x = randn(31, 3, 4);
        Tensor y = randn(32, 3, 4);
        assertEquals(
                x.sub(y).square().mean().item(), TensorFunctional.mseLoss(x, y).item(), 1e-6);
        for (Reduction red : new Reduction[] {Reduction.MEAN, Reduction.SUM, Reduction.NONE}) {
            Tensor gr = red == Reduction.NONE ? randn(33, 3, 4) : Tensor.scalar(0.6f);
            assertGrad(
                    "mseLoss " + red,
                    TensorFunctional.mseLossBackward(gr, x, y, red),
                    x,
                    () -> dot(TensorFunctional.mseLoss(x, y, red), gr));
        }
        String m = message(ShapeMismatchException.class, () -> TensorFunctional.mseLoss(x, Tensor.zeros(4, 3)));
        assertTrue(m.contains("mseLoss") && m.contains("[3, 4]") && m.contains("[4, 3]"), m);
    }

    @Test
    void binaryCrossEntropyAndKlDivergenceGradientsForInputAndTarget() {
        Tensor x = randn(34, 3, 4);
        Tensor t = uniform(35, 0, 1, 3, 4);
        Tensor w = uniform(36, 0.5, 2, 4);
        Tensor pw = uniform(37, 0.5, 3, 4);
        // -w (pw t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))), averaged
        Tensor s = x.sigmoid();
        Tensor direct = t.mul(pw)
                .mul(s.log())
                .add(t.neg().add(1f).mul(s.neg().add(1f).log()))
                .mul(w)
                .neg();
        assertEquals(
                direct.mean().item(),
                TensorFunctional.bceWithLogits(x, t, w, pw, Reduction.MEAN).item(),
                1e-5);
        for (Reduction red : new Reduction[] {Reduction.MEAN, Reduction.NONE}) {
            Tensor g = red == Reduction.NONE ? randn(38, 3, 4) : Tensor.scalar(2f);
            Tensor[] grads = TensorFunctional.bceWithLogitsBackward(g, x, t, w, pw, red, true, true);
            DoubleSupplier loss = () -> dot(TensorFunctional.bceWithLogits(x, t, w, pw, red), g);
            assertGrad("bceWithLogits input " + red, grads[0], x, loss);
            assertGrad("bceWithLogits target " + red, grads[1], t, loss);
        }

        Tensor lx = randn(39, 3, 4).logSoftmax(1);
        Tensor p = uniform(40, 0.1, 1, 3, 4);
        for (boolean logTarget : new boolean[] {false, true}) {
            Tensor target = logTarget ? p.log() : p;
            Tensor g = Tensor.scalar(1f);
            Tensor[] grads = TensorFunctional.klDivBackward(g, lx, target, Reduction.BATCHMEAN, logTarget, true, true);
            DoubleSupplier loss = () -> dot(TensorFunctional.klDiv(lx, target, Reduction.BATCHMEAN, logTarget), g);
            assertGrad("klDiv input, logTarget " + logTarget, grads[0], lx, loss);
            assertGrad("klDiv target, logTarget " + logTarget, grads[1], target, loss);
        }
    }

    // =================================================================== sequences

    @Test
    void lstmBackPropagatesThroughTimeIntoEveryInput() {
        int T = 4, B = 2, in = 3, H = 2;
        Tensor x = randn(41, T, B, in);
        Tensor h0 = randn(42, B, H);
        Tensor c0 = randn(43, B, H);
        Tensor wIh = randn(44, 4 * H, in).mul(0.5f);
        Tensor wHh = randn(45, 4 * H, H).mul(0.5f);
        Tensor bIh = randn(46, 4 * H);
        Tensor bHh = randn(47, 4 * H);
        var r = TensorFunctional.lstm(x, h0, c0, wIh, wHh, bIh, bHh);
        assertArrayEquals(new int[] {T, B, H}, r.output().dims());
        assertTrue(r.h().allClose(r.output().select(0, T - 1), 0, 0), "h is the last step's output");
        // One step by hand: gates = x W_ih^T + b_ih + h0 W_hh^T + b_hh, in the order i, f, g, o.
        Tensor gates =
                x.select(0, 0).matmul(wIh.t()).add(bIh).add(h0.matmul(wHh.t())).add(bHh);
        Tensor i = gates.narrow(1, 0, H).sigmoid();
        Tensor f = gates.narrow(1, H, H).sigmoid();
        Tensor g = gates.narrow(1, 2 * H, H).tanh();
        Tensor o = gates.narrow(1, 3 * H, H).sigmoid();
        Tensor c1 = f.mul(c0).add(i.mul(g));
        assertTrue(r.output().select(0, 0).allClose(o.mul(c1.tanh()), 1e-5, 1e-6), "step 1 as PyTorch defines it");

        Tensor ro = randn(48, T, B, H);
        Tensor rh = randn(49, B, H);
        Tensor rc = randn(50, B, H);
        boolean[] all = {true, true, true, true, true, true, true};
        Tensor[] grads = TensorFunctional.lstmBackward(x, h0, c0, wIh, wHh, bIh, bHh, r, ro, rh, rc, all);
        DoubleSupplier loss = () -> {
            var s = TensorFunctional.lstm(x, h0, c0, wIh, wHh, bIh, bHh);
            return dot(s.output(), ro) + dot(s.h(), rh) + dot(s.c(), rc);
        };
        String[] names = {"x", "h0", "c0", "W_ih", "W_hh", "b_ih", "b_hh"};
        Tensor[] inputs = {x, h0, c0, wIh, wHh, bIh, bHh};
        for (int k = 0; k < inputs.length; k++) {
            assertGrad("lstm " + names[k], grads[k], inputs[k], loss);
        }
        Tensor[] some = TensorFunctional.lstmBackward(
                x,
                null,
                null,
                wIh,
                wHh,
                null,
                null,
                TensorFunctional.lstm(x, null, null, wIh, wHh, null, null),
                null,
                rh,
                null,
                new boolean[] {false, false, false, true, false, false, false});
        assertNull(some[0]);
        assertArrayEquals(new int[] {4 * H, in}, some[3].dims(), "only what is asked for");
    }

    @Test
    void attentionGradientsMatchFiniteDifferencesSeparateAndPacked() {
        Tensor q = randn(51, 3, 2, 4);
        Tensor k = randn(52, 5, 2, 4);
        Tensor v = randn(53, 5, 2, 4);
        Tensor mask = Tensor.ofBools(false, false, true, false, false).reshape(1, 1, 1, 5);
        AttentionSpec spec = AttentionSpec.of(2).withMask(mask).withNeedWeights(true);
        var r = TensorFunctional.attention(q, k, v, spec);
        assertArrayEquals(new int[] {2, 3, 5}, r.weights().dims());
        assertEquals(0f, r.weights().select(2, 2).abs().max().item(), "the masked key gets no weight");
        // Head 0 by hand: softmax(q k^T / sqrt(2)) v over the first two columns, batch 0.
        Tensor qh = q.select(1, 0).narrow(1, 0, 2);
        Tensor kh = k.select(1, 0).narrow(1, 0, 2);
        Tensor vh = v.select(1, 0).narrow(1, 0, 2);
        Tensor scores = qh.matmul(kh.t()).div((float) Math.sqrt(2)).add(Tensor.of(0, 0, -1e9f, 0, 0));
        Tensor head0 = scores.softmax(1).matmul(vh);
        assertTrue(r.output().select(1, 0).narrow(1, 0, 2).allClose(head0, 1e-5, 1e-6));

        Tensor ro = randn(54, 3, 2, 4);
        Tensor rw = randn(55, 2, 3, 5);
        Tensor[] grads = TensorFunctional.attentionBackward(q, k, v, spec, r, ro, rw, new boolean[] {true, true, true});
        DoubleSupplier loss = () -> {
            var s = TensorFunctional.attention(q, k, v, spec);
            return dot(s.output(), ro) + dot(s.weights(), rw);
        };
        assertGrad("attention q", grads[0], q, loss);
        assertGrad("attention k", grads[1], k, loss);
        assertGrad("attention v", grads[2], v, loss);

        Tensor qkv = randn(56, 2, 4, 18);
        AttentionSpec causal = AttentionSpec.of(3).withBatchFirst(true).withCausal(true);
        var p = TensorFunctional.attentionPacked(qkv, causal);
        Tensor rp = randn(57, 2, 4, 6);
        assertGrad(
                "packed attention qkv",
                TensorFunctional.attentionPackedBackward(qkv, causal, p, rp, null),
                qkv,
                () -> dot(TensorFunctional.attentionPacked(qkv, causal).output(), rp));
    }

    // =================================================================== optimizer updates

    @Test
    void sgdWithMomentumAndNesterovIsTorchsRecurrence() {
        Tensor w = Tensor.of(1, -2, 3);
        Tensor g = Tensor.of(0.5f, 0.25f, -1);
        Tensor buf = Tensor.zeros(3);
        double lr = 0.1, wd = 0.01, mom = 0.9;
        float[] wRef = w.toArray();
        float[] bRef = new float[3];
        for (int step = 0; step < 2; step++) {
            int version = w.version();
            OptimizerUpdates.sgd(w, g, buf, lr, wd, mom, 0, true, false, step == 0);
            assertTrue(w.version() > version, "the parameter's version advances");
            for (int i = 0; i < 3; i++) {
                float d = g.get(i) + (float) wd * wRef[i];
                bRef[i] = step == 0 ? d : (float) mom * bRef[i] + d;
                wRef[i] -= (float) lr * (d + (float) mom * bRef[i]);
            }
            assertArrayEquals(wRef, w.toArray(), 1e-6f, "step " + step);
            assertArrayEquals(bRef, buf.toArray(), 1e-6f, "step " + step);
        }
        String m = message(
                IllegalArgumentException.class,
                () -> OptimizerUpdates.sgd(
                        Tensor.zeros(2, 3).t(), Tensor.zeros(3, 2), null, 0.1, 0, 0, 0, false, false, true));
        assertTrue(m.contains("sgd: parameter") && m.contains("contiguous"), m);
        m = message(
                ShapeMismatchException.class,
                () -> OptimizerUpdates.sgd(Tensor.zeros(3), Tensor.zeros(4), null, 0.1, 0, 0, 0, false, false, true));
        assertTrue(m.contains("[4]") && m.contains("[3]"), m);
    }

    @Test
    void adamAndRmspropStepsAreTorchsFormulas() {
        Tensor w = Tensor.of(1, 2);
        Tensor g = Tensor.of(0.5f, -1);
        Tensor m = Tensor.zeros(2);
        Tensor v = Tensor.zeros(2);
        OptimizerUpdates.adam(w, g, m, v, null, 0.1, 0.9, 0.999, 1e-8, 0, false, 1, false);
        // Step 1: m = 0.1 g, v = 0.001 g^2, bias-corrected to g and g^2: w -= lr * g / (|g| + eps).
        assertArrayEquals(new float[] {0.9f, 2.1f}, w.toArray(), 1e-6f);
        assertArrayEquals(new float[] {0.05f, -0.1f}, m.toArray(), 1e-7f);

        Tensor p = Tensor.of(1, -1);
        Tensor sq = Tensor.zeros(2);
        Tensor ga = Tensor.zeros(2);
        OptimizerUpdates.rmsprop(p, g, sq, ga, null, 0.01, 0.99, 1e-8, 0, 0, false);
        // sq = 0.01 g^2, ga = 0.01 g: centered avg = sqrt(0.01 g^2 - 0.0001 g^2) = |g| sqrt(0.0099).
        double denom = Math.sqrt(0.0099);
        assertEquals(1 - 0.01 * 0.5 / (0.5 * denom), p.get(0), 1e-6);
        assertEquals(-1 + 0.01 / denom, p.get(1), 1e-6);

        Tensor big = Tensor.arange(3000).toFloat().sub(1500f);
        double ss = 0;
        for (float f : big.toArray()) {
            ss += (double) f * f;
        }
        assertEquals(ss, OptimizerUpdates.sumOfSquares(big), 1e-6 * ss);
        assertEquals(1500f, OptimizerUpdates.maxAbs(big));
    }

    @Test
    void threadsResizeTheSharedPool() {
        int before = Threads.get();
        try {
            Threads.set(1);
            assertEquals(1, Threads.get());
            assertThrows(IllegalArgumentException.class, () -> Threads.set(0));
        } finally {
            Threads.set(before);
        }
    }
}
