package dev.nabla.quantize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;
import dev.nabla.nn.BatchNorm2d;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.Identity;
import dev.nabla.nn.LSTM;
import dev.nabla.nn.LayerNorm;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Module;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.data.Batch;
import dev.nabla.nn.models.ResNet20;
import dev.nabla.optim.SGD;
import dev.nabla.quantize.quantized.DynamicQuantizedLSTM;
import dev.nabla.quantize.quantized.DynamicQuantizedLinear;
import dev.nabla.quantize.quantized.QFunctional;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The three methods end to end on a small trained CNN (int8 accuracy within a point of float), the
 * int8 model's structure, saving and rebuilding it exactly, and the bad inputs of the issue: no
 * calibration data, a layer with no int8 version, a functional step the conversion cannot see, a
 * quantized state dict in a float model, missing scales.
 */
class QuantizationTest {

    private static QuantWrapper staticInt8(String observer) {
        QuantWrapper q = Quantization.prepare(TinyNets.trained(), QConfig.observer(observer), TinyNets.example());
        assertEquals(8, Quantization.calibrate(q, TinyNets.train(), 8));
        return Quantization.convert(q);
    }

    @Test
    void staticQuantizationKeepsTheAccuracyWithEveryObserver() {
        double fp32 = TinyNets.accuracy(TinyNets.trained());
        assertTrue(fp32 > 90, "the float model learned: " + fp32);
        for (String observer : QConfig.OBSERVERS) {
            double int8 = TinyNets.accuracy(staticInt8(observer));
            assertTrue(int8 >= fp32 - 1.0, observer + ": int8 " + int8 + "% against float " + fp32 + "%");
        }
    }

    @Test
    void theConvertedModelComputesInInt8Throughout() {
        QuantWrapper q = staticInt8("minmax");
        List<String> kinds = new ArrayList<>();
        q.namedModules().forEach((path, m) -> {
            if (m.children().isEmpty()) {
                kinds.add(m.getClass().getSimpleName());
            }
        });
        assertEquals(
                List.of(
                        "Quantize",
                        "QuantizedConv2d",
                        "Identity",
                        "Identity",
                        "QuantizedMaxPool2d",
                        "QuantizedConv2d",
                        "Identity",
                        "Identity",
                        "QuantizedMaxPool2d",
                        "Flatten",
                        "QuantizedLinear",
                        "Identity",
                        "QuantizedLinear",
                        "DeQuantize"),
                kinds);
        // The activations between layers are quantized tensors: a hook on a layer sees quint8.
        List<String> seen = new ArrayList<>();
        for (String path : List.of("module.0", "module.3", "module.9", "module.11")) {
            q.getSubmodule(path).registerForwardHook((m, in, out) -> {
                seen.add(path + " " + in.data().isQuantized() + " " + out.data().isQuantized());
                return null;
            });
        }
        TinyNets.logits(q, TinyNets.example());
        assertEquals(
                List.of("module.0 true true", "module.3 true true", "module.9 true true", "module.11 true true"), seen);
    }

    @Test
    void aRebuiltModelLoadsTheStateDictAndComputesTheSameBits() {
        QuantWrapper q = staticInt8("histogram");
        Map<String, String> meta = Quantization.metadata(q);
        assertEquals("static", meta.get(Quantization.METHOD_KEY));
        Map<String, Tensor> state = q.stateDict();
        assertEquals(DType.INT8, state.get("module.0.weight").dtype());
        assertEquals(DType.INT64, state.get("module.0.zero_point").dtype());
        Module rebuilt = Quantization.rebuild(TinyNets.cnn(), meta);
        rebuilt.loadStateDict(state);
        Tensor x = TinyNets.example();
        assertArrayEquals(
                TinyNets.logits(q, x).toArray(), TinyNets.logits(rebuilt, x).toArray());
        assertEquals(state.keySet(), rebuilt.stateDict().keySet());
    }

    @Test
    void aQuantizedStateDictIsAboutFourTimesSmaller() {
        long fp32 = bytes(TinyNets.trained().stateDict());
        long int8 = bytes(staticInt8("minmax").stateDict());
        assertTrue(fp32 > 3.6 * int8, "float " + fp32 + " bytes, int8 " + int8);
    }

    private static long bytes(Map<String, Tensor> state) {
        return state.values().stream()
                .mapToLong(t -> (long) t.numel() * t.dtype().byteSize())
                .sum();
    }

