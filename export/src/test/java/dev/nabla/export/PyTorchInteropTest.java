package dev.nabla.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nabla.autograd.Autograd;
import dev.nabla.autograd.Variable;
import dev.nabla.nn.BatchNorm1d;
import dev.nabla.nn.Linear;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Safetensors files move both ways between Nabla and PyTorch: PyTorch loads Nabla's model
 * strictly and computes the same outputs, reads known values bit for bit (integer and bool
 * tensors in their own dtypes, BatchNorm's {@code num_batches_tracked} as int64), and writes files
 * (F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL) that Nabla loads. Runs
 * {@code src/test/python/safetensors_interop.py} with /usr/bin/python3; skipped with a message
 * when Python or torch is missing.
 */
class PyTorchInteropTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final Path SCRIPT = Path.of("src/test/python/safetensors_interop.py");
    /** The script's exit code when torch is not importable. */
    private static final int TORCH_MISSING = 77;

    @TempDir
    Path dir;

    private static Sequential model(Generator g) {
        return new Sequential(new Linear(4, 3, g), new ReLU(), new Linear(3, 2, g));
    }

    private static Tensor probe() {
        return Tensor.arange(8).reshape(2, 4).sub(3.5f).div(4);
    }

    private static Tensor forward(Sequential m) {
        try (var off = Autograd.noGrad()) {
            return m.call(Variable.of(probe())).data();
        }
    }

    private static Sequential bnModel(Generator g) {
        return new Sequential(new Linear(4, 3, g), new BatchNorm1d(3));
    }

    /** The tensors {@code int_tensors()} of the Python script writes and expects, in the same dtypes. */
    private static Map<String, Tensor> ints() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("i64", Tensor.ofLongs(Long.MIN_VALUE, -1, 0, Long.MAX_VALUE, (1L << 53) + 1));
        m.put("i32", Tensor.ofInts(Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE));
        m.put("i8", Tensor.fromArray(new byte[] {-128, -1, 0, 127}, 2, 2));
        m.put("u8", Tensor.fromArray(new byte[] {0, 1, (byte) 128, (byte) 255}, DType.UINT8, 4));
        m.put("mask", Tensor.ofBools(true, false, true));
        m.put("count", Tensor.full(DType.INT64, 7L));
        m.put("empty", Tensor.zeros(DType.INT32, 0, 3));
        return m;
    }

    private static void assertExact(Tensor expected, Tensor actual, String name) {
        assertEquals(expected.dtype(), actual.dtype(), name);
        assertEquals(expected.shape(), actual.shape(), name);
        assertArrayEquals(expected.toLongArray(), actual.toLongArray(), name);
    }

    @Test
    void pytorchReadsOurFilesAndWeReadTheirs() throws Exception {
        assumeTrue(Files.isExecutable(PYTHON), "skipped: " + PYTHON + " is not installed");
        Sequential ours = model(new Generator(11));
        SafeTensors.save(ours, dir.resolve("nabla_model.safetensors"));
        Map<String, Tensor> values = new LinkedHashMap<>();
        values.put("ramp", Tensor.arange(24).reshape(2, 3, 4).mul(0.5f).sub(3));
        values.put(
                "special",
                Tensor.of(
                        Float.NaN,
                        Float.POSITIVE_INFINITY,
                        Float.NEGATIVE_INFINITY,
                        -0f,
                        Float.MIN_VALUE,
                        Float.MAX_VALUE,
                        Float.intBitsToFloat(0x7fc01234)));
        values.put("scalar", Tensor.scalar(7.5f));
        values.put("empty", Tensor.zeros(0, 5));
        values.put("unicode \u00e9\u6f22 \"q\"", Tensor.of(1));
        SafeTensors.write(dir.resolve("nabla_values.safetensors"), values, Map.of());
        SafeTensors.write(dir.resolve("nabla_ints.safetensors"), ints(), Map.of());
        Sequential bn = bnModel(new Generator(12));
        bn.call(Variable.randn(new Generator(13), 6, 4));
        bn.call(Variable.randn(new Generator(14), 6, 4));
        SafeTensors.save(bn, dir.resolve("nabla_bn.safetensors"));

        Process p = new ProcessBuilder(
                        PYTHON.toString(), SCRIPT.toAbsolutePath().toString(), dir.toString())
                .redirectErrorStream(true)
                .start();
        boolean finished = p.waitFor(300, TimeUnit.SECONDS);
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!finished) {
            p.destroyForcibly();
        }
        int exit = finished ? p.exitValue() : -1;
        assumeTrue(exit != TORCH_MISSING, "skipped: " + PYTHON + " cannot import torch");
        assertEquals(0, exit, "the Python side failed:\n" + output);

        // PyTorch ran our weights and got our outputs.
        Tensor torchOut =
                SafeTensors.read(dir.resolve("torch_out.safetensors")).tensors().get("y");
        assertArrayEquals(torchOut.toArray(), forward(ours).toArray(), 1e-6f);
        bn.eval();
        assertArrayEquals(
                SafeTensors.read(dir.resolve("torch_bn_out.safetensors"))
                        .tensors()
                        .get("y")
                        .toArray(),
                forward(bn).toArray(),
                1e-5f);

        // We load PyTorch's model strictly and get its outputs.
        Sequential theirs = model(new Generator(99));
        SafeTensors.load(theirs, dir.resolve("python_model.safetensors"));
        Tensor pythonOut = SafeTensors.read(dir.resolve("python_out.safetensors"))
                .tensors()
                .get("y");
        assertArrayEquals(pythonOut.toArray(), forward(theirs).toArray(), 1e-6f);

        // PyTorch's integer and bool tensors arrive in their dtypes (int16 widened to int32).
        Map<String, Tensor> theirInts =
                SafeTensors.read(dir.resolve("python_ints.safetensors")).tensors();
        ints().forEach((name, want) -> assertExact(want, theirInts.get(name), name));
        assertExact(Tensor.ofInts(-32768, -1, 32767), theirInts.get("i16"), "i16");

        // A PyTorch BatchNorm state dict loads strictly, num_batches_tracked as int64, and runs the same.
        Sequential theirBn = bnModel(new Generator(98));
        SafeTensors.load(theirBn, dir.resolve("python_bn.safetensors"));
        Tensor count = theirBn.stateDict().get("1.num_batches_tracked");
        assertEquals(DType.INT64, count.dtype());
        assertEquals(3L, count.itemLong());
        theirBn.eval();
        assertArrayEquals(
                SafeTensors.read(dir.resolve("python_bn_out.safetensors"))
                        .tensors()
                        .get("y")
                        .toArray(),
                forward(theirBn).toArray(),
                1e-5f);

        // Other dtypes convert exactly as PyTorch converts them to float32.
        Map<String, Tensor> dtypes =
                SafeTensors.read(dir.resolve("python_dtypes.safetensors")).tensors();
        assertEquals(10, dtypes.size());
        for (String name : dtypes.keySet()) {
            if (!name.endsWith(".as_f32")) {
                assertArrayEquals(
                        dtypes.get(name + ".as_f32").toArray(), dtypes.get(name).toArray(), name);
                assertEquals(
                        dtypes.get(name + ".as_f32").shape(), dtypes.get(name).shape(), name);
            }
        }
    }
}
