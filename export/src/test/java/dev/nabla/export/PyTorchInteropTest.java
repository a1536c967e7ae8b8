package dev.nabla.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nabla.autograd.Autograd;
import dev.nabla.autograd.Variable;
import dev.nabla.nn.Linear;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
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
 * strictly and computes the same outputs, reads known values bit for bit, and writes files
 * (F32, F16, BF16, F64, I64, I32) that Nabla loads. Runs {@code src/test/python/safetensors_interop.py}
 * with /usr/bin/python3; skipped with a message when Python or torch is missing.
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

        // We load PyTorch's model strictly and get its outputs.
        Sequential theirs = model(new Generator(99));
        SafeTensors.load(theirs, dir.resolve("python_model.safetensors"));
        Tensor pythonOut = SafeTensors.read(dir.resolve("python_out.safetensors"))
                .tensors()
                .get("y");
        assertArrayEquals(pythonOut.toArray(), forward(theirs).toArray(), 1e-6f);

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
