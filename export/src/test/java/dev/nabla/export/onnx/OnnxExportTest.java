package dev.nabla.export.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.autograd.Autograd;
import dev.nabla.autograd.AutogradFunction;
import dev.nabla.autograd.FunctionContext;
import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;
import dev.nabla.export.testing.Oracles;
import dev.nabla.nn.LSTM;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Module;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.Tanh;
import dev.nabla.nn.models.LeNet5;
import dev.nabla.nn.models.ResNet20;
import dev.nabla.nn.models.VggCnn;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every exported file runs in ONNX Runtime and gives Nabla's outputs within 1e-4 relative, on a
 * batch size other than the example's (the batch is dynamic); python3-onnx's checker accepts
 * each file (where installed); the initializers carry the state-dict keys.
 */
class OnnxExportTest {
    @TempDir
    Path dir;

    /** Exports on an example of batch 2, runs batch {@code input} in Nabla and ONNX Runtime, compares. */
    private Path roundTrip(String name, Module model, Tensor example, Tensor input, ExportOptions options)
            throws Exception {
        model.eval();
        Path file = dir.resolve(name + ".onnx");
        Onnx.export(model, Variable.of(example), file, options);
        Tensor want;
        try (var off = Autograd.noGrad()) {
            want = model.call(Variable.of(input)).data();
        }
        Tensor got = Oracles.ort(Files.readAllBytes(file), input);
        Oracles.assertClose(want, got, name + " in ONNX Runtime");
        Oracles.check(file);
        // the graph's initializers are the state-dict keys
        Proto.Model m = Proto.Model.decode(Files.readAllBytes(file));
        List<String> inits =
                m.graph().initializers().stream().map(Proto.TensorData::name).toList();
        for (String key : model.stateDict().keySet()) {
            if (!key.endsWith("num_batches_tracked")) {
                assertTrue(inits.contains(key), name + ": no initializer named " + key + " in " + inits);
            }
        }
        assertEquals(8, m.irVersion(), "IR version");
        assertEquals(17, m.opsets().get(0).version(), "opset");
        return file;
    }

    private Path roundTrip(String name, Module model, int... shape) throws Exception {
        int[] example = shape.clone();
        example[0] = 2;
        int[] run = shape.clone();
        run[0] = 5;
        Generator g = new Generator(3);
        return roundTrip(name, model, Tensor.randn(g, example), Tensor.randn(g, run), ExportOptions.defaults());
    }

    @Test
    void leNet5() throws Exception {
        roundTrip("lenet5", new LeNet5(1, 28, 10, new Generator(0)), 1, 1, 28, 28);
    }

    @Test
    void vggWithBatchNorm() throws Exception {
        Module vgg = VggCnn.create(3, 32, 10, true, new Generator(0));
        TestModels.warmBatchNorm(vgg, 8, 3, 32, 32);
        roundTrip("vgg", vgg, 1, 3, 32, 32);
    }

    @Test
    void resNet20WithResidualAddsAndPaddedShortcuts() throws Exception {
        ResNet20 net = new ResNet20(3, 10, new Generator(0));
        TestModels.warmBatchNorm(net, 4, 3, 32, 32);
        Path file = roundTrip("resnet20", net, 1, 3, 32, 32);
        // the option-A shortcut's zero channels follow the batch size
        List<String> ops = Proto.Model.decode(Files.readAllBytes(file)).graph().nodes().stream()
                .map(Proto.Node::opType)
                .toList();
        assertTrue(ops.contains("ConstantOfShape"), ops.toString());
        assertEquals(9, ops.stream().filter("Add"::equals).count(), "one residual Add per block");
    }

    @Test
    void lstmClassifierAsTheOnnxLstmOperator() throws Exception {
        Generator g = new Generator(1);
        Path file = roundTrip(
                "lstm",
                new TestModels.LstmClassifier(5, 12, 2, 4, false, new Generator(0)),
                Tensor.randn(g, 2, 7, 5),
                Tensor.randn(g, 3, 7, 5),
                ExportOptions.defaults());
        List<String> ops = Proto.Model.decode(Files.readAllBytes(file)).graph().nodes().stream()
                .map(Proto.Node::opType)
                .toList();
        assertEquals(2, ops.stream().filter("LSTM"::equals).count(), ops.toString());
        roundTrip(
                "lstm_state",
                new TestModels.LstmClassifier(5, 12, 1, 4, true, new Generator(0)),
                Tensor.randn(g, 2, 7, 5),
                Tensor.randn(g, 6, 7, 5),
                ExportOptions.defaults());
    }

