package dev.nabla.tensor.kernel;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Stride-1 convolution as an implicit GEMM: no unfolded matrix is built.
 *
 * <p>Each image is copied once into a zero-padded buffer {@code xp[c][hp][wp]}. In that buffer the
 * tap {@code (c, kh, kw)} of output pixel {@code (oh, ow)} sits at
 * {@code (oh*wp + ow) + off[k]} with the fixed offset {@code off[k] = c*hp*wp + kh*dH*wp + kw*dW},
 * so a vector of L neighbouring output pixels of one row reads a contiguous vector of xp for every
 * tap: the "B matrix" of the GEMM is read straight from the padded image, and a register-blocked
 * micro-kernel (8, 6 or 5 output channels x 2 vectors of pixels, the GEMM's tile) stores its
 * results straight into the output. Rows are cut into vectors of L pixels; the last one of a row
 * may be partial and is stored through a masked merge.
 *
 * <p>The same kernel serves the input gradient, which for stride 1 is a convolution of the output
 * gradient, padded by {@code dilation*(kernel-1) - pad} (a crop when negative), with the kernel
 * flipped and its channel axes swapped; it adds into dx instead of overwriting. The weight
 * gradient has kernels of its own (below).
 */
final class ImplicitConv {
    /** The weight gradient's lane sums follow {@link Lanes}' fixed order: its species and width. */
    private static final VectorSpecies<Float> S = Lanes.SPECIES;

    private static final int L = S.length();
    private static final int W = Lanes.WIDTH;
    /**
     * Whether the machine has 32 vector registers (AVX-512, AArch64), so an 8 x 2-vector tile (16
     * accumulators) fits; with 16 (AVX2) the tiles have 5 rows (10 accumulators, see
     * {@link Plan#rowsPerTile}).
     */
    static final boolean WIDE_REGISTER_FILE =
            S.vectorBitSize() >= 512 || "aarch64".equals(System.getProperty("os.arch"));
    /** Tiles per block of the pixel loop: the block's slice of xp is reused by all channel blocks. */
    private static final int TILE_BLOCK = 16;

    /**
     * Cleared only by tests and measurements, to run unit-stride geometry through the unfold + GEMM
     * path for comparison.
     */
    static volatile boolean enabled = true;

    private ImplicitConv() {}

    /** Whether this path handles the geometry: unit stride (any padding, dilation and groups). */
    static boolean applies(Conv2dSpec s) {
        return enabled && s.strideH() == 1 && s.strideW() == 1;
    }

    // ------------------------------------------------------------------ plan

    /**
     * A stride-1 "convolution" from a source of {@code srcC} channels (in groups of {@code cs}) to a
     * destination of {@code dstC} channels (groups of {@code md}), via the padded copy.
     */
    static final class Plan {
        final int images, groups, srcC, srcH, srcW, cs, padT, padL, hp, wp, plane, xs;
        final int dstC, md, outH, outW, kH, kW, dH, dW, k;
        /** Tile rows (8, 6, 5, 4 or 1), row blocks, vectors of pixels per tile (2, or 4 for 4 and 1 rows), tiles. */
        final int mr, mblocks, vecs, tiles;
        /**
         * Per vector slot of the output plane, tile by tile: its pixel in the padded width
         * ({@code oh*wp + ow}), its index in the output plane, and how many of its L pixels are real
         * (0 for the filler that completes the last tile).
         */
        final int[] slotX, slotY, slotLen;

        final int[] off;

        Plan(
                int images,
                int groups,
                int srcC,
                int srcH,
                int srcW,
                int padT,
                int padL,
                int hp,
                int wp,
                int dstC,
                int outH,
                int outW,
                int kH,
                int kW,
                int dH,
                int dW) {
            this.images = images;
            this.groups = groups;
            this.srcC = srcC;
            this.srcH = srcH;
            this.srcW = srcW;
            this.cs = srcC / groups;
            this.padT = padT;
            this.padL = padL;
            this.hp = hp;
            this.wp = wp;
            this.plane = hp * wp;
            this.dstC = dstC;
            this.md = dstC / groups;
            this.outH = outH;
            this.outW = outW;
            this.kH = kH;
            this.kW = kW;
            this.dH = dH;
            this.dW = dW;
            this.k = cs * kH * kW;
            this.mr = rowsPerTile(md);
            this.mblocks = (md + mr - 1) / mr;
            this.vecs = mr <= 4 ? 4 : 2;
            // A vector at the end of a row, or the weight-gradient loops (rows padded to a multiple
            // of 16), read past the plane by less than dW*(kW-1) + max(L, 16) floats; the slack is
            // kept zero.
            this.xs = srcC * plane + dW * (kW - 1) + 2 * Math.max(L, W);
            int perRow = (outW + L - 1) / L;
            int slots = outH * perRow;
            this.tiles = (slots + vecs - 1) / vecs;
            slotX = new int[tiles * vecs];
            slotY = new int[tiles * vecs];
            slotLen = new int[tiles * vecs];
            for (int i = 0; i < slots; i++) {
                int oh = i / perRow, ow = (i % perRow) * L;
                slotX[i] = oh * wp + ow;
                slotY[i] = oh * outW + ow;
                slotLen[i] = Math.min(L, outW - ow);
            }
            off = new int[k];
            int i = 0;
            for (int c = 0; c < cs; c++) {
                for (int a = 0; a < kH; a++) {
                    for (int b = 0; b < kW; b++) {
                        off[i++] = c * plane + a * dH * wp + b * dW;
                    }
                }
            }
        }

        /**
         * 1 for one or two channels (depthwise). With 32 registers: 4 (with four vectors of pixels)
         * for three or four, else 8 or 6, whichever pads {@code md} less. With 16 (AVX2): 5. The 6 x
         * 2 tile (12 accumulators + 2 pixel vectors + a broadcast = 15 of 16 registers) made C2
         * spill an accumulator to the stack and reload it on every step of the tap loop (C2 on JDK
         * 25 schedules two broadcasts at once), which halved its speed: cifar2 forward at
         * {@code -XX:UseAVX=2}, one thread, Zen 5: 52 GFLOP/s with 6 rows, 102 with 5; LeNet's
         * 6-channel forward, whose second block of 5 rows is mostly padding, still ran 0.91 ms
         * with 6 rows against 0.77 with 5.
         */
        private static int rowsPerTile(int md) {
            if (md <= 2) {
                return 1;
            }
            if (!WIDE_REGISTER_FILE) {
                return 5;
            }
            if (md <= 4) {
                return 4;
            }
            return (md + 7) / 8 * 8 <= (md + 5) / 6 * 6 ? 8 : 6;
        }

        /** The forward pass: x padded by the spec's padding, into y. */
        static Plan forward(Conv2dSpec s) {
            return new Plan(
                    s.batch(),
                    s.groups(),
                    s.inChannels(),
                    s.inH(),
                    s.inW(),
                    s.padH(),
                    s.padW(),
                    s.inH() + 2 * s.padH(),
                    s.inW() + 2 * s.padW(),
                    s.outChannels(),
                    s.outH(),
                    s.outW(),
                    s.kernelH(),
                    s.kernelW(),
                    s.dilationH(),
                    s.dilationW());
        }

        /** The input gradient: dy padded by {@code d*(k-1) - pad} (a crop when negative), into dx. */
        static Plan input(Conv2dSpec s) {
            int spanH = s.dilationH() * (s.kernelH() - 1), spanW = s.dilationW() * (s.kernelW() - 1);
            return new Plan(
                    s.batch(),
                    s.groups(),
                    s.outChannels(),
                    s.outH(),
                    s.outW(),
                    spanH - s.padH(),
                    spanW - s.padW(),
                    s.inH() + spanH,
                    s.inW() + spanW,
                    s.inChannels(),
                    s.inH(),
                    s.inW(),
                    s.kernelH(),
                    s.kernelW(),
                    s.dilationH(),
                    s.dilationW());
        }

        int packedSize() {
            return groups * mblocks * mr * k;
        }

        int tileBlocks() {
            return (tiles + TILE_BLOCK - 1) / TILE_BLOCK;
        }
    }

    // ------------------------------------------------------------------ forward and input gradient

    /** {@code y = conv(x, w) + bias} (overwrite). */
    static void forward(
            Conv2dSpec s, float[] x, int xOff, float[] w, int wOff, float[] bias, int bOff, float[] y, int yOff) {
        Plan p = Plan.forward(s);
        float[] wp = Scratch.floats(Scratch.PACKED, p.packedSize());
        packForward(p, w, wOff, wp);
        convolve(p, x, xOff, wp, bias, bOff, y, yOff, false);
    }

    /** {@code dx += convT(dy, w)}: the forward kernel on padded dy with the flipped, transposed kernel. */
    static void backwardInput(Conv2dSpec s, float[] dy, int dyOff, float[] w, int wOff, float[] dx, int dxOff) {
        Plan p = Plan.input(s);
        float[] wp = Scratch.floats(Scratch.PACKED, p.packedSize());
        packFlipped(p, s.groupOutChannels(), w, wOff, wp);
        convolve(p, dy, dyOff, wp, null, 0, dx, dxOff, true);
    }

    /** {@code wp[g][mb][k][r] = w[g*md + mb*mr + r][k]}, zero for the rows past {@code md}. */
    private static void packForward(Plan p, float[] w, int wOff, float[] wp) {
        for (int g = 0; g < p.groups; g++) {
            for (int mb = 0; mb < p.mblocks; mb++) {
                int base = (g * p.mblocks + mb) * p.k * p.mr;
                for (int r = 0; r < p.mr; r++) {
                    int m = mb * p.mr + r;
                    int src = wOff + (g * p.md + m) * p.k;
                    for (int kk = 0; kk < p.k; kk++) {
                        wp[base + kk * p.mr + r] = m < p.md ? w[src + kk] : 0f;
                    }
                }
            }
        }
    }

    /**
     * The input gradient's kernel: row {@code ci} of group {@code g}, column {@code (co, kh, kw)},
     * holds {@code w[g*mg + co][ci][kH-1-kh][kW-1-kw]}.
     */
    private static void packFlipped(Plan p, int mg, float[] w, int wOff, float[] wp) {
        int taps = p.kH * p.kW;
        int cg = p.md;
        for (int g = 0; g < p.groups; g++) {
            for (int mb = 0; mb < p.mblocks; mb++) {
                int base = (g * p.mblocks + mb) * p.k * p.mr;
                for (int r = 0; r < p.mr; r++) {
                    int ci = mb * p.mr + r;
                    for (int co = 0; co < mg; co++) {
                        int src = wOff + ((g * mg + co) * cg + ci) * taps;
                        for (int t = 0; t < taps; t++) {
                            wp[base + (co * taps + t) * p.mr + r] = ci < cg ? w[src + taps - 1 - t] : 0f;
                        }
                    }
                }
            }
        }
    }

    private static void convolve(
            Plan p,
            float[] src,
            int srcOff,
            float[] wp,
            float[] bias,
            int bOff,
            float[] dst,
            int dstOff,
            boolean accumulate) {
        int srcImage = p.srcC * p.srcH * p.srcW;
        int dstImage = p.dstC * p.outH * p.outW;
        int chunks = Conv2d.outerChunks(p.images);
        if (chunks > 1) {
            Parallel.forChunks(p.images, chunks, (n0, n1) -> {
                float[] xp = Scratch.floats(Scratch.COL, p.xs);
                float[] tile = Scratch.floats(Scratch.STAGE, p.mr * p.vecs * L);
                for (int n = n0; n < n1; n++) {
                    pad(p, src, srcOff + n * srcImage, xp, 0, 0, p.srcC);
                    for (int g = 0; g < p.groups; g++) {
                        for (int tb = 0; tb < p.tileBlocks(); tb++) {
                            for (int mb = 0; mb < p.mblocks; mb++) {
                                tiles(p, xp, wp, g, mb, tb, bias, bOff, dst, dstOff + n * dstImage, accumulate, tile);
                            }
                        }
                    }
                }
            });
            return;
        }
        // Too few images to share out: split each image's channels and tiles instead.
        float[] xp = Scratch.floats(Scratch.COL, p.xs);
        int perGroup = p.mblocks * p.tileBlocks();
        for (int n = 0; n < p.images; n++) {
            int so = srcOff + n * srcImage;
            int dOff = dstOff + n * dstImage;
            Parallel.forRange(
                    p.srcC, Math.max(1, Elementwise.GRAIN / p.plane), (c0, c1) -> pad(p, src, so, xp, 0, c0, c1));
            Parallel.forRange(p.groups * perGroup, 1, (i0, i1) -> {
                float[] tile = Scratch.floats(Scratch.STAGE, p.mr * p.vecs * L);
                for (int i = i0; i < i1; i++) {
                    int g = i / perGroup;
                    int tb = (i % perGroup) / p.mblocks;
                    tiles(p, xp, wp, g, i % p.mblocks, tb, bias, bOff, dst, dOff, accumulate, tile);
                }
            });
        }
    }

    /**
     * {@code xp[c][i][j] = src[c][i - padT][j - padL]} for channels {@code [c0, c1)}, zero outside
     * the source; the channel range that ends at the last channel also clears the slack.
     */
    static void pad(Plan p, float[] src, int so, float[] xp, int xo, int c0, int c1) {
        int jLo = Math.max(0, p.padL), jHi = Math.min(p.wp, p.padL + p.srcW);
        for (int c = c0; c < c1; c++) {
            int dp = xo + c * p.plane;
            int sp = so + c * p.srcH * p.srcW;
            for (int i = 0; i < p.hp; i++) {
                int row = dp + i * p.wp;
                int sr = i - p.padT;
                if (sr < 0 || sr >= p.srcH || jLo >= jHi) {
                    Arrays.fill(xp, row, row + p.wp, 0f);
                    continue;
                }
                if (jLo > 0) {
                    Arrays.fill(xp, row, row + jLo, 0f);
                }
                System.arraycopy(src, sp + sr * p.srcW + jLo - p.padL, xp, row + jLo, jHi - jLo);
                if (jHi < p.wp) {
                    Arrays.fill(xp, row + jHi, row + p.wp, 0f);
                }
            }
        }
        if (c1 == p.srcC) {
            Arrays.fill(xp, xo + p.srcC * p.plane, xo + p.xs, 0f);
        }
    }

    /**
     * The tiles of block {@code tb} for row block {@code mb} of group {@code g}, stored into the
     * image at {@code dOff}. Whole tiles go straight to dst; a tile with padding rows or a partial
     * vector goes through {@code tile} and {@link #merge}.
     */
    private static void tiles(
            Plan p,
            float[] xp,
            float[] wp,
            int g,
            int mb,
            int tb,
            float[] bias,
            int bOff,
            float[] dst,
            int dOff,
            boolean accumulate,
            float[] tile) {
        int xg = g * p.cs * p.plane;
        int wo = (g * p.mblocks + mb) * p.k * p.mr;
        int m0 = g * p.md + mb * p.mr;
        int rows = Math.min(p.mr, p.md - mb * p.mr);
        int ld = p.outH * p.outW;
        int d0 = dOff + m0 * ld;
        int b0 = bOff + m0;
        int t1 = Math.min(p.tiles, (tb + 1) * TILE_BLOCK);
        for (int t = tb * TILE_BLOCK; t < t1; t++) {
            int v = t * p.vecs;
            boolean whole = rows == p.mr;
            for (int j = 0; j < p.vecs; j++) {
                whole &= p.slotLen[v + j] == L;
            }
            float[] out = whole ? dst : tile;
            switch (p.mr) {
                case 8 ->
                    kernel8(
                            xp,
                            xg + p.slotX[v],
                            xg + p.slotX[v + 1],
                            p.off,
                            p.k,
                            wp,
                            wo,
                            bias,
                            b0,
                            rows,
                            out,
                            whole ? d0 + p.slotY[v] : 0,
                            whole ? d0 + p.slotY[v + 1] : L,
                            whole ? ld : 2 * L,
                            whole && accumulate);
                case 6 ->
                    kernel6(
                            xp,
                            xg + p.slotX[v],
                            xg + p.slotX[v + 1],
                            p.off,
                            p.k,
                            wp,
                            wo,
                            bias,
                            b0,
                            rows,
                            out,
                            whole ? d0 + p.slotY[v] : 0,
                            whole ? d0 + p.slotY[v + 1] : L,
                            whole ? ld : 2 * L,
                            whole && accumulate);
                case 5 ->
                    kernel5(
                            xp,
                            xg + p.slotX[v],
                            xg + p.slotX[v + 1],
                            p.off,
                            p.k,
                            wp,
                            wo,
                            bias,
                            b0,
                            rows,
                            out,
                            whole ? d0 + p.slotY[v] : 0,
                            whole ? d0 + p.slotY[v + 1] : L,
                            whole ? ld : 2 * L,
                            whole && accumulate);
                case 4 ->
                    kernel4(
                            xp,
                            xg,
                            p.slotX,
                            v,
                            p.off,
                            p.k,
                            wp,
                            wo,
                            bias,
                            b0,
                            rows,
                            out,
                            whole ? d0 : 0,
                            whole ? ld : 4 * L,
                            p.slotY,
                            whole,
                            whole && accumulate);
                default ->
                    kernel1(
                            xp,
                            xg,
                            p.slotX,
                            v,
                            p.off,
                            p.k,
                            wp,
                            wo,
                            bias,
                            b0,
                            out,
                            whole ? d0 : 0,
                            p.slotY,
                            whole,
                            whole && accumulate);
            }
            if (!whole) {
                merge(p, tile, rows, v, dst, d0, ld, accumulate);
            }
        }
    }

    /**
     * Stores the real rows and pixels of a staged tile ({@code tile[r][j][0..L)}) into dst, a vector
     * per slot, masked to the slot's real pixels (LeNet's rows of 28 and 10 pixels end in partial
     * vectors on every row).
     */
    private static void merge(Plan p, float[] tile, int rows, int v, float[] dst, int d0, int ld, boolean accumulate) {
        for (int j = 0; j < p.vecs; j++) {
            int len = p.slotLen[v + j];
            if (len == 0) {
                continue;
            }
            VectorMask<Float> m = S.indexInRange(0, len);
            for (int r = 0; r < rows; r++) {
                int t = (r * p.vecs + j) * L;
                int d = d0 + r * ld + p.slotY[v + j];
                FloatVector staged = FloatVector.fromArray(S, tile, t);
                if (accumulate) {
                    FloatVector.fromArray(S, dst, d, m).add(staged).intoArray(dst, d, m);
                } else {
                    staged.intoArray(dst, d, m);
                }
            }
        }
    }

    /**
     * Eight output channels x two vectors of pixels at {@code xa}, {@code xb}:
     * {@code c[r] = bias[r] + sum_k wp[k][r] * xp[x + off[k]]}, stored (or added) at
     * {@code out[da + r*ld]} and {@code out[db + r*ld]}. Bias rows past {@code rows} are zero.
     */
    private static void kernel8(
            float[] xp,
            int xa,
            int xb,
            int[] off,
            int k,
            float[] wp,
            int w0,
            float[] bias,
            int b0,
            int rows,
            float[] out,
            int da,
            int db,
            int ld,
            boolean add) {
        FloatVector c00 = init(bias, b0, 0, rows), c01 = c00;
        FloatVector c10 = init(bias, b0, 1, rows), c11 = c10;
        FloatVector c20 = init(bias, b0, 2, rows), c21 = c20;
        FloatVector c30 = init(bias, b0, 3, rows), c31 = c30;
        FloatVector c40 = init(bias, b0, 4, rows), c41 = c40;
        FloatVector c50 = init(bias, b0, 5, rows), c51 = c50;
        FloatVector c60 = init(bias, b0, 6, rows), c61 = c60;
        FloatVector c70 = init(bias, b0, 7, rows), c71 = c70;
        for (int i = 0; i < k; i++) {
            int o = off[i];
            FloatVector b0v = FloatVector.fromArray(S, xp, xa + o);
            FloatVector b1v = FloatVector.fromArray(S, xp, xb + o);
            int a = w0 + i * 8;
            FloatVector v = FloatVector.broadcast(S, wp[a]);
            c00 = v.fma(b0v, c00);
            c01 = v.fma(b1v, c01);
            v = FloatVector.broadcast(S, wp[a + 1]);
            c10 = v.fma(b0v, c10);
            c11 = v.fma(b1v, c11);
            v = FloatVector.broadcast(S, wp[a + 2]);
            c20 = v.fma(b0v, c20);
            c21 = v.fma(b1v, c21);
            v = FloatVector.broadcast(S, wp[a + 3]);
            c30 = v.fma(b0v, c30);
            c31 = v.fma(b1v, c31);
            v = FloatVector.broadcast(S, wp[a + 4]);
            c40 = v.fma(b0v, c40);
            c41 = v.fma(b1v, c41);
            v = FloatVector.broadcast(S, wp[a + 5]);
            c50 = v.fma(b0v, c50);
            c51 = v.fma(b1v, c51);
            v = FloatVector.broadcast(S, wp[a + 6]);
            c60 = v.fma(b0v, c60);
            c61 = v.fma(b1v, c61);
            v = FloatVector.broadcast(S, wp[a + 7]);
            c70 = v.fma(b0v, c70);
            c71 = v.fma(b1v, c71);
        }
        // Every vector leaving the loop is stored through an operation whose receiver C2 knows the
        // class of (see Lanes, "Known receivers"): out + c, or 1 * c, which changes no bit.
        if (add) {
            c00 = FloatVector.fromArray(S, out, da).add(c00);
            c01 = FloatVector.fromArray(S, out, db).add(c01);
            c10 = FloatVector.fromArray(S, out, da + ld).add(c10);
            c11 = FloatVector.fromArray(S, out, db + ld).add(c11);
            c20 = FloatVector.fromArray(S, out, da + 2 * ld).add(c20);
            c21 = FloatVector.fromArray(S, out, db + 2 * ld).add(c21);
            c30 = FloatVector.fromArray(S, out, da + 3 * ld).add(c30);
            c31 = FloatVector.fromArray(S, out, db + 3 * ld).add(c31);
            c40 = FloatVector.fromArray(S, out, da + 4 * ld).add(c40);
            c41 = FloatVector.fromArray(S, out, db + 4 * ld).add(c41);
            c50 = FloatVector.fromArray(S, out, da + 5 * ld).add(c50);
            c51 = FloatVector.fromArray(S, out, db + 5 * ld).add(c51);
            c60 = FloatVector.fromArray(S, out, da + 6 * ld).add(c60);
            c61 = FloatVector.fromArray(S, out, db + 6 * ld).add(c61);
            c70 = FloatVector.fromArray(S, out, da + 7 * ld).add(c70);
            c71 = FloatVector.fromArray(S, out, db + 7 * ld).add(c71);
            c00.intoArray(out, da);
            c01.intoArray(out, db);
            c10.intoArray(out, da + ld);
            c11.intoArray(out, db + ld);
            c20.intoArray(out, da + 2 * ld);
            c21.intoArray(out, db + 2 * ld);
            c30.intoArray(out, da + 3 * ld);
            c31.intoArray(out, db + 3 * ld);
            c40.intoArray(out, da + 4 * ld);
            c41.intoArray(out, db + 4 * ld);
            c50.intoArray(out, da + 5 * ld);
            c51.intoArray(out, db + 5 * ld);
            c60.intoArray(out, da + 6 * ld);
            c61.intoArray(out, db + 6 * ld);
            c70.intoArray(out, da + 7 * ld);
            c71.intoArray(out, db + 7 * ld);
        } else {
            FloatVector one = FloatVector.broadcast(S, 1f);
            one.mul(c00).intoArray(out, da);
            one.mul(c01).intoArray(out, db);
            one.mul(c10).intoArray(out, da + ld);
            one.mul(c11).intoArray(out, db + ld);
            one.mul(c20).intoArray(out, da + 2 * ld);
            one.mul(c21).intoArray(out, db + 2 * ld);
            one.mul(c30).intoArray(out, da + 3 * ld);
            one.mul(c31).intoArray(out, db + 3 * ld);
            one.mul(c40).intoArray(out, da + 4 * ld);
            one.mul(c41).intoArray(out, db + 4 * ld);
            one.mul(c50).intoArray(out, da + 5 * ld);
            one.mul(c51).intoArray(out, db + 5 * ld);
            one.mul(c60).intoArray(out, da + 6 * ld);
            one.mul(c61).intoArray(out, db + 6 * ld);
            one.mul(c70).intoArray(out, da + 7 * ld);
            one.mul(c71).intoArray(out, db + 7 * ld);
        }
    }

    /** As {@link #kernel8} with six rows: 12 accumulators, for 16-register machines. */
    private static void kernel6(
            float[] xp,
            int xa,
            int xb,
            int[] off,
            int k,
            float[] wp,
            int w0,
            float[] bias,
            int b0,
            int rows,
            float[] out,
            int da,
            int db,
            int ld,
            boolean add) {
        FloatVector c00 = init(bias, b0, 0, rows), c01 = c00;
        FloatVector c10 = init(bias, b0, 1, rows), c11 = c10;
        FloatVector c20 = init(bias, b0, 2, rows), c21 = c20;
        FloatVector c30 = init(bias, b0, 3, rows), c31 = c30;
        FloatVector c40 = init(bias, b0, 4, rows), c41 = c40;
        FloatVector c50 = init(bias, b0, 5, rows), c51 = c50;
        for (int i = 0; i < k; i++) {
            int o = off[i];
            FloatVector b0v = FloatVector.fromArray(S, xp, xa + o);
            FloatVector b1v = FloatVector.fromArray(S, xp, xb + o);
            int a = w0 + i * 6;
            FloatVector v = FloatVector.broadcast(S, wp[a]);
            c00 = v.fma(b0v, c00);
            c01 = v.fma(b1v, c01);
            v = FloatVector.broadcast(S, wp[a + 1]);
            c10 = v.fma(b0v, c10);
            c11 = v.fma(b1v, c11);
            v = FloatVector.broadcast(S, wp[a + 2]);
            c20 = v.fma(b0v, c20);
            c21 = v.fma(b1v, c21);
            v = FloatVector.broadcast(S, wp[a + 3]);
            c30 = v.fma(b0v, c30);
            c31 = v.fma(b1v, c31);
            v = FloatVector.broadcast(S, wp[a + 4]);
            c40 = v.fma(b0v, c40);
            c41 = v.fma(b1v, c41);
            v = FloatVector.broadcast(S, wp[a + 5]);
            c50 = v.fma(b0v, c50);
            c51 = v.fma(b1v, c51);
        }
        // Every vector leaving the loop is stored through an operation whose receiver C2 knows the
        // class of (see Lanes, "Known receivers"): out + c, or 1 * c, which changes no bit.
        if (add) {
            c00 = FloatVector.fromArray(S, out, da).add(c00);
            c01 = FloatVector.fromArray(S, out, db).add(c01);
            c10 = FloatVector.fromArray(S, out, da + ld).add(c10);
            c11 = FloatVector.fromArray(S, out, db + ld).add(c11);
            c20 = FloatVector.fromArray(S, out, da + 2 * ld).add(c20);
            c21 = FloatVector.fromArray(S, out, db + 2 * ld).add(c21);
            c30 = FloatVector.fromArray(S, out, da + 3 * ld).add(c30);
            c31 = FloatVector.fromArray(S, out, db + 3 * ld).add(c31);
            c40 = FloatVector.fromArray(S, out, da + 4 * ld).add(c40);
            c41 = FloatVector.fromArray(S, out, db + 4 * ld).add(c41);
            c50 = FloatVector.fromArray(S, out, da + 5 * ld).add(c50);
            c51 = FloatVector.fromArray(S, out, db + 5 * ld).add(c51);
            c00.intoArray(out, da);
            c01.intoArray(out, db);
            c10.intoArray(out, da + ld);
            c11.intoArray(out, db + ld);
            c20.intoArray(out, da + 2 * ld);
            c21.intoArray(out, db + 2 * ld);
            c30.intoArray(out, da + 3 * ld);
            c31.intoArray(out, db + 3 * ld);
            c40.intoArray(out, da + 4 * ld);
            c41.intoArray(out, db + 4 * ld);
            c50.intoArray(out, da + 5 * ld);
            c51.intoArray(out, db + 5 * ld);
        } else {
            FloatVector one = FloatVector.broadcast(S, 1f);
            one.mul(c00).intoArray(out, da);
            one.mul(c01).intoArray(out, db);
            one.mul(c10).intoArray(out, da + ld);
            one.mul(c11).intoArray(out, db + ld);
            one.mul(c20).intoArray(out, da + 2 * ld);
            one.mul(c21).intoArray(out, db + 2 * ld);
            one.mul(c30).intoArray(out, da + 3 * ld);
            one.mul(c31).intoArray(out, db + 3 * ld);
            one.mul(c40).intoArray(out, da + 4 * ld);
            one.mul(c41).intoArray(out, db + 4 * ld);
            one.mul(c50).intoArray(out, da + 5 * ld);
            one.mul(c51).intoArray(out, db + 5 * ld);
        }
    }

    /** As {@link #kernel8} with five rows: 10 accumulators, for 16-register machines (see {@link Plan#mr}). */
    private static void kernel5(
            float[] xp,
            int xa,
            int xb,
            int[] off,
            int k,
            float[] wp,
            int w0,
            float[] bias,
            int b0,
            int rows,
            float[] out,
            int da,
            int db,
            int ld,
            boolean add) {
        FloatVector c00 = init(bias, b0, 0, rows), c01 = c00;
        FloatVector c10 = init(bias, b0, 1, rows), c11 = c10;
        FloatVector c20 = init(bias, b0, 2, rows), c21 = c20;
        FloatVector c30 = init(bias, b0, 3, rows), c31 = c30;
        FloatVector c40 = init(bias, b0, 4, rows), c41 = c40;
        for (int i = 0; i < k; i++) {
            int o = off[i];
            FloatVector b0v = FloatVector.fromArray(S, xp, xa + o);
            FloatVector b1v = FloatVector.fromArray(S, xp, xb + o);
            int a = w0 + i * 5;
            FloatVector v = FloatVector.broadcast(S, wp[a]);
            c00 = v.fma(b0v, c00);
            c01 = v.fma(b1v, c01);
            v = FloatVector.broadcast(S, wp[a + 1]);
            c10 = v.fma(b0v, c10);
            c11 = v.fma(b1v, c11);
            v = FloatVector.broadcast(S, wp[a + 2]);
            c20 = v.fma(b0v, c20);
            c21 = v.fma(b1v, c21);
            v = FloatVector.broadcast(S, wp[a + 3]);
            c30 = v.fma(b0v, c30);
            c31 = v.fma(b1v, c31);
            v = FloatVector.broadcast(S, wp[a + 4]);
            c40 = v.fma(b0v, c40);
            c41 = v.fma(b1v, c41);
        }
        // Every vector leaving the loop is stored through an operation whose receiver C2 knows the
        // class of (see Lanes, "Known receivers"): out + c, or 1 * c, which changes no bit.
        if (add) {
            c00 = FloatVector.fromArray(S, out, da).add(c00);
            c01 = FloatVector.fromArray(S, out, db).add(c01);
            c10 = FloatVector.fromArray(S, out, da + ld).add(c10);
            c11 = FloatVector.fromArray(S, out, db + ld).add(c11);
            c20 = FloatVector.fromArray(S, out, da + 2 * ld).add(c20);
            c21 = FloatVector.fromArray(S, out, db + 2 * ld).add(c21);
            c30 = FloatVector.fromArray(S, out, da + 3 * ld).add(c30);
            c31 = FloatVector.fromArray(S, out, db + 3 * ld).add(c31);
            c40 = FloatVector.fromArray(S, out, da + 4 * ld).add(c40);
            c41 = FloatVector.fromArray(S, out, db + 4 * ld).add(c41);
            c00.intoArray(out, da);
            c01.intoArray(out, db);
            c10.intoArray(out, da + ld);
            c11.intoArray(out, db + ld);
            c20.intoArray(out, da + 2 * ld);
            c21.intoArray(out, db + 2 * ld);
            c30.intoArray(out, da + 3 * ld);
            c31.intoArray(out, db + 3 * ld);
            c40.intoArray(out, da + 4 * ld);
            c41.intoArray(out, db + 4 * ld);
        } else {
            FloatVector one = FloatVector.broadcast(S, 1f);
            one.mul(c00).intoArray(out, da);
            one.mul(c01).intoArray(out, db);
            one.mul(c10).intoArray(out, da + ld);
            one.mul(c11).intoArray(out, db + ld);
            one.mul(c20).intoArray(out, da + 2 * ld);
            one.mul(c21).intoArray(out, db + 2 * ld);
            one.mul(c30).intoArray(out, da + 3 * ld);
            one.mul(c31).intoArray(out, db + 3 * ld);
            one.mul(c40).intoArray(out, da + 4 * ld);
            one.mul(c41).intoArray(out, db + 4 * ld);
        }
    }

    /** The accumulator start of row {@code r}: its bias, or zero (no bias, or a padding row). */
    private static FloatVector init(float[] bias, int b0, int r, int rows) {
        return FloatVector.broadcast(S, bias != null && r < rows ? bias[b0 + r] : 0f);
    }

    /**
     * Four output channels x four vector slots {@code v..v+3} (groups of three or four channels, as
     * in the input gradient of an RGB layer): 16 accumulators. Whole tiles go to
     * {@code out[d0 + r*ld + slotY[..]]}; otherwise to {@code out[r*ld + j*L]} with {@code ld = 4L}.
     */
    private static void kernel4(
            float[] xp,
            int xg,
            int[] slotX,
            int v,
            int[] off,
            int k,
            float[] wp,
            int w0,
            float[] bias,
            int b0,
            int rows,
            float[] out,
            int d0,
            int ld,
            int[] slotY,
            boolean whole,
            boolean add) {
        int x0 = xg + slotX[v], x1 = xg + slotX[v + 1], x2 = xg + slotX[v + 2], x3 = xg + slotX[v + 3];
        FloatVector c00 = init(bias, b0, 0, rows), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = init(bias, b0, 1, rows), c11 = c10, c12 = c10, c13 = c10;
        FloatVector c20 = init(bias, b0, 2, rows), c21 = c20, c22 = c20, c23 = c20;
        FloatVector c30 = init(bias, b0, 3, rows), c31 = c30, c32 = c30, c33 = c30;
        for (int i = 0; i < k; i++) {
            int o = off[i];
            FloatVector b0v = FloatVector.fromArray(S, xp, x0 + o);
            FloatVector b1v = FloatVector.fromArray(S, xp, x1 + o);
            FloatVector b2v = FloatVector.fromArray(S, xp, x2 + o);
            FloatVector b3v = FloatVector.fromArray(S, xp, x3 + o);
            int a = w0 + i * 4;
            FloatVector w = FloatVector.broadcast(S, wp[a]);
            c00 = w.fma(b0v, c00);
            c01 = w.fma(b1v, c01);
            c02 = w.fma(b2v, c02);
            c03 = w.fma(b3v, c03);
            w = FloatVector.broadcast(S, wp[a + 1]);
            c10 = w.fma(b0v, c10);
            c11 = w.fma(b1v, c11);
            c12 = w.fma(b2v, c12);
            c13 = w.fma(b3v, c13);
            w = FloatVector.broadcast(S, wp[a + 2]);
            c20 = w.fma(b0v, c20);
            c21 = w.fma(b1v, c21);
            c22 = w.fma(b2v, c22);
            c23 = w.fma(b3v, c23);
            w = FloatVector.broadcast(S, wp[a + 3]);
            c30 = w.fma(b0v, c30);
            c31 = w.fma(b1v, c31);
            c32 = w.fma(b2v, c32);
            c33 = w.fma(b3v, c33);
        }
        int a0 = whole ? d0 + slotY[v] : 0, a1 = whole ? d0 + slotY[v + 1] : L;
        int a2 = whole ? d0 + slotY[v + 2] : 2 * L, a3 = whole ? d0 + slotY[v + 3] : 3 * L;
        // Every vector leaving the loop is stored through an operation whose receiver C2 knows the
        // class of (see Lanes, "Known receivers"): out + c, or 1 * c, which changes no bit.
        if (add) {
            c00 = FloatVector.fromArray(S, out, a0).add(c00);
            c01 = FloatVector.fromArray(S, out, a1).add(c01);
            c02 = FloatVector.fromArray(S, out, a2).add(c02);
            c03 = FloatVector.fromArray(S, out, a3).add(c03);
            c10 = FloatVector.fromArray(S, out, a0 + ld).add(c10);
            c11 = FloatVector.fromArray(S, out, a1 + ld).add(c11);
            c12 = FloatVector.fromArray(S, out, a2 + ld).add(c12);
            c13 = FloatVector.fromArray(S, out, a3 + ld).add(c13);
            c20 = FloatVector.fromArray(S, out, a0 + 2 * ld).add(c20);
            c21 = FloatVector.fromArray(S, out, a1 + 2 * ld).add(c21);
            c22 = FloatVector.fromArray(S, out, a2 + 2 * ld).add(c22);
            c23 = FloatVector.fromArray(S, out, a3 + 2 * ld).add(c23);
            c30 = FloatVector.fromArray(S, out, a0 + 3 * ld).add(c30);
            c31 = FloatVector.fromArray(S, out, a1 + 3 * ld).add(c31);
            c32 = FloatVector.fromArray(S, out, a2 + 3 * ld).add(c32);
            c33 = FloatVector.fromArray(S, out, a3 + 3 * ld).add(c33);
            c00.intoArray(out, a0);
            c01.intoArray(out, a1);
            c02.intoArray(out, a2);
            c03.intoArray(out, a3);
            c10.intoArray(out, a0 + ld);
            c11.intoArray(out, a1 + ld);
            c12.intoArray(out, a2 + ld);
            c13.intoArray(out, a3 + ld);
            c20.intoArray(out, a0 + 2 * ld);
            c21.intoArray(out, a1 + 2 * ld);
            c22.intoArray(out, a2 + 2 * ld);
            c23.intoArray(out, a3 + 2 * ld);
            c30.intoArray(out, a0 + 3 * ld);
            c31.intoArray(out, a1 + 3 * ld);
            c32.intoArray(out, a2 + 3 * ld);
            c33.intoArray(out, a3 + 3 * ld);
        } else {
            FloatVector one = FloatVector.broadcast(S, 1f);
            one.mul(c00).intoArray(out, a0);
            one.mul(c01).intoArray(out, a1);
            one.mul(c02).intoArray(out, a2);
            one.mul(c03).intoArray(out, a3);
            one.mul(c10).intoArray(out, a0 + ld);
            one.mul(c11).intoArray(out, a1 + ld);
            one.mul(c12).intoArray(out, a2 + ld);
            one.mul(c13).intoArray(out, a3 + ld);
            one.mul(c20).intoArray(out, a0 + 2 * ld);
            one.mul(c21).intoArray(out, a1 + 2 * ld);
            one.mul(c22).intoArray(out, a2 + 2 * ld);
            one.mul(c23).intoArray(out, a3 + 2 * ld);
            one.mul(c30).intoArray(out, a0 + 3 * ld);
            one.mul(c31).intoArray(out, a1 + 3 * ld);
            one.mul(c32).intoArray(out, a2 + 3 * ld);
            one.mul(c33).intoArray(out, a3 + 3 * ld);
        }
    }

    /**
     * One output channel x four vector slots {@code v..v+3} (for groups of one or two channels, as
     * in depthwise convolution). Whole tiles go to {@code out[d0 + slotY[..]]}; otherwise to
     * {@code out[j*L]}.
     */
    private static void kernel1(
            float[] xp,
            int xg,
            int[] slotX,
            int v,
            int[] off,
            int k,
            float[] wp,
            int w0,
            float[] bias,
            int b0,
            float[] out,
            int d0,
            int[] slotY,
            boolean whole,
            boolean add) {
        int x0 = xg + slotX[v], x1 = xg + slotX[v + 1], x2 = xg + slotX[v + 2], x3 = xg + slotX[v + 3];
        FloatVector c0 = init(bias, b0, 0, 1), c1 = c0, c2 = c0, c3 = c0;
        for (int i = 0; i < k; i++) {
            int o = off[i];
            FloatVector w = FloatVector.broadcast(S, wp[w0 + i]);
            c0 = w.fma(FloatVector.fromArray(S, xp, x0 + o), c0);
            c1 = w.fma(FloatVector.fromArray(S, xp, x1 + o), c1);
            c2 = w.fma(FloatVector.fromArray(S, xp, x2 + o), c2);
            c3 = w.fma(FloatVector.fromArray(S, xp, x3 + o), c3);
        }
        int a0 = whole ? d0 + slotY[v] : 0, a1 = whole ? d0 + slotY[v + 1] : L;
        int a2 = whole ? d0 + slotY[v + 2] : 2 * L, a3 = whole ? d0 + slotY[v + 3] : 3 * L;
        // Every vector leaving the loop is stored through an operation whose receiver C2 knows the
        // class of (see Lanes, "Known receivers"): out + c, or 1 * c, which changes no bit.
        if (add) {
            c0 = FloatVector.fromArray(S, out, a0).add(c0);
            c1 = FloatVector.fromArray(S, out, a1).add(c1);
            c2 = FloatVector.fromArray(S, out, a2).add(c2);
            c3 = FloatVector.fromArray(S, out, a3).add(c3);
            c0.intoArray(out, a0);
            c1.intoArray(out, a1);
            c2.intoArray(out, a2);
            c3.intoArray(out, a3);
        } else {
            FloatVector one = FloatVector.broadcast(S, 1f);
            one.mul(c0).intoArray(out, a0);
            one.mul(c1).intoArray(out, a1);
            one.mul(c2).intoArray(out, a2);
            one.mul(c3).intoArray(out, a3);
        }
    }

    // ------------------------------------------------------------------ weight gradient

    /**
     * Output channels x taps of the weight-gradient tile: 12 accumulators + 3 + 1 registers. On
     * 32-register machines 8 x 3 and 6 x 3 tiles ran at about half the speed of this one (C2 on
     * JDK 25, Zen 4).
     */
    private static final int WM = 4;

    private static final int WK = 3;

    /**
     * The pixel step of the weight-gradient tile on 16-register machines (AVX2): always
     * {@link Lanes#WIDTH}, but read from a field that is not final, because C2 only turns a loop
     * with a compile-time constant stride into a counted loop, and only counted loops are
     * unrolled. Unrolled four times, the 4 x 3 tile's loop needs 12 accumulators plus the loads
     * of several steps at once, more than 16 registers: C2 (JDK 25) kept all 12 accumulators on
     * the stack, a load, an FMA and a store per step, and the weight gradient ran at 35-45
     * GFLOP/s on one thread (Zen 5, {@code -XX:UseAVX=2}). Not unrolled, the loop keeps them in
     * registers. With 32 registers the unrolled loop is faster and keeps the constant.
     */
    private static int narrowStep = W;
    /**
     * Tiles of {@link #weightRowsNarrow} that take all the group's images before the next ones
     * start: their 8 x 12 x 16 lane sums (24 KiB) and their taps of the images stay in L1.
     */
    private static final int TILE_GROUP = 8;
    /** Images per group: their lanes are summed once per group rather than once per image. */
    private static final int IMAGE_GROUP = 4;

    /**
     * {@code dw += dW(x, dy)} as dot products along the pixels:
     * {@code dW[m][k] = sum_q dy[m][q] * xp[off[k] + q]}, where dy is staged with rows of the padded
     * width {@code wp} (zeros in the junk columns) so both operands are contiguous in {@code q}. A
     * tile of WM channels x 3 taps keeps its sums in vector lanes over a group of images and adds
     * them up once. (A transposed formulation without lane sums, {@code dW^T[k][m] += xp * dy^T},
     * needs dy transposed per image and measured slower on every CIFAR layer, up to 2x on the
     * 3-channel one.) The pixel sums follow {@link Lanes}' fixed 16-lane order (the rows are padded
     * to a multiple of 16 with zeros, which add nothing), and the batch is cut into
     * {@link Conv2d#weightChunks} chunks of image groups, a number fixed by the shape, whose partials
     * are added in order: the same bits on any thread count and vector width.
     */
    static void backwardWeight(Conv2dSpec s, float[] x, int xOff, float[] dy, int dyOff, float[] dw, int dwOff) {
        Plan p = Plan.forward(s);
        int qw = (p.outH * p.wp + W - 1) / W * W;
        int ys = p.dstC * qw;
        int ws = s.weightSize();
        int xImage = p.srcC * p.srcH * p.srcW;
        int yImage = p.dstC * p.outH * p.outW;
        int imageGroups = (p.images + IMAGE_GROUP - 1) / IMAGE_GROUP;
        int chunks = Conv2d.weightChunks(imageGroups, ws);
        boolean t = chunks > 1 && transposed(p);
        int items = t ? p.dstC / TM : p.groups * ((p.md + WM - 1) / WM);
        if (chunks > 1) {
            // Chunk c sums its image groups into zeroed partial c; threads share the chunks.
            float[] partial = Scratch.floats(Scratch.PARTIAL, chunks * ws);
            // One chunk of work per partial, claimed by the threads as they get free (see
            // Conv2d.CHUNKS_PER_THREAD); a single thread runs them all in one call.
            int parts = Parallel.chunks(chunks, 1) > 1 ? chunks : 1;
            Parallel.forChunks(chunks, parts, (c0, c1) -> {
                float[] xp = Scratch.floats(Scratch.COL, IMAGE_GROUP * p.xs);
                // The transposition writes every float of st; the lane-sum staging skips junk columns.
                float[] st =
                        t ? Scratch.floats(Scratch.STAGE, IMAGE_GROUP * ys) : zeroed(Scratch.STAGE, IMAGE_GROUP * ys);
                float[] qs = t ? zeroed(Scratch.PIXELS, ys) : null;
                float[] lanes = Scratch.floats(Scratch.LANES, t ? W * TK * TM + L : laneBuffer(p));
                for (int c = c0; c < c1; c++) {
                    int tOff = c * ws;
                    Arrays.fill(partial, tOff, tOff + ws, 0f);
                    int g0 = (int) ((long) imageGroups * c / chunks);
                    int g1 = (int) ((long) imageGroups * (c + 1) / chunks);
                    for (int grp = g0; grp < g1; grp++) {
                        int n0 = grp * IMAGE_GROUP;
                        int cnt = Math.min(IMAGE_GROUP, p.images - n0);
                        for (int j = 0; j < cnt; j++) {
                            pad(p, x, xOff + (n0 + j) * xImage, xp, j * p.xs, 0, p.srcC);
                            if (t) {
                                stage(p, qw, dy, dyOff + (n0 + j) * yImage, qs, 0, 0, p.dstC);
                                transposeTiles(qs, p.dstC, qw, st, j * ys);
                            } else {
                                stage(p, qw, dy, dyOff + (n0 + j) * yImage, st, j * ys, 0, p.dstC);
                            }
                        }
                        for (int i = 0; i < items; i++) {
                            if (t) {
                                weightItemT(p, qw, ys, xp, st, i, cnt, partial, tOff, lanes);
                            } else {
                                weightItem(p, qw, ys, xp, st, i, cnt, partial, tOff, lanes);
                            }
                        }
                    }
                }
            });
            Conv2d.addPartials(partial, chunks, ws, dw, dwOff);
            return;
        }
        float[] xp = Scratch.floats(Scratch.COL, IMAGE_GROUP * p.xs);
        float[] st = zeroed(Scratch.STAGE, IMAGE_GROUP * ys);
        for (int n0 = 0; n0 < p.images; n0 += IMAGE_GROUP) {
            int cnt = Math.min(IMAGE_GROUP, p.images - n0);
            for (int j = 0; j < cnt; j++) {
                int xo = xOff + (n0 + j) * xImage;
                int yo = dyOff + (n0 + j) * yImage;
                int slot = j;
                Parallel.forRange(
                        p.srcC,
                        Math.max(1, Elementwise.GRAIN / p.plane),
                        (c0, c1) -> pad(p, x, xo, xp, slot * p.xs, c0, c1));
                Parallel.forRange(
                        p.dstC,
                        Math.max(1, Elementwise.GRAIN / qw),
                        (c0, c1) -> stage(p, qw, dy, yo, st, slot * ys, c0, c1));
            }
            // Items own disjoint rows of dw, so they run in parallel without partial sums.
            Parallel.forRange(items, 1, (i0, i1) -> {
                float[] lanes = Scratch.floats(Scratch.LANES, laneBuffer(p));
                for (int i = i0; i < i1; i++) {
                    weightItem(p, qw, ys, xp, st, i, cnt, dw, dwOff, lanes);
                }
            });
        }
    }

    /**
     * This thread's scratch {@code slot}, its first {@code n} floats zeroed: staged dy whose junk
     * columns are never written after.
     */
    private static float[] zeroed(int slot, int n) {
        float[] b = Scratch.floats(slot, n);
        Arrays.fill(b, 0, n, 0f);
        return b;
    }

    /** {@code st[so + c*qw + oh*wp + ow] = dy[c][oh][ow]} for channels {@code [c0, c1)}. */
    private static void stage(Plan p, int qw, float[] dy, int yo, float[] st, int so, int c0, int c1) {
        int outPlane = p.outH * p.outW;
        for (int c = c0; c < c1; c++) {
            for (int oh = 0; oh < p.outH; oh++) {
                System.arraycopy(dy, yo + c * outPlane + oh * p.outW, st, so + c * qw + oh * p.wp, p.outW);
            }
        }
    }

    /** Rows {@code [rb*WM, rb*WM + WM)} of group {@code g} of dw (item {@code i}), all taps, {@code cnt} images. */
    private static void weightItem(
            Plan p, int qw, int ys, float[] xp, float[] st, int i, int cnt, float[] dw, int dwOff, float[] lanes) {
        int rowBlocks = (p.md + WM - 1) / WM;
        int g = i / rowBlocks;
        int m0 = (i % rowBlocks) * WM;
        int rows = Math.min(WM, p.md - m0);
        int xg = g * p.cs * p.plane;
        int kFull = p.k - p.k % WK;
        int[] off = p.off;
        if (rows == WM) {
            int yRow = (g * p.md + m0) * qw;
            int wRow = dwOff + (g * p.md + m0) * p.k;
            if (WIDE_REGISTER_FILE) {
                for (int kk = 0; kk < kFull; kk += WK) {
                    weight4x3(xp, xg, p.xs, cnt, off, kk, st, yRow, ys, qw, dw, wRow, p.k, lanes);
                }
            } else {
                weightRowsNarrow(p, qw, ys, xp, xg, st, yRow, cnt, kFull, dw, wRow, lanes);
            }
            for (int kk = kFull; kk < p.k; kk++) {
                for (int r = 0; r < WM; r++) {
                    dw[wRow + r * p.k + kk] += dot(xp, xg + off[kk], p.xs, cnt, st, yRow + r * qw, ys, qw, lanes);
                }
            }
            return;
        }
        for (int m = m0; m < m0 + rows; m++) {
            int yRow = (g * p.md + m) * qw;
            int wRow = dwOff + (g * p.md + m) * p.k;
            for (int kk = 0; kk < kFull; kk += WK) {
                weight1x3(xp, xg, p.xs, cnt, off, kk, st, yRow, ys, qw, dw, wRow, lanes);
            }
            for (int kk = kFull; kk < p.k; kk++) {
                dw[wRow + kk] += dot(xp, xg + off[kk], p.xs, cnt, st, yRow, ys, qw, lanes);
            }
        }
    }

    /** {@code dw[r][kk + j] += sum over the cnt images and pixels of dq[r][q] * xp[off[kk + j] + q]}, 4 x 3. */
    private static void weight4x3(
            float[] xp,
            int xg,
            int xs,
            int cnt,
            int[] off,
            int kk,
            float[] dq,
            int y0,
            int ys,
            int ld,
            float[] dw,
            int w0,
            int k,
            float[] lanes) {
        // Lanes' fixed order: pass h accumulates logical lanes [h, h + L) of every sum, striding 16.
        for (int h = 0; h < W; h += L) {
            FloatVector a00 = FloatVector.zero(S), a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00;
            FloatVector a20 = a00, a21 = a00, a22 = a00, a30 = a00, a31 = a00, a32 = a00;
            for (int n = 0; n < cnt; n++) {
                int o0 = xg + n * xs + off[kk], o1 = xg + n * xs + off[kk + 1], o2 = xg + n * xs + off[kk + 2];
                int y = y0 + n * ys;
                for (int q = h; q < ld; q += W) {
                    FloatVector x0 = FloatVector.fromArray(S, xp, o0 + q);
                    FloatVector x1 = FloatVector.fromArray(S, xp, o1 + q);
                    FloatVector x2 = FloatVector.fromArray(S, xp, o2 + q);
                    FloatVector d = FloatVector.fromArray(S, dq, y + q);
                    a00 = d.fma(x0, a00);
                    a01 = d.fma(x1, a01);
                    a02 = d.fma(x2, a02);
                    d = FloatVector.fromArray(S, dq, y + ld + q);
                    a10 = d.fma(x0, a10);
                    a11 = d.fma(x1, a11);
                    a12 = d.fma(x2, a12);
                    d = FloatVector.fromArray(S, dq, y + 2 * ld + q);
                    a20 = d.fma(x0, a20);
                    a21 = d.fma(x1, a21);
                    a22 = d.fma(x2, a22);
                    d = FloatVector.fromArray(S, dq, y + 3 * ld + q);
                    a30 = d.fma(x0, a30);
                    a31 = d.fma(x1, a31);
                    a32 = d.fma(x2, a32);
                }
            }
            FloatVector one = FloatVector.broadcast(S, 1f);
            one.mul(a00).intoArray(lanes, h);
            one.mul(a01).intoArray(lanes, W + h);
            one.mul(a02).intoArray(lanes, 2 * W + h);
            one.mul(a10).intoArray(lanes, 3 * W + h);
            one.mul(a11).intoArray(lanes, 4 * W + h);
            one.mul(a12).intoArray(lanes, 5 * W + h);
            one.mul(a20).intoArray(lanes, 6 * W + h);
            one.mul(a21).intoArray(lanes, 7 * W + h);
            one.mul(a22).intoArray(lanes, 8 * W + h);
            one.mul(a30).intoArray(lanes, 9 * W + h);
            one.mul(a31).intoArray(lanes, 10 * W + h);
            one.mul(a32).intoArray(lanes, 11 * W + h);
        }
        for (int r = 0; r < 4; r++) {
            for (int c = 0; c < 3; c++) {
                dw[w0 + r * k + kk + c] += Lanes.sum(lanes, (r * 3 + c) * W);
            }
        }
    }

    /** Floats of the lane buffer a thread needs for {@link #weightItem} on this plan. */
    private static int laneBuffer(Plan p) {
        return WIDE_REGISTER_FILE ? WM * WK * W : TILE_GROUP * WM * WK * W;
    }

    /**
     * The 4 x 3 tiles of {@link #weightItem}'s WM rows on 16-register machines, images outside
     * the tile: each tile's 12 sums of 16 lanes wait in {@code acc} from one image to the next,
     * so one image's rows of dy (reused by every tile) stay in L1, where with the images innermost
     * the four images' rows of a large layer did not (cifar2: 41 -> 97-101 GFLOP/s with
     * {@link #narrowStep}, one thread, {@code -XX:UseAVX=2}, Zen 5). The tiles go through the
     * images {@link #TILE_GROUP} at a time, so their sums and taps stay in L1 too; with all of a
     * layer's tiles per image, the sums (147 KiB for a 64-channel 3x3 layer) and the image's taps
     * streamed from L2 and had to be zeroed first (cifar3/4 66-72 -> 78-80 GFLOP/s). Each lane still
     * adds its products image by image and pixel by pixel, as {@link #weight4x3} does: the same
     * bits.
     */
    private static void weightRowsNarrow(
            Plan p,
            int qw,
            int ys,
            float[] xp,
            int xg,
            float[] st,
            int yRow,
            int cnt,
            int kFull,
            float[] dw,
            int wRow,
            float[] acc) {
        int tile = WM * WK * W;
        int tiles = kFull / WK;
        for (int t0 = 0; t0 < tiles; t0 += TILE_GROUP) {
            int t1 = Math.min(tiles, t0 + TILE_GROUP);
            for (int n = 0; n < cnt; n++) {
                int xo = xg + n * p.xs;
                int yo = yRow + n * ys;
                for (int t = t0; t < t1; t++) {
                    tile4x3(xp, xo, p.off, t * WK, st, yo, qw, acc, (t - t0) * tile, n == 0);
                }
            }
            for (int t = t0; t < t1; t++) {
                for (int r = 0; r < WM; r++) {
                    for (int c = 0; c < WK; c++) {
                        dw[wRow + r * p.k + t * WK + c] += Lanes.sum(acc, (t - t0) * tile + (r * WK + c) * W);
                    }
                }
            }
        }
    }

    /**
     * One image's share of a 4 x 3 tile: {@code acc[ao + (r*3 + c)*16 + l] += } the products of
     * lane l of dy's row r and tap {@code kk + c}, pixel by pixel (see {@link #narrowStep});
     * {@code =} for the {@code first} image, so {@code acc} needs no zeroing.
     */
    private static void tile4x3(
            float[] xp, int xo, int[] off, int kk, float[] dq, int y, int ld, float[] acc, int ao, boolean first) {
        int o0 = xo + off[kk], o1 = xo + off[kk + 1], o2 = xo + off[kk + 2];
        int step = narrowStep;
        for (int h = 0; h < W; h += L) {
            int a = ao + h;
            FloatVector a00, a01, a02, a10, a11, a12, a20, a21, a22, a30, a31, a32;
            if (first) {
                a00 = FloatVector.zero(S);
                a01 = a00;
                a02 = a00;
                a10 = a00;
                a11 = a00;
                a12 = a00;
                a20 = a00;
                a21 = a00;
                a22 = a00;
                a30 = a00;
                a31 = a00;
                a32 = a00;
            } else {
                a00 = FloatVector.fromArray(S, acc, a);
                a01 = FloatVector.fromArray(S, acc, a + W);
                a02 = FloatVector.fromArray(S, acc, a + 2 * W);
                a10 = FloatVector.fromArray(S, acc, a + 3 * W);
                a11 = FloatVector.fromArray(S, acc, a + 4 * W);
                a12 = FloatVector.fromArray(S, acc, a + 5 * W);
                a20 = FloatVector.fromArray(S, acc, a + 6 * W);
                a21 = FloatVector.fromArray(S, acc, a + 7 * W);
                a22 = FloatVector.fromArray(S, acc, a + 8 * W);
                a30 = FloatVector.fromArray(S, acc, a + 9 * W);
                a31 = FloatVector.fromArray(S, acc, a + 10 * W);
                a32 = FloatVector.fromArray(S, acc, a + 11 * W);
            }
            for (int q = h; q < ld; q += step) {
                FloatVector x0 = FloatVector.fromArray(S, xp, o0 + q);
                FloatVector x1 = FloatVector.fromArray(S, xp, o1 + q);
                FloatVector x2 = FloatVector.fromArray(S, xp, o2 + q);
                FloatVector d = FloatVector.fromArray(S, dq, y + q);
                a00 = d.fma(x0, a00);
                a01 = d.fma(x1, a01);
                a02 = d.fma(x2, a02);
                d = FloatVector.fromArray(S, dq, y + ld + q);
                a10 = d.fma(x0, a10);
                a11 = d.fma(x1, a11);
                a12 = d.fma(x2, a12);
                d = FloatVector.fromArray(S, dq, y + 2 * ld + q);
                a20 = d.fma(x0, a20);
                a21 = d.fma(x1, a21);
                a22 = d.fma(x2, a22);
                d = FloatVector.fromArray(S, dq, y + 3 * ld + q);
                a30 = d.fma(x0, a30);
                a31 = d.fma(x1, a31);
                a32 = d.fma(x2, a32);
            }
            // Stores through a receiver whose class C2 knows (see Lanes, "Known receivers").
            FloatVector one = FloatVector.broadcast(S, 1f);
            one.mul(a00).intoArray(acc, a);
            one.mul(a01).intoArray(acc, a + W);
            one.mul(a02).intoArray(acc, a + 2 * W);
            one.mul(a10).intoArray(acc, a + 3 * W);
            one.mul(a11).intoArray(acc, a + 4 * W);
            one.mul(a12).intoArray(acc, a + 5 * W);
            one.mul(a20).intoArray(acc, a + 6 * W);
            one.mul(a21).intoArray(acc, a + 7 * W);
            one.mul(a22).intoArray(acc, a + 8 * W);
            one.mul(a30).intoArray(acc, a + 9 * W);
            one.mul(a31).intoArray(acc, a + 10 * W);
            one.mul(a32).intoArray(acc, a + 11 * W);
        }
    }

    private static void weight1x3(
            float[] xp,
            int xg,
            int xs,
            int cnt,
            int[] off,
            int kk,
            float[] dq,
            int y0,
            int ys,
            int ld,
            float[] dw,
            int w0,
            float[] lanes) {
        for (int h = 0; h < W; h += L) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0;
            for (int n = 0; n < cnt; n++) {
                int o0 = xg + n * xs + off[kk], o1 = xg + n * xs + off[kk + 1], o2 = xg + n * xs + off[kk + 2];
                int y = y0 + n * ys;
                for (int q = h; q < ld; q += W) {
                    FloatVector d = FloatVector.fromArray(S, dq, y + q);
                    a0 = d.fma(FloatVector.fromArray(S, xp, o0 + q), a0);
                    a1 = d.fma(FloatVector.fromArray(S, xp, o1 + q), a1);
                    a2 = d.fma(FloatVector.fromArray(S, xp, o2 + q), a2);
                }
            }
            FloatVector one = FloatVector.broadcast(S, 1f);
            one.mul(a0).intoArray(lanes, h);
            one.mul(a1).intoArray(lanes, W + h);
            one.mul(a2).intoArray(lanes, 2 * W + h);
        }
        dw[w0 + kk] += Lanes.sum(lanes, 0);
        dw[w0 + kk + 1] += Lanes.sum(lanes, W);
        dw[w0 + kk + 2] += Lanes.sum(lanes, 2 * W);
    }

    /**
     * {@code sum over the cnt images of sum_i a[ao + i] * b[bo + i]} in {@link Lanes}' order,
     * {@code n} a multiple of 16.
     */
    private static float dot(float[] a, int ao, int as, int cnt, float[] b, int bo, int bs, int n, float[] lanes) {
        for (int h = 0; h < W; h += L) {
            FloatVector acc = FloatVector.zero(S);
            for (int j = 0; j < cnt; j++) {
                for (int i = h; i < n; i += W) {
                    acc = FloatVector.fromArray(S, a, ao + j * as + i)
                            .fma(FloatVector.fromArray(S, b, bo + j * bs + i), acc);
                }
            }
            FloatVector.broadcast(S, 1f).mul(acc).intoArray(lanes, h);
        }
        return Lanes.sum(lanes, 0);
    }

    // ------------------------------------------------------------------ weight gradient, channels in the vector

    /** Output channels per tile of {@link #tileT6}: two vectors. */
    private static final int TM = 2 * L;
    /** Taps per tile of {@link #tileT6}: 12 accumulators. */
    private static final int TK = 6;

    /**
     * Whether the weight gradient takes {@link #tileT6}: 32 registers, vectors of the 16 logical
     * lanes (the transposition is 16 x 16), whole tiles of output channels and taps in threes.
     *
     * <p>Why: {@link #weight4x3} loads each tap as a vector of pixels, and taps one float apart
     * cannot all be aligned, so at AVX-512 nearly every such 64-byte load splits a cache line. Here
     * the taps are broadcast, one float each, and the vector runs over output channels instead,
     * which needs dy with its channels side by side: each image's dy is transposed once, in
     * registers ({@link #transpose16}), for every tap that reads it. Each lane of each sum adds
     * the same products in the same order as the lane-sum tiles: the same bits. One thread, batch
     * 64, Zen 5: cifar1-4 101 / 115 / 114 / 117 -> 103 / 162 / 126 / 122 GFLOP/s. With scalar or
     * gathered copies instead of the register transpose the copy cost more than the tile gained.
     */
    static boolean transposed(Plan p) {
        return transposedEnabled && WIDE_REGISTER_FILE && L == W && p.md % TM == 0 && p.k % 3 == 0;
    }

    /** Cleared only by tests, to compare the two weight-gradient formulations. */
    static volatile boolean transposedEnabled = true;

    /** Lane j of a vector from lane j - d (the lanes below d take any lane: the blend drops them). */
    private static final VectorShuffle<Float> FROM_BELOW_8 = shuffle(-8),
            FROM_BELOW_4 = shuffle(-4),
            FROM_BELOW_2 = shuffle(-2),
            FROM_BELOW_1 = shuffle(-1);
    /** Lane j of a vector from lane j + d. */
    private static final VectorShuffle<Float> FROM_ABOVE_8 = shuffle(8),
            FROM_ABOVE_4 = shuffle(4),
            FROM_ABOVE_2 = shuffle(2),
            FROM_ABOVE_1 = shuffle(1);
    /** The lanes j with bit d set. */
    private static final VectorMask<Float> BIT_8 = bit(8), BIT_4 = bit(4), BIT_2 = bit(2), BIT_1 = bit(1);

    private static VectorShuffle<Float> shuffle(int by) {
        return VectorShuffle.fromOp(S, j -> Math.floorMod(j + by, L));
    }

    private static VectorMask<Float> bit(int d) {
        boolean[] m = new boolean[L];
        for (int j = 0; j < L; j++) {
            m[j] = (j & d) != 0;
        }
        return VectorMask.fromArray(S, m, 0);
    }

    /**
     * {@code st[so + t*qw*TM + (q%16)*(qw/16)*TM + (q/16)*TM + m] = qs[(t*TM + m)*qw + q]} for every
     * channel tile t: each tile's channels side by side, pixels dealt by logical lane, so a lane's
     * pass of {@link #tileT6} reads its rows contiguously. 16 x 16 blocks, transposed in registers.
     */
    private static void transposeTiles(float[] qs, int channels, int qw, float[] st, int so) {
        int seg = qw / W * TM;
        for (int t = 0; t < channels / TM; t++) {
            for (int half = 0; half < TM; half += L) {
                for (int j = 0; j < qw / W; j++) {
                    transpose16(qs, (t * TM + half) * qw + j * W, qw, st, so + t * qw * TM + j * TM + half, seg);
                }
            }
        }
    }

    /**
     * {@code b[bo + c*ldb + r] = a[ao + r*lda + c]} for r, c < 16 (L = 16): four stages, each
     * swapping one bit of the row index with the same bit of the column index.
     */
    private static void transpose16(float[] a, int ao, int lda, float[] b, int bo, int ldb) {
        FloatVector v0 = FloatVector.fromArray(S, a, ao);
        FloatVector v1 = FloatVector.fromArray(S, a, ao + lda);
        FloatVector v2 = FloatVector.fromArray(S, a, ao + 2 * lda);
        FloatVector v3 = FloatVector.fromArray(S, a, ao + 3 * lda);
        FloatVector v4 = FloatVector.fromArray(S, a, ao + 4 * lda);
        FloatVector v5 = FloatVector.fromArray(S, a, ao + 5 * lda);
        FloatVector v6 = FloatVector.fromArray(S, a, ao + 6 * lda);
        FloatVector v7 = FloatVector.fromArray(S, a, ao + 7 * lda);
        FloatVector v8 = FloatVector.fromArray(S, a, ao + 8 * lda);
        FloatVector v9 = FloatVector.fromArray(S, a, ao + 9 * lda);
        FloatVector v10 = FloatVector.fromArray(S, a, ao + 10 * lda);
        FloatVector v11 = FloatVector.fromArray(S, a, ao + 11 * lda);
        FloatVector v12 = FloatVector.fromArray(S, a, ao + 12 * lda);
        FloatVector v13 = FloatVector.fromArray(S, a, ao + 13 * lda);
        FloatVector v14 = FloatVector.fromArray(S, a, ao + 14 * lda);
        FloatVector v15 = FloatVector.fromArray(S, a, ao + 15 * lda);
        FloatVector w0 = v0.blend(v8.rearrange(FROM_BELOW_8), BIT_8),
                w8 = v0.rearrange(FROM_ABOVE_8).blend(v8, BIT_8);
        FloatVector w1 = v1.blend(v9.rearrange(FROM_BELOW_8), BIT_8),
                w9 = v1.rearrange(FROM_ABOVE_8).blend(v9, BIT_8);
        FloatVector w2 = v2.blend(v10.rearrange(FROM_BELOW_8), BIT_8),
                w10 = v2.rearrange(FROM_ABOVE_8).blend(v10, BIT_8);
        FloatVector w3 = v3.blend(v11.rearrange(FROM_BELOW_8), BIT_8),
                w11 = v3.rearrange(FROM_ABOVE_8).blend(v11, BIT_8);
        FloatVector w4 = v4.blend(v12.rearrange(FROM_BELOW_8), BIT_8),
                w12 = v4.rearrange(FROM_ABOVE_8).blend(v12, BIT_8);
        FloatVector w5 = v5.blend(v13.rearrange(FROM_BELOW_8), BIT_8),
                w13 = v5.rearrange(FROM_ABOVE_8).blend(v13, BIT_8);
        FloatVector w6 = v6.blend(v14.rearrange(FROM_BELOW_8), BIT_8),
                w14 = v6.rearrange(FROM_ABOVE_8).blend(v14, BIT_8);
        FloatVector w7 = v7.blend(v15.rearrange(FROM_BELOW_8), BIT_8),
                w15 = v7.rearrange(FROM_ABOVE_8).blend(v15, BIT_8);
        v0 = w0.blend(w4.rearrange(FROM_BELOW_4), BIT_4);
        v4 = w0.rearrange(FROM_ABOVE_4).blend(w4, BIT_4);
        v1 = w1.blend(w5.rearrange(FROM_BELOW_4), BIT_4);
        v5 = w1.rearrange(FROM_ABOVE_4).blend(w5, BIT_4);
        v2 = w2.blend(w6.rearrange(FROM_BELOW_4), BIT_4);
        v6 = w2.rearrange(FROM_ABOVE_4).blend(w6, BIT_4);
        v3 = w3.blend(w7.rearrange(FROM_BELOW_4), BIT_4);
        v7 = w3.rearrange(FROM_ABOVE_4).blend(w7, BIT_4);
        v8 = w8.blend(w12.rearrange(FROM_BELOW_4), BIT_4);
        v12 = w8.rearrange(FROM_ABOVE_4).blend(w12, BIT_4);
        v9 = w9.blend(w13.rearrange(FROM_BELOW_4), BIT_4);
        v13 = w9.rearrange(FROM_ABOVE_4).blend(w13, BIT_4);
        v10 = w10.blend(w14.rearrange(FROM_BELOW_4), BIT_4);
        v14 = w10.rearrange(FROM_ABOVE_4).blend(w14, BIT_4);
        v11 = w11.blend(w15.rearrange(FROM_BELOW_4), BIT_4);
        v15 = w11.rearrange(FROM_ABOVE_4).blend(w15, BIT_4);
        w0 = v0.blend(v2.rearrange(FROM_BELOW_2), BIT_2);
        w2 = v0.rearrange(FROM_ABOVE_2).blend(v2, BIT_2);
        w1 = v1.blend(v3.rearrange(FROM_BELOW_2), BIT_2);
        w3 = v1.rearrange(FROM_ABOVE_2).blend(v3, BIT_2);
        w4 = v4.blend(v6.rearrange(FROM_BELOW_2), BIT_2);
        w6 = v4.rearrange(FROM_ABOVE_2).blend(v6, BIT_2);
        w5 = v5.blend(v7.rearrange(FROM_BELOW_2), BIT_2);
        w7 = v5.rearrange(FROM_ABOVE_2).blend(v7, BIT_2);
        w8 = v8.blend(v10.rearrange(FROM_BELOW_2), BIT_2);
        w10 = v8.rearrange(FROM_ABOVE_2).blend(v10, BIT_2);
        w9 = v9.blend(v11.rearrange(FROM_BELOW_2), BIT_2);
        w11 = v9.rearrange(FROM_ABOVE_2).blend(v11, BIT_2);
        w12 = v12.blend(v14.rearrange(FROM_BELOW_2), BIT_2);
        w14 = v12.rearrange(FROM_ABOVE_2).blend(v14, BIT_2);
        w13 = v13.blend(v15.rearrange(FROM_BELOW_2), BIT_2);
        w15 = v13.rearrange(FROM_ABOVE_2).blend(v15, BIT_2);
        w0.blend(w1.rearrange(FROM_BELOW_1), BIT_1).intoArray(b, bo);
        w0.rearrange(FROM_ABOVE_1).blend(w1, BIT_1).intoArray(b, bo + ldb);
        w2.blend(w3.rearrange(FROM_BELOW_1), BIT_1).intoArray(b, bo + 2 * ldb);
        w2.rearrange(FROM_ABOVE_1).blend(w3, BIT_1).intoArray(b, bo + 3 * ldb);
        w4.blend(w5.rearrange(FROM_BELOW_1), BIT_1).intoArray(b, bo + 4 * ldb);
        w4.rearrange(FROM_ABOVE_1).blend(w5, BIT_1).intoArray(b, bo + 5 * ldb);
        w6.blend(w7.rearrange(FROM_BELOW_1), BIT_1).intoArray(b, bo + 6 * ldb);
        w6.rearrange(FROM_ABOVE_1).blend(w7, BIT_1).intoArray(b, bo + 7 * ldb);
        w8.blend(w9.rearrange(FROM_BELOW_1), BIT_1).intoArray(b, bo + 8 * ldb);
        w8.rearrange(FROM_ABOVE_1).blend(w9, BIT_1).intoArray(b, bo + 9 * ldb);
        w10.blend(w11.rearrange(FROM_BELOW_1), BIT_1).intoArray(b, bo + 10 * ldb);
        w10.rearrange(FROM_ABOVE_1).blend(w11, BIT_1).intoArray(b, bo + 11 * ldb);
        w12.blend(w13.rearrange(FROM_BELOW_1), BIT_1).intoArray(b, bo + 12 * ldb);
        w12.rearrange(FROM_ABOVE_1).blend(w13, BIT_1).intoArray(b, bo + 13 * ldb);
        w14.blend(w15.rearrange(FROM_BELOW_1), BIT_1).intoArray(b, bo + 14 * ldb);
        w14.rearrange(FROM_ABOVE_1).blend(w15, BIT_1).intoArray(b, bo + 15 * ldb);
    }

    /** Channels {@code [i*TM, i*TM + TM)} of dw (item {@code i}), all taps, {@code cnt} images. */
    private static void weightItemT(
            Plan p, int qw, int ys, float[] xp, float[] st, int i, int cnt, float[] dw, int dwOff, float[] lanes) {
        int c0 = i * TM;
        int xg = c0 / p.md * p.cs * p.plane;
        int d0 = c0 * qw;
        int wRow = dwOff + c0 * p.k;
        int kk = 0;
        for (; kk + TK <= p.k; kk += TK) {
            for (int n = 0; n < cnt; n++) {
                tileT6(xp, xg + n * p.xs, p.off, kk, n == 0, st, d0 + n * ys, qw, lanes);
            }
            reduceT(lanes, TK, dw, wRow, p.k, kk);
        }
        if (kk < p.k) {
            for (int n = 0; n < cnt; n++) {
                tileT3(xp, xg + n * p.xs, p.off, kk, n == 0, st, d0 + n * ys, qw, lanes);
            }
            reduceT(lanes, 3, dw, wRow, p.k, kk);
        }
    }

    /**
     * {@code dw[m][kk + r] += } the fixed tree ({@link Lanes#sum}) over the 16 lane sums
     * {@code lanes[(l*taps + r)*TM + m]}, for the tile's TM channels m, a vector of channels at a time.
     */
    private static void reduceT(float[] lanes, int taps, float[] dw, int wRow, int k, int kk) {
        int ls = taps * TM;
        int tmp = W * ls;
        for (int r = 0; r < taps; r++) {
            for (int v = 0; v < TM; v += L) {
                int b = r * TM + v;
                FloatVector a0 = FloatVector.fromArray(S, lanes, b).add(FloatVector.fromArray(S, lanes, b + 8 * ls));
                FloatVector a1 =
                        FloatVector.fromArray(S, lanes, b + ls).add(FloatVector.fromArray(S, lanes, b + 9 * ls));
                FloatVector a2 =
                        FloatVector.fromArray(S, lanes, b + 2 * ls).add(FloatVector.fromArray(S, lanes, b + 10 * ls));
                FloatVector a3 =
                        FloatVector.fromArray(S, lanes, b + 3 * ls).add(FloatVector.fromArray(S, lanes, b + 11 * ls));
                FloatVector a4 =
                        FloatVector.fromArray(S, lanes, b + 4 * ls).add(FloatVector.fromArray(S, lanes, b + 12 * ls));
                FloatVector a5 =
                        FloatVector.fromArray(S, lanes, b + 5 * ls).add(FloatVector.fromArray(S, lanes, b + 13 * ls));
                FloatVector a6 =
                        FloatVector.fromArray(S, lanes, b + 6 * ls).add(FloatVector.fromArray(S, lanes, b + 14 * ls));
                FloatVector a7 =
                        FloatVector.fromArray(S, lanes, b + 7 * ls).add(FloatVector.fromArray(S, lanes, b + 15 * ls));
                FloatVector even = a0.add(a4).add(a2.add(a6));
                FloatVector odd = a1.add(a5).add(a3.add(a7));
                even.add(odd).intoArray(lanes, tmp);
                for (int m = 0; m < L; m++) {
                    dw[wRow + (v + m) * k + kk + r] += lanes[tmp + m];
                }
            }
        }
    }

    /**
     * One image's share, lane pass by lane pass: {@code lanes[(l*6 + r)*TM + m] += } (= for the
     * {@code first} image) the products over the pixels q of lane l ({@code q % 16 == l}, in order)
     * of {@code dy[m][q] * xp[off[kk + r] + q]}: the GEMM's 6 x 2 tile with the taps broadcast and
     * the channels in the vector.
     */
    private static void tileT6(
            float[] xp, int xg, int[] off, int kk, boolean first, float[] st, int d0, int qw, float[] lanes) {
        int seg = qw / W * TM;
        int step = narrowStep;
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (int l = 0; l < W; l++) {
            int o = l * TK * TM;
            FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
            if (first) {
                c00 = FloatVector.zero(S);
                c01 = c00;
                c10 = c00;
                c11 = c00;
                c20 = c00;
                c21 = c00;
                c30 = c00;
                c31 = c00;
                c40 = c00;
                c41 = c00;
                c50 = c00;
                c51 = c00;
            } else {
                c00 = FloatVector.fromArray(S, lanes, o);
                c01 = FloatVector.fromArray(S, lanes, o + L);
                c10 = FloatVector.fromArray(S, lanes, o + TM);
                c11 = FloatVector.fromArray(S, lanes, o + TM + L);
                c20 = FloatVector.fromArray(S, lanes, o + 2 * TM);
                c21 = FloatVector.fromArray(S, lanes, o + 2 * TM + L);
                c30 = FloatVector.fromArray(S, lanes, o + 3 * TM);
                c31 = FloatVector.fromArray(S, lanes, o + 3 * TM + L);
                c40 = FloatVector.fromArray(S, lanes, o + 4 * TM);
                c41 = FloatVector.fromArray(S, lanes, o + 4 * TM + L);
                c50 = FloatVector.fromArray(S, lanes, o + 5 * TM);
                c51 = FloatVector.fromArray(S, lanes, o + 5 * TM + L);
            }
            {
                int xb = xg + l;
                int a0 = xb + off[kk], a1 = xb + off[kk + 1], a2 = xb + off[kk + 2];
                int a3 = xb + off[kk + 3], a4 = xb + off[kk + 4], a5 = xb + off[kk + 5];
                int e = d0 + l * seg;
                for (int q = 0; q < qw; q += step, e += TM) {
                    FloatVector b0 = FloatVector.fromArray(S, st, e);
                    FloatVector b1 = FloatVector.fromArray(S, st, e + L);
                    FloatVector x = FloatVector.broadcast(S, xp[a0 + q]);
                    c00 = b0.fma(x, c00);
                    c01 = b1.fma(x, c01);
                    x = FloatVector.broadcast(S, xp[a1 + q]);
                    c10 = b0.fma(x, c10);
                    c11 = b1.fma(x, c11);
                    x = FloatVector.broadcast(S, xp[a2 + q]);
                    c20 = b0.fma(x, c20);
                    c21 = b1.fma(x, c21);
                    x = FloatVector.broadcast(S, xp[a3 + q]);
                    c30 = b0.fma(x, c30);
                    c31 = b1.fma(x, c31);
                    x = FloatVector.broadcast(S, xp[a4 + q]);
                    c40 = b0.fma(x, c40);
                    c41 = b1.fma(x, c41);
                    x = FloatVector.broadcast(S, xp[a5 + q]);
                    c50 = b0.fma(x, c50);
                    c51 = b1.fma(x, c51);
                }
            }
            one.mul(c00).intoArray(lanes, o);
            one.mul(c01).intoArray(lanes, o + L);
            one.mul(c10).intoArray(lanes, o + TM);
            one.mul(c11).intoArray(lanes, o + TM + L);
            one.mul(c20).intoArray(lanes, o + 2 * TM);
            one.mul(c21).intoArray(lanes, o + 2 * TM + L);
            one.mul(c30).intoArray(lanes, o + 3 * TM);
            one.mul(c31).intoArray(lanes, o + 3 * TM + L);
            one.mul(c40).intoArray(lanes, o + 4 * TM);
            one.mul(c41).intoArray(lanes, o + 4 * TM + L);
            one.mul(c50).intoArray(lanes, o + 5 * TM);
            one.mul(c51).intoArray(lanes, o + 5 * TM + L);
        }
    }

    /** As {@link #tileT6} for the last three taps ({@code lanes[(l*3 + r)*TM + m]}). */
    private static void tileT3(
            float[] xp, int xg, int[] off, int kk, boolean first, float[] st, int d0, int qw, float[] lanes) {
        int seg = qw / W * TM;
        int step = narrowStep;
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (int l = 0; l < W; l++) {
            int o = l * 3 * TM;
            FloatVector c00, c01, c10, c11, c20, c21;
            if (first) {
                c00 = FloatVector.zero(S);
                c01 = c00;
                c10 = c00;
                c11 = c00;
                c20 = c00;
                c21 = c00;
            } else {
                c00 = FloatVector.fromArray(S, lanes, o);
                c01 = FloatVector.fromArray(S, lanes, o + L);
                c10 = FloatVector.fromArray(S, lanes, o + TM);
                c11 = FloatVector.fromArray(S, lanes, o + TM + L);
                c20 = FloatVector.fromArray(S, lanes, o + 2 * TM);
                c21 = FloatVector.fromArray(S, lanes, o + 2 * TM + L);
            }
            {
                int xb = xg + l;
                int a0 = xb + off[kk], a1 = xb + off[kk + 1], a2 = xb + off[kk + 2];
                int e = d0 + l * seg;
                for (int q = 0; q < qw; q += step, e += TM) {
                    FloatVector b0 = FloatVector.fromArray(S, st, e);
                    FloatVector b1 = FloatVector.fromArray(S, st, e + L);
                    FloatVector x = FloatVector.broadcast(S, xp[a0 + q]);
                    c00 = b0.fma(x, c00);
                    c01 = b1.fma(x, c01);
                    x = FloatVector.broadcast(S, xp[a1 + q]);
                    c10 = b0.fma(x, c10);
                    c11 = b1.fma(x, c11);
                    x = FloatVector.broadcast(S, xp[a2 + q]);
                    c20 = b0.fma(x, c20);
                    c21 = b1.fma(x, c21);
                }
            }
            one.mul(c00).intoArray(lanes, o);
            one.mul(c01).intoArray(lanes, o + L);
            one.mul(c10).intoArray(lanes, o + TM);
            one.mul(c11).intoArray(lanes, o + TM + L);
            one.mul(c20).intoArray(lanes, o + 2 * TM);
            one.mul(c21).intoArray(lanes, o + 2 * TM + L);
        }
    }
}
