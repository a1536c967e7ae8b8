package dev.nabla.quantize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.nabla.autograd.Autograd;
import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;
import dev.nabla.export.onnx.ExportOptions;
import dev.nabla.export.onnx.Onnx;
import dev.nabla.export.testing.Oracles;
import dev.nabla.nn.AdaptiveAvgPool2d;
import dev.nabla.nn.AvgPool2d;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.LSTM;
import dev.nabla.nn.Linear;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.Module;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.data.Batch;
import dev.nabla.nn.models.LeNet5;
import dev.nabla.nn.models.ResNet20;
import dev.nabla.nn.models.VggCnn;
import dev.nabla.optim.SGD;
import dev.nabla.quantize.quantized.DeQuantize;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.QuantizedOps;
import dev.nabla.tensor.Tensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * int8 models exported as QDQ ONNX files: ONNX Runtime computes what Nabla's int8 kernels compute.
 *
 * <p>How outputs are compared: an int8 model's output is its last layer's quint8 value dequantized,
 * so both Nabla's and ONNX Runtime's outputs lie on the grid {@code scale * (q - zero_point)}; the
 * test divides the difference by that scale and asserts every element within one int8 step
 * (counting how many are not exactly equal). ONNX Runtime runs each file twice: with graph
 * optimisations off (each QuantizeLinear / DequantizeLinear / float operator on its own, float
 * arithmetic) and on (the QDQ groups fused into its integer kernels, QLinearConv among them, which
 * the test checks are there).
 */
class QdqExportTest {
    @TempDir
    Path tmp;

    private static final int BATCH = 32;

    private static Tensor images() {
        return TinyNets.batches(TinyNets.test(), 1)
                .get(0)
                .inputs()
                .data()
                .narrow(0, 0, BATCH)
                .contiguous();
    }

    private static QuantWrapper staticInt8(Module model) {
        QuantWrapper q = Quantization.prepare(model.eval(), QConfig.defaults(), TinyNets.example());
        Quantization.calibrate(q, TinyNets.train(), 4);
        return Quantization.convert(q);
    }

