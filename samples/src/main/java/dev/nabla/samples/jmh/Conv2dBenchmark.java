package dev.nabla.samples.jmh;

import dev.nabla.tensor.kernel.Conv2d;
import dev.nabla.tensor.kernel.Conv2dSpec;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The convolution passes on the shapes of the CIFAR CNN of {@code torch_bench.py} (batch 64,
 * 3x3, padding 1) and of LeNet-5 (5x5, no padding). Effective GFLOP/s of a pass is
 * {@code spec.flops() / time}; the flop counts are printed at setup.
 *
 * <pre>{@code
 * ./nabla jmh Conv2dBenchmark -f 1 -wi 3 -i 5
 * ./nabla jmh Conv2dBenchmark -p shape=cifar2 -p batch=1
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:+UseParallelGC"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class Conv2dBenchmark {

    /** cifar1..4: the CNN's four convolutions; lenet1..2: LeNet-5's two. */
    @Param({"cifar1", "cifar2", "cifar3", "cifar4"})
    public String shape;

    @Param({"64"})
    public int batch;

    private Conv2dSpec spec;
    private float[] x, w, b, y, dx, dw;

    static Conv2dSpec spec(String shape, int batch) {
        return switch (shape) {
            case "cifar1" -> Conv2dSpec.of(batch, 3, 32, 32, 32, 3, 1, 1);
            case "cifar2" -> Conv2dSpec.of(batch, 32, 32, 32, 32, 3, 1, 1);
            case "cifar3" -> Conv2dSpec.of(batch, 32, 16, 16, 64, 3, 1, 1);
            case "cifar4" -> Conv2dSpec.of(batch, 64, 16, 16, 64, 3, 1, 1);
            case "lenet1" -> Conv2dSpec.of(batch, 3, 32, 32, 6, 5, 1, 0);
            case "lenet2" -> Conv2dSpec.of(batch, 6, 14, 14, 16, 5, 1, 0);
            default -> throw new IllegalArgumentException("unknown shape " + shape);
        };
    }

    @Setup
    public void setup() {
        spec = spec(shape, batch);
        SplittableRandom r = new SplittableRandom(42);
        x = random(r, spec.inputSize());
        w = random(r, spec.weightSize());
        b = random(r, spec.outChannels());
        y = random(r, spec.outputSize());
        dx = new float[spec.inputSize()];
        dw = new float[spec.weightSize()];
        System.out.printf("%n%s batch %d: %.4f GFLOP per pass%n", shape, batch, spec.flops() / 1e9);
    }

    private static float[] random(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return a;
    }

    @Benchmark
    public float[] forward() {
        Conv2d.forward(spec, x, 0, w, 0, b, 0, y, 0);
        return y;
    }

    /** Accumulates into dx from call to call, as autograd would into a zeroed buffer. */
    @Benchmark
    public float[] gradInput() {
        Conv2d.backwardInput(spec, y, 0, w, 0, dx, 0);
        return dx;
    }

    @Benchmark
    public float[] gradWeight() {
        Conv2d.backwardWeight(spec, x, 0, y, 0, dw, 0);
        return dw;
    }
}
