package dev.nabla.tensor.kernel;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Int8 matrix multiply with int32 accumulation: the micro-kernel shared by the quantized linear
 * layers (here) and convolutions ({@link Int8Conv2d}).
 *
 * <p>Computes {@code C[i][j] = sum_k (x[i][k] - zx) * w[j][k]} for uint8 activations {@code x} with
 * zero point {@code zx} and int8 weights {@code w} (symmetric: zero point 0), then either
 * requantizes C to uint8 with a {@link Requantizer} (static quantization) or scales it to float
 * (dynamic quantization). All integer arithmetic is exact, so the result does not depend on the
 * vector width, the thread count or the order of the sums.
 *
 * <pre>{@code
 * byte[] x = {10, 20, 30};                                     // [1, 3] uint8, zero point 10
 * Int8Weights w = Int8Weights.forLinear(new byte[] {1, 2, 3, -1, 0, 1}, 0, 2, 3);
 * float[] y = new float[2];
 * Int8Gemm.linearFloat(1, 3, x, 0, 10, w, new float[] {0.5f, 0.5f}, null, y, 0);   // y = {40, 10}
 * }</pre>
 *
 * <h2>The formulation, and why</h2>
 * The Vector API has no dot-product operation (x86's {@code vpmaddwd}, {@code vpdpwssd} or
 * {@code vpdpbusd}, Arm's {@code sdot}), so every formulation spends one vector multiply per L
 * products. Measured on the AMD EPYC Zen 5 (AVX-512 VNNI) with JDK 25, one thread, 64 x 512 x 512
 * (numbers and commands in BENCHMARKS.md, JMH {@code Int8GemmBenchmark}):
 *
 * <ul>
 *   <li>int32 lanes ({@code vpmulld} + {@code vpaddd}, operands widened when packed), this class:
 *       147 us, 229 GOP/s, against 237 GFLOP/s for {@link Gemm}'s float kernel on the same shape.
 *       A multiply and an add per lane where float needs one FMA, on the same two multiply pipes:
 *       level with float32 per operation, not faster;</li>
 *   <li>weights kept as bytes and widened per load ({@code convert(B2I)}): 0.85-1.0x of the above
 *       (a shuffle per load, for a quarter of the weight traffic, which at batch 64 is not the
 *       bottleneck);</li>
 *   <li>C2's auto-vectorizer on plain Java loops over shorts (it has a {@code MulAddS2I} pattern
 *       that becomes {@code vpdpwssd} on VNNI): the streaming shape {@code out[i] += a[2i]*b[2i] +
 *       a[2i+1]*b[2i+1]} vectorizes (77 GOP/s, the accumulator loaded and stored per 32
 *       products), the reduction shape {@code s += ...} does not (4 GOP/s), and neither does a
 *       GEMM tile written either way (6-10 GOP/s: the short inner loops are unrolled before the
 *       vectorizer sees them, and the broadcast operand has no {@code [2i]} index);</li>
 *   <li>short pairs through an int reinterpretation ({@code vpmullw}, two shifts, two adds): more
 *       instructions per product than int32 lanes, and the reinterpreted vector boxes in JDK 25.</li>
 * </ul>
 *
 * <p>So the int8 path cannot beat float32 on a GEMM-bound layer through the JDK alone; it wins by
 * doing less around the GEMM: activations are quantized and centred in one vector pass while
 * packing, and each finished tile is requantized (or scaled to float) while still in cache
 * ({@code TileSink}), with no m x n accumulator array and no second pass.
 *
 * <h2>Micro-kernel</h2>
 * An {@code MR x NR} tile of C lives in {@code 2 * MR} int vectors ({@code NR = 2 * L}); each step
 * over k loads two vectors of the vector operand, broadcasts MR values of the broadcast operand and
 * issues {@code 2 * MR} multiplies and adds. {@code MR} is 8 with 32 vector registers (AVX-512,
 * AArch64) and 6 with 16 (AVX2), as in {@link Gemm}. The vector operand's row {@code kk} sits at
 * {@code b0 + off[kk]} and {@code b1 + off[kk]}: consecutive rows of a packed panel for a linear
 * layer, the taps of a zero-padded image for a stride-1 convolution (implicit GEMM), rows of an
 * unfolded image otherwise.
 *
 * <h2>One or two rows</h2>
 * A linear layer with at most {@link #ROW_PATH_MAX} rows (batch-1 inference) skips the tiles, which
 * would multiply MR - m rows of zeros: each row is multiplied by every weight panel read from a byte
 * copy of the panels, widened per load (a quarter of the int32 panels' memory traffic, which is what
 * a weight used once per call costs). The VGG-style CNN's 4096 -> 256 layer at batch 1: 88 us by
 * tiles, 19 us by rows, against 45 us for the float32 layer.
 */
public final class Int8Gemm {
    static final VectorSpecies<Integer> S = IntVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Columns of a tile: two vectors. */
    static final int NR = 2 * L;
    /** Rows of a tile: 8 with a 32-register file, 6 with 16. */
    static final int MR = S.vectorBitSize() >= 512 || "aarch64".equals(System.getProperty("os.arch")) ? 8 : 6;
    /** Below this many multiply-adds a call stays on the calling thread (see {@link Gemm#PARALLEL_MIN_MACS}). */
    static final long PARALLEL_MIN_MACS = 1L << 21;
    /** Bytes with as many lanes as {@link #S}: a weight row of a panel half, widened per load. */
    private static final VectorSpecies<Byte> BS =
            VectorSpecies.of(byte.class, VectorShape.forBitSize(S.vectorBitSize() / 4));
    /**
     * Below this many rows a linear layer takes the row-by-row path ({@link #rowsTimesPanels}): a
     * tile of MR rows would multiply MR - m rows of zeros (8x the work at batch 1).
     */
    static final int ROW_PATH_MAX = 2;
    /** Multiply-adds above which the row-by-row path splits its panels over threads. */
    static final long ROW_PARALLEL_MIN_MACS = 1L << 18;

    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    /** Per-thread scratch that only grows, so steady-state calls allocate nothing. */
    static final class Buffers {
        int[] packed = new int[0];
        int[] acc = new int[0];
        int[] pad = new int[0];
        int[] row = new int[0];
        final int[] tile = new int[8 * 2 * 64];

        int[] packed(int n) {
            if (packed.length < n) {
                packed = new int[n];
            }
            return packed;
        }

        int[] acc(int n) {
            if (acc.length < n) {
                acc = new int[n];
            }
            return acc;
        }

        int[] row(int n) {
            if (row.length < n) {
                row = new int[n];
            }
            return row;
        }

        int[] pad(int n) {
            if (pad.length < n) {
                pad = new int[n];
            }
            return pad;
        }
    }

    private Int8Gemm() {}

    static Buffers buffers() {
        return BUFFERS.get();
    }

    // ------------------------------------------------------------------ micro-kernel

    /**
     * {@code tile[r * NR + c] = sum_{kk < kc} a[ao + kk*MR + r] * b[(c < L ? b0 + c : b1 + c - L) + off[kk]]}
     * for {@code r < MR}, {@code c < NR}.
     */
    static void kernel(int kc, int[] a, int ao, int[] b, int b0, int b1, int[] off, int[] tile) {
        if (MR == 8) {
            kernel8(kc, a, ao, b, b0, b1, off, tile);
        } else {
            kernel6(kc, a, ao, b, b0, b1, off, tile);
        }
    }

    private static void kernel8(int kc, int[] a, int ao, int[] b, int b0, int b1, int[] off, int[] tile) {
        IntVector c00 = IntVector.zero(S), c01 = IntVector.zero(S);
        IntVector c10 = IntVector.zero(S), c11 = IntVector.zero(S);
        IntVector c20 = IntVector.zero(S), c21 = IntVector.zero(S);
        IntVector c30 = IntVector.zero(S), c31 = IntVector.zero(S);
        IntVector c40 = IntVector.zero(S), c41 = IntVector.zero(S);
        IntVector c50 = IntVector.zero(S), c51 = IntVector.zero(S);
        IntVector c60 = IntVector.zero(S), c61 = IntVector.zero(S);
        IntVector c70 = IntVector.zero(S), c71 = IntVector.zero(S);
        for (int kk = 0, ak = ao; kk < kc; kk++, ak += 8) {
            int o = off[kk];
            IntVector v0 = IntVector.fromArray(S, b, b0 + o);
            IntVector v1 = IntVector.fromArray(S, b, b1 + o);
            IntVector x = IntVector.broadcast(S, a[ak]);
            c00 = v0.mul(x).add(c00);
            c01 = v1.mul(x).add(c01);
            x = IntVector.broadcast(S, a[ak + 1]);
            c10 = v0.mul(x).add(c10);
            c11 = v1.mul(x).add(c11);
            x = IntVector.broadcast(S, a[ak + 2]);
            c20 = v0.mul(x).add(c20);
            c21 = v1.mul(x).add(c21);
            x = IntVector.broadcast(S, a[ak + 3]);
            c30 = v0.mul(x).add(c30);
            c31 = v1.mul(x).add(c31);
            x = IntVector.broadcast(S, a[ak + 4]);
            c40 = v0.mul(x).add(c40);
            c41 = v1.mul(x).add(c41);
            x = IntVector.broadcast(S, a[ak + 5]);
            c50 = v0.mul(x).add(c50);
            c51 = v1.mul(x).add(c51);
            x = IntVector.broadcast(S, a[ak + 6]);
            c60 = v0.mul(x).add(c60);
            c61 = v1.mul(x).add(c61);
            x = IntVector.broadcast(S, a[ak + 7]);
            c70 = v0.mul(x).add(c70);
            c71 = v1.mul(x).add(c71);
        }
        // Stores go through a fresh zero vector: a loop-carried accumulator's class is a merge C2
        // may not resolve, and a call on it would then box (see Gemm).
        IntVector z = IntVector.zero(S);
        z.add(c00).intoArray(tile, 0);
        z.add(c01).intoArray(tile, L);
        z.add(c10).intoArray(tile, NR);
        z.add(c11).intoArray(tile, NR + L);
        z.add(c20).intoArray(tile, 2 * NR);
        z.add(c21).intoArray(tile, 2 * NR + L);
        z.add(c30).intoArray(tile, 3 * NR);
        z.add(c31).intoArray(tile, 3 * NR + L);
        z.add(c40).intoArray(tile, 4 * NR);
        z.add(c41).intoArray(tile, 4 * NR + L);
        z.add(c50).intoArray(tile, 5 * NR);
        z.add(c51).intoArray(tile, 5 * NR + L);
        z.add(c60).intoArray(tile, 6 * NR);
        z.add(c61).intoArray(tile, 6 * NR + L);
        z.add(c70).intoArray(tile, 7 * NR);
        z.add(c71).intoArray(tile, 7 * NR + L);
    }

    private static void kernel6(int kc, int[] a, int ao, int[] b, int b0, int b1, int[] off, int[] tile) {
        IntVector c00 = IntVector.zero(S), c01 = IntVector.zero(S);
        IntVector c10 = IntVector.zero(S), c11 = IntVector.zero(S);
        IntVector c20 = IntVector.zero(S), c21 = IntVector.zero(S);
        IntVector c30 = IntVector.zero(S), c31 = IntVector.zero(S);
        IntVector c40 = IntVector.zero(S), c41 = IntVector.zero(S);
        IntVector c50 = IntVector.zero(S), c51 = IntVector.zero(S);
        for (int kk = 0, ak = ao; kk < kc; kk++, ak += 6) {
            int o = off[kk];
            IntVector v0 = IntVector.fromArray(S, b, b0 + o);
            IntVector v1 = IntVector.fromArray(S, b, b1 + o);
            IntVector x = IntVector.broadcast(S, a[ak]);
            c00 = v0.mul(x).add(c00);
            c01 = v1.mul(x).add(c01);
            x = IntVector.broadcast(S, a[ak + 1]);
            c10 = v0.mul(x).add(c10);
            c11 = v1.mul(x).add(c11);
            x = IntVector.broadcast(S, a[ak + 2]);
            c20 = v0.mul(x).add(c20);
            c21 = v1.mul(x).add(c21);
            x = IntVector.broadcast(S, a[ak + 3]);
            c30 = v0.mul(x).add(c30);
            c31 = v1.mul(x).add(c31);
            x = IntVector.broadcast(S, a[ak + 4]);
            c40 = v0.mul(x).add(c40);
            c41 = v1.mul(x).add(c41);
            x = IntVector.broadcast(S, a[ak + 5]);
            c50 = v0.mul(x).add(c50);
            c51 = v1.mul(x).add(c51);
        }
        IntVector z = IntVector.zero(S);
        z.add(c00).intoArray(tile, 0);
        z.add(c01).intoArray(tile, L);
        z.add(c10).intoArray(tile, NR);
        z.add(c11).intoArray(tile, NR + L);
        z.add(c20).intoArray(tile, 2 * NR);
        z.add(c21).intoArray(tile, 2 * NR + L);
        z.add(c30).intoArray(tile, 3 * NR);
        z.add(c31).intoArray(tile, 3 * NR + L);
        z.add(c40).intoArray(tile, 4 * NR);
        z.add(c41).intoArray(tile, 4 * NR + L);
        z.add(c50).intoArray(tile, 5 * NR);
        z.add(c51).intoArray(tile, 5 * NR + L);
    }

    /**
     * {@link #kernel} for a tile of at most L columns (the last panel of a narrow layer, such as a
     * 10-class output): the second vector column would be all padding, so it is not computed;
     * {@code tile[r * NR + c]} for {@code c < L} only.
     */
    static void kernelHalf(int kc, int[] a, int ao, int[] b, int b0, int[] off, int[] tile) {
        if (MR == 8) {
            kernelHalf8(kc, a, ao, b, b0, off, tile);
        } else {
            kernelHalf6(kc, a, ao, b, b0, off, tile);
        }
    }

    private static void kernelHalf8(int kc, int[] a, int ao, int[] b, int b0, int[] off, int[] tile) {
        IntVector c0 = IntVector.zero(S), c1 = IntVector.zero(S), c2 = IntVector.zero(S), c3 = IntVector.zero(S);
        IntVector c4 = IntVector.zero(S), c5 = IntVector.zero(S), c6 = IntVector.zero(S), c7 = IntVector.zero(S);
        for (int kk = 0, ak = ao; kk < kc; kk++, ak += 8) {
            IntVector v = IntVector.fromArray(S, b, b0 + off[kk]);
            c0 = v.mul(a[ak]).add(c0);
            c1 = v.mul(a[ak + 1]).add(c1);
            c2 = v.mul(a[ak + 2]).add(c2);
            c3 = v.mul(a[ak + 3]).add(c3);
            c4 = v.mul(a[ak + 4]).add(c4);
            c5 = v.mul(a[ak + 5]).add(c5);
            c6 = v.mul(a[ak + 6]).add(c6);
            c7 = v.mul(a[ak + 7]).add(c7);
        }
        IntVector z = IntVector.zero(S);
        z.add(c0).intoArray(tile, 0);
        z.add(c1).intoArray(tile, NR);
        z.add(c2).intoArray(tile, 2 * NR);
        z.add(c3).intoArray(tile, 3 * NR);
        z.add(c4).intoArray(tile, 4 * NR);
        z.add(c5).intoArray(tile, 5 * NR);
        z.add(c6).intoArray(tile, 6 * NR);
        z.add(c7).intoArray(tile, 7 * NR);
    }

    private static void kernelHalf6(int kc, int[] a, int ao, int[] b, int b0, int[] off, int[] tile) {
        IntVector c0 = IntVector.zero(S), c1 = IntVector.zero(S), c2 = IntVector.zero(S);
        IntVector c3 = IntVector.zero(S), c4 = IntVector.zero(S), c5 = IntVector.zero(S);
        for (int kk = 0, ak = ao; kk < kc; kk++, ak += 6) {
            IntVector v = IntVector.fromArray(S, b, b0 + off[kk]);
            c0 = v.mul(a[ak]).add(c0);
            c1 = v.mul(a[ak + 1]).add(c1);
            c2 = v.mul(a[ak + 2]).add(c2);
            c3 = v.mul(a[ak + 3]).add(c3);
            c4 = v.mul(a[ak + 4]).add(c4);
            c5 = v.mul(a[ak + 5]).add(c5);
        }
        IntVector z = IntVector.zero(S);
        z.add(c0).intoArray(tile, 0);
        z.add(c1).intoArray(tile, NR);
        z.add(c2).intoArray(tile, 2 * NR);
        z.add(c3).intoArray(tile, 3 * NR);
        z.add(c4).intoArray(tile, 4 * NR);
        z.add(c5).intoArray(tile, 5 * NR);
    }

    // ------------------------------------------------------------------ linear layers

    /**
     * Static quantized linear layer: {@code y[i][j] = rq.apply(j, sum_k (x[i][k] - xZero) * w[j][k])}
     * for {@code m} rows of uint8 {@code x[xo ...]} ({@code m x k}), written as uint8 (or int8,
     * per the requantizer's range) to {@code y[yo ...]} ({@code m x n}).
     */
    public static void linear(
            int m, int k, byte[] x, int xo, int xZero, Int8Weights w, Requantizer rq, byte[] y, int yo) {
        int n = w.out;
        checkLinear("quantized linear", m, k, w, x.length - xo, y.length - yo);
        if (rq.channels() != n) {
            throw new IllegalArgumentException(
                    "quantized linear: " + rq.channels() + " requantizer channels for " + n + " output features");
        }
        TileSink sink = (tile, i0, rows, j0, cols) -> {
            for (int r = 0; r < rows; r++) {
                rq.colsInPlace(j0, tile, r * NR, cols);
                Int8Elementwise.narrow(tile, r * NR, y, yo + (i0 + r) * n + j0, cols);
            }
        };
        if (m <= ROW_PATH_MAX) {
            rowsTimesPanels(m, k, w, centredBytes(x, xo, k, xZero), sink);
            return;
        }
        multiply(m, k, packRows(m, k, n, x, xo, xZero), w, sink);
    }

    /**
     * Dynamic quantized linear layer: quantizes float {@code x[xo ...]} ({@code m x k}) to uint8 with
     * {@code xScale} and {@code xZero} (rounding half to even, clamped to 0..255) while packing it,
     * multiplies, and writes {@code y[i][j] = acc * colScale[j] + bias[j]} as float ({@code bias} may
     * be null); {@code colScale[j]} is {@code xScale * weightScale[j]}.
     */
    public static void linearFloat(
            int m,
            int k,
            float[] x,
            int xo,
            float xScale,
            int xZero,
            Int8Weights w,
            float[] colScale,
            float[] bias,
            float[] y,
            int yo) {
        int n = w.out;
        checkLinear("dynamic quantized linear", m, k, w, x.length - xo, y.length - yo);
        float inv = 1f / xScale;
        // Each row quantized in one vector pass: the dynamic layer does this for every batch.
        RowSource rows = (i, row) -> Int8Elementwise.quantizeCentred(x, xo + i * k, k, inv, xZero, 0, 255, row, 0);
        TileSink sink = (tile, i0, count, j0, cols) -> {
            for (int r = 0; r < count; r++) {
                Int8Elementwise.scaleRow(tile, r * NR, colScale, bias, j0, y, yo + (i0 + r) * n + j0, cols);
            }
        };
        if (m <= ROW_PATH_MAX) {
            rowsTimesPanels(m, k, w, rows, sink);
            return;
        }
        multiply(m, k, packPanels(m, k, w.out, rows), w, sink);
    }

    private static void checkLinear(String op, int m, int k, Int8Weights w, long xAvail, long yAvail) {
        if (!w.vectorSide) {
            throw new IllegalArgumentException(op + ": the weights are packed for a convolution (Int8Weights.forConv)");
        }
        if (k != w.k || m < 0) {
            throw new IllegalArgumentException(
                    op + ": input rows of " + k + " values for weights " + w.out + " x " + w.k + " (m=" + m + ")");
        }
        if (xAvail < (long) m * k || yAvail < (long) m * w.out) {
            throw new IllegalArgumentException(op + ": arrays too short for m=" + m + ", k=" + k + ", n=" + w.out);
        }
    }

    /** Packs {@code x - zero} in panels of MR rows, {@code ap[panel][kk][r]}, zero past row m. */
    private static int[] packRows(int m, int k, int n, byte[] x, int xo, int zero) {
        return packPanels(m, k, n, centredBytes(x, xo, k, zero));
    }

    /** Row {@code i} of uint8 {@code x[xo ...]} ({@code k} per row) minus {@code zero}. */
    private static RowSource centredBytes(byte[] x, int xo, int k, int zero) {
        return (i, row) -> {
            int from = xo + i * k;
            for (int kk = 0; kk < k; kk++) {
                row[kk] = (x[from + kk] & 0xFF) - zero;
            }
        };
    }

    /**
     * The linear layer for a batch of one or two rows: each row (centred, from {@code source}) times
     * every weight panel, streaming the byte copy of the panels and widening them per load, into
     * {@code sink} one row tile at a time. The weights are read once per row instead of once per
     * tile of MR rows (of which all but m would be zeros), a quarter of the int32 panels' bytes.
     */
    private static void rowsTimesPanels(int m, int k, Int8Weights w, RowSource source, TileSink sink) {
        int np = (w.out + NR - 1) / NR;
        long macs = (long) m * np * NR * k;
        int chunks = macs < ROW_PARALLEL_MIN_MACS ? 1 : Parallel.chunks(np, 1);
        Parallel.forChunks(np, chunks, (p0, p1) -> {
            Buffers b = buffers();
            int[] row = b.row(k);
            int[] tile = b.tile;
            for (int i = 0; i < m; i++) {
                source.fill(i, row);
                for (int p = p0; p < p1; p++) {
                    rowTimesPanel(k, row, w.bytePanels, p * k * NR, tile);
                    sink.accept(tile, i, 1, p * NR, Math.min(NR, w.out - p * NR));
                }
            }
        });
    }

    /**
     * {@code tile[c] = sum_{kk < k} x[kk] * wb[bo + kk*NR + c]} for {@code c < NR}: four steps of k
     * at a time into separate accumulators, so the multiply-add chains overlap (the sums are exact
     * integers, so their order does not matter).
     */
    private static void rowTimesPanel(int k, int[] x, byte[] wb, int bo, int[] tile) {
        IntVector a0 = IntVector.zero(S), a1 = IntVector.zero(S);
        IntVector b0 = IntVector.zero(S), b1 = IntVector.zero(S);
        IntVector c0 = IntVector.zero(S), c1 = IntVector.zero(S);
        IntVector d0 = IntVector.zero(S), d1 = IntVector.zero(S);
        int kk = 0;
        for (int o = bo; kk <= k - 4; kk += 4, o += 4 * NR) {
            IntVector x0 = IntVector.broadcast(S, x[kk]);
            a0 = widen(wb, o).mul(x0).add(a0);
            a1 = widen(wb, o + L).mul(x0).add(a1);
            IntVector x1 = IntVector.broadcast(S, x[kk + 1]);
            b0 = widen(wb, o + NR).mul(x1).add(b0);
            b1 = widen(wb, o + NR + L).mul(x1).add(b1);
            IntVector x2 = IntVector.broadcast(S, x[kk + 2]);
            c0 = widen(wb, o + 2 * NR).mul(x2).add(c0);
            c1 = widen(wb, o + 2 * NR + L).mul(x2).add(c1);
            IntVector x3 = IntVector.broadcast(S, x[kk + 3]);
            d0 = widen(wb, o + 3 * NR).mul(x3).add(d0);
            d1 = widen(wb, o + 3 * NR + L).mul(x3).add(d1);
        }
        for (int o = bo + kk * NR; kk < k; kk++, o += NR) {
            IntVector x0 = IntVector.broadcast(S, x[kk]);
            a0 = widen(wb, o).mul(x0).add(a0);
            a1 = widen(wb, o + L).mul(x0).add(a1);
        }
        a0.add(b0).add(c0.add(d0)).intoArray(tile, 0);
        a1.add(b1).add(c1.add(d1)).intoArray(tile, L);
    }

    /** L signed bytes from {@code wb[at]}, as ints. */
    private static IntVector widen(byte[] wb, int at) {
        return (IntVector) ByteVector.fromArray(BS, wb, at).convertShape(VectorOperators.B2I, S, 0);
    }

    /** Writes row {@code i} of the centred input, {@code k} ints, into {@code row}. */
    @FunctionalInterface
    private interface RowSource {
        void fill(int i, int[] row);
    }

    /**
     * Packs the rows {@code source} gives in panels of MR rows, {@code ap[panel][kk][r]}, zero past
     * row m; the panels are packed in parallel (on two threads a serial pass here cost a quarter of
     * a dynamic linear layer).
     */
    private static int[] packPanels(int m, int k, int n, RowSource source) {
        int mp = (m + MR - 1) / MR;
        int[] ap = buffers().packed(mp * MR * k);
        Parallel.forChunks(mp, packChunks(m, k, n, mp), (p0, p1) -> {
            int[] row = buffers().row(k);
            for (int ib = p0; ib < p1; ib++) {
                int base = ib * MR * k;
                for (int r = 0; r < MR; r++) {
                    int i = ib * MR + r;
                    if (i >= m) {
                        for (int kk = 0; kk < k; kk++) {
                            ap[base + kk * MR + r] = 0;
                        }
                        continue;
                    }
                    source.fill(i, row);
                    for (int kk = 0; kk < k; kk++) {
                        ap[base + kk * MR + r] = row[kk];
                    }
                }
            }
        });
        return ap;
    }

    /** Packing runs in parallel exactly when the multiply that follows does. */
    private static int packChunks(int m, int k, int n, int panels) {
        return (long) m * n * k < PARALLEL_MIN_MACS ? 1 : Parallel.chunks(panels, 1);
    }

    /**
     * What happens to a finished tile while it is still in cache (requantize and narrow, or scale
     * to float): rows {@code i0 ..} and columns {@code j0 ..} of C, {@code tile[r * NR + c]}. One
     * call per tile, so the epilogue needs no m x n accumulator array and no second pass.
     */
    @FunctionalInterface
    interface TileSink {
        void accept(int[] tile, int i0, int rows, int j0, int cols);
    }

    /** {@code C[i][j] = sum_k ap(i, k) * w(j, k)}, tile by tile into {@code sink}; tiles in parallel. */
    private static void multiply(int m, int k, int[] ap, Int8Weights w, TileSink sink) {
        int n = w.out;
        int mp = (m + MR - 1) / MR;
        int np = (n + NR - 1) / NR;
        int tiles = mp * np;
        long macs = (long) m * n * k;
        int chunks = macs < PARALLEL_MIN_MACS ? 1 : Parallel.chunks(tiles, 1);
        Parallel.forChunks(tiles, chunks, (t0, t1) -> {
            int[] tile = buffers().tile;
            for (int t = t0; t < t1; t++) {
                // Panel-major order: consecutive tiles share a weight panel, which stays in cache.
                int jp = t / mp;
                int ib = t % mp;
                int bo = jp * k * NR;
                int cols = Math.min(NR, n - jp * NR);
                if (cols <= L) {
                    kernelHalf(k, ap, ib * MR * k, w.panels, bo, w.offsets, tile);
                } else {
                    kernel(k, ap, ib * MR * k, w.panels, bo, bo + L, w.offsets, tile);
                }
                sink.accept(tile, ib * MR, Math.min(MR, m - ib * MR), jp * NR, cols);
            }
        });
    }
}
