package dev.nabla.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.tensor.DType;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.PackedWeight;
import dev.nabla.tensor.Reduction;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.ShapeMismatchException;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Every primitive of {@link Functional} added for convolutional networks, checked against central
 * finite differences ({@link GradCheck}) on a small configuration that exercises its options, and
 * its argument errors checked for naming the operation and the shapes.
 */
class FunctionalGradTest {

    private static Variable randn(long seed, int... shape) {
        return Variable.randn(new Generator(seed), shape).requiresGrad(true);
    }

    /** Distinct values one apart, shuffled: a finite-difference step never changes which one is largest. */
    private static Variable distinct(long seed, int... shape) {
        Tensor p = Tensor.randperm(new Generator(seed), Tensor.zeros(shape).numel());
        return Variable.of(p.sub(p.numel() / 2f).mul(0.25f).reshape(shape)).requiresGrad(true);
    }

    private static final GradCheck.Options SMALL_STEP =
            GradCheck.Options.defaults().withStep(1e-3);

    /**
     * Training records through the ordinary product and leaves the pack alone; inference packs and
     * gives the same bits. GradCheck's finite differences run without recording, so they go through
     * the pack, which must notice each perturbed weight element (the version counter) to agree.
     */
    @Test
    void linearUsesThePackedWeightOnlyWithoutRecording() {
        Variable x = Variable.randn(new Generator(1), 8, 33);
        Variable w = Variable.randn(new Generator(2), 40, 33).requiresGrad(true);
        Variable b = Variable.randn(new Generator(3), 40).requiresGrad(true);
        PackedWeight cache = new PackedWeight();
        Variable y = Functional.linear(x, w, b, cache);
        y.sum().backward();
        assertFalse(cache.isPacked());
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            assertArrayEquals(
                    y.data().toArray(), Functional.linear(x, w, b, cache).data().toArray());
        }
        assertTrue(cache.isPacked());
        GradCheck.check(in -> Functional.linear(in[0], in[1], in[2], cache), x.requiresGrad(true), w, b);
    }

    @Test
    void conv2dWithStridePaddingDilationGroups() {
        Variable x = randn(1, 2, 4, 6, 7);
        Variable w = randn(2, 6, 2, 3, 2);
        Variable b = randn(3, 6);
        GradCheck.check(
                in -> Functional.conv2d(in[0], in[1], in[2], new int[] {2, 1}, new int[] {1, 0}, new int[] {1, 2}, 2),
                x,
                w,
                b);
    }

    @Test
    void conv2dPlainUnbatchedAndWithoutBias() {
        Variable x = randn(4, 3, 5, 5);
        Variable w = randn(5, 2, 3, 3, 3);
        GradCheck.check(in -> Functional.conv2d(in[0], in[1], null, 1, 1), x, w);
        assertEquals(3, Functional.conv2d(x, w, null, 1, 1).dim());
    }

    @Test
    void conv2dSkipsGradientsNobodyNeeds() {
        Variable x = Variable.randn(new Generator(6), 1, 2, 4, 4); // an input image: no grad
        Variable w = randn(7, 3, 2, 3, 3);
        Variable y = Functional.conv2d(x, w, null);
        y.sum().backward();
        assertEquals(null, x.grad());
        assertEquals(w.shape(), w.grad().shape());
    }

    @Test
    void maxPool2dIncludingCeilModePaddingAndDilation() {
        Variable x = distinct(8, 2, 3, 7, 6);
        GradCheck.check(in -> Functional.maxPool2d(in[0], 2), SMALL_STEP, x);
        GradCheck.check(
                in -> Functional.maxPool2d(
                        in[0], new int[] {3, 2}, new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 2}, true),
                SMALL_STEP,
                x);
    }

    @Test
    void avgPool2dBothDivisors() {
        Variable x = randn(9, 2, 2, 7, 6);
        GradCheck.check(in -> Functional.avgPool2d(in[0], 3, 2, 1, true, true), x);
        GradCheck.check(in -> Functional.avgPool2d(in[0], 3, 2, 1, false, false), x);
    }

    @Test
    void adaptiveAvgPool2d() {
        Variable x = randn(10, 2, 3, 7, 5);
        GradCheck.check(in -> Functional.adaptiveAvgPool2d(in[0], 3, 4), x);
    }

    @Test
    void batchNormTrainingAndEval() {
        Variable x = randn(11, 4, 3, 2, 3);
        Variable w = randn(12, 3);
        Variable b = randn(13, 3);
        GradCheck.check(in -> Functional.batchNorm(in[0], null, null, in[1], in[2], true, 0.1, 1e-5), x, w, b);
        Tensor rm = Tensor.of(0.1f, -0.2f, 0.3f);
        Tensor rv = Tensor.of(0.5f, 1.5f, 2f);
        GradCheck.check(in -> Functional.batchNorm(in[0], rm, rv, in[1], in[2], false, 0.1, 1e-5), x, w, b);
        Variable x2 = randn(14, 6, 5); // [N, C]: the channel-contiguous path
        GradCheck.check(in -> Functional.batchNorm(in[0], null, null, null, null, true, 0.1, 1e-5), x2);
    }

    @Test
    void batchNormUpdatesRunningStatisticsInPlace() {
        Variable x = Variable.of(Tensor.of(new float[][] {{1, 10}, {3, 20}, {5, 60}}));
        Tensor rm = Tensor.zeros(2);
        Tensor rv = Tensor.ones(2);
        int v0 = rm.version();
        Functional.batchNorm(x, rm, rv, null, null, true, 0.5, 1e-5);
        assertEquals(1.5f, rm.get(0), 1e-6); // 0.5 * 0 + 0.5 * 3
        assertEquals(2.5f, rv.get(0), 1e-6); // 0.5 * 1 + 0.5 * 4 (unbiased variance)
        assertTrue(rm.version() > v0);
        assertThrows(
                IllegalArgumentException.class,
                () -> Functional.batchNorm(Variable.ones(1, 2), rm, rv, null, null, true, 0.1, 1e-5));
    }

    @Test
    void layerNormOverLastTwoDimensions() {
        Variable x = randn(15, 3, 4, 5);
        Variable w = randn(16, 4, 5);
        Variable b = randn(17, 4, 5);
        GradCheck.check(in -> Functional.layerNorm(in[0], new int[] {4, 5}, in[1], in[2], 1e-5), x, w, b);
        GradCheck.check(in -> Functional.layerNorm(in[0], new int[] {5}, null, null, 1e-5), x);
    }

    @Test
    void dropoutMaskIsTheGradient() {
        Variable x = randn(18, 6, 7);
        GradCheck.check(in -> Functional.dropout(in[0], 0.4, true, new Generator(3)), x);
        assertSame(x, Functional.dropout(x, 0.4, false, new Generator(3)));
        Variable y = Functional.dropout(Variable.ones(1000), 0.25, true, new Generator(4));
        for (float v : y.toArray()) {
            assertTrue(v == 0f || Math.abs(v - 4f / 3) < 1e-6, "value " + v);
        }
    }

    @Test
    void embeddingWithPadding() {
        Variable w = randn(19, 5, 3);
        Variable idx = Variable.of(Tensor.ofLongs(1, 4, 1, 0, 2, 1).reshape(2, 3));
        GradCheck.check(in -> Functional.embedding(idx, in[0]), w);
        // The padding row takes part in the forward pass but, by definition, gets no gradient.
        Variable out = Functional.embedding(idx, w, 1);
        assertEquals(Shape.of(2, 3, 3), out.shape());
        w.setGrad(null);
        out.sum().backward();
        assertEquals(0f, w.grad().data().select(0, 1).abs().sum().item());
        assertEquals(1f, w.grad().get(0, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> Functional.embedding(Variable.of(Tensor.ofLongs(5)), w));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Functional.embedding(Variable.of(1f), w));
        assertTrue(
                e.getMessage().startsWith("embedding:")
                        && e.getMessage().contains("float32")
                        && e.getMessage().contains("toLong()"),
                e.getMessage());
        // int32 indices pick the same rows as int64 ones.
        Variable byInt = Functional.embedding(Variable.of(idx.data().to(DType.INT32)), w);
        assertTrue(byInt.data().allClose(Functional.embedding(idx, w).data(), 0, 0));
    }

    @Test
    void crossEntropyAllOptions() {
        Variable x = randn(20, 6, 4);
        Variable t = Variable.of(Tensor.ofLongs(2, 0, 3, -100, 1, 3));
        Tensor cw = Tensor.of(0.5f, 2f, 1f, 1.5f);
        for (Reduction r : new Reduction[] {Reduction.MEAN, Reduction.SUM, Reduction.NONE}) {
            GradCheck.check(in -> Functional.crossEntropy(in[0], t, cw, -100, 0.2, r), x);
        }
        Variable xs = randn(21, 2, 3, 2, 2); // [N, C, H, W] scores
        Variable ts = Variable.of(Tensor.ofLongs(0, 2, 1, 1, 2, 0, 0, 1).reshape(2, 2, 2));
        GradCheck.check(in -> Functional.crossEntropy(in[0], ts, null, 1, 0.0, Reduction.MEAN), xs);
    }

    @Test
    void nllLossWeighted() {
        Variable x = randn(22, 5, 3);
        Variable t = Variable.of(Tensor.ofLongs(2, 0, 1, 1, 0));
        GradCheck.check(in -> Functional.nllLoss(in[0], t, Tensor.of(1f, 2f, 3f), 0, Reduction.MEAN), x);
    }

    @Test
    void regressionLossesIncludingTargetGradients() {
        Variable x = randn(23, 3, 4);
        Variable t = randn(24, 3, 4);
        for (Reduction r : new Reduction[] {Reduction.MEAN, Reduction.SUM, Reduction.NONE}) {
            GradCheck.check(in -> Functional.mseLoss(in[0], in[1], r), x, t);
        }
        Variable p = Variable.uniform(new Generator(25), 0.1, 0.9, 3, 4).requiresGrad(true);
        GradCheck.check(
                in -> Functional.bceWithLogits(
                        in[0], in[1], Tensor.full(0.5f, 3, 1), Tensor.of(1f, 2f, 3f, 0.5f), Reduction.MEAN),
                x,
                p);
        Variable logq = Variable.of(x.data().logSoftmax(1)).requiresGrad(true);
        for (Reduction r : Reduction.values()) {
            GradCheck.check(in -> Functional.klDiv(in[0], in[1], r, false), logq, p);
        }
        Variable logp = Variable.of(p.data().log()).requiresGrad(true);
        GradCheck.check(in -> Functional.klDiv(in[0], in[1], Reduction.BATCHMEAN, true), logq, logp);
    }

    @Test
    void klDivTreatsZeroTargetsAsZeroLoss() {
        Variable loss = Functional.klDiv(Variable.of(-1f, -2f), Variable.of(0f, 1f), Reduction.SUM, false);
        assertEquals(2f, loss.item(), 1e-6);
    }

    @Test
    void errorsNameTheOperationAndShapes() {
        Variable x = Variable.zeros(2, 3, 8, 8);
        ShapeMismatchException e = assertThrows(
                ShapeMismatchException.class, () -> Functional.conv2d(x, Variable.zeros(4, 2, 3, 3), null));
        assertTrue(
                e.getMessage().contains("conv2d")
                        && e.getMessage().contains("[2, 3, 8, 8]")
                        && e.getMessage().contains("[4, 2, 3, 3]"),
                e.getMessage());
        e = assertThrows(ShapeMismatchException.class, () -> Functional.conv2d(x, Variable.zeros(4, 3, 9, 9), null));
        assertTrue(e.getMessage().contains("larger than the padded input"), e.getMessage());
        e = assertThrows(ShapeMismatchException.class, () -> Functional.maxPool2d(Variable.zeros(8, 8), 2));
        assertTrue(e.getMessage().contains("maxPool2d") && e.getMessage().contains("[8, 8]"), e.getMessage());
        e = assertThrows(
                ShapeMismatchException.class, () -> Functional.crossEntropy(Variable.zeros(4, 3), Variable.zeros(3)));
        assertTrue(e.getMessage().contains("[4, 3]") && e.getMessage().contains("[4]"), e.getMessage());
        e = assertThrows(
                ShapeMismatchException.class, () -> Functional.mseLoss(Variable.zeros(4, 1), Variable.zeros(4)));
        assertTrue(e.getMessage().contains("[4, 1]"), e.getMessage());
        e = assertThrows(
                ShapeMismatchException.class,
                () -> Functional.layerNorm(Variable.zeros(2, 5), new int[] {4}, null, null, 1e-5));
        assertTrue(e.getMessage().contains("[4]") && e.getMessage().contains("[2, 5]"), e.getMessage());
        IllegalArgumentException a = assertThrows(
                IllegalArgumentException.class,
                () -> Functional.crossEntropy(
                        Variable.zeros(2, 3), Variable.of(0f, 1f), null, -100, 0, Reduction.BATCHMEAN));
        assertTrue(a.getMessage().contains("BATCHMEAN"), a.getMessage());
    }
}