    @Test
    void transformerEncoderDecomposed() throws Exception {
        Generator g = new Generator(2);
        for (boolean causal : new boolean[] {false, true}) {
            Path file = roundTrip(
                    "transformer" + (causal ? "_causal" : ""),
                    new TestModels.TransformerClassifier(16, 4, 3, causal, new Generator(0)),
                    Tensor.randn(g, 2, 6, 16),
                    Tensor.randn(g, 3, 6, 16),
                    ExportOptions.defaults());
            List<String> ops = Proto.Model.decode(Files.readAllBytes(file)).graph().nodes().stream()
                    .map(Proto.Node::opType)
                    .toList();
            assertTrue(
                    ops.contains("Softmax")
                            && ops.contains("MatMul")
                            && ops.contains("Erf")
                            && ops.contains("LayerNormalization"),
                    ops.toString());
        }
    }

    @Test
    void crossAttentionWithAnAttentionMask() throws Exception {
        Generator g = new Generator(8);
        roundTrip(
                "cross_attention",
                new TestModels.CrossAttention(12, 3, 6, new Generator(0)),
                Tensor.randn(g, 2, 6, 12),
                Tensor.randn(g, 4, 6, 12),
                ExportOptions.defaults());
    }

    @Test
    void timeMajorLstmWithBatchAxisOne() throws Exception {
        Generator g = new Generator(4);
        Module m = new Module() {
            final LSTM lstm = registerModule("lstm", new LSTM(4, 6, new Generator(0)));

            @Override
            protected Variable forward(Variable x) {
                return lstm.call(x);
            }
        };
        roundTrip(
                "lstm_time_major",
                m,
                Tensor.randn(g, 7, 2, 4),
                Tensor.randn(g, 7, 3, 4),
                ExportOptions.defaults().batchAxis(1));
    }

    @Test
    void layerZoo() throws Exception {
        Generator g = new Generator(0);
        roundTrip("zoo", TestModels.layerZoo(g), 1, 3, 16, 16);
        Path mixer = roundTrip("mixer", new TestModels.Mixer(g), 1, 6);
        List<String> ops = Proto.Model.decode(Files.readAllBytes(mixer)).graph().nodes().stream()
                .map(Proto.Node::opType)
                .toList();
        assertTrue(
                ops.containsAll(List.of("GatherElements", "Gather", "Concat", "LogSoftmax", "Clip", "Pow")),
                ops.toString());
    }

    @Test
    void embeddingTakesInt64Ids() throws Exception {
        Generator g = new Generator(5);
        roundTrip(
                "bag",
                new TestModels.Bag(new Generator(0)),
                Tensor.randint(g, 0, 20, 2, 5).toLong(),
                Tensor.randint(g, 0, 20, 4, 5).toLong(),
                ExportOptions.defaults());
    }

    @Test
    void staticBatchAndOlderOpset() throws Exception {
        Generator g = new Generator(6);
        Tensor x = Tensor.randn(g, 2, 1, 28, 28);
        Path file = roundTrip(
                "lenet_static",
                new LeNet5(1, 28, 10, new Generator(0)),
                x,
                x,
                ExportOptions.defaults().dynamicBatch(false));
        Proto.ValueInfo in =
                Proto.Model.decode(Files.readAllBytes(file)).graph().inputs().get(0);
        assertEquals(List.of(2L, 1L, 28L, 28L), in.dims());
        Tensor y = Tensor.randn(g, 3, 6, 16);
        Module t = new TestModels.TransformerClassifier(16, 4, 3, false, new Generator(0)).eval();
        byte[] bytes = Onnx.toBytes(t, Variable.of(y), ExportOptions.defaults().opset(14));
        try (var off = Autograd.noGrad()) {
            Oracles.assertClose(
                    t.call(Variable.of(y)).data(), Oracles.ort(bytes, y), "opset 14 (LayerNorm decomposed)");
        }
    }

    /** A module that zero-pads its input as {@code F.pad(x, padding)} does. */
    private static Module padding(int... padding) {
        return new Module() {
            @Override
            protected Variable forward(Variable x) {
                return x.pad(padding).tanh();
            }
        };
    }

    @Test
    void zeroPaddingBecomesOnePadNodeAndLeavesTheBatchFree() throws Exception {
        // (before, after) pairs from the last dimension: width 1/2, height 0/1, channels 2/0
        Path file = roundTrip("pad", padding(1, 2, 0, 1, 2, 0), 1, 3, 4, 5);
        List<String> ops = Proto.Model.decode(Files.readAllBytes(file)).graph().nodes().stream()
                .map(Proto.Node::opType)
                .toList();
        assertEquals(1, ops.stream().filter("Pad"::equals).count(), ops.toString());
    }