    @Test
    void quantizationAwareTrainingConvertsToAnAccurateInt8Model() {
        Sequential net = TinyNets.trained();
        double fp32 = TinyNets.accuracy(net);
        QuantWrapper qat = Quantization.prepareQat(net, QConfig.qat(), TinyNets.example());
        assertEquals("qat", qat.stage());
        SGD opt = new SGD(qat.parameters(), 0.005).momentum(0.9);
        int step = 0;
        qat.train();
        for (Batch b : TinyNets.batches(TinyNets.train(), 20)) {
            if (step == 12) {
                Quantization.freezeBatchNorm(qat);
                Quantization.freezeObservers(qat);
            }
            opt.zeroGrad();
            Variable loss = Functional.crossEntropy(qat.call(b.inputs()), b.targets());
            assertTrue(Float.isFinite(loss.item()));
            loss.backward();
            opt.step();
            step++;
        }
        double fakeQuant = TinyNets.accuracy(qat);
        Quantization.convert(qat);
        double int8 = TinyNets.accuracy(qat);
        assertTrue(int8 >= fp32 - 1.0, "QAT int8 " + int8 + "% against float " + fp32 + "%");
        assertEquals(fakeQuant, int8, 1.0, "the int8 model computes what the fake-quantized one simulated");
    }

    @Test
    void dynamicQuantizationOfLinearAndLstm() {
        Generator g = new Generator(9);
        Sequential mlp = new Sequential(new Linear(40, 64, g), new ReLU(), new Linear(64, 10, g));
        Tensor x = Tensor.randn(g, 16, 40);
        Tensor want = TinyNets.logits(mlp, x);
        Module q = Quantization.quantizeDynamic(mlp, Set.of(Linear.class));
        assertTrue(q.getSubmodule("0") instanceof DynamicQuantizedLinear);
        Tensor got = TinyNets.logits(q, x);
        assertTrue(got.sub(want).abs().max().item() < 0.02 * want.abs().max().item(), "int8 MLP close to float");

        LSTM lstm =
                new LSTM(12, 20, LSTM.options().numLayers(2).batchFirst(true).generator(g));
        Tensor seq = Tensor.randn(g, 3, 7, 12);
        LSTM.Output f = lstm.call(Variable.of(seq), null, null);
        Sequential holder = new Sequential(lstm);
        Quantization.quantizeDynamic(holder, Set.of(LSTM.class));
        assertTrue(holder.getSubmodule("0") instanceof DynamicQuantizedLSTM);
        LSTM.Output d = lstm.call(Variable.of(seq), null, null); // the field forwards to the int8 LSTM
        assertEquals(f.output().shape(), d.output().shape());
        assertTrue(d.output().data().sub(f.output().data()).abs().max().item() < 0.03);
        assertTrue(d.c().data().sub(f.c().data()).abs().max().item() < 0.05);

        Module rebuilt = Quantization.rebuild(
                new Sequential(new Linear(40, 64), new ReLU(), new Linear(64, 10)), Quantization.metadata(q));
        rebuilt.loadStateDict(q.stateDict());
        assertArrayEquals(got.toArray(), TinyNets.logits(rebuilt, x).toArray());
    }

    @Test
    void resNet20QuantizesWithItsResidualSums() {
        ResNet20 net = new ResNet20(3, 10, new Generator(0));
        Generator g = new Generator(1);
        net.train();
        for (int i = 0; i < 3; i++) {
            TinyNets.logits(net, Tensor.randn(g, 8, 3, 32, 32)); // running statistics worth folding
        }
        net.eval();
        Tensor x = Tensor.randn(g, 8, 3, 32, 32);
        Tensor want = TinyNets.logits(net, x);
        QuantWrapper q = Quantization.prepare(net, QConfig.observer("minmax"), x);
        Quantization.calibrate(q, List.of(x, Tensor.randn(g, 8, 3, 32, 32)), 32);
        Quantization.convert(q);
        assertTrue(q.getSubmodule("module.layer2.0.add_relu") instanceof QFunctional);
        Tensor got = TinyNets.logits(q, x);
        assertTrue(got.sub(want).abs().max().item() < 0.1 * want.abs().max().item());
    }

    // ------------------------------------------------------------------ bad input

