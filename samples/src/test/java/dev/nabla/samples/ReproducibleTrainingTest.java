package dev.nabla.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;
import dev.nabla.export.SafeTensors;
import dev.nabla.nn.LSTM;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Module;
import dev.nabla.nn.MultiheadAttention;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.models.LeNet5;
import dev.nabla.nn.models.VggCnn;
import dev.nabla.optim.Adam;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.SGD;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import dev.nabla.tensor.kernel.Lanes;
import dev.nabla.tensor.kernel.Parallel;
import dev.nabla.tensor.testing.ChildJvm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training is bit-reproducible on any thread count and vector width (README, "Reproducibility"):
 * a few steps of LeNet-5, the VGG-style CNN with BatchNorm, the LSTM and the attention workloads
 * of {@code ./nabla bench} (smaller, so the suite stays fast) are trained on 1, 2 and 3 threads in
 * one JVM ({@code Parallel.setThreads} changing between runs), in three JVMs: AVX-512
 * ({@code -XX:UseAVX=3}), AVX2 ({@code -XX:UseAVX=2}) and a 128-bit species
 * ({@code -XX:MaxVectorSize=16}, the width of ARM NEON). Every run saves its weights with
 * {@link SafeTensors#save}; the SHA-256 of every saved file must be the same everywhere. (On a CPU
 * without AVX-512, {@code UseAVX=3} falls back to what the CPU has; the other two still differ.)
 */
class ReproducibleTrainingTest {

    private static Tensor randn(long seed, int... shape) {
        return Tensor.randn(new Generator(seed), shape);
    }

    private static Variable labels(long seed, int n, int classes) {
        return Variable.of(Tensor.randint(new Generator(seed), 0, classes, n));
    }

    /** A model, its optimizer and one training step, all built from fixed seeds. */
    private record Workload(Module model, Runnable step) {}

    private static Workload classifier(Module model, int batch, int size, double lr, boolean adam) {
        Variable x = Variable.of(randn(1, batch, 3, size, size));
        Variable y = labels(2, batch, 10);
        Optimizer opt = adam ? new Adam(model.parameters(), lr) : new SGD(model.parameters(), lr).momentum(0.9);
        return new Workload(model, () -> {
            opt.zeroGrad();
            Functional.crossEntropy(model.call(x), y).backward();
            opt.step();
        });
    }

    /** The workloads in the order they run; batches of 12 make 3 weight-gradient chunks of 4 images. */
    static Map<String, Supplier<Workload>> workloads() {
        Map<String, Supplier<Workload>> w = new LinkedHashMap<>();
        w.put("lenet5", () -> classifier(new LeNet5(3, 32, 10, new Generator(0)), 12, 32, 0.05, false));
        w.put("vgg-bn", () -> classifier(VggCnn.create(3, 16, 10, true, new Generator(0)), 12, 16, 1e-3, true));
        w.put("lstm", () -> {
            Generator g = new Generator(0);
            LSTM lstm = new LSTM(20, 36, g);
            Linear head = new Linear(36, 10, g);
            Module model = new Sequential(lstm, head);
            Variable xs = Variable.of(randn(1, 9, 5, 20));
            Variable ys = labels(2, 5, 10);
            Adam opt = new Adam(model.parameters(), 1e-2);
            return new Workload(model, () -> {
                opt.zeroGrad();
                Variable out = lstm.call(xs);
                Functional.crossEntropy(head.call(out.select(0, -1)), ys).backward();
                opt.step();
            });
        });
        w.put("attention", () -> {
            MultiheadAttention mha = new MultiheadAttention(
                    40, 4, MultiheadAttention.options().dropout(0.1).generator(new Generator(0)));
            Variable q = Variable.of(randn(1, 11, 3, 40)).requiresGrad(true);
            Adam opt = new Adam(mha.parameters(), 1e-2);
            return new Workload(mha, () -> {
                opt.zeroGrad();
                mha.call(q, q, q, null, null, false, true).output().sum().backward();
                opt.step();
            });
        });
        return w;
    }

    /** Trains every workload for {@code steps} steps on each thread count; one line per saved file. */
    static List<String> train(Path dir, int steps, int... threadCounts) throws Exception {
        List<String> lines = new ArrayList<>();
        int saved = Parallel.threads();
        try {
            for (int t : threadCounts) {
                Parallel.setThreads(t);
                for (Map.Entry<String, Supplier<Workload>> e : workloads().entrySet()) {
                    Workload w = e.getValue().get();
                    for (int s = 0; s < steps; s++) {
                        w.step().run();
                    }
                    Path file = dir.resolve(e.getKey() + "-" + t + ".safetensors");
                    SafeTensors.save(w.model(), file);
                    lines.add(e.getKey() + " " + sha256(file));
                }
            }
        } finally {
            Parallel.setThreads(saved);
        }
        return lines;
    }

    private static String sha256(Path file) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static final int STEPS = 3;

    /** Child JVM: {@code <dir>}; prints its species, then "workload threads sha256" per saved file. */
    public static void main(String[] args) throws Exception {
        System.out.println("species " + Lanes.SPECIES);
        for (String line : train(Path.of(args[0]), STEPS, 1, 2, 3)) {
            System.out.println(line);
        }
    }

    @Test
    void sameWeightsOnEveryThreadCountAndVectorWidth(@TempDir Path dir) throws Exception {
        String[] options = {"-XX:UseAVX=3", "-XX:UseAVX=2", "-XX:MaxVectorSize=16"};
        // The three children run side by side; each trains on 1, 2 and 3 threads in turn.
        List<ChildJvm.Running> running = new ArrayList<>();
        for (int i = 0; i < options.length; i++) {
            Path d = Files.createDirectory(dir.resolve("jvm" + i));
            running.add(ChildJvm.start(
                    true, List.of(options[i], "-XX:+UseParallelGC"), ReproducibleTrainingTest.class, d.toString()));
        }
        List<List<String>> outputs = new ArrayList<>();
        for (int i = 0; i < options.length; i++) {
            ChildJvm.Result r = running.get(i).await(300);
            assertEquals(0, r.exit(), "child JVM with " + options[i] + " failed:\n" + r.stderr());
            outputs.add(r.stdout().lines().toList());
        }
        List<String> reference = outputs.get(0);
        // Guard against testing nothing: the children must really run the narrower vectors.
        assertEquals("species Species[float, 4, S_128_BIT]", outputs.get(2).get(0), "-XX:MaxVectorSize=16");
        if (!outputs.get(1).get(0).contains("S_256_BIT")
                && !outputs.get(1).get(0).contains("S_128_BIT")) {
            throw new AssertionError("-XX:UseAVX=2 ran " + outputs.get(1).get(0));
        }
        for (int i = 0; i < options.length; i++) {
            List<String> lines = outputs.get(i);
            int perRun = workloads().size();
            for (int line = 1; line < lines.size(); line++) {
                int threads = (line - 1) / perRun + 1;
                String want = reference.get(1 + (line - 1) % perRun);
                assertEquals(
                        want,
                        lines.get(line),
                        "saved weights differ: " + options[i] + " (" + lines.get(0) + ") on " + threads
                                + " thread(s) against " + options[0] + " (" + reference.get(0) + ") on 1 thread");
            }
            assertEquals(1 + 3 * workloads().size(), lines.size(), String.join("\n", lines));
        }
    }
}
