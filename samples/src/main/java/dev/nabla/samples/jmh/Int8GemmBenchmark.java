package dev.nabla.samples.jmh;

import dev.nabla.tensor.DType;
import dev.nabla.tensor.QuantizedOps;
import dev.nabla.tensor.QuantizedWeight;
import dev.nabla.tensor.Tensor;
import dev.nabla.tensor.Threads;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.CompilerControl;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Which formulation of an int8 multiply-accumulate the JDK compiles to fast code, since the Vector
 * API has no dot-product operation. Every {@code tile*} benchmark computes the same 4-row,
 * 32-column (two 512-bit int vectors) tile of int32 sums over {@code K = 256}, that is
 * {@code 2 * 4 * 32 * 256 = 65,536} integer operations per call, from operands packed the way each
 * formulation wants them:
 *
 * <ul>
 *   <li>{@code tileInt32}: operands widened to int when packed; {@code vpmulld} + {@code vpaddd}
 *       (what {@code Int8Gemm} does);</li>
 *   <li>{@code tileShortPairs}: two k steps interleaved in 16-bit lanes; one {@code vpmullw} gives 32
 *       products, which an int reinterpretation sums in pairs (two shifts, two adds);</li>
 *   <li>{@code tileByteConvert}: int8 operands kept as bytes and widened per load with
 *       {@code convert(B2I)} ({@code vpmovsxbd}), as Lucene's int8 vector scorer does;</li>
 *   <li>{@code tileFloatFma}: the same integers as floats, one FMA per lane (exact while sums stay
 *       below 2^24);</li>
 *   <li>{@code tileAutoStream}: no Vector API; plain loops of the shape C2's auto-vectorizer turns
 *       into {@code MulAddVS2VI} ({@code vpdpwssd} on VNNI), {@code acc[j] += x[2j]*b[2j] +
 *       x[2j+1]*b[2j+1]}, with the broadcast operand's k pair replicated into {@code x};</li>
 *   <li>{@code tileAutoDot}: plain loops, one dot product per output as the reduction
 *       {@code s += a[2k]*b[2k] + a[2k+1]*b[2k+1]} over row-major shorts.</li>
 * </ul>
 *
 * <p>Vectors must not escape (no varargs or arrays of them): C2 then boxes every accumulator and
 * the loop runs 100 times slower, which is why each benchmark stores its tile itself.
 *
 * <p>{@code linearInt8} and {@code linearFloat} time a whole layer (batch 64, 512 to 512, the MLP of
 * {@code mlp_infer_int8}) on the library's int8 and float paths. GOP/s = ops / time; numbers and
 * reasoning in BENCHMARKS.md.
 *
 * <pre>{@code
 * ./nabla jmh Int8GemmBenchmark -f 1 -wi 3 -i 5 -p threads=1
 * }</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:+UseParallelGC"})
public class Int8GemmBenchmark {
    static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    static final VectorSpecies<Short> S = ShortVector.SPECIES_512;
    static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    static final int K = 256;
    static final int MR = 4;
    static final int L = 16;

    /** The tile's operands in every packing, with the same values. */
    @State(Scope.Benchmark)
    public static class Tile {
        int[] aInt = new int[K * MR];
        int[] bInt = new int[K * 2 * L];
        int[] aPairs = new int[K / 2 * MR];
        short[] bPairs = new short[K * 2 * L];
        byte[] bBytes = new byte[K * 2 * L];
        float[] aFloat = new float[K * MR];
        float[] bFloat = new float[K * 2 * L];
        short[] xPairs = new short[4 * L];
        short[] aRows = new short[MR * K];
        short[] bCols = new short[2 * L * K];
        int[] out = new int[MR * 2 * L];
        float[] outFloat = new float[MR * 2 * L];

