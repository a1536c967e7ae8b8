package dev.nabla.export.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Tensor;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The independent checks for ONNX files: ONNX Runtime runs them, Python's onnx checker checks them
 * (shared with quantize's tests through this module's test jar).
 */
public final class Oracles {
    private Oracles() {}

    public static final Path PYTHON = Path.of("/usr/bin/python3");

    /** Runs a model in ONNX Runtime on one input (float32 or int64) and returns its first output. */
    public static Tensor ort(byte[] model, Tensor input) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setIntraOpNumThreads(1);
            try (OrtSession s = env.createSession(model, opts)) {
                return run(env, s, input);
            }
        }
    }

    public static Tensor run(OrtEnvironment env, OrtSession s, Tensor input) throws OrtException {
        long[] shape = Arrays.stream(input.dims()).asLongStream().toArray();
        String name = s.getInputNames().iterator().next();
        try (OnnxTensor t = input.dtype() == DType.INT64
                        ? OnnxTensor.createTensor(env, LongBuffer.wrap(input.toLongArray()), shape)
                        : OnnxTensor.createTensor(env, FloatBuffer.wrap(input.toArray()), shape);
                OrtSession.Result r = s.run(Map.of(name, t))) {
            OnnxTensor out = (OnnxTensor) r.get(0);
            long[] os = out.getInfo().getShape();
            FloatBuffer fb = out.getFloatBuffer();
            float[] values = new float[fb.remaining()];
            fb.get(values);
            return Tensor.fromArray(
                    values, Arrays.stream(os).mapToInt(v -> (int) v).toArray());
        }
    }

    /**
     * Asserts {@code got} equals {@code want} within 1e-4 relative to the output's scale: every
     * element within 1e-4 * max(|want|) (elementwise relative error is meaningless near zero).
     */
    public static void assertClose(Tensor want, Tensor got, String what) {
        assertArrayEquals(want.dims(), got.dims(), what + ": shape");
        float[] w = want.toArray();
        float[] g = got.toArray();
        double scale = 1e-6;
        for (float v : w) {
            scale = Math.max(scale, Math.abs(v));
        }
        double worst = 0;
        int at = -1;
        for (int i = 0; i < w.length; i++) {
            double e = Math.abs(w[i] - g[i]);
            if (!(e <= worst)) {
                worst = e;
                at = i;
            }
        }
        assertTrue(
                worst <= 1e-4 * scale,
                what + ": worst difference " + worst + " at " + at + " (want " + (at < 0 ? "" : w[at]) + ", got "
                        + (at < 0 ? "" : g[at]) + "), scale " + scale);
    }

    /** True when /usr/bin/python3 can import {@code module}. */
    public static boolean python(String module) {
        if (!Files.isExecutable(PYTHON)) {
            return false;
        }
        try {
            Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import " + module)
                    .redirectErrorStream(true)
                    .start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static Boolean onnxChecker;

    /**
     * Runs {@code onnx.checker.check_model(model, full_check=True)} on the file where python3 has
     * onnx (Debian's python3-onnx); prints a note once and returns where it has not.
     */
    public static void check(Path file) throws IOException, InterruptedException {
        if (onnxChecker == null) {
            onnxChecker = python("onnx");
            if (!onnxChecker) {
                System.out.println(
                        "note: onnx.checker not run: " + PYTHON + " cannot import onnx (apt-get install python3-onnx)");
            }
        }
        if (!onnxChecker) {
            return;
        }
        Process p = new ProcessBuilder(
                        PYTHON.toString(),
                        "-c",
                        "import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)",
                        file.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "onnx.checker timed out");
        assertEquals(0, p.exitValue(), "onnx.checker rejects " + file + ":\n" + out);
    }
}