    /** The float model with its batch norms' running statistics moved off their initial values. */
    private static Module withBatchStatistics(Module model) {
        model.train();
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            for (Batch b : TinyNets.batches(TinyNets.train(), 3)) {
                model.call(b.inputs());
            }
        }
        return model.eval();
    }

    /** The scale of the int8 value the model's DeQuantize turns into its float output. */
    private static double outputScale(Module int8, Tensor x) {
        double[] scale = {0};
        Module dq = int8.namedModules().values().stream()
                .filter(m -> m instanceof DeQuantize)
                .findFirst()
                .orElseThrow();
        try (var h = dq.registerForwardHook((m, in, out) -> {
            scale[0] = in.data().qScale();
            return null;
        })) {
            TinyNets.logits(int8, x);
        }
        return scale[0];
    }

    private static Tensor ort(byte[] model, Tensor x, boolean optimise, Path optimised) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setIntraOpNumThreads(1);
            opts.setOptimizationLevel(
                    optimise ? OrtSession.SessionOptions.OptLevel.ALL_OPT : OrtSession.SessionOptions.OptLevel.NO_OPT);
            if (optimised != null) {
                opts.setOptimizedModelFilePath(optimised.toString());
            }
            try (OrtSession s = env.createSession(model, opts)) {
                return Oracles.run(env, s, x);
            }
        }
    }

    /** Differences in output steps: {max, count of elements not equal}. */
    private static int[] steps(Tensor want, Tensor got, double scale, String what) {
        assertArrayEquals(want.dims(), got.dims(), what + ": shape");
        float[] w = want.toArray();
        float[] g = got.toArray();
        int worst = 0;
        int differ = 0;
        for (int i = 0; i < w.length; i++) {
            double d = Math.abs(w[i] - g[i]) / scale;
            int step = (int) Math.round(d);
            assertTrue(Math.abs(d - step) < 1e-3, what + ": element " + i + " is off the output grid: " + d + " steps");
            worst = Math.max(worst, step);
            differ += step == 0 ? 0 : 1;
        }
        return new int[] {worst, differ};
    }

    /**
     * Exports, checks the file, runs it both ways in ONNX Runtime and asserts the int8 kernels within
     * one output step and the float run within {@code floatSteps}; returns the optimised graph.
     */
    private String exportAndCompare(Module int8, String name, int[] chw, int floatSteps) throws Exception {
        Path file = tmp.resolve(name + ".onnx");
        Onnx.export(int8, Variable.zeros(1, chw[0], chw[1], chw[2]), file);
        Oracles.check(file);
        byte[] bytes = Files.readAllBytes(file);
        Tensor x = images();
        Tensor want = TinyNets.logits(int8, x);
        double scale = outputScale(int8, x);
        Path optimised = tmp.resolve(name + "-ort.onnx");
        StringBuilder failures = new StringBuilder();
        for (boolean optimise : new boolean[] {false, true}) {
            Tensor got = ort(bytes, x, optimise, optimise ? optimised : null);
            String what = name + (optimise ? " (ONNX Runtime's int8 kernels)" : " (ONNX Runtime in float)");
            int[] d = steps(want, got, scale, what);
            String line = String.format(
                    "%s: %d of %d outputs differ, by at most %d int8 step(s) of %.4g",
                    what, d[1], want.numel(), d[0], scale);
            System.out.println(line);
            if (d[0] > (optimise ? 1 : floatSteps)) {
                failures.append(line).append('\n');
            }
        }
        assertTrue(failures.isEmpty(), failures.toString());
        return new String(Files.readAllBytes(optimised), StandardCharsets.ISO_8859_1);
    }

    @Test
    void lenet5StaticInt8RunsInOnnxRuntimeOnItsInt8Kernels() throws Exception {
        QuantWrapper int8 = staticInt8(new LeNet5(1, 28, 10, new Generator(5)));
        String optimised = exportAndCompare(int8, "lenet5", new int[] {1, 28, 28}, 1);
        assertTrue(optimised.contains("QLinearConv"), "ONNX Runtime fused the QDQ convolutions into QLinearConv");
        // and it reads back into Nabla: QuantizeLinear / DequantizeLinear imported as float operations
        Tensor x = images();
        Tensor back = TinyNets.logits(Onnx.load(tmp.resolve("lenet5.onnx")).eval(), x);
        int[] d = steps(TinyNets.logits(int8, x), back, outputScale(int8, x), "lenet5 imported");
        assertTrue(d[0] <= 1, "imported: " + d[1] + " outputs differ, by up to " + d[0] + " steps");
    }

    @Test
    void cnnBnStaticInt8() throws Exception {
        Module cnn = withBatchStatistics(VggCnn.create(1, 28, 10, true, new Generator(6)));
        exportAndCompare(staticInt8(cnn), "cnn-bn", new int[] {1, 28, 28}, 1);
    }

    @Test
    void resnet20StaticInt8WithItsResidualAdds() throws Exception {
        Module net = withBatchStatistics(new ResNet20(1, 10, new Generator(7)));
        // ONNX Runtime's own int8 kernels requantize as ours do and stay within one step (12 of 320
        // outputs differ by one here); run unfused in float, every one of the 19 requantizations
        // rounds its own float value, and the one-step differences compound to at most 3 steps.
        String optimised = exportAndCompare(staticInt8(net), "resnet20", new int[] {1, 28, 28}, 3);
        assertTrue(optimised.contains("QLinearConv"), "ONNX Runtime fused the QDQ convolutions into QLinearConv");
    }

    /** Average pooling (plain and adaptive to 2x2), a ReLU fusion could not merge, Linear+ReLU. */
    @Test
    void qatConvertedModelWithEveryPoolingKind() throws Exception {
        Generator g = new Generator(8);
        Sequential net = new Sequential(
                new Conv2d(1, 8, 3, Conv2d.options().padding(1).generator(g)),
                new ReLU(),
                new MaxPool2d(2),
                new ReLU(),
                new Conv2d(8, 8, 3, Conv2d.options().padding(1).generator(g)),
                new AdaptiveAvgPool2d(2),
                new AvgPool2d(2),
                new Flatten(),
                new Linear(8, 16, g),
                new ReLU(),
                new Linear(16, 10, g));
        QuantWrapper qat = Quantization.prepareQat(net, QConfig.defaults(), TinyNets.example());
        SGD opt = new SGD(qat.parameters(), 0.01);
        for (Batch b : TinyNets.batches(TinyNets.train(), 4)) {
            opt.zeroGrad();
            Functional.crossEntropy(qat.call(b.inputs()), b.targets()).backward();
            opt.step();
        }
        QuantWrapper int8 = Quantization.convert(qat.eval());
        exportAndCompare(int8, "pools-qat", new int[] {1, 28, 28}, 1);
    }

    /**
     * Dynamic int8 Linear: ONNX's DynamicQuantizeLinear chooses the activation's scale and zero point
     * by the same rule as Nabla, and both multiply the same integers; what differs is float
     * rounding (ONNX Runtime dequantizes and sums in float, Nabla sums int32 and scales once) and an
     * input value whose {@code x / scale} lands on a rounding tie (Nabla multiplies by the
     * reciprocal). Each such tie moves one product by at most {@code scale * max|w|}; the tolerance
     * is 1e-3 of the largest output, some ten times the rounding seen here, far below one tie
     * in a 784-term sum times a typical weight.
     */
    @Test
    void dynamicLinearMatchesWithinFloatRounding() throws Exception {
        Generator g = new Generator(9);
        Module mlp = Quantization.quantizeDynamic(
                new Sequential(new Flatten(), new Linear(784, 64, g), new ReLU(), new Linear(64, 10, g)),
                Set.of(Linear.class));
        Path file = tmp.resolve("mlp-dynamic.onnx");
        Onnx.export(mlp, Variable.zeros(1, 1, 28, 28), file);
        Oracles.check(file);
        Tensor x = images();
        Tensor want = TinyNets.logits(mlp, x);
        for (boolean optimise : new boolean[] {false, true}) {
            Tensor got = ort(Files.readAllBytes(file), x, optimise, null);
            double max = want.abs().max().item();
            double worst = want.sub(got).abs().max().item();
            System.out.printf(
                    "dynamic MLP (optimise %s): worst difference %.3g of max |logit| %.3g%n", optimise, worst, max);
            assertTrue(worst <= 1e-3 * max, "worst difference " + worst + " against max |y| " + max);
        }
    }

    @Test
    void aDynamicLstmIsRefusedNamingItsPath() {
        Module model =
                Quantization.quantizeDynamic(new Sequential(new LSTM(4, 8, new Generator(0))), Set.of(LSTM.class));
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> Onnx.toBytes(
                        model, Variable.zeros(5, 2, 4), ExportOptions.defaults().batchAxis(1)));
        assertTrue(e.getMessage().contains("'0'") && e.getMessage().contains("LSTM"), e.getMessage());
    }

    /** An int8 layer of a user's, computing on tensors, with no ModuleExporter. */
    static final class MyInt8Relu extends Module {
        @Override
        protected Variable forward(Variable x) {
            return Variable.of(QuantizedOps.relu(x.data()));
        }
    }

    @Test
    void anInt8LayerWithNoExporterFailsWithItsModulePath() {
        QuantWrapper int8 = staticInt8(TinyNets.trained());
        int8.setSubmodule("module.2", new MyInt8Relu()); // the fused ReLU's place, an Identity after conversion
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> Onnx.toBytes(int8, Variable.zeros(1, 1, 28, 28), ExportOptions.defaults()));
        assertTrue(e.getMessage().contains("'module.2'") && e.getMessage().contains("MyInt8Relu"), e.getMessage());
    }
}
