package dev.nabla.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nabla.autograd.Autograd;
import dev.nabla.autograd.Variable;
import dev.nabla.nn.models.ResNet20;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nabla's ResNet20 is the PyTorch CIFAR ResNet-20 (akamaster/pytorch_resnet_cifar10's
 * {@code resnet20()}): {@code src/test/python/resnet20_parity.py} builds that model, and its state
 * dict loads strictly into ours (same keys, same shapes) and gives the same logits in eval mode,
 * the same logits in training mode and the same updated batch-norm statistics. Skipped with a
 * message when Python or torch is missing.
 */
class ResNet20ParityTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final Path SCRIPT = Path.of("src/test/python/resnet20_parity.py");
    private static final int TORCH_MISSING = 77;

    @TempDir
    Path dir;

    private static void assertClose(Tensor want, Tensor got, double tol, String what) {
        assertEquals(want.shape(), got.shape(), what);
        float[] w = want.toArray();
        float[] g = got.toArray();
        for (int i = 0; i < w.length; i++) {
            assertTrue(
                    Math.abs(w[i] - g[i]) <= tol * (1 + Math.abs(w[i])),
                    what + "[" + i + "]: PyTorch " + w[i] + ", Nabla " + g[i]);
        }
    }

    @Test
    void pyTorchsResNet20LoadsStrictlyAndComputesTheSame() throws Exception {
        assumeTrue(Files.isExecutable(PYTHON), "skipped: " + PYTHON + " is not installed");
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

        Map<String, Tensor> theirs =
                SafeTensors.read(dir.resolve("resnet20_state.safetensors")).tensors();
        ResNet20 net = new ResNet20(3, 10, new Generator(42));
        assertEquals(
                List.copyOf(net.stateDict().keySet()).stream().sorted().toList(),
                theirs.keySet().stream().sorted().toList(),
                "the same keys");
        net.loadStateDict(theirs); // strict: every key and shape matches
        Map<String, Tensor> io =
                SafeTensors.read(dir.resolve("resnet20_io.safetensors")).tensors();
        Variable x = Variable.of(io.get("x"));
        try (var off = Autograd.noGrad()) {
            net.eval();
            assertClose(io.get("y_eval"), net.call(x).data(), 1e-4, "eval logits");
            net.train();
            assertClose(io.get("y_train"), net.call(x).data(), 1e-4, "training-mode logits");
        }
        Map<String, Tensor> after = SafeTensors.read(dir.resolve("resnet20_state_after.safetensors"))
                .tensors();
        Map<String, Tensor> ours = net.stateDict();
        after.forEach((k, t) -> {
            if (k.contains("running_") || k.endsWith("num_batches_tracked")) {
                assertClose(t, ours.get(k), 1e-5, k + " after the training-mode pass");
            }
        });
    }
}