    @Test
    void paddingTheBatchAxisIsRefusedWithADynamicBatch() {
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> Onnx.toBytes(padding(0, 0, 0, 0, 1, 1), Variable.zeros(2, 3, 4), ExportOptions.defaults()));
        assertTrue(e.getMessage().contains("pad along the batch axis"), e.getMessage());
    }

    @Test
    void unsupportedOperationsNameTheModulePath() {
        Module lossy = new Sequential(new Linear(4, 3), new Module() {
            @Override
            protected Variable forward(Variable x) {
                return Functional.mseLoss(x, Variable.zeros(x.dims()));
            }
        });
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> Onnx.toBytes(lossy, Variable.zeros(2, 4), ExportOptions.defaults()));
        assertTrue(e.getMessage().contains("mseLoss") && e.getMessage().contains("module '1'"), e.getMessage());
    }

    /** A user's function that calls itself "relu": the export must not take it for the built-in one. */
    static final class ClampedRelu extends AutogradFunction {
        @Override
        protected String name() {
            return "relu";
        }

        @Override
        protected Tensor forward(FunctionContext ctx, Tensor... in) {
            return in[0].clamp(0f, 6f);
        }

        @Override
        protected Tensor[] backward(FunctionContext ctx, Tensor grad) {
            throw new UnsupportedOperationException("not needed by an export");
        }
    }

    @Test
    void aUserAutogradFunctionFailsTheExportByName() {
        Module custom = new Sequential(new Linear(4, 3), new Module() {
            @Override
            protected Variable forward(Variable x) {
                return new ClampedRelu().apply(x);
            }
        });
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> Onnx.toBytes(custom, Variable.zeros(2, 4), ExportOptions.defaults()));
        assertTrue(
                e.getMessage().contains("unsupported op 'relu'")
                        && e.getMessage().contains(ClampedRelu.class.getName())
                        && e.getMessage().contains("AutogradFunction")
                        && e.getMessage().contains("module '1'"),
                e.getMessage());
    }

    @Test
    void anInt8LayerWritesDequantizeLinearThroughItsExporter() throws Exception {
        // The extension point module quantize plugs into: int8 initializers and QDQ nodes.
        Module m = new Sequential(new TestModels.Int8Linear(new Linear(6, 5, new Generator(0))), new Tanh()).eval();
        ModuleExporter<TestModels.Int8Linear> qdq = (layer, input, graph) -> {
            String w =
                    graph.node("DequantizeLinear", List.of(graph.buffer(layer.weightInt8), graph.scalar(layer.scale)));
            String wT = graph.node("Transpose", List.of(w), "perm", new long[] {1, 0});
            return graph.node("Add", List.of(graph.node("MatMul", List.of(input, wT)), graph.parameter(layer.bias)));
        };
        Generator g = new Generator(9);
        Tensor x = Tensor.randn(g, 4, 6);
        Path file = dir.resolve("int8_linear.onnx");
        Onnx.export(
                m,
                Variable.of(Tensor.randn(g, 2, 6)),
                file,
                ExportOptions.defaults().moduleExporter(TestModels.Int8Linear.class, qdq));
        Proto.TensorData weight = Proto.Model.decode(Files.readAllBytes(file)).graph().initializers().stream()
                .filter(t -> t.name().equals("0.weight_int8"))
                .findFirst()
                .orElseThrow();
        assertEquals(Proto.INT8, weight.dataType(), "the weight stays int8 in the file");
        try (var off = Autograd.noGrad()) {
            Oracles.assertClose(
                    m.call(Variable.of(x)).data(),
                    Oracles.ort(Files.readAllBytes(file), x),
                    "int8 weights through DequantizeLinear");
        }
        Oracles.check(file);
    }

    @Test
    void aModuleExporterWritesItsOwnNodes() throws Exception {
        Linear fc = new Linear(4, 3, new Generator(0));
        Module m = new Sequential(fc, new Tanh());
        // Write the Linear as MatMul + Add by hand, counting the calls.
        int[] calls = {0};
        ModuleExporter<Linear> exporter = (lin, input, graph) -> {
            calls[0]++;
            String wt = graph.node("Transpose", List.of(graph.parameter(lin.weight)), "perm", new long[] {1, 0});
            return graph.node("Add", List.of(graph.node("MatMul", List.of(input, wt)), graph.parameter(lin.bias)));
        };
        Tensor x = Tensor.randn(new Generator(1), 3, 4);
        byte[] bytes = Onnx.toBytes(m, Variable.of(x), ExportOptions.defaults().moduleExporter(Linear.class, exporter));
        assertEquals(1, calls[0], "one call per module while writing the graph");
        List<String> ops = Proto.Model.decode(bytes).graph().nodes().stream()
                .map(Proto.Node::opType)
                .toList();
        assertTrue(ops.contains("MatMul") && !ops.contains("Gemm"), ops.toString());
        try (var off = Autograd.noGrad()) {
            Oracles.assertClose(m.eval().call(Variable.of(x)).data(), Oracles.ort(bytes, x), "custom exporter");
        }
    }
}
