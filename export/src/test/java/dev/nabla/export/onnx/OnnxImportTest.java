package dev.nabla.export.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nabla.autograd.Autograd;
import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;
import dev.nabla.export.SafeTensors;
import dev.nabla.export.testing.Oracles;
import dev.nabla.nn.Module;
import dev.nabla.nn.models.LeNet5;
import dev.nabla.nn.models.ResNet20;
import dev.nabla.nn.models.VggCnn;
import dev.nabla.optim.SGD;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files written by PyTorch's own {@code torch.onnx.export} (src/test/python/make_onnx_models.py,
 * run here; skipped with a message where torch is missing) import into Nabla and give PyTorch's
 * outputs within 1e-4 relative; imported models fine-tune; Nabla's exports import back to the same
 * outputs and state dict.
 */
class OnnxImportTest {
    private static final Path SCRIPT = Path.of("src/test/python/make_onnx_models.py");
    private static final int TORCH_MISSING = 77;

    @TempDir
    static Path torchDir;

    private static String torchProblem;

    @BeforeAll
    static void runPyTorch() throws Exception {
        if (!Files.isExecutable(Oracles.PYTHON)) {
            torchProblem = Oracles.PYTHON + " is not installed";
            return;
        }
        Process p = new ProcessBuilder(
                        Oracles.PYTHON.toString(), SCRIPT.toAbsolutePath().toString(), torchDir.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "make_onnx_models.py timed out");
        if (p.exitValue() == TORCH_MISSING) {
            torchProblem = Oracles.PYTHON + " cannot import torch (apt-get install python3-torch)";
            return;
        }
        assertEquals(0, p.exitValue(), "make_onnx_models.py failed:\n" + out);
    }

    /** Loads NAME.onnx, runs PyTorch's input, compares with PyTorch's output; returns the model. */
    private static OnnxModel matchesPyTorch(String name) throws Exception {
        assumeTrue(torchProblem == null, "skipped: " + torchProblem);
        OnnxModel m = Onnx.load(torchDir.resolve(name + ".onnx"));
        Map<String, Tensor> io =
                SafeTensors.read(torchDir.resolve(name + "_io.safetensors")).tensors();
        try (var off = Autograd.noGrad()) {
            Oracles.assertClose(
                    io.get("y"), m.eval().call(Variable.of(io.get("x"))).data(), name + " from PyTorch");
        }
        return m;
    }

    @Test
    void leNet5FromPyTorch() throws Exception {
        OnnxModel m = matchesPyTorch("lenet5");
        // the initializers kept PyTorch's names, so the weights load into Nabla's LeNet5
        LeNet5 net = new LeNet5(1, 28, 10, new Generator(0));
        net.loadStateDict(m.stateDict());
        Tensor x = Tensor.randn(new Generator(1), 2, 1, 28, 28);
        try (var off = Autograd.noGrad()) {
            Oracles.assertClose(
                    m.call(Variable.of(x)).data(),
                    net.eval().call(Variable.of(x)).data(),
                    "LeNet5 with imported weights");
        }
    }

    @Test
    void vggWithBatchNormFromPyTorch() throws Exception {
        OnnxModel m = matchesPyTorch("vgg_bn");
        assertTrue(m.operators().contains("BatchNormalization"), m.operators().toString());
        Module vgg = VggCnn.create(3, 32, 10, true, new Generator(0));
        vgg.loadStateDict(m.stateDict(), false); // PyTorch's file has no num_batches_tracked
    }

    @Test
    void resNet20FromPyTorch() throws Exception {
        OnnxModel m = matchesPyTorch("resnet20");
        ResNet20 net = new ResNet20(3, 10, new Generator(0));
        net.loadStateDict(m.stateDict(), false);
    }

    @Test
    void lstmClassifierFromPyTorch() throws Exception {
        assertTrue(matchesPyTorch("lstm").operators().contains("LSTM"));
    }

