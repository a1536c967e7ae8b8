package dev.nabla.samples.jmh;

import dev.nabla.tensor.kernel.Pool2d;
import dev.nabla.tensor.kernel.Pool2dSpec;
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
 * The CIFAR CNN's 2x2 pools at batch 64: {@code [64, 32, 32, 32]} and {@code [64, 64, 16, 16]},
 * max with indices and average, forward and backward. Bandwidth is the useful unit: a forward
 * pass reads the input once and writes a quarter of it (plus the indices).
 *
 * <pre>{@code
 * ./nabla jmh Pool2dBenchmark -f 1 -wi 3 -i 5
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:+UseParallelGC"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class Pool2dBenchmark {

    /** pool1: after the 32-channel 32x32 convolutions; pool2: after the 64-channel 16x16 ones. */
    @Param({"pool1", "pool2"})
    public String shape;

    private Pool2dSpec spec;
    private float[] x, y, dx;
    private int[] idx;

    @Setup
    public void setup() {
        spec = switch (shape) {
            case "pool1" -> Pool2dSpec.of(64, 32, 32, 32, 2, 2, 0, false);
            case "pool2" -> Pool2dSpec.of(64, 64, 16, 16, 2, 2, 0, false);
            default -> throw new IllegalArgumentException("unknown shape " + shape);
        };
        SplittableRandom r = new SplittableRandom(42);
        x = new float[spec.inputSize()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextDouble() * 2 - 1);
        }
        y = new float[spec.outputSize()];
        idx = new int[spec.outputSize()];
        dx = new float[spec.inputSize()];
        Pool2d.maxForward(spec, x, 0, y, 0, idx, 0);
    }

    @Benchmark
    public float[] maxForward() {
        Pool2d.maxForward(spec, x, 0, y, 0, idx, 0);
        return y;
    }

    @Benchmark
    public float[] maxBackward() {
        Pool2d.maxBackward(spec, y, 0, idx, 0, dx, 0);
        return dx;
    }

    @Benchmark
    public float[] avgForward() {
        Pool2d.avgForward(spec, true, x, 0, y, 0);
        return y;
    }

    @Benchmark
    public float[] avgBackward() {
        Pool2d.avgBackward(spec, true, y, 0, dx, 0);
        return dx;
    }
}
