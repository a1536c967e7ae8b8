package dev.nabla.export.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.nabla.autograd.Autograd;
import dev.nabla.autograd.Variable;
import dev.nabla.nn.Module;
import dev.nabla.nn.models.VggCnn;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import dev.nabla.tensor.Threads;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * The exported VGG-style CNN (with batch norm) in ONNX Runtime Java against the same model in
 * Nabla, batch 64 and batch 1, on 2 threads each. Not part of the suite: a program run with the
 * side to time ({@code nabla} or {@code ort}), one side per JVM, so that
 * {@code src/test/scripts/bench_onnx.sh} can alternate them (A B A B A B) under {@code nice}.
 * Prints {@code bench SIDE batch N: ms/batch, img/s}.
 */
final class OnnxRuntimeBenchmark {
    private OnnxRuntimeBenchmark() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 1 || !args[0].matches("nabla|ort")) {
            throw new IllegalArgumentException("usage: OnnxRuntimeBenchmark nabla|ort");
        }
        vggCnn(args[0], Integer.getInteger("nabla.onnx.threads", 2));
    }

    private static final double SECONDS = 6;

    private interface Run {
        void once() throws Exception;
    }

    /** Median milliseconds per call over {@link #SECONDS} after two seconds of warm-up. */
    private static double time(Run r) throws Exception {
        long end = System.nanoTime() + 2_000_000_000L;
        while (System.nanoTime() < end) {
            r.once();
        }
        double[] samples = new double[100_000];
        int n = 0;
        end = System.nanoTime() + (long) (SECONDS * 1e9);
        while (System.nanoTime() < end && n < samples.length) {
            long t = System.nanoTime();
            r.once();
            samples[n++] = (System.nanoTime() - t) / 1e6;
        }
        double[] s = Arrays.copyOf(samples, n);
        Arrays.sort(s);
        return s[n / 2];
    }

    private static void vggCnn(String side, int threads) throws Exception {
        Module vgg = VggCnn.create(3, 32, 10, true, new Generator(0));
        TestModels.warmBatchNorm(vgg, 8, 3, 32, 32);
        byte[] model = Onnx.toBytes(vgg, Variable.zeros(1, 3, 32, 32), ExportOptions.defaults());
        Threads.set(threads);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setIntraOpNumThreads(threads);
            opts.setInterOpNumThreads(1);
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            try (OrtSession session = env.createSession(model, opts)) {
                for (int batch : new int[] {64, 1}) {
                    Tensor x = Tensor.randn(new Generator(batch), batch, 3, 32, 32);
                    double ms;
                    if (side.equals("nabla")) {
                        Variable in = Variable.of(x);
                        ms = time(() -> {
                            try (var off = Autograd.noGrad()) {
                                vgg.call(in);
                            }
                        });
                    } else {
                        try (OnnxTensor in = OnnxTensor.createTensor(
                                env, FloatBuffer.wrap(x.toArray()), new long[] {batch, 3, 32, 32})) {
                            ms = time(() -> {
                                try (OrtSession.Result r = session.run(Map.of("input", in))) {
                                    r.get(0);
                                }
                            });
                        }
                    }
                    System.out.printf(
                            Locale.ROOT,
                            "bench %s batch %d: %.3f ms/batch, %.0f img/s (%d threads)%n",
                            side,
                            batch,
                            ms,
                            batch * 1000 / ms,
                            threads);
                }
            }
        }
    }
}