    @Test
    void transformerEncoderFromPyTorch() throws Exception {
        OnnxModel m = matchesPyTorch("transformer");
        assertTrue(m.operators().contains("Gelu"), "the erf subgraph is fused into one GELU: " + m.operators());
    }

    @Test
    void importedModelsFineTune() throws Exception {
        OnnxModel m = matchesPyTorch("resnet20");
        m.train();
        Generator g = new Generator(2);
        Variable x = Variable.of(Tensor.randn(g, 8, 3, 32, 32));
        Variable y = Variable.of(Tensor.randint(g, 0, 10, 8).toLong());
        var opt = new SGD(m.parameters(), 0.05);
        float first = 0;
        float last = 0;
        for (int step = 0; step < 5; step++) {
            opt.zeroGrad();
            Variable loss = Functional.crossEntropy(m.call(x), y);
            loss.backward();
            if (step == 0) {
                first = loss.item();
                for (var e : m.namedParameters().entrySet()) {
                    assertNotNull(e.getValue().grad(), "no gradient for " + e.getKey());
                }
            }
            last = loss.item();
            opt.step();
        }
        assertTrue(last < first, "the loss falls while fine-tuning: " + first + " -> " + last);
    }

    /** Nabla -> ONNX -> Nabla: same outputs, same state dict. */
    @Test
    void roundTripsNablasOwnExports() throws Exception {
        Generator g = new Generator(3);
        ResNet20 resnet = new ResNet20(3, 10, new Generator(0));
        TestModels.warmBatchNorm(resnet, 4, 3, 32, 32);
        Object[][] cases = {
            {new LeNet5(1, 28, 10, new Generator(0)), Tensor.randn(g, 2, 1, 28, 28), ExportOptions.defaults()},
            {resnet, Tensor.randn(g, 2, 3, 32, 32), ExportOptions.defaults()},
            {
                new TestModels.LstmClassifier(5, 12, 2, 4, true, new Generator(0)),
                Tensor.randn(g, 2, 7, 5),
                ExportOptions.defaults()
            },
            {
                new TestModels.TransformerClassifier(16, 4, 3, true, new Generator(0)),
                Tensor.randn(g, 2, 6, 16),
                ExportOptions.defaults()
            },
            {
                new TestModels.Bag(new Generator(0)),
                Tensor.randint(g, 0, 20, 2, 5).toLong(),
                ExportOptions.defaults()
            },
            {new TestModels.Mixer(new Generator(0)), Tensor.randn(g, 2, 6), ExportOptions.defaults()},
            {TestModels.layerZoo(new Generator(0)), Tensor.randn(g, 2, 3, 16, 16), ExportOptions.defaults()},
            {
                new TestModels.CrossAttention(12, 3, 6, new Generator(0)),
                Tensor.randn(g, 2, 6, 12),
                ExportOptions.defaults()
            },
        };
        for (Object[] c : cases) {
            Module model = ((Module) c[0]).eval();
            Tensor example = (Tensor) c[1];
            byte[] bytes = Onnx.toBytes(model, Variable.of(example), (ExportOptions) c[2]);
            OnnxModel back = Onnx.load(bytes, Path.of(model.getClass().getSimpleName() + ".onnx"))
                    .eval();
            Tensor x = Tensor.cat(0, example, example.narrow(0, 0, 1), example);
            String what = model.getClass().getSimpleName() + " round trip";
            try (var off = Autograd.noGrad()) {
                Oracles.assertClose(
                        model.call(Variable.of(x)).data(),
                        back.call(Variable.of(x)).data(),
                        what);
            }
            Map<String, Tensor> mine = model.stateDict();
            for (var e : back.stateDict().entrySet()) {
                assertTrue(mine.containsKey(e.getKey()), what + ": unexpected key " + e.getKey());
                assertTrue(mine.get(e.getKey()).allClose(e.getValue(), 0, 0), what + ": " + e.getKey() + " differs");
            }
        }
    }
}