        @Setup
        public void setUp() {
            Random rnd = new Random(1);
            for (int i = 0; i < aInt.length; i++) {
                aInt[i] = rnd.nextInt(511) - 255; // uint8 minus its zero point
                aFloat[i] = aInt[i];
            }
            for (int i = 0; i < bInt.length; i++) {
                bInt[i] = rnd.nextInt(255) - 127;
                bBytes[i] = (byte) bInt[i];
                bFloat[i] = bInt[i];
            }
            for (int k = 0; k < K; k++) {
                for (int r = 0; r < MR; r++) {
                    aRows[r * K + k] = (short) aInt[k * MR + r];
                }
                for (int c = 0; c < 2 * L; c++) {
                    bCols[c * K + k] = (short) bInt[k * 2 * L + c];
                }
            }
            for (int k = 0; k < K; k += 2) {
                for (int r = 0; r < MR; r++) {
                    aPairs[k / 2 * MR + r] = (aInt[k * MR + r] & 0xffff) | (aInt[(k + 1) * MR + r] << 16);
                }
                for (int c = 0; c < 2 * L; c++) {
                    bPairs[k * 2 * L + 2 * c] = (short) bInt[k * 2 * L + c];
                    bPairs[k * 2 * L + 2 * c + 1] = (short) bInt[(k + 1) * 2 * L + c];
                }
            }
        }
    }

    @Benchmark
    public int[] tileInt32(Tile t) {
        IntVector c00 = IntVector.zero(I), c01 = IntVector.zero(I), c10 = IntVector.zero(I), c11 = IntVector.zero(I);
        IntVector c20 = IntVector.zero(I), c21 = IntVector.zero(I), c30 = IntVector.zero(I), c31 = IntVector.zero(I);
        for (int k = 0; k < K; k++) {
            IntVector b0 = IntVector.fromArray(I, t.bInt, k * 2 * L);
            IntVector b1 = IntVector.fromArray(I, t.bInt, k * 2 * L + L);
            IntVector a = IntVector.broadcast(I, t.aInt[k * MR]);
            c00 = b0.mul(a).add(c00);
            c01 = b1.mul(a).add(c01);
            a = IntVector.broadcast(I, t.aInt[k * MR + 1]);
            c10 = b0.mul(a).add(c10);
            c11 = b1.mul(a).add(c11);
            a = IntVector.broadcast(I, t.aInt[k * MR + 2]);
            c20 = b0.mul(a).add(c20);
            c21 = b1.mul(a).add(c21);
            a = IntVector.broadcast(I, t.aInt[k * MR + 3]);
            c30 = b0.mul(a).add(c30);
            c31 = b1.mul(a).add(c31);
        }
        int[] o = t.out;
        c00.intoArray(o, 0);
        c01.intoArray(o, L);
        c10.intoArray(o, 2 * L);
        c11.intoArray(o, 3 * L);
        c20.intoArray(o, 4 * L);
        c21.intoArray(o, 5 * L);
        c30.intoArray(o, 6 * L);
        c31.intoArray(o, 7 * L);
        return o;
    }