    @Test
    void calibratingWithNoBatchesIsAnError() {
        QuantWrapper q = Quantization.prepare(TinyNets.trained(), QConfig.defaults(), TinyNets.example());
        var e = assertThrows(IllegalArgumentException.class, () -> Quantization.calibrate(q, List.of(), 32));
        assertTrue(e.getMessage().contains("no batches"), e.getMessage());
        var c = assertThrows(IllegalStateException.class, () -> Quantization.convert(q));
        assertTrue(c.getMessage().contains("saw no data") && c.getMessage().contains("calibrate"), c.getMessage());
    }

    @Test
    void aLayerWithNoInt8VersionIsNamedWithTheSupportedTypes() {
        Sequential net = new Sequential(new Linear(8, 8), new LayerNorm(new int[] {8}), new Linear(8, 2));
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> Quantization.prepare(net, QConfig.defaults(), Tensor.randn(new Generator(0), 4, 8)));
        assertTrue(e.getMessage().contains("module '1' (LayerNorm) has no int8 version"), e.getMessage());
        assertTrue(e.getMessage().contains("supported: Conv2d, Linear"), e.getMessage());

        Sequential bnAfterRelu = new Sequential(new Conv2d(1, 2, 3), new ReLU(), new BatchNorm2d(2));
        var b = assertThrows(
                IllegalArgumentException.class,
                () -> Quantization.prepare(
                        bnAfterRelu, QConfig.defaults(), Tensor.randn(new Generator(0), 1, 1, 5, 5)));
        assertTrue(
                b.getMessage().contains("'2' (BatchNorm2d)") && b.getMessage().contains("fused"), b.getMessage());

        var d = assertThrows(
                IllegalArgumentException.class,
                () -> Quantization.quantizeDynamic(new Sequential(new Conv2d(1, 1, 1)), Set.of(Conv2d.class)));
        assertTrue(d.getMessage().contains("supported: Linear, LSTM"), d.getMessage());
    }

    /** A model that applies its ReLU as a tensor operation in forward, which quantization cannot see. */
    static final class FunctionalRelu extends Module {
        final Linear fc = registerModule("fc", new Linear(6, 6, new Generator(0)));
        final Flatten flatten = registerModule("flatten", new Flatten());

        @Override
        protected Variable forward(Variable x) {
            return flatten.call(fc.call(x).relu());
        }
    }

    @Test
    void aFunctionalStepFailsAtConversionWithTheFix() {
        Tensor x = Tensor.randn(new Generator(2), 4, 6);
        QuantWrapper q = Quantization.prepare(new FunctionalRelu(), QConfig.defaults(), x);
        Quantization.calibrate(q, List.of(x), 1);
        var e = assertThrows(IllegalStateException.class, () -> Quantization.convert(q));
        assertTrue(e.getMessage().contains("relu") && e.getMessage().contains("must become a module"), e.getMessage());
    }

    @Test
    void aQuantizedStateDictDoesNotLoadIntoAFloatModelAndMissingScalesAreNamed() {
        QuantWrapper q = staticInt8("minmax");
        Map<String, Tensor> state = q.stateDict();
        Sequential fp32 = TinyNets.trained();
        Tensor before = fp32.stateDict().get("0.weight").copy();
        var e = assertThrows(IllegalArgumentException.class, () -> new QuantWrapper(fp32).loadStateDict(state));
        assertTrue(
                e.getMessage().contains("module.0.weight_scale")
                        && e.getMessage().contains("int8"),
                e.getMessage());
        assertArrayEquals(before.toArray(), fp32.stateDict().get("0.weight").toArray(), "nothing was loaded");

        Map<String, Tensor> partial = new LinkedHashMap<>(state);
        partial.remove("module.4.weight_scale");
        partial.remove("module.9.scale");
        Module rebuilt = Quantization.rebuild(TinyNets.cnn(), Quantization.metadata(q));
        var m = assertThrows(IllegalArgumentException.class, () -> rebuilt.loadStateDict(partial));
        assertTrue(m.getMessage().contains("missing keys: [module.4.weight_scale, module.9.scale]"), m.getMessage());
    }

    @Test
    void rebuildingNeedsQuantizationMetadata() {
        var e = assertThrows(IllegalArgumentException.class, () -> Quantization.rebuild(TinyNets.cnn(), Map.of()));
        assertTrue(e.getMessage().contains("not a quantized model"), e.getMessage());
        var s = assertThrows(
                IllegalArgumentException.class,
                () -> Quantization.prepare(staticInt8("minmax"), QConfig.defaults(), TinyNets.example()));
        assertTrue(s.getMessage().contains("already quantized"), s.getMessage());
        assertTrue(new Identity().children().isEmpty());
    }
}
