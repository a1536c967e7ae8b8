package dev.nabla.nn;

import dev.nabla.autograd.Variable;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.util.Locale;

/**
 * Times batch norm and layer norm forward + backward in training mode on the shapes of the
 * CIFAR VGG-with-BN peer ({@code [64, 32, 32, 32]}, {@code [64, 64, 16, 16]}) and a transformer
 * block ({@code [32, 64, 128]}); compare with {@code norm_bench.py}. Not a test: run its main.
 */
public final class NormBench {
    private NormBench() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        for (int r = 0; r < rounds; r++) {
            run();
        }
    }

    private static void run() {
        Generator g = new Generator(0);
        for (int[] s : new int[][] {{64, 32, 32, 32}, {64, 64, 16, 16}, {256, 512}}) {
            BatchNorm m = s.length == 4 ? new BatchNorm2d(s[1]) : new BatchNorm1d(s[1]);
            Variable x = Variable.randn(g, s).requiresGrad(true);
            Tensor proj = Tensor.randn(g, s);
            double sec = ConvNetBench.timeit(() -> {
                x.setGrad(null);
                m.zeroGrad();
                m.forward(x).backward(proj);
            });
            System.out.printf(Locale.ROOT, "batchnorm %s\t%.3f ms\t(CPU-ms: process %.3f, caller %.3f)%n",
                    java.util.Arrays.toString(s), sec * 1e3, ConvNetBench.cpuPerCall * 1e3,
                    ConvNetBench.threadCpuPerCall * 1e3);
        }
        LayerNorm ln = new LayerNorm(128);
        Variable x = Variable.randn(g, 32, 64, 128).requiresGrad(true);
        Tensor proj = Tensor.randn(g, 32, 64, 128);
        double sec = ConvNetBench.timeit(() -> {
            x.setGrad(null);
            ln.zeroGrad();
            ln.forward(x).backward(proj);
        });
        System.out.printf(Locale.ROOT, "layernorm [32, 64, 128]\t%.3f ms\t(CPU-ms: process %.3f, caller %.3f)%n",
                sec * 1e3, ConvNetBench.cpuPerCall * 1e3, ConvNetBench.threadCpuPerCall * 1e3);
    }
}