    @Benchmark
    public int[] tileShortPairs(Tile t) {
        IntVector c00 = IntVector.zero(I), c01 = IntVector.zero(I), c10 = IntVector.zero(I), c11 = IntVector.zero(I);
        IntVector c20 = IntVector.zero(I), c21 = IntVector.zero(I), c30 = IntVector.zero(I), c31 = IntVector.zero(I);
        for (int k = 0; k < K; k += 2) {
            ShortVector b0 = ShortVector.fromArray(S, t.bPairs, k * 2 * L);
            ShortVector b1 = ShortVector.fromArray(S, t.bPairs, k * 2 * L + 2 * L);
            int ka = k / 2 * MR;
            ShortVector a = IntVector.broadcast(I, t.aPairs[ka]).reinterpretAsShorts();
            c00 = pairSum(b0.mul(a), c00);
            c01 = pairSum(b1.mul(a), c01);
            a = IntVector.broadcast(I, t.aPairs[ka + 1]).reinterpretAsShorts();
            c10 = pairSum(b0.mul(a), c10);
            c11 = pairSum(b1.mul(a), c11);
            a = IntVector.broadcast(I, t.aPairs[ka + 2]).reinterpretAsShorts();
            c20 = pairSum(b0.mul(a), c20);
            c21 = pairSum(b1.mul(a), c21);
            a = IntVector.broadcast(I, t.aPairs[ka + 3]).reinterpretAsShorts();
            c30 = pairSum(b0.mul(a), c30);
            c31 = pairSum(b1.mul(a), c31);
        }
        int[] o = t.out;
        c00.intoArray(o, 0);
        c01.intoArray(o, L);
        c10.intoArray(o, 2 * L);
        c11.intoArray(o, 3 * L);
        c20.intoArray(o, 4 * L);
        c21.intoArray(o, 5 * L);
        c30.intoArray(o, 6 * L);
        c31.intoArray(o, 7 * L);
        return o;
    }

    /** {@code acc + lo16(p) + hi16(p)} per int lane, both halves sign-extended (inlined, or the vectors box). */
    @CompilerControl(CompilerControl.Mode.INLINE)
    private static IntVector pairSum(ShortVector products, IntVector acc) {
        IntVector p = products.reinterpretAsInts();
        return acc.add(p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                .add(p.lanewise(VectorOperators.ASHR, 16));
    }

    @Benchmark
    public int[] tileByteConvert(Tile t) {
        IntVector c00 = IntVector.zero(I), c01 = IntVector.zero(I), c10 = IntVector.zero(I), c11 = IntVector.zero(I);
        IntVector c20 = IntVector.zero(I), c21 = IntVector.zero(I), c30 = IntVector.zero(I), c31 = IntVector.zero(I);
        for (int k = 0; k < K; k++) {
            IntVector b0 =
                    (IntVector) ByteVector.fromArray(B, t.bBytes, k * 2 * L).convertShape(VectorOperators.B2I, I, 0);
            IntVector b1 = (IntVector)
                    ByteVector.fromArray(B, t.bBytes, k * 2 * L + L).convertShape(VectorOperators.B2I, I, 0);
            IntVector a = IntVector.broadcast(I, t.aInt[k * MR]);
            c00 = b0.mul(a).add(c00);
            c01 = b1.mul(a).add(c01);
            a = IntVector.broadcast(I, t.aInt[k * MR + 1]);
            c10 = b0.mul(a).add(c10);
            c11 = b1.mul(a).add(c11);
            a = IntVector.broadcast(I, t.aInt[k * MR + 2]);
            c20 = b0.mul(a).add(c20);
            c21 = b1.mul(a).add(c21);
            a = IntVector.broadcast(I, t.aInt[k * MR + 3]);
            c30 = b0.mul(a).add(c30);
            c31 = b1.mul(a).add(c31);
        }
        int[] o = t.out;
        c00.intoArray(o, 0);
        c01.intoArray(o, L);
        c10.intoArray(o, 2 * L);
        c11.intoArray(o, 3 * L);
        c20.intoArray(o, 4 * L);
        c21.intoArray(o, 5 * L);
        c30.intoArray(o, 6 * L);
        c31.intoArray(o, 7 * L);
        return o;
    }

    @Benchmark
    public float[] tileFloatFma(Tile t) {
        FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F), c10 = FloatVector.zero(F);
        FloatVector c11 = FloatVector.zero(F), c20 = FloatVector.zero(F), c21 = FloatVector.zero(F);
        FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
        for (int k = 0; k < K; k++) {
            FloatVector b0 = FloatVector.fromArray(F, t.bFloat, k * 2 * L);
            FloatVector b1 = FloatVector.fromArray(F, t.bFloat, k * 2 * L + L);
            FloatVector a = FloatVector.broadcast(F, t.aFloat[k * MR]);
            c00 = b0.fma(a, c00);
            c01 = b1.fma(a, c01);
            a = FloatVector.broadcast(F, t.aFloat[k * MR + 1]);
            c10 = b0.fma(a, c10);
            c11 = b1.fma(a, c11);
            a = FloatVector.broadcast(F, t.aFloat[k * MR + 2]);
            c20 = b0.fma(a, c20);
            c21 = b1.fma(a, c21);
            a = FloatVector.broadcast(F, t.aFloat[k * MR + 3]);
            c30 = b0.fma(a, c30);
            c31 = b1.fma(a, c31);
        }
        float[] o = t.outFloat;
        c00.intoArray(o, 0);
        c01.intoArray(o, L);
        c10.intoArray(o, 2 * L);
        c11.intoArray(o, 3 * L);
        c20.intoArray(o, 4 * L);
        c21.intoArray(o, 5 * L);
        c30.intoArray(o, 6 * L);
        c31.intoArray(o, 7 * L);
        return o;
    }

