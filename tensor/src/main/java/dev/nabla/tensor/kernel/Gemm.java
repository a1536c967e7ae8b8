package dev.nabla.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Single-precision general matrix multiply, row-major:
 * {@code C = alpha * op(A) * op(B) + beta * C}, where {@code op(X)} is X or its transpose.
 *
 * <p>A is {@code m x k} (stored {@code k x m} when {@code transA}), B is {@code k x n} (stored
 * {@code n x k} when {@code transB}); {@code lda}, {@code ldb}, {@code ldc} are the row pitches of
 * the stored matrices. {@code beta == 0} overwrites C without reading it (NaN in C does not leak);
 * {@code alpha == 0} or {@code k == 0} only scales C by beta and reads neither A nor B.
 *
 * <pre>{@code
 * float[] a = {1, 2, 3, 4}, b = {5, 6, 7, 8}, c = new float[4];
 * Gemm.sgemm(false, false, 2, 2, 2, 1f, a, 0, 2, b, 0, 2, 0f, c, 0, 2);   // c = {19, 22, 43, 50}
 * }</pre>
 *
 * <h2>Design (GotoBLAS / BLIS)</h2>
 * Loops, outermost first: {@code jc} over NC columns of C, {@code pc} over KC deep slices of k
 * (pack op(B)[pc, jc] into NR-column panels), {@code ic} over MC rows (pack op(A)[ic, pc] into
 * MR-row panels), {@code jr} over the B panels, {@code ir} over the A panels, micro-kernel.
 * <ul>
 * <li><b>Micro-kernel</b>: an {@code MR x NR} block of C lives in {@code MR * 2} vector
 * accumulators, {@code NR = 2 * L} with {@code L} the lanes of {@code SPECIES_PREFERRED}. Each
 * step over k loads two vectors of packed B, broadcasts MR packed A values from memory and issues
 * {@code 2 * MR} FMAs. With 32 vector registers (AVX-512, AArch64) {@code MR = 8}: 16 accumulators
 * + 2 B + 1 broadcast; with 16 (AVX2) {@code MR = 6}: 12 + 2 + 1 = 15, the classic Haswell 6x16.
 * C2's code was checked with a disassembler: the inner loop is only vmovups, vbroadcastss and
 * vfmadd231ps, no spills, no bounds checks (hoisted by loop predication). Measured on the Zen 4
 * development machine (AVX-512, 16 lanes, so 8x32): in-cache kernels 6x32, 8x32, 12x32, 4x64 all
 * reach ~100-110 GFLOP/s on one core (~95 % of peak); 8 rows divide the usual batch sizes. With
 * {@code -XX:UseAVX=2} (16 registers, 8 lanes) 6x16 reaches 79 GFLOP/s at n = 1024 where 8x16
 * spills and drops to 51, hence MR depends on the register file.
 * <li><b>Packing</b>: op(A) goes to {@code ap[p * MR + r]} panels and op(B) to
 * {@code bp[p * NR + c]} panels, zero-padded at the edges, so the kernel only reads unit-stride
 * memory and the four transpose cases differ only in the packing loops; nothing is ever
 * transposed as a whole. The layouts that need a transpose (A not transposed, B transposed) move
 * 8x8 blocks through 256-bit registers (three butterfly stages), ~3x faster than scalar copies.
 * Partial edge tiles are computed into a small tile buffer and merged.
 * <li><b>Cache blocking</b>: {@code KC = 1024}, {@code MC = 48}, {@code NC = 1024}. The textbook
 * choice (KC = 256 so a KC x NR B panel stays in L1) measured 65-70 GFLOP/s at n = 1024 because
 * every KC slice re-reads and re-writes all of C, and C tiles (8 rows a full row pitch apart)
 * miss in cache: with KC = 1024, C is swept k / 1024 times and the same code runs at 90-95
 * GFLOP/s. The 8x32 kernel does 16 FMAs per two 64-byte B loads, so a 128 KiB B micro-panel
 * served from L2 (1 MiB per core here) keeps up; the 48 x KC A block (192 KiB) also stays in L2.
 * NC bounds the per-thread packed B block to 4 MiB.
 * <li><b>Threading</b>: one of m or n is cut into {@link Parallel#threads()} contiguous slabs of
 * whole micro-tiles, one per thread; each thread packs its slab of one operand plus all of the
 * other into its own reusable scratch, so no thread waits for another and no barrier is needed.
 * (Sharing one packed B between the threads behind a barrier was tried on the Zen 5: 1024^3 went
 * 457-489 against 457-474 GFLOP/s, but a late worker stalled the whole team now and then, 256^3
 * once dropping to 32.) The split side is the one that leaves the busiest thread less
 * work: its tiles, edge padding included, plus its packing ({@link #slowestThread}); with even
 * slabs, the side whose full packing would cost more (transposing layouts count double). Problems below
 * {@link #PARALLEL_MIN_MACS} multiply-adds stay on the calling thread (from
 * {@link #PARALLEL_MIN_MACS_PREPACKED} for a batch of rows times a pre-packed B, nothing to pack); inside a pool worker
 * (e.g. a batched matmul) {@link Parallel} runs everything serially. Results do not depend on
 * the split: every element is summed in the same order.
 * <li><b>Small batches</b>: up to {@link #DIRECT_MAX_ROWS} rows of A (not transposed) per thread are
 * read in place, not packed, and each B panel is streamed once for all of them (with MC = 48 a
 * 64-row batch read every B panel twice); a layer's bias and ReLU can be the tile's epilogue
 * ({@link #sgemm(boolean, int, float[], int, int, PackedB, float[], int, boolean, float[], int,
 * int)}), applied by the thread that computed the tile, so an MLP's hidden activations are written
 * once and no pass over them runs on one thread between the products.
 * <li><b>Skinny cases</b>: m == 1 or n == 1 is a matrix-vector product; it skips packing (which
 * would cost as much as the arithmetic) and uses dot-product or axpy loops directly on the input.
 * <li><b>Reproducibility</b>: every element of C gets the same bits on any vector width and thread
 * count. The blocked path sums each element's k products in order in its own lane (one fused
 * multiply-add per step, KC slices added in order), so neither MR, NR nor the split changes a sum;
 * edge tiles merge with the same single-rounding {@code alpha * acc + (beta * c)} as whole tiles.
 * Dot products (m == 1 with B transposed, n == 1) follow {@link Lanes}' fixed 16-lane order, and
 * the axpy form's scalar columns use {@link Math#fma} like its vector lanes.
 * </ul>
 */
public final class Gemm {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Micro-tile width (columns of C): two vectors. */
    static final int NR = 2 * L;
    /** Micro-tile height for this machine: 8 rows with a 32-register file, 6 with 16. */
    static final int MR = S.vectorBitSize() >= 512 || "aarch64".equals(System.getProperty("os.arch")) ? 8 : 6;

    /** Matrix-vector dot products follow {@link Lanes}' fixed order: its species and width. */
    private static final VectorSpecies<Float> R = Lanes.SPECIES;

    private static final int RL = R.length();
    private static final int W = Lanes.WIDTH;

    static final int KC = 1024;
    /** Rows of A packed per block; a multiple of both supported MR (6 and 8). */
    static final int MC = 48;
    /** Columns of B packed per block; a multiple of NR. */
    static final int NC = 1024;
    /**
     * Up to this many rows of A (not transposed) per thread, A is read where it lies instead of
     * packed ({@link #directRows}): a batch of a layer's inputs is used by few B panels, and with
     * the columns split between the threads each thread would pack all of it (at AVX2 with scalar
     * copies: the MLP's 64 x 784 x 512 on two threads took 231 us packed, 207-213 in place, Zen 5).
     * The 6-row (AVX2) kernel on unpacked rows first ran at half speed (57 against 121 GFLOP/s on
     * one thread): C2 unrolled its loop and the 16 registers spilled; {@link #directStep} stops the
     * unrolling.
     */
    static final int DIRECT_MAX_ROWS = 64;

    /**
     * The k step of {@link #kernel6Direct}: always 1, but a field that is not final, because C2
     * only turns a loop with a compile-time constant stride into a counted loop, and only counted
     * loops are unrolled (see ImplicitConv's {@code narrowStep}).
     */
    private static int directStep = 1;

    /**
     * Below this many multiply-adds (128^3) a call stays on the calling thread. A hand-off to the
     * pool's spinning workers costs about 0.2 us, but two threads only win once each has enough
     * rows: measured (Zen 5, 2 threads against 1, GFLOP/s) 64^3 138-165 against 176, 96^3 194
     * against 194, 128^3 227 against 205, 160^3 271 against 217, 192^3 356 against 219.
     */
    static final long PARALLEL_MIN_MACS = 1L << 21;

    /**
     * The same threshold (64^3) when B is pre-packed and up to {@link #DIRECT_MAX_ROWS} rows of A
     * are read in place, so a thread's share costs no packing: a layer's inference on a batch.
     * Measured on two threads against one (Zen 5, us per call, AVX2 / AVX-512): the MLP's 64 x 512
     * x 10 10.4 -> 6.8 / 9.2 -> 4.7, 64 x 120 x 84 13.3 -> 8.5 / 7.6 -> 3.9, 64 x 256 x 32 9.8 -> 6.5
     * / 4.4 -> 3.3.
     */
    static final long PARALLEL_MIN_MACS_PREPACKED = 1L << 18;

    /**
     * What packing one float costs, in multiply-adds of the micro-kernel, for choosing the split
     * ({@link #slowestThread}). Measured as the busiest thread's share on one thread at
     * {@code -XX:UseAVX=2} (Zen 5): for 1024^3, 516 rows of C (m split: all of B packed) took
     * 0.3-1% less than 512 columns (n split: all of A packed, transposing), and for 512^3 0.4-4%
     * less, so packing costs more than the 4 multiply-adds per float of a bare copy; with 8 the
     * square sizes keep the m split and the MLP's 64-row layers take the n split.
     */
    private static final long PACK_MACS = 8;

    /** 8x8 transposes in packing use 256-bit vectors where the hardware has them natively. */
    private static final VectorSpecies<Float> T = FloatVector.SPECIES_256;

    private static final boolean FAST_TRANSPOSE = S.vectorBitSize() >= 256;
    private static final VectorShuffle<Float> UP4 = shift(-4);
    private static final VectorShuffle<Float> UP2 = shift(-2);
    private static final VectorShuffle<Float> UP1 = shift(-1);
    private static final VectorShuffle<Float> DOWN4 = shift(4);
    private static final VectorShuffle<Float> DOWN2 = shift(2);
    private static final VectorShuffle<Float> DOWN1 = shift(1);
    private static final VectorMask<Float> BIT4 = laneBit(4);
    private static final VectorMask<Float> BIT2 = laneBit(2);
    private static final VectorMask<Float> BIT1 = laneBit(1);
    private static final VectorMask<Float> NOT4 = BIT4.not();
    private static final VectorMask<Float> NOT2 = BIT2.not();
    private static final VectorMask<Float> NOT1 = BIT1.not();

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** Per-thread packing buffers; they only grow, so steady-state calls allocate nothing. */
    private static final class Scratch {
        float[] ap = new float[0];
        float[] bp = new float[0];
        float[] x = new float[0];
        /** An edge tile of C, or the lane buffer of four dot products. */
        final float[] tile = new float[Math.max(8 * NR, 4 * W)];

        float[] ap(int size) {
            if (ap.length < size) {
                ap = new float[size];
            }
            return ap;
        }

        float[] bp(int size) {
            if (bp.length < size) {
                bp = new float[size];
            }
            return bp;
        }

        float[] x(int size) {
            if (x.length < size) {
                x = new float[size];
            }
            return x;
        }
    }

    private Gemm() {}

    /** Lane c of the result takes lane (c + d) mod 8. */
    private static VectorShuffle<Float> shift(int d) {
        return VectorShuffle.fromOp(T, c -> (c + d) & 7);
    }

    /** Lanes whose index has bit {@code bit} set. */
    private static VectorMask<Float> laneBit(int bit) {
        boolean[] set = new boolean[8];
        for (int c = 0; c < 8; c++) {
            set[c] = (c & bit) != 0;
        }
        return VectorMask.fromArray(T, set, 0);
    }

    /**
     * {@code C = alpha * op(A) * op(B) + beta * C}; see the class documentation for the layout.
     *
     * @throws IllegalArgumentException if a size, offset or row pitch is negative or too small
     * @throws IndexOutOfBoundsException if a matrix does not fit in its array
     */
    public static void sgemm(
            boolean transA,
            boolean transB,
            int m,
            int n,
            int k,
            float alpha,
            float[] a,
            int aOff,
            int lda,
            float[] b,
            int bOff,
            int ldb,
            float beta,
            float[] c,
            int cOff,
            int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("sgemm: negative size m=" + m + " n=" + n + " k=" + k);
        }
        checkMatrix("sgemm", m, n, k, "A", a, aOff, lda, transA ? k : m, transA ? m : k);
        checkMatrix("sgemm", m, n, k, "B", b, bOff, ldb, transB ? n : k, transB ? k : n);
        checkMatrix("sgemm", m, n, k, "C", c, cOff, ldc, m, n);
        run(MR, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /**
     * Validates one operand. The problem is described by m, n, k (m < 0: none, as in packB) and
     * the message is only built when the check fails, so valid calls allocate nothing.
     */
    private static void checkMatrix(
            String op, int m, int n, int k, String name, float[] x, int off, int ld, int rows, int cols) {
        if (x == null) {
            throw new NullPointerException(op + ": " + name + " is null (" + dims(m, n, k) + ")");
        }
        if (off < 0 || ld < Math.max(1, cols)) {
            throw new IllegalArgumentException(op + ": " + name + " is " + rows + "x" + cols + " (" + dims(m, n, k)
                    + ") but offset=" + off + " and row pitch=" + ld + " (need offset >= 0, pitch >= "
                    + Math.max(1, cols) + ")");
        }
        if (rows > 0 && cols > 0 && off + (long) (rows - 1) * ld + cols > x.length) {
            throw new IndexOutOfBoundsException(op + ": " + name + " is " + rows + "x" + cols + " (" + dims(m, n, k)
                    + ") with offset " + off
                    + " and row pitch " + ld + ", needs " + (off + (long) (rows - 1) * ld + cols)
                    + " elements but the array has " + x.length);
        }
    }

    private static String dims(int m, int n, int k) {
        return (m >= 0 ? "m=" + m + " " : "") + "n=" + n + " k=" + k;
    }

    /**
     * op(B) packed once into the micro-kernel's panel layout, for products that reuse one B with
     * many A (a layer's weights at inference time): {@link #sgemm(boolean, int, float, float[], int,
     * int, PackedB, float, float[], int, int)} then skips packing B, which for a batch of 64 rows
     * is 10-25 % of the work. Immutable, so it can be shared between threads; it holds a copy, so
     * later changes to the source array are not seen. For a single row of A (m == 1) the unpacked
     * entry point is faster (2.6 against 9 us for 1x400x120): it runs a matrix-vector product on
     * B as stored, while the packed kernel computes MR rows and keeps one.
     *
     * <pre>{@code
     * float[] w = new float[120 * 400];                      // a Linear layer's weight, out x in
     * Gemm.PackedB wt = Gemm.packB(true, 400, 120, w, 0, 400);
     * float[] x = new float[64 * 400], y = new float[64 * 120];
     * Gemm.sgemm(false, 64, 1f, x, 0, 400, wt, 0f, y, 0, 120);  // y = x * w^T
     * }</pre>
     */
    public static final class PackedB {
        private final int k;
        private final int n;
        private final int panels;
        private final float[] data;

        private PackedB(int k, int n) {
            this.k = k;
            this.n = n;
            this.panels = (n + NR - 1) / NR;
            this.data = new float[Math.multiplyExact(k, panels * NR)];
        }

        /** Rows of op(B): the inner dimension of the products it takes part in. */
        public int k() {
            return k;
        }

        /** Columns of op(B) and so of C. */
        public int n() {
            return n;
        }

        /**
         * Where the panel holding column j (a multiple of NR) of the k-slice starting at pc (a
         * multiple of KC) begins: slices are stored one after the other, each as all its panels.
         */
        int offset(int pc, int j) {
            return pc * panels * NR + j / NR * Math.min(KC, k - pc) * NR;
        }
    }

    /**
     * Packs op(B), a {@code k x n} matrix (stored {@code n x k} when {@code transB}) with row pitch
     * {@code ldb}, for {@link #sgemm(boolean, int, float, float[], int, int, PackedB, float, float[],
     * int, int)}.
     *
     * @throws IllegalArgumentException if a size, offset or row pitch is negative or too small
     * @throws IndexOutOfBoundsException if the matrix does not fit in its array
     */
    public static PackedB packB(boolean transB, int k, int n, float[] b, int bOff, int ldb) {
        if (k < 0 || n < 0) {
            throw new IllegalArgumentException("packB: negative size k=" + k + " n=" + n);
        }
        checkMatrix("packB", -1, n, k, "B", b, bOff, ldb, transB ? n : k, transB ? k : n);
        PackedB packed = new PackedB(k, n);
        for (int pc = 0; pc < k; pc += KC) {
            packB(transB, b, bOff, ldb, pc, 0, Math.min(KC, k - pc), n, packed.data, packed.offset(pc, 0));
        }
        return packed;
    }

    /**
     * {@code C = alpha * op(A) * B + beta * C} with a pre-packed B ({@code k x n}, see
     * {@link #packB}); A is {@code m x k} (stored {@code k x m} when {@code transA}). Same
     * semantics as {@link #sgemm(boolean, boolean, int, int, int, float, float[], int, int, float[],
     * int, int, float, float[], int, int)}, of which this is the packed-B variant.
     *
     * @throws IllegalArgumentException if a size, offset or row pitch is negative or too small
     * @throws IndexOutOfBoundsException if a matrix does not fit in its array
     */
    public static void sgemm(
            boolean transA,
            int m,
            float alpha,
            float[] a,
            int aOff,
            int lda,
            PackedB b,
            float beta,
            float[] c,
            int cOff,
            int ldc) {
        checkPacked(transA, m, a, aOff, lda, b, c, cOff, ldc);
        runPacked(MR, transA, m, alpha, a, aOff, lda, b, beta, c, cOff, ldc, null, 0, false);
    }

    /** The preconditions of both products with a pre-packed B: B present, m not negative, A and C fit. */
    private static void checkPacked(
            boolean transA, int m, float[] a, int aOff, int lda, PackedB b, float[] c, int cOff, int ldc) {
        if (b == null) {
            throw new NullPointerException("sgemm: packed B is null (m=" + m + ")");
        }
        int n = b.n;
        int k = b.k;
        if (m < 0) {
            throw new IllegalArgumentException("sgemm: negative size m=" + m + " (packed B is " + k + "x" + n + ")");
        }
        checkMatrix("sgemm", m, n, k, "A", a, aOff, lda, transA ? k : m, transA ? m : k);
        checkMatrix("sgemm", m, n, k, "C", c, cOff, ldc, m, n);
    }

    /**
     * A layer's forward in one pass over C: {@code C = op(A) * B + bias}, the bias (n values from
     * {@code bias[biasOff]}, or null for none) added to every row, then {@code max(C, 0)} when
     * {@code relu}, all in the micro-tile's epilogue, on the thread that computed the tile, instead
     * of separate passes over C. Gives the same bits as filling C with the bias, {@code sgemm(transA,
     * m, 1f, a, aOff, lda, b, 1f, c, cOff, ldc)} and a ReLU pass (NaN stays NaN, -0 becomes 0). C
     * is only written.
     *
     * <pre>{@code
     * float[] w = new float[120 * 400], bias = new float[120];  // a Linear layer, out x in
     * Gemm.PackedB wt = Gemm.packB(true, 400, 120, w, 0, 400);
     * float[] x = new float[64 * 400], y = new float[64 * 120];
     * Gemm.sgemm(false, 64, x, 0, 400, wt, bias, 0, true, y, 0, 120);  // y = relu(x * w^T + bias)
     * }</pre>
     *
     * @throws IllegalArgumentException if a size, offset or row pitch is negative or too small
     * @throws IndexOutOfBoundsException if a matrix or the bias does not fit in its array
     */
    public static void sgemm(
            boolean transA,
            int m,
            float[] a,
            int aOff,
            int lda,
            PackedB b,
            float[] bias,
            int biasOff,
            boolean relu,
            float[] c,
            int cOff,
            int ldc) {
        checkPacked(transA, m, a, aOff, lda, b, c, cOff, ldc);
        if (bias != null) {
            checkMatrix("sgemm", m, b.n, b.k, "bias", bias, biasOff, Math.max(1, b.n), 1, b.n);
        }
        runPacked(MR, transA, m, 1f, a, aOff, lda, b, 0f, c, cOff, ldc, bias, biasOff, relu);
    }

    /** The unchecked packed-B entry point; {@code mr} as in {@link #run}. */
    static void runPacked(
            int mr,
            boolean transA,
            int m,
            float alpha,
            float[] a,
            int aOff,
            int lda,
            PackedB b,
            float beta,
            float[] c,
            int cOff,
            int ldc) {
        runPacked(mr, transA, m, alpha, a, aOff, lda, b, beta, c, cOff, ldc, null, 0, false);
    }

    /**
     * As above, with {@link #sgemm(boolean, int, float[], int, int, PackedB, float[], int, boolean,
     * float[], int, int)}'s epilogue (bias: then alpha is 1 and beta 0).
     */
    static void runPacked(
            int mr,
            boolean transA,
            int m,
            float alpha,
            float[] a,
            int aOff,
            int lda,
            PackedB b,
            float beta,
            float[] c,
            int cOff,
            int ldc,
            float[] bias,
            int biasOff,
            boolean relu) {
        if (m == 0 || b.n == 0) {
            return;
        }
        if (b.k == 0 || alpha == 0f) {
            if (bias == null && !relu) {
                scale(m, b.n, beta, c, cOff, ldc);
            } else {
                // Only the fused entry passes an epilogue, with alpha 1 and beta 0: C = relu(bias).
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < b.n; j++) {
                        float v = bias == null ? 0f : bias[biasOff + j];
                        c[cOff + i * ldc + j] = relu ? UnaryOp.RELU.apply(v) : v;
                    }
                }
            }
            return;
        }
        blockedProduct(
                mr, transA, false, m, b.n, b.k, alpha, a, aOff, lda, null, 0, 0, b, beta, c, cOff, ldc, bias, biasOff,
                relu);
    }

    /** The unchecked entry point; {@code mr} (6 or 8) picks the micro-kernel so tests can cover both. */
    static void run(
            int mr,
            boolean transA,
            boolean transB,
            int m,
            int n,
            int k,
            float alpha,
            float[] a,
            int aOff,
            int lda,
            float[] b,
            int bOff,
            int ldb,
            float beta,
            float[] c,
            int cOff,
            int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || alpha == 0f) {
            scale(m, n, beta, c, cOff, ldc);
            return;
        }
        if (m == 1) {
            // y(1 x n) = x(1 x k) * op(B)
            int xs = transA ? lda : 1;
            if (transB) {
                dotRows(n, k, b, bOff, ldb, a, aOff, xs, alpha, beta, c, cOff, 1);
            } else {
                axpyRows(k, n, b, bOff, ldb, a, aOff, xs, alpha, beta, c, cOff, 1);
            }
            return;
        }
        if (n == 1) {
            // y(m x 1) = op(A) * x(k x 1)
            int xs = transB ? 1 : ldb;
            if (transA) {
                axpyRows(k, m, a, aOff, lda, b, bOff, xs, alpha, beta, c, cOff, ldc);
            } else {
                dotRows(m, k, a, aOff, lda, b, bOff, xs, alpha, beta, c, cOff, ldc);
            }
            return;
        }
        blockedProduct(
                mr, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, null, beta, c, cOff, ldc, null, 0,
                false);
    }

    /** The packed algorithm, split over the pool; B comes from {@code packed} when it is not null. */
    private static void blockedProduct(
            int mr,
            boolean transA,
            boolean transB,
            int m,
            int n,
            int k,
            float alpha,
            float[] a,
            int aOff,
            int lda,
            float[] b,
            int bOff,
            int ldb,
            PackedB packed,
            float beta,
            float[] c,
            int cOff,
            int ldc,
            float[] bias,
            int biasOff,
            boolean relu) {
        int nTiles = (n + NR - 1) / NR;
        int mTiles = (m + mr - 1) / mr;
        int threads = Parallel.threads();
        boolean splitN = mTiles < threads
                || (nTiles >= threads
                        && slowestThread(true, mr, m, n, transA, transB, packed != null, threads)
                                <= slowestThread(false, mr, m, n, transA, transB, packed != null, threads));
        // With the weights pre-packed and a batch's rows read in place, no thread packs anything.
        long minMacs =
                packed != null && !transA && m <= DIRECT_MAX_ROWS ? PARALLEL_MIN_MACS_PREPACKED : PARALLEL_MIN_MACS;
        int chunks = chunks((long) m * n * k, minMacs, splitN ? nTiles : mTiles);
        if (chunks <= 1) {
            blocked(
                    mr, transA, transB, 0, m, 0, n, k, alpha, a, aOff, lda, b, bOff, ldb, packed, beta, c, cOff, ldc,
                    bias, biasOff, relu);
        } else if (splitN) {
            Parallel.forChunks(
                    nTiles,
                    chunks,
                    (from, to) -> blocked(
                            mr,
                            transA,
                            transB,
                            0,
                            m,
                            from * NR,
                            Math.min(n, to * NR),
                            k,
                            alpha,
                            a,
                            aOff,
                            lda,
                            b,
                            bOff,
                            ldb,
                            packed,
                            beta,
                            c,
                            cOff,
                            ldc,
                            bias,
                            biasOff,
                            relu));
        } else {
            Parallel.forChunks(
                    mTiles,
                    chunks,
                    (from, to) -> blocked(
                            mr,
                            transA,
                            transB,
                            from * mr,
                            Math.min(m, to * mr),
                            0,
                            n,
                            k,
                            alpha,
                            a,
                            aOff,
                            lda,
                            b,
                            bOff,
                            ldb,
                            packed,
                            beta,
                            c,
                            cOff,
                            ldc,
                            bias,
                            biasOff,
                            relu));
        }
    }

    /**
     * The work of the busiest thread when m ({@code !splitN}) or n is cut into slabs of whole
     * micro-tiles, per unit of k, in multiply-adds: its tiles' arithmetic, edge padding included,
     * plus packing its slab of the split operand and all of the other, a packed float counted as
     * {@link #PACK_MACS} multiply-adds (twice that for the transposing layouts, A not transposed
     * and B transposed; nothing for a pre-packed B). With slabs of equal size this is the old rule
     * (split the side whose full packing costs more); with uneven ones it weighs the padding of
     * the slowest slab: 64 rows in 6-row tiles (AVX2) split as 5 and 6 tiles, so the second
     * thread computed 36 rows while 256 of 512 columns each took 66, 3-4% less per thread for
     * the MLP's 64 x 784 x 512 (one thread each, {@code -XX:UseAVX=2}, Zen 5).
     */
    private static long slowestThread(
            boolean splitN, int mr, int m, int n, boolean transA, boolean transB, boolean packedB, int threads) {
        int mTiles = (m + mr - 1) / mr;
        int nTiles = (n + NR - 1) / NR;
        long packA = PACK_MACS * (transA ? 1 : 2);
        long packB = packedB ? 0 : PACK_MACS * (transB ? 2 : 1);
        if (splitN) {
            long cols = (long) (nTiles + threads - 1) / threads * NR;
            return (long) mTiles * mr * cols + packA * m + packB * Math.min(n, cols);
        }
        long rows = (long) (mTiles + threads - 1) / threads * mr;
        return rows * (long) nTiles * NR + packA * Math.min(m, rows) + packB * n;
    }

    private static void scale(int m, int n, float beta, float[] c, int cOff, int ldc) {
        if (beta == 1f) {
            return;
        }
        FloatVector vb = FloatVector.broadcast(S, beta);
        for (int i = 0; i < m; i++) {
            int row = cOff + i * ldc;
            int j = 0;
            if (beta == 0f) {
                for (; j < n; j++) {
                    c[row + j] = 0f;
                }
            } else {
                for (int ub = S.loopBound(n); j < ub; j += L) {
                    FloatVector.fromArray(S, c, row + j).mul(vb).intoArray(c, row + j);
                }
                for (; j < n; j++) {
                    c[row + j] *= beta;
                }
            }
        }
    }

    /**
     * The blocked algorithm on the sub-problem C[i0:i1, j0:j1] (full k). Runs on one thread with
     * that thread's scratch. B comes from {@code packed} when it is not null.
     */
    private static void blocked(
            int mr,
            boolean transA,
            boolean transB,
            int i0,
            int i1,
            int j0,
            int j1,
            int k,
            float alpha,
            float[] a,
            int aOff,
            int lda,
            float[] b,
            int bOff,
            int ldb,
            PackedB packed,
            float beta,
            float[] c,
            int cOff,
            int ldc,
            float[] bias,
            int biasOff,
            boolean relu) {
        Scratch s = SCRATCH.get();
        int m = i1 - i0;
        int n = j1 - j0;
        int kcMax = Math.min(KC, k);
        boolean direct = !transA && m <= DIRECT_MAX_ROWS;
        float[] ap = s.ap((direct ? mr : Math.min(MC, roundUp(m, mr))) * kcMax);
        float[] bp = packed != null ? packed.data : s.bp(Math.min(NC, roundUp(n, NR)) * kcMax);
        float[] tile = s.tile;
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                float betaK = pc == 0 ? beta : 1f;
                // The bias is C's starting value, the ReLU applies to the final sums.
                float[] biasK = pc == 0 ? bias : null;
                boolean reluK = relu && pc + KC >= k;
                // Slices with nothing to add after the sums store them from the kernel, as a plain product.
                boolean plain = biasK == null && !reluK;
                int bpOff;
                if (packed != null) {
                    bpOff = packed.offset(pc, jc);
                } else {
                    packB(transB, b, bOff, ldb, pc, jc, kc, nc, bp, 0);
                    bpOff = 0;
                }
                if (direct) {
                    directRows(
                            mr, i0, i1, jc, nc, pc, kc, alpha, a, aOff, lda, bp, bpOff, betaK, c, cOff, ldc, ap, tile,
                            biasK, biasOff, reluK);
                    continue;
                }
                for (int ic = i0; ic < i1; ic += MC) {
                    int mc = Math.min(MC, i1 - ic);
                    packA(mr, transA, a, aOff, lda, ic, pc, mc, kc, ap);
                    for (int jr = 0; jr < nc; jr += NR) {
                        int nr = Math.min(NR, nc - jr);
                        int bo = bpOff + jr * kc;
                        for (int ir = 0; ir < mc; ir += mr) {
                            int rows = Math.min(mr, mc - ir);
                            int co = cOff + (ic + ir) * ldc + jc + jr;
                            if (rows == mr && nr == NR && plain) {
                                kernel(mr, kc, ap, ir * kc, bp, bo, c, co, ldc, alpha, betaK);
                            } else {
                                kernel(mr, kc, ap, ir * kc, bp, bo, tile, 0, NR, 1f, 0f);
                                mergeTile(tile, rows, nr, c, co, ldc, alpha, betaK, biasK, biasOff + jc + jr, reluK);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * One KC slice of C[i0:i1, jc:jc+nc] for a few rows of A not transposed: whole panels of mr
     * rows are read from A where it lies (no packing; see {@link #DIRECT_MAX_ROWS}), each B panel
     * once for all the rows; a last partial panel is packed zero-padded into {@code ap} once.
     */
    private static void directRows(
            int mr,
            int i0,
            int i1,
            int jc,
            int nc,
            int pc,
            int kc,
            float alpha,
            float[] a,
            int aOff,
            int lda,
            float[] bp,
            int bpOff,
            float beta,
            float[] c,
            int cOff,
            int ldc,
            float[] ap,
            float[] tile,
            float[] bias,
            int biasOff,
            boolean relu) {
        int full = i0 + (i1 - i0) / mr * mr;
        if (full < i1) {
            packA(mr, false, a, aOff, lda, full, pc, i1 - full, kc, ap);
        }
        for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr);
            int bo = bpOff + jr * kc;
            for (int ir = i0; ir < i1; ir += mr) {
                int rows = Math.min(mr, i1 - ir);
                if (rows == mr) {
                    int ao = aOff + ir * lda + pc;
                    if (mr == 8) {
                        kernel8Direct(kc, a, ao, lda, bp, bo, tile);
                    } else {
                        kernel6Direct(kc, a, ao, lda, bp, bo, tile);
                    }
                } else {
                    kernel(mr, kc, ap, 0, bp, bo, tile, 0, NR, 1f, 0f);
                }
                mergeTile(
                        tile, rows, nr, c, cOff + ir * ldc + jc + jr, ldc, alpha, beta, bias, biasOff + jc + jr, relu);
            }
        }
    }

    private static int roundUp(int x, int multiple) {
        return (x + multiple - 1) / multiple * multiple;
    }

    private static void kernel(
            int mr,
            int kc,
            float[] ap,
            int ao,
            float[] bp,
            int bo,
            float[] c,
            int co,
            int ldc,
            float alpha,
            float beta) {
        if (mr == 8) {
            kernel8(kc, ap, ao, bp, bo, c, co, ldc, alpha, beta);
        } else {
            kernel6(kc, ap, ao, bp, bo, c, co, ldc, alpha, beta);
        }
    }

    /**
     * C[0:rows, 0:cols] = alpha * tile + beta * C, where beta == 0 does not read C; with a bias
     * (then beta is 0) alpha * tile + bias[bo + j] instead, and max(., 0) when relu.
     */
    private static void mergeTile(
            float[] tile,
            int rows,
            int cols,
            float[] c,
            int co,
            int ldc,
            float alpha,
            float beta,
            float[] bias,
            int bo,
            boolean relu) {
        FloatVector va = FloatVector.broadcast(S, alpha);
        FloatVector vb = FloatVector.broadcast(S, beta);
        for (int r = 0; r < rows; r++) {
            int t = r * NR;
            int ci = co + r * ldc;
            if (cols == NR) {
                // The kernels' own epilogue, lane for lane.
                FloatVector t0 = FloatVector.fromArray(S, tile, t);
                FloatVector t1 = FloatVector.fromArray(S, tile, t + L);
                if (bias != null) {
                    put(va.fma(t0, FloatVector.fromArray(S, bias, bo)), relu, c, ci);
                    put(va.fma(t1, FloatVector.fromArray(S, bias, bo + L)), relu, c, ci + L);
                } else if (beta == 0f) {
                    put(va.mul(t0), relu, c, ci);
                    put(va.mul(t1), relu, c, ci + L);
                } else {
                    put(va.fma(t0, FloatVector.fromArray(S, c, ci).mul(vb)), relu, c, ci);
                    put(va.fma(t1, FloatVector.fromArray(S, c, ci + L).mul(vb)), relu, c, ci + L);
                }
                continue;
            }
            for (int j = 0; j < cols; j++) {
                float v;
                if (bias != null) {
                    v = Math.fma(tile[t + j], alpha, bias[bo + j]);
                } else if (beta == 0f) {
                    v = alpha * tile[t + j];
                } else {
                    // As the kernels' epilogue: one rounding for alpha * acc + (beta * c).
                    v = Math.fma(tile[t + j], alpha, beta * c[ci + j]);
                }
                c[ci + j] = relu ? UnaryOp.RELU.apply(v) : v;
            }
        }
    }

    /** Stores y, through ReLU (as {@code Tensor.relu}: NaN stays, -0 becomes 0) when asked. */
    private static void put(FloatVector y, boolean relu, float[] c, int ci) {
        if (relu) {
            y.max(0f).intoArray(c, ci);
        } else {
            y.intoArray(c, ci);
        }
    }

    /**
     * Packs op(A)[i0:i0+mc, p0:p0+kc] into panels of mr rows: panel q holds rows q*mr.. as
     * {@code ap[q*mr*kc + p*mr + r]}; rows past mc are zero.
     */
    private static void packA(
            int mr, boolean transA, float[] a, int aOff, int lda, int i0, int p0, int mc, int kc, float[] ap) {
        for (int ir = 0; ir < mc; ir += mr) {
            int rows = Math.min(mr, mc - ir);
            int base = ir * kc;
            if (!transA) {
                // op(A)[i][p] = a[i*lda + p]: rows run along k, the panel runs along m.
                int src = aOff + (i0 + ir) * lda + p0;
                int p = 0;
                if (FAST_TRANSPOSE && mr == 8 && rows == 8) {
                    for (; p + 8 <= kc; p += 8) {
                        transpose8x8(a, src + p, lda, ap, base + p * 8, 8);
                    }
                }
                for (int r = 0; r < rows; r++) {
                    int sr = src + r * lda;
                    for (int q = p; q < kc; q++) {
                        ap[base + q * mr + r] = a[sr + q];
                    }
                }
            } else {
                // op(A)[i][p] = a[p*lda + i]: mr consecutive floats per k step.
                for (int p = 0; p < kc; p++) {
                    int src = aOff + (p0 + p) * lda + i0 + ir;
                    int dst = base + p * mr;
                    for (int r = 0; r < rows; r++) {
                        ap[dst + r] = a[src + r];
                    }
                }
            }
            if (rows < mr) {
                for (int p = 0; p < kc; p++) {
                    for (int r = rows; r < mr; r++) {
                        ap[base + p * mr + r] = 0f;
                    }
                }
            }
        }
    }

    /**
     * Packs op(B)[p0:p0+kc, j0:j0+nc] into panels of NR columns: panel q holds columns q*NR.. as
     * {@code bp[bpOff + q*NR*kc + p*NR + j]}; columns past nc are zero.
     */
    private static void packB(
            boolean transB, float[] b, int bOff, int ldb, int p0, int j0, int kc, int nc, float[] bp, int bpOff) {
        for (int jr = 0; jr < nc; jr += NR) {
            int cols = Math.min(NR, nc - jr);
            int base = bpOff + jr * kc;
            if (!transB) {
                // op(B)[p][j] = b[p*ldb + j]: each k step is a contiguous run of NR floats.
                if (cols == NR) {
                    for (int p = 0; p < kc; p++) {
                        int src = bOff + (p0 + p) * ldb + j0 + jr;
                        int dst = base + p * NR;
                        FloatVector.fromArray(S, b, src).intoArray(bp, dst);
                        FloatVector.fromArray(S, b, src + L).intoArray(bp, dst + L);
                    }
                } else {
                    for (int p = 0; p < kc; p++) {
                        int src = bOff + (p0 + p) * ldb + j0 + jr;
                        int dst = base + p * NR;
                        for (int j = 0; j < cols; j++) {
                            bp[dst + j] = b[src + j];
                        }
                        for (int j = cols; j < NR; j++) {
                            bp[dst + j] = 0f;
                        }
                    }
                }
            } else {
                // op(B)[p][j] = b[j*ldb + p]: stored rows run along k, the panel runs along n.
                int src = bOff + (j0 + jr) * ldb + p0;
                int j = 0;
                if (FAST_TRANSPOSE) {
                    for (; j + 8 <= cols; j += 8) {
                        int p = 0;
                        for (; p + 8 <= kc; p += 8) {
                            transpose8x8(b, src + j * ldb + p, ldb, bp, base + p * NR + j, NR);
                        }
                        for (int jj = j; jj < j + 8; jj++) {
                            for (int q = p; q < kc; q++) {
                                bp[base + q * NR + jj] = b[src + jj * ldb + q];
                            }
                        }
                    }
                }
                for (; j < cols; j++) {
                    int sj = src + j * ldb;
                    for (int p = 0; p < kc; p++) {
                        bp[base + p * NR + j] = b[sj + p];
                    }
                }
                if (cols < NR) {
                    for (int p = 0; p < kc; p++) {
                        for (int jj = cols; jj < NR; jj++) {
                            bp[base + p * NR + jj] = 0f;
                        }
                    }
                }
            }
        }
    }

    /**
     * dst[d + c*ds + r] = src[s + r*ss + c] for an 8x8 block: three butterfly stages, each swapping
     * the off-diagonal halves of 2x2 sub-blocks of width 4, 2, 1 with a lane rotation and a blend.
     */
    private static void transpose8x8(float[] src, int s, int ss, float[] dst, int d, int ds) {
        FloatVector v0 = FloatVector.fromArray(T, src, s);
        FloatVector v1 = FloatVector.fromArray(T, src, s + ss);
        FloatVector v2 = FloatVector.fromArray(T, src, s + 2 * ss);
        FloatVector v3 = FloatVector.fromArray(T, src, s + 3 * ss);
        FloatVector v4 = FloatVector.fromArray(T, src, s + 4 * ss);
        FloatVector v5 = FloatVector.fromArray(T, src, s + 5 * ss);
        FloatVector v6 = FloatVector.fromArray(T, src, s + 6 * ss);
        FloatVector v7 = FloatVector.fromArray(T, src, s + 7 * ss);
        FloatVector t;
        t = v0;
        v0 = t.blend(v4.rearrange(UP4), BIT4);
        v4 = v4.blend(t.rearrange(DOWN4), NOT4);
        t = v1;
        v1 = t.blend(v5.rearrange(UP4), BIT4);
        v5 = v5.blend(t.rearrange(DOWN4), NOT4);
        t = v2;
        v2 = t.blend(v6.rearrange(UP4), BIT4);
        v6 = v6.blend(t.rearrange(DOWN4), NOT4);
        t = v3;
        v3 = t.blend(v7.rearrange(UP4), BIT4);
        v7 = v7.blend(t.rearrange(DOWN4), NOT4);
        t = v0;
        v0 = t.blend(v2.rearrange(UP2), BIT2);
        v2 = v2.blend(t.rearrange(DOWN2), NOT2);
        t = v1;
        v1 = t.blend(v3.rearrange(UP2), BIT2);
        v3 = v3.blend(t.rearrange(DOWN2), NOT2);
        t = v4;
        v4 = t.blend(v6.rearrange(UP2), BIT2);
        v6 = v6.blend(t.rearrange(DOWN2), NOT2);
        t = v5;
        v5 = t.blend(v7.rearrange(UP2), BIT2);
        v7 = v7.blend(t.rearrange(DOWN2), NOT2);
        t = v0;
        v0 = t.blend(v1.rearrange(UP1), BIT1);
        v1 = v1.blend(t.rearrange(DOWN1), NOT1);
        t = v2;
        v2 = t.blend(v3.rearrange(UP1), BIT1);
        v3 = v3.blend(t.rearrange(DOWN1), NOT1);
        t = v4;
        v4 = t.blend(v5.rearrange(UP1), BIT1);
        v5 = v5.blend(t.rearrange(DOWN1), NOT1);
        t = v6;
        v6 = t.blend(v7.rearrange(UP1), BIT1);
        v7 = v7.blend(t.rearrange(DOWN1), NOT1);
        v0.intoArray(dst, d);
        v1.intoArray(dst, d + ds);
        v2.intoArray(dst, d + 2 * ds);
        v3.intoArray(dst, d + 3 * ds);
        v4.intoArray(dst, d + 4 * ds);
        v5.intoArray(dst, d + 5 * ds);
        v6.intoArray(dst, d + 6 * ds);
        v7.intoArray(dst, d + 7 * ds);
    }

    /** 8 x NR micro-kernel: 16 accumulators, for 32-register machines. */
    private static void kernel8(
            int kc, float[] ap, int ao, float[] bp, int bo, float[] c, int co, int ldc, float alpha, float beta) {
        FloatVector c00 = FloatVector.zero(S),
                c01 = c00,
                c10 = c00,
                c11 = c00,
                c20 = c00,
                c21 = c00,
                c30 = c00,
                c31 = c00,
                c40 = c00,
                c41 = c00,
                c50 = c00,
                c51 = c00,
                c60 = c00,
                c61 = c00,
                c70 = c00,
                c71 = c00;
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * NR;
            int ai = ao + p * 8;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector x = FloatVector.broadcast(S, ap[ai]);
            c00 = b0.fma(x, c00);
            c01 = b1.fma(x, c01);
            x = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = b0.fma(x, c10);
            c11 = b1.fma(x, c11);
            x = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = b0.fma(x, c20);
            c21 = b1.fma(x, c21);
            x = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = b0.fma(x, c30);
            c31 = b1.fma(x, c31);
            x = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = b0.fma(x, c40);
            c41 = b1.fma(x, c41);
            x = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = b0.fma(x, c50);
            c51 = b1.fma(x, c51);
            x = FloatVector.broadcast(S, ap[ai + 6]);
            c60 = b0.fma(x, c60);
            c61 = b1.fma(x, c61);
            x = FloatVector.broadcast(S, ap[ai + 7]);
            c70 = b0.fma(x, c70);
            c71 = b1.fma(x, c71);
        }
        FloatVector va = FloatVector.broadcast(S, alpha);
        if (beta == 0f) {
            va.mul(c00).intoArray(c, co);
            va.mul(c01).intoArray(c, co + L);
            va.mul(c10).intoArray(c, co + ldc);
            va.mul(c11).intoArray(c, co + ldc + L);
            va.mul(c20).intoArray(c, co + 2 * ldc);
            va.mul(c21).intoArray(c, co + 2 * ldc + L);
            va.mul(c30).intoArray(c, co + 3 * ldc);
            va.mul(c31).intoArray(c, co + 3 * ldc + L);
            va.mul(c40).intoArray(c, co + 4 * ldc);
            va.mul(c41).intoArray(c, co + 4 * ldc + L);
            va.mul(c50).intoArray(c, co + 5 * ldc);
            va.mul(c51).intoArray(c, co + 5 * ldc + L);
            va.mul(c60).intoArray(c, co + 6 * ldc);
            va.mul(c61).intoArray(c, co + 6 * ldc + L);
            va.mul(c70).intoArray(c, co + 7 * ldc);
            va.mul(c71).intoArray(c, co + 7 * ldc + L);
        } else {
            FloatVector vb = FloatVector.broadcast(S, beta);
            va.fma(c00, FloatVector.fromArray(S, c, co).mul(vb)).intoArray(c, co);
            va.fma(c01, FloatVector.fromArray(S, c, co + L).mul(vb)).intoArray(c, co + L);
            va.fma(c10, FloatVector.fromArray(S, c, co + ldc).mul(vb)).intoArray(c, co + ldc);
            va.fma(c11, FloatVector.fromArray(S, c, co + ldc + L).mul(vb)).intoArray(c, co + ldc + L);
            va.fma(c20, FloatVector.fromArray(S, c, co + 2 * ldc).mul(vb)).intoArray(c, co + 2 * ldc);
            va.fma(c21, FloatVector.fromArray(S, c, co + 2 * ldc + L).mul(vb)).intoArray(c, co + 2 * ldc + L);
            va.fma(c30, FloatVector.fromArray(S, c, co + 3 * ldc).mul(vb)).intoArray(c, co + 3 * ldc);
            va.fma(c31, FloatVector.fromArray(S, c, co + 3 * ldc + L).mul(vb)).intoArray(c, co + 3 * ldc + L);
            va.fma(c40, FloatVector.fromArray(S, c, co + 4 * ldc).mul(vb)).intoArray(c, co + 4 * ldc);
            va.fma(c41, FloatVector.fromArray(S, c, co + 4 * ldc + L).mul(vb)).intoArray(c, co + 4 * ldc + L);
            va.fma(c50, FloatVector.fromArray(S, c, co + 5 * ldc).mul(vb)).intoArray(c, co + 5 * ldc);
            va.fma(c51, FloatVector.fromArray(S, c, co + 5 * ldc + L).mul(vb)).intoArray(c, co + 5 * ldc + L);
            va.fma(c60, FloatVector.fromArray(S, c, co + 6 * ldc).mul(vb)).intoArray(c, co + 6 * ldc);
            va.fma(c61, FloatVector.fromArray(S, c, co + 6 * ldc + L).mul(vb)).intoArray(c, co + 6 * ldc + L);
            va.fma(c70, FloatVector.fromArray(S, c, co + 7 * ldc).mul(vb)).intoArray(c, co + 7 * ldc);
            va.fma(c71, FloatVector.fromArray(S, c, co + 7 * ldc + L).mul(vb)).intoArray(c, co + 7 * ldc + L);
        }
    }

    /**
     * The 8 x NR micro-kernel on rows of A as stored (row r at {@code ao + r * lda}, unit stride
     * along k) instead of a packed panel; the sums, in the same order as {@link #kernel8}'s, go to
     * {@code tile} unscaled for {@link #mergeTile}.
     */
    private static void kernel8Direct(int kc, float[] a, int ao, int lda, float[] bp, int bo, float[] tile) {
        FloatVector c00 = FloatVector.zero(S),
                c01 = c00,
                c10 = c00,
                c11 = c00,
                c20 = c00,
                c21 = c00,
                c30 = c00,
                c31 = c00,
                c40 = c00,
                c41 = c00,
                c50 = c00,
                c51 = c00,
                c60 = c00,
                c61 = c00,
                c70 = c00,
                c71 = c00;
        int a0 = ao;
        int a1 = ao + lda;
        int a2 = ao + 2 * lda;
        int a3 = ao + 3 * lda;
        int a4 = ao + 4 * lda;
        int a5 = ao + 5 * lda;
        int a6 = ao + 6 * lda;
        int a7 = ao + 7 * lda;
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = b0.fma(x, c00);
            c01 = b1.fma(x, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = b0.fma(x, c10);
            c11 = b1.fma(x, c11);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = b0.fma(x, c20);
            c21 = b1.fma(x, c21);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = b0.fma(x, c30);
            c31 = b1.fma(x, c31);
            x = FloatVector.broadcast(S, a[a4 + p]);
            c40 = b0.fma(x, c40);
            c41 = b1.fma(x, c41);
            x = FloatVector.broadcast(S, a[a5 + p]);
            c50 = b0.fma(x, c50);
            c51 = b1.fma(x, c51);
            x = FloatVector.broadcast(S, a[a6 + p]);
            c60 = b0.fma(x, c60);
            c61 = b1.fma(x, c61);
            x = FloatVector.broadcast(S, a[a7 + p]);
            c70 = b0.fma(x, c70);
            c71 = b1.fma(x, c71);
        }
        c00.intoArray(tile, 0 * NR);
        c01.intoArray(tile, 0 * NR + L);
        c10.intoArray(tile, 1 * NR);
        c11.intoArray(tile, 1 * NR + L);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + L);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + L);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + L);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + L);
        c60.intoArray(tile, 6 * NR);
        c61.intoArray(tile, 6 * NR + L);
        c70.intoArray(tile, 7 * NR);
        c71.intoArray(tile, 7 * NR + L);
    }

    /**
     * The 6 x NR micro-kernel on rows of A as stored, as {@link #kernel8Direct} for
     * 16-register machines. Its k step is {@link #directStep}, not the constant 1: see there.
     */
    private static void kernel6Direct(int kc, float[] a, int ao, int lda, float[] bp, int bo, float[] tile) {
        FloatVector c00 = FloatVector.zero(S),
                c01 = c00,
                c10 = c00,
                c11 = c00,
                c20 = c00,
                c21 = c00,
                c30 = c00,
                c31 = c00,
                c40 = c00,
                c41 = c00,
                c50 = c00,
                c51 = c00;
        int a0 = ao;
        int a1 = ao + lda;
        int a2 = ao + 2 * lda;
        int a3 = ao + 3 * lda;
        int a4 = ao + 4 * lda;
        int a5 = ao + 5 * lda;
        int step = directStep;
        for (int p = 0; p < kc; p += step) {
            int bi = bo + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = b0.fma(x, c00);
            c01 = b1.fma(x, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = b0.fma(x, c10);
            c11 = b1.fma(x, c11);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = b0.fma(x, c20);
            c21 = b1.fma(x, c21);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = b0.fma(x, c30);
            c31 = b1.fma(x, c31);
            x = FloatVector.broadcast(S, a[a4 + p]);
            c40 = b0.fma(x, c40);
            c41 = b1.fma(x, c41);
            x = FloatVector.broadcast(S, a[a5 + p]);
            c50 = b0.fma(x, c50);
            c51 = b1.fma(x, c51);
        }
        c00.intoArray(tile, 0 * NR);
        c01.intoArray(tile, 0 * NR + L);
        c10.intoArray(tile, 1 * NR);
        c11.intoArray(tile, 1 * NR + L);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + L);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + L);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + L);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + L);
    }

    /** 6 x NR micro-kernel: 12 accumulators, for 16-register machines (AVX2). */
    private static void kernel6(
            int kc, float[] ap, int ao, float[] bp, int bo, float[] c, int co, int ldc, float alpha, float beta) {
        FloatVector c00 = FloatVector.zero(S),
                c01 = c00,
                c10 = c00,
                c11 = c00,
                c20 = c00,
                c21 = c00,
                c30 = c00,
                c31 = c00,
                c40 = c00,
                c41 = c00,
                c50 = c00,
                c51 = c00;
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * NR;
            int ai = ao + p * 6;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector x = FloatVector.broadcast(S, ap[ai]);
            c00 = b0.fma(x, c00);
            c01 = b1.fma(x, c01);
            x = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = b0.fma(x, c10);
            c11 = b1.fma(x, c11);
            x = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = b0.fma(x, c20);
            c21 = b1.fma(x, c21);
            x = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = b0.fma(x, c30);
            c31 = b1.fma(x, c31);
            x = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = b0.fma(x, c40);
            c41 = b1.fma(x, c41);
            x = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = b0.fma(x, c50);
            c51 = b1.fma(x, c51);
        }
        FloatVector va = FloatVector.broadcast(S, alpha);
        if (beta == 0f) {
            va.mul(c00).intoArray(c, co);
            va.mul(c01).intoArray(c, co + L);
            va.mul(c10).intoArray(c, co + ldc);
            va.mul(c11).intoArray(c, co + ldc + L);
            va.mul(c20).intoArray(c, co + 2 * ldc);
            va.mul(c21).intoArray(c, co + 2 * ldc + L);
            va.mul(c30).intoArray(c, co + 3 * ldc);
            va.mul(c31).intoArray(c, co + 3 * ldc + L);
            va.mul(c40).intoArray(c, co + 4 * ldc);
            va.mul(c41).intoArray(c, co + 4 * ldc + L);
            va.mul(c50).intoArray(c, co + 5 * ldc);
            va.mul(c51).intoArray(c, co + 5 * ldc + L);
        } else {
            FloatVector vb = FloatVector.broadcast(S, beta);
            va.fma(c00, FloatVector.fromArray(S, c, co).mul(vb)).intoArray(c, co);
            va.fma(c01, FloatVector.fromArray(S, c, co + L).mul(vb)).intoArray(c, co + L);
            va.fma(c10, FloatVector.fromArray(S, c, co + ldc).mul(vb)).intoArray(c, co + ldc);
            va.fma(c11, FloatVector.fromArray(S, c, co + ldc + L).mul(vb)).intoArray(c, co + ldc + L);
            va.fma(c20, FloatVector.fromArray(S, c, co + 2 * ldc).mul(vb)).intoArray(c, co + 2 * ldc);
            va.fma(c21, FloatVector.fromArray(S, c, co + 2 * ldc + L).mul(vb)).intoArray(c, co + 2 * ldc + L);
            va.fma(c30, FloatVector.fromArray(S, c, co + 3 * ldc).mul(vb)).intoArray(c, co + 3 * ldc);
            va.fma(c31, FloatVector.fromArray(S, c, co + 3 * ldc + L).mul(vb)).intoArray(c, co + 3 * ldc + L);
            va.fma(c40, FloatVector.fromArray(S, c, co + 4 * ldc).mul(vb)).intoArray(c, co + 4 * ldc);
            va.fma(c41, FloatVector.fromArray(S, c, co + 4 * ldc + L).mul(vb)).intoArray(c, co + 4 * ldc + L);
            va.fma(c50, FloatVector.fromArray(S, c, co + 5 * ldc).mul(vb)).intoArray(c, co + 5 * ldc);
            va.fma(c51, FloatVector.fromArray(S, c, co + 5 * ldc + L).mul(vb)).intoArray(c, co + 5 * ldc + L);
        }
    }

    /**
     * y[r] = alpha * dot(M[r, 0:k], x) + beta * y[r] for r < rows, where row r of M starts at
     * {@code mOff + r*ldm}, x[p] is at {@code xOff + p*xs} and y[r] at {@code yOff + r*ys}.
     */
    private static void dotRows(
            int rows,
            int k,
            float[] mat,
            int mOff,
            int ldm,
            float[] x,
            int xOff,
            int xs,
            float alpha,
            float beta,
            float[] y,
            int yOff,
            int ys) {
        float[] xc = x;
        int xo = xOff;
        if (xs != 1) {
            // The vector loop needs x contiguous; the copy lives in the caller's scratch and is only read after.
            xc = SCRATCH.get().x(k);
            for (int p = 0; p < k; p++) {
                xc[p] = x[xOff + p * xs];
            }
            xo = 0;
        }
        float[] xv = xc;
        int xvo = xo;
        int chunks = chunks((long) rows * k, rows / 4);
        if (chunks <= 1) {
            dotRange(0, rows, k, mat, mOff, ldm, xv, xvo, alpha, beta, y, yOff, ys);
        } else {
            Parallel.forChunks(
                    rows,
                    chunks,
                    (from, to) -> dotRange(from, to, k, mat, mOff, ldm, xv, xvo, alpha, beta, y, yOff, ys));
        }
    }

    /** How many threads a job of {@code macs} multiply-adds that splits into {@code units} pieces should use. */
    private static int chunks(long macs, int units) {
        return chunks(macs, PARALLEL_MIN_MACS, units);
    }

    /** As {@link #chunks(long, int)}, with a job of fewer than {@code minMacs} multiply-adds kept on one thread. */
    private static int chunks(long macs, long minMacs, int units) {
        if (macs < minMacs || Parallel.inWorker()) {
            return 1;
        }
        return Math.max(1, Math.min(Parallel.threads(), units));
    }

    private static void dotRange(
            int from,
            int to,
            int k,
            float[] mat,
            int mOff,
            int ldm,
            float[] x,
            int xo,
            float alpha,
            float beta,
            float[] y,
            int yOff,
            int ys) {
        float[] lanes = SCRATCH.get().tile;
        int r = from;
        for (; r + 4 <= to; r += 4) {
            int m0 = mOff + r * ldm;
            dot4(k, mat, m0, m0 + ldm, m0 + 2 * ldm, m0 + 3 * ldm, x, xo, lanes);
            for (int i = 0; i < 4; i++) {
                int yi = yOff + (r + i) * ys;
                float d = Lanes.sum(lanes, i * W);
                y[yi] = beta == 0f ? alpha * d : alpha * d + beta * y[yi];
            }
        }
        for (; r < to; r++) {
            float d = Lanes.dot(mat, mOff + r * ldm, x, xo, k, lanes);
            int yi = yOff + r * ys;
            y[yi] = beta == 0f ? alpha * d : alpha * d + beta * y[yi];
        }
    }

    /**
     * Four dot products sharing x, in {@link Lanes}' fixed order (the same bits as
     * {@link Lanes#dot} of each row): their 16 logical lanes are left at {@code lanes[i * 16]}.
     */
    private static void dot4(int k, float[] mat, int r0, int r1, int r2, int r3, float[] x, int xo, float[] lanes) {
        int full = k - k % W;
        for (int h = 0; h < W; h += RL) {
            FloatVector s0 = FloatVector.zero(R), s1 = s0, s2 = s0, s3 = s0;
            for (int p = h; p < full; p += W) {
                FloatVector xv = FloatVector.fromArray(R, x, xo + p);
                s0 = FloatVector.fromArray(R, mat, r0 + p).fma(xv, s0);
                s1 = FloatVector.fromArray(R, mat, r1 + p).fma(xv, s1);
                s2 = FloatVector.fromArray(R, mat, r2 + p).fma(xv, s2);
                s3 = FloatVector.fromArray(R, mat, r3 + p).fma(xv, s3);
            }
            FloatVector one = FloatVector.broadcast(R, 1f);
            one.mul(s0).intoArray(lanes, h);
            one.mul(s1).intoArray(lanes, W + h);
            one.mul(s2).intoArray(lanes, 2 * W + h);
            one.mul(s3).intoArray(lanes, 3 * W + h);
        }
        for (int p = full; p < k; p++) {
            float xp = x[xo + p];
            int l = p - full;
            lanes[l] = Math.fma(mat[r0 + p], xp, lanes[l]);
            lanes[W + l] = Math.fma(mat[r1 + p], xp, lanes[W + l]);
            lanes[2 * W + l] = Math.fma(mat[r2 + p], xp, lanes[2 * W + l]);
            lanes[3 * W + l] = Math.fma(mat[r3 + p], xp, lanes[3 * W + l]);
        }
    }

    /**
     * y[j] = alpha * sum_p x[p] * M[p, j] + beta * y[j] for j < cols, where row p of M starts at
     * {@code mOff + p*ldm}, x[p] is at {@code xOff + p*xs} and y[j] at {@code yOff + j*ys}.
     */
    private static void axpyRows(
            int k,
            int cols,
            float[] mat,
            int mOff,
            int ldm,
            float[] x,
            int xOff,
            int xs,
            float alpha,
            float beta,
            float[] y,
            int yOff,
            int ys) {
        int blocks = (cols + 4 * L - 1) / (4 * L);
        int chunks = chunks((long) cols * k, blocks);
        if (chunks <= 1) {
            axpyRange(0, cols, k, mat, mOff, ldm, x, xOff, xs, alpha, beta, y, yOff, ys);
        } else {
            Parallel.forChunks(
                    blocks,
                    chunks,
                    (from, to) -> axpyRange(
                            from * 4 * L,
                            Math.min(cols, to * 4 * L),
                            k,
                            mat,
                            mOff,
                            ldm,
                            x,
                            xOff,
                            xs,
                            alpha,
                            beta,
                            y,
                            yOff,
                            ys));
        }
    }

    private static void axpyRange(
            int from,
            int to,
            int k,
            float[] mat,
            int mOff,
            int ldm,
            float[] x,
            int xOff,
            int xs,
            float alpha,
            float beta,
            float[] y,
            int yOff,
            int ys) {
        float[] buf = ys == 1 ? null : SCRATCH.get().tile;
        int j = from;
        for (; j + 4 * L <= to; j += 4 * L) {
            axpy4(k, mat, mOff + j, ldm, x, xOff, xs, alpha, beta, y, yOff + j * ys, ys, buf);
        }
        for (; j + L <= to; j += L) {
            FloatVector s0 = FloatVector.zero(S);
            for (int p = 0, mi = mOff + j, xi = xOff; p < k; p++, mi += ldm, xi += xs) {
                s0 = FloatVector.fromArray(S, mat, mi).fma(FloatVector.broadcast(S, x[xi]), s0);
            }
            store(s0, alpha, beta, y, yOff + j * ys, ys, buf);
        }
        for (; j < to; j++) {
            // Fused like the vector lanes, so a column gets the same bits in a lane or in the tail.
            float sum = 0f;
            for (int p = 0, mi = mOff + j, xi = xOff; p < k; p++, mi += ldm, xi += xs) {
                sum = Math.fma(mat[mi], x[xi], sum);
            }
            int yi = yOff + j * ys;
            y[yi] = beta == 0f ? alpha * sum : Math.fma(y[yi], beta, alpha * sum);
        }
    }

    private static void axpy4(
            int k,
            float[] mat,
            int m0,
            int ldm,
            float[] x,
            int xOff,
            int xs,
            float alpha,
            float beta,
            float[] y,
            int yi,
            int ys,
            float[] buf) {
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
        for (int p = 0, mi = m0, xi = xOff; p < k; p++, mi += ldm, xi += xs) {
            FloatVector xv = FloatVector.broadcast(S, x[xi]);
            s0 = FloatVector.fromArray(S, mat, mi).fma(xv, s0);
            s1 = FloatVector.fromArray(S, mat, mi + L).fma(xv, s1);
            s2 = FloatVector.fromArray(S, mat, mi + 2 * L).fma(xv, s2);
            s3 = FloatVector.fromArray(S, mat, mi + 3 * L).fma(xv, s3);
        }
        store(s0, alpha, beta, y, yi, ys, buf);
        store(s1, alpha, beta, y, yi + L * ys, ys, buf);
        store(s2, alpha, beta, y, yi + 2 * L * ys, ys, buf);
        store(s3, alpha, beta, y, yi + 3 * L * ys, ys, buf);
    }

    /** y[yi + l*ys] = alpha * acc[l] + beta * y[...] for the L lanes; strided y goes through buf. */
    private static void store(FloatVector acc, float alpha, float beta, float[] y, int yi, int ys, float[] buf) {
        if (ys == 1) {
            FloatVector r = FloatVector.broadcast(S, alpha).mul(acc);
            if (beta != 0f) {
                r = FloatVector.fromArray(S, y, yi).fma(FloatVector.broadcast(S, beta), r);
            }
            r.intoArray(y, yi);
        } else {
            FloatVector.broadcast(S, 1f).mul(acc).intoArray(buf, 0);
            for (int l = 0; l < L; l++) {
                int o = yi + l * ys;
                y[o] = beta == 0f ? alpha * buf[l] : Math.fma(y[o], beta, alpha * buf[l]);
            }
        }
    }
}
