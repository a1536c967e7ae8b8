package dev.nabla.samples.jmh;

import dev.nabla.tensor.kernel.Gemm;
import dev.nabla.tensor.kernel.Parallel;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Times {@link Gemm#sgemm}: square {@code n x n x n} products (the PyTorch {@code gemm_N} peers of
 * {@code shared/peers/torch_bench.py}) and the skinny shapes of real layers.
 *
 * <p>GFLOP/s = {@code 2 * m * n * k / time}. The thread count comes from {@code -Dnabla.threads}
 * or, when {@code threads > 0}, from {@code -p threads=1,2}:
 * <pre>{@code
 * ./nabla jmh GemmBenchmark -f 1 -wi 3 -i 5
 * ./nabla jmh 'GemmBenchmark.square' -p threads=1,2 -p n=1024
 * }</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:+UseParallelGC"})
public class GemmBenchmark {

    /** Threads for the shared pool; 0 keeps the JVM's setting ({@code -Dnabla.threads}). */
    @State(Scope.Benchmark)
    public static class Threads {
        @Param({"0"})
        public int threads;

        @Setup(Level.Trial)
        public void apply() {
            if (threads > 0) {
                Parallel.setThreads(threads);
            }
        }
    }

    /** Operands of {@link #square}. */
    @State(Scope.Benchmark)
    public static class Square {
        @Param({"128", "256", "512", "1024", "2048"})
        public int n;

        float[] a;
        float[] b;
        float[] c;

        @Setup(Level.Trial)
        public void setUp() {
            Random rnd = new Random(1);
            a = random(n * n, rnd);
            b = random(n * n, rnd);
            c = new float[n * n];
        }
    }

    /** Operands of {@link #skinny}. */
    @State(Scope.Benchmark)
    public static class Skinny {
        /**
         * {@code TRANSPOSES:MxKxN}. NT:1x400x120 is a batch-1 Linear forward with the weight stored
         * out x in, NT:64x4096x256 and NT:64x784x512 are batch-64 Linear forwards, TN:512x64x784 the
         * weight gradient of the latter, NN:64x512x784 its input gradient, NN:32x27x1024 a 3x3
         * convolution of 3 input channels as im2col, NN:64x27x3 a tiny one.
         */
        @Param({
            "NT:1x400x120",
            "NT:64x4096x256",
            "NT:64x784x512",
            "TN:512x64x784",
            "NN:64x512x784",
            "NN:32x27x1024",
            "NN:64x27x3"
        })
        public String shape;

        boolean transA;
        boolean transB;
        int m;
        int k;
        int n;
        float[] a;
        float[] b;
        float[] c;
        Gemm.PackedB packed;

        @Setup(Level.Trial)
        public void setUp() {
            String[] parts = shape.split(":");
            transA = parts[0].charAt(0) == 'T';
            transB = parts[0].charAt(1) == 'T';
            String[] dims = parts[1].split("x");
            m = Integer.parseInt(dims[0]);
            k = Integer.parseInt(dims[1]);
            n = Integer.parseInt(dims[2]);
            Random rnd = new Random(2);
            a = random(m * k, rnd);
            b = random(k * n, rnd);
            c = new float[m * n];
            packed = Gemm.packB(transB, k, n, b, 0, transB ? k : n);
        }
    }

    private static float[] random(int size, Random rnd) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = rnd.nextFloat() * 2 - 1;
        }
        return x;
    }

    /** C = A * B for n x n matrices. */
    @Benchmark
    public float[] square(Threads t, Square s) {
        int n = s.n;
        Gemm.sgemm(false, false, n, n, n, 1f, s.a, 0, n, s.b, 0, n, 0f, s.c, 0, n);
        return s.c;
    }

    /** The layer shape {@code shape} with B packed beforehand ({@link Gemm#packB}), as for fixed weights. */
    @Benchmark
    public float[] skinnyPackedB(Threads t, Skinny s) {
        Gemm.sgemm(s.transA, s.m, 1f, s.a, 0, s.transA ? s.m : s.k, s.packed, 0f, s.c, 0, s.n);
        return s.c;
    }

    /** The layer shape {@code shape}. */
    @Benchmark
    public float[] skinny(Threads t, Skinny s) {
        Gemm.sgemm(
                s.transA,
                s.transB,
                s.m,
                s.n,
                s.k,
                1f,
                s.a,
                0,
                s.transA ? s.m : s.k,
                s.b,
                0,
                s.transB ? s.k : s.n,
                0f,
                s.c,
                0,
                s.n);
        return s.c;
    }
}
