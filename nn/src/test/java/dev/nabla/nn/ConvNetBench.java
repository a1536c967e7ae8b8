package dev.nabla.nn;

import dev.nabla.autograd.Autograd;
import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Times the {@code lenet_train} and {@code cnn_train} workloads of
 * {@code /work/shared/peers/torch_bench.py} (batch 64 of 3x32x32, forward + cross entropy +
 * backward + SGD with momentum 0.9) with the same timing rule (warm up, then the median of 5
 * repeats of a batch of steps taking > 0.2 s). Not a test: run its {@code main} with the test
 * class path, e.g. {@code java --add-modules jdk.incubator.vector -cp ... dev.nabla.nn.ConvNetBench}.
 */
public final class ConvNetBench {
    private ConvNetBench() {
    }

    /** LeNet-5 as in torch_bench.py. */
    static final class LeNet extends Module {
        final Conv2d c1;
        final Conv2d c2;
        final Linear f1;
        final Linear f2;
        final Linear f3;

        LeNet(Generator g) {
            c1 = registerModule("c1", new Conv2d(3, 6, 5, g));
            c2 = registerModule("c2", new Conv2d(6, 16, 5, g));
            f1 = registerModule("f1", new Linear(400, 120, g));
            f2 = registerModule("f2", new Linear(120, 84, g));
            f3 = registerModule("f3", new Linear(84, 10, g));
        }

        @Override
        public Variable forward(Variable x) {
            x = Functional.maxPool2d(c1.forward(x).relu(), 2);
            x = Functional.maxPool2d(c2.forward(x).relu(), 2);
            x = x.flatten(1, -1);
            return f3.forward(f2.forward(f1.forward(x).relu()).relu());
        }
    }

    static Module vgg(Generator g) {
        return new Sequential(new Conv2d(3, 32, 3, 1, 1, g), new ReLU(), new Conv2d(32, 32, 3, 1, 1, g), new ReLU(),
                new MaxPool2d(2), new Conv2d(32, 64, 3, 1, 1, g), new ReLU(), new Conv2d(64, 64, 3, 1, 1, g),
                new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(64 * 8 * 8, 256, g), new ReLU(),
                new Linear(256, 10, g));
    }

    /** A training step: zero grads, forward, cross entropy, backward, SGD momentum 0.9, lr 0.01. */
    static Runnable trainStep(Module model, Variable x, Variable y) {
        List<Variable> params = model.parameters();
        List<Tensor> velocity = new ArrayList<>();
        for (Variable p : params) {
            velocity.add(Tensor.zerosLike(p.data()));
        }
        Tensor momentum = Tensor.scalar(0.9f);
        Tensor lr = Tensor.scalar(0.01f);
        return () -> {
            model.zeroGrad();
            Functional.crossEntropy(model.forward(x), y).backward();
            try (var ignored = Autograd.noGrad()) {
                for (int i = 0; i < params.size(); i++) {
                    Variable p = params.get(i);
                    Tensor v = velocity.get(i);
                    v.mul(momentum, v);
                    v.add(p.gradTensor(), v);
                    p.data().sub(v.mul(lr), p.data());
                }
            }
        };
    }

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();

    /**
     * CPU seconds per call of the last {@link #timeit}: of the whole process, and of the calling
     * thread (which does all the work with {@code -Dnabla.threads=1}). Unlike wall time, CPU time
     * holds steady when other jobs share the machine.
     */
    static double cpuPerCall;
    static double threadCpuPerCall;

    static double timeit(Runnable fn) {
        // The JIT needs far more warm-up than CPython: run for two seconds first.
        long warm = System.nanoTime();
        while (System.nanoTime() - warm < 2_000_000_000L) {
            fn.run();
        }
        int n = 1;
        while (true) {
            long t = System.nanoTime();
            for (int i = 0; i < n; i++) {
                fn.run();
            }
            if ((System.nanoTime() - t) * 1e-9 > 0.2) {
                break;
            }
            n *= 2;
        }
        double[] per = new double[5];
        double[] cpu = new double[5];
        double[] own = new double[5];
        for (int r = 0; r < 5; r++) {
            long t = System.nanoTime();
            long c = OS.getProcessCpuTime();
            long o = THREADS.getCurrentThreadCpuTime();
            for (int i = 0; i < n; i++) {
                fn.run();
            }
            per[r] = (System.nanoTime() - t) * 1e-9 / n;
            cpu[r] = (OS.getProcessCpuTime() - c) * 1e-9 / n;
            own[r] = (THREADS.getCurrentThreadCpuTime() - o) * 1e-9 / n;
        }
        java.util.Arrays.sort(per);
        java.util.Arrays.sort(cpu);
        java.util.Arrays.sort(own);
        cpuPerCall = cpu[2];
        threadCpuPerCall = own[2];
        return per[2];
    }

    public static void main(String[] args) {
        String only = args.length > 0 ? args[0] : "lenet_train,cnn_train";
        Generator g = new Generator(0);
        Variable x = Variable.randn(g, 64, 3, 32, 32);
        Variable y = Variable.randint(g, 0, 10, 64);
        for (String w : only.split(",")) {
            Module m = switch (w) {
                case "lenet_train", "lenet_infer" -> new LeNet(g);
                case "cnn_train", "cnn_infer" -> vgg(g);
                default -> throw new IllegalArgumentException("unknown workload " + w);
            };
            Runnable step;
            if (w.endsWith("_train")) {
                step = trainStep(m, x, y);
            } else {
                m.eval();
                step = () -> {
                    try (var ignored = Autograd.noGrad()) {
                        m.forward(x);
                    }
                };
            }
            double sec = timeit(step);
            System.out.printf(Locale.ROOT, "%s\t%.4g\timages/s\t(%.2f ms/step; CPU-ms/step: process %.2f, caller %.2f)%n",
                    w, 64 / sec, sec * 1e3, cpuPerCall * 1e3, threadCpuPerCall * 1e3);
        }
    }
}