    @Benchmark
    public int[] tileAutoStream(Tile t) {
        int[] o = t.out;
        short[] x = t.xPairs;
        short[] b = t.bPairs;
        Arrays.fill(o, 0);
        for (int k = 0; k < K; k += 2) {
            int bo = k * 2 * L;
            for (int r = 0; r < MR; r++) {
                short x0 = (short) t.aInt[k * MR + r];
                short x1 = (short) t.aInt[(k + 1) * MR + r];
                for (int j = 0; j < 2 * L; j++) {
                    x[2 * j] = x0;
                    x[2 * j + 1] = x1;
                }
                int oo = r * 2 * L;
                for (int j = 0; j < 2 * L; j++) {
                    o[oo + j] += x[2 * j] * b[bo + 2 * j] + x[2 * j + 1] * b[bo + 2 * j + 1];
                }
            }
        }
        return o;
    }

    @Benchmark
    public int[] tileAutoDot(Tile t) {
        int[] o = t.out;
        short[] a = t.aRows;
        short[] b = t.bCols;
        for (int r = 0; r < MR; r++) {
            for (int c = 0; c < 2 * L; c++) {
                int ao = r * K;
                int bo = c * K;
                int s = 0;
                for (int k = 0; k < K / 2; k++) {
                    s += a[ao + 2 * k] * b[bo + 2 * k] + a[ao + 2 * k + 1] * b[bo + 2 * k + 1];
                }
                o[r * 2 * L + c] = s;
            }
        }
        return o;
    }

    /** A 512 to 512 layer on a batch of 64, int8 and float32, on one thread. */
    @State(Scope.Benchmark)
    public static class Layer {
        Tensor xq;
        QuantizedWeight w;
        Tensor bias;
        Tensor x;
        Tensor wf;

        @Setup
        public void setUp() {
            Threads.set(1);
            Random rnd = new Random(2);
            float[] xs = new float[64 * 512];
            float[] ws = new float[512 * 512];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = (float) rnd.nextGaussian();
            }
            for (int i = 0; i < ws.length; i++) {
                ws[i] = (float) rnd.nextGaussian() * 0.05f;
            }
            x = Tensor.fromArray(xs, 64, 512);
            wf = Tensor.fromArray(ws, 512, 512).transpose(0, 1).contiguous();
            xq = x.quantizePerTensor(0.03, 128, DType.UINT8);
            float[] scales = new float[512];
            Arrays.fill(scales, 0.25f / 127);
            w = QuantizedWeight.quantize(Tensor.fromArray(ws, 512, 512), Tensor.fromArray(scales, 512));
            bias = Tensor.zeros(512);
        }
    }

    @Benchmark
    public Tensor linearInt8(Layer l) {
        return QuantizedOps.linear(l.xq, l.w, l.bias, 0.05, 128, false);
    }

    @Benchmark
    public Tensor linearFloat(Layer l) {
        return l.x.matmul(l.wf);
    }
}
