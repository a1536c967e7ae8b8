package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.autograd.Variable;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Reduction;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.ShapeMismatchException;
import dev.nabla.tensor.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Initialisation (PyTorch's distributions), modes, buffers, summaries and bad input: every layer
 * rejects a wrong input shape with a message naming the layer, the expected and the actual shape.
 */
class LayerBehaviourTest {

    private static void rejects(Module m, Variable x, String... fragments) {
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class, () -> m.call(x));
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message lacks '" + f + "': " + e.getMessage());
        }
        assertTrue(e.getMessage().contains(x.shape().toString()), "message lacks the actual shape: " + e.getMessage());
    }

    @Test
    void wrongShapesNameLayerExpectedAndActual() {
        rejects(new Conv2d(3, 8, 3), Variable.zeros(2, 4, 8, 8), "Conv2d(3 -> 8, kernel 3x3", "[N, 3, H, W]");
        rejects(new Conv2d(3, 8, 3), Variable.zeros(2, 3, 2, 8), "Conv2d(3 -> 8", "larger than the padded input");
        rejects(new Conv2d(3, 8, 3), Variable.zeros(3, 8), "Conv2d", "[N, 3, H, W]");
        rejects(new MaxPool2d(2), Variable.zeros(8, 8), "MaxPool2d(kernel 2x2", "[N, C, H, W]");
        rejects(new MaxPool2d(3), Variable.zeros(1, 1, 2, 2), "MaxPool2d(kernel 3x3", "empty output");
        rejects(new AvgPool2d(2), Variable.zeros(4), "AvgPool2d(kernel 2x2", "[N, C, H, W]");
        rejects(new AdaptiveAvgPool2d(2), Variable.zeros(2, 3), "AdaptiveAvgPool2d(2x2)", "[N, C, H, W]");
        rejects(new BatchNorm2d(16), Variable.zeros(8, 3, 4, 4), "BatchNorm2d(16)", "[N, 16, H, W]");
        rejects(new BatchNorm1d(16), Variable.zeros(8, 3), "BatchNorm1d(16)", "[N, 16] or [N, 16, L]");
        rejects(new LayerNorm(4, 5), Variable.zeros(2, 5, 4), "LayerNorm([4, 5])", "[..., 4, 5]");
        rejects(new Flatten(1, 3), Variable.zeros(2, 3), "Flatten(1, 3)");
        rejects(new Softmax(2), Variable.zeros(2, 3), "Softmax(dim=2)");
        rejects(new Linear(4, 3), Variable.zeros(2, 5), "Linear(4 -> 3)", "[..., 4]");
        // Sequential runs a Linear and the ReLU after it as one fused step: the same check.
        rejects(new Sequential(new Linear(4, 3), new ReLU()), Variable.zeros(2, 5), "Linear(4 -> 3)", "[..., 4]");
    }

    @Test
    void conv2dInitialisationFollowsPyTorch() {
        Conv2d c = new Conv2d(8, 16, 3, Conv2d.options().groups(2).generator(new Generator(1)));
        assertEquals(Shape.of(16, 4, 3, 3), c.weight.shape());
        double bound = 1 / Math.sqrt(4 * 9); // fan in = in/groups * kH * kW
        float[] w = c.weight.toArray();
        float max = 0;
        for (float v : w) {
            max = Math.max(max, Math.abs(v));
        }
        assertTrue(max <= bound && max > 0.9 * bound, "weights span +-" + bound + ", max " + max);
        double var = 0;
        for (float v : w) {
            var += v * v;
        }
        // Uniform(-b, b) has variance b^2 / 3; 576 draws put the estimate within about 10%.
        assertEquals(bound * bound / 3, var / w.length, 0.2 * bound * bound / 3);
        for (float v : c.bias.toArray()) {
            assertTrue(Math.abs(v) <= bound);
        }
        assertEquals(
                null,
                new Conv2d(3, 4, 3, Conv2d.options().padding(1).bias(false).generator(new Generator(2))).bias);
        assertNotEquals(
                c.weight.get(0, 0, 0, 0),
                new Conv2d(8, 16, 3, Conv2d.options().groups(2).generator(new Generator(9))).weight.get(0, 0, 0, 0));
    }

    @Test
    void normAndEmbeddingInitialisation() {
        BatchNorm2d bn = new BatchNorm2d(4);
        assertArrayEquals(new float[] {1, 1, 1, 1}, bn.weight.toArray());
        assertArrayEquals(new float[] {0, 0, 0, 0}, bn.bias.toArray());
        assertEquals(
                List.of("weight", "bias", "running_mean", "running_var", "num_batches_tracked"),
                List.copyOf(bn.stateDict().keySet()));
        assertArrayEquals(new float[] {1, 1, 1, 1}, bn.runningVar().toArray());
        LayerNorm ln = new LayerNorm(3);
        assertArrayEquals(new float[] {1, 1, 1}, ln.weight.toArray());
        assertArrayEquals(new float[] {0, 0, 0}, ln.bias.toArray());
        Embedding e = new Embedding(200, 50, 3, new Generator(4));
        float[] w = e.weight.toArray();
        double mean = 0, sq = 0;
        for (float v : w) {
            mean += v;
            sq += v * v;
        }
        mean /= w.length;
        assertEquals(0, mean, 0.05);
        assertEquals(1, sq / w.length - mean * mean, 0.05);
        assertEquals(0f, e.weight.data().select(0, 3).abs().sum().item());
    }

    @Test
    void batchNormModesAndStepCount() {
        BatchNorm2d bn = new BatchNorm2d(2, BatchNorm.options().momentum(0.5));
        Variable x = Variable.randn(new Generator(5), 4, 2, 3, 3).mul(3).add(1);
        bn.call(x);
        bn.call(x);
        assertEquals(2f, bn.stateDict().get("num_batches_tracked").item());
        assertEquals(DType.INT64, bn.stateDict().get("num_batches_tracked").dtype(), "int64, as in PyTorch");
        assertEquals(2L, bn.stateDict().get("num_batches_tracked").itemLong());
        Tensor rm = bn.runningMean().copy();
        bn.eval();
        Variable y = bn.call(x);
        assertEquals(2f, bn.stateDict().get("num_batches_tracked").item());
        assertArrayEquals(rm.toArray(), bn.runningMean().toArray());
        // Eval normalises with the running statistics: y = (x - rm) / sqrt(rv + eps).
        float expect = (float)
                ((x.get(1, 1, 2, 0) - rm.get(1)) / Math.sqrt(bn.runningVar().get(1) + 1e-5));
        assertEquals(expect, y.get(1, 1, 2, 0), 1e-5);
        BatchNorm2d free = new BatchNorm2d(2, BatchNorm.options().trackRunningStats(false));
        assertEquals(List.of("weight", "bias"), List.copyOf(free.stateDict().keySet()));
        free.eval();
        Variable z = free.call(x); // batch statistics even in eval mode
        assertEquals(0f, z.data().select(1, 0).mean().item(), 1e-5);
    }

    @Test
    void dropoutModule() {
        Dropout d = new Dropout(0.5, new Generator(6));
        Variable x = Variable.ones(64, 64);
        Variable y = d.call(x);
        float[] v = y.toArray();
        int kept = 0;
        for (float f : v) {
            assertTrue(f == 0f || f == 2f);
            kept += f == 2f ? 1 : 0;
        }
        assertEquals(2048, kept, 5 * Math.sqrt(4096 * 0.25));
        assertNotEquals(Arrays.toString(v), Arrays.toString(d.call(x).toArray()), "a new mask per call");
        d.eval();
        assertSame(x, d.call(x));
        assertArrayEquals(
                y.toArray(), new Dropout(0.5, new Generator(6)).call(x).toArray(), "seeded masks repeat");
    }

    @Test
    void summaryShowsConvNetShapes() {
        Sequential net = new Sequential(
                new Conv2d(3, 6, 5, new Generator(1)),
                new ReLU(),
                new MaxPool2d(2),
                new Conv2d(6, 16, 5, new Generator(2)),
                new BatchNorm2d(16),
                new ReLU(),
                new MaxPool2d(2),
                new Flatten(),
                new Linear(400, 10, new Generator(3)),
                new Dropout(0.1, new Generator(4)));
        assertEquals(Shape.of(2, 10), net.summary(2, 3, 32, 32));
        String s = net.toString();
        assertTrue(s.contains("Conv2d(3 -> 6, kernel 5x5, stride 1, padding 0)"), s);
        assertTrue(s.contains("[2, 6, 28, 28]") && s.contains("[2, 16, 5, 5]") && s.contains("[2, 400]"), s);
        assertTrue(s.contains("BatchNorm2d(16)") && s.contains("MaxPool2d(kernel 2x2, stride 2)"), s);
        assertTrue(s.contains("total parameters: 6,914"), s); // 456 + 2,416 + 32 + 4,010, as in PyTorch
    }

    @Test
    void stateDictsCheckDtypes() {
        BatchNorm2d bn = new BatchNorm2d(2);
        Map<String, Tensor> state = new LinkedHashMap<>();
        bn.stateDict().forEach((k, v) -> state.put(k, v.copy()));
        // An old Nabla checkpoint wrote num_batches_tracked as F32: whole numbers still load, as int64.
        state.put("num_batches_tracked", Tensor.scalar(5f));
        bn.loadStateDict(state);
        assertEquals(DType.INT64, bn.stateDict().get("num_batches_tracked").dtype());
        assertEquals(5L, bn.stateDict().get("num_batches_tracked").itemLong());
        // Anything else of the wrong dtype is refused, listed with the other problems, and nothing loads.
        state.put("num_batches_tracked", Tensor.scalar(2.5f));
        state.put("weight", Tensor.ofLongs(3, 3));
        state.put("bias", Tensor.zeros(3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bn.loadStateDict(state));
        assertTrue(
                e.getMessage().contains("wrong dtype")
                        && e.getMessage().contains("num_batches_tracked (expected int64, got float32)")
                        && e.getMessage().contains("weight (expected float32, got int64)")
                        && e.getMessage().contains("mis-shaped: [bias"),
                e.getMessage());
        assertEquals(5L, bn.stateDict().get("num_batches_tracked").itemLong(), "unchanged");
        assertArrayEquals(new float[] {1, 1}, bn.weight.toArray(), "unchanged");
        state.put("num_batches_tracked", Tensor.scalar(Float.NaN));
        assertThrows(IllegalArgumentException.class, () -> bn.loadStateDict(state));
    }

    @Test
    void lossArgumentsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new MSELoss(Reduction.BATCHMEAN));
        assertThrows(
                IllegalArgumentException.class,
                () -> new CrossEntropyLoss(CrossEntropyLoss.options().labelSmoothing(1.5)));
        Supplier<Variable> bad =
                () -> new CrossEntropyLoss().call(Variable.zeros(3, 4), Variable.of(Tensor.ofLongs(0, 4, 1)));
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, bad::get);
        assertTrue(
                e.getMessage().contains("target 4 at position 1")
                        && e.getMessage().contains("4 classes"),
                e.getMessage());
        assertEquals(
                "CrossEntropyLoss(MEAN, ignore 3, label smoothing 0.1)",
                new CrossEntropyLoss(CrossEntropyLoss.options().ignoreIndex(3).labelSmoothing(0.1)).toString());
    }
}
