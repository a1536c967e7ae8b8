package dev.nabla.tensor.kernel;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Stride-1 convolution as an implicit GEMM: no unfolded matrix is built.
 *
 * <p>Each image is copied once into a zero-padded buffer {@code xp[c][hp][wp]}. An output pixel
 * {@code (oh, ow)} is addressed as {@code q = oh * wp + ow} in that padded width, so the tap
 * {@code (c, kh, kw)} of every output pixel sits at the fixed distance
 * {@code off = c*hp*wp + kh*dH*wp + kw*dW} from {@code xp[q]}: the "B matrix" of the GEMM is
 * {@code xp[off[k] + q]}, contiguous in {@code q}, and a register-blocked micro-kernel reads it
 * straight from the padded image. Columns {@code outW <= ow < wp} of each output row are computed
 * and thrown away (2 of 34 columns on a 32-wide 3x3 pad-1 layer), which costs less than building
 * and packing an unfolded matrix (measured in BENCHMARKS).
 *
 * <p>The same kernel serves the input gradient, which for stride 1 is a convolution of the output
 * gradient, padded by {@code dilation*(kernel-1) - pad}, with the kernel flipped and its channel
 * axes swapped. The weight gradient {@code dW[m][k] = sum_q dy[m][q] * xp[off[k] + q]} uses a
 * second micro-kernel that vectorises along {@code q} and reduces the lanes at the end.
 */
final class ImplicitConv {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Rows (output channels) of the main micro-tile; 6 x 2 vectors fill 12 of 16 AVX2 registers. */
    static final int MR = 6;
    /** Output columns per block of the q loop: the block's slice of xp is reused across all row blocks. */
    private static final int QBLOCK = 64 * L;

    private ImplicitConv() {
    }

    /**
     * Cleared only by tests and measurements, to run unit-stride geometry through the unfold + GEMM
     * path for comparison.
     */
    static volatile boolean enabled = true;

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
        final int images, groups, srcC, srcH, srcW, cs, padT, padL, hp, wp, plane;
        final int dstC, md, outH, outW, kH, kW, dH, dW, k;
        /** Micro-tile rows (6, or 1 when a group has fewer than 3 output channels) and columns. */
        final int mr, nr, mblocks, mpad, q, qpad, xs;
        final int[] off;

        Plan(int images, int groups, int srcC, int srcH, int srcW, int padT, int padL, int hp, int wp,
             int dstC, int outH, int outW, int kH, int kW, int dH, int dW) {
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
            this.mr = md >= 3 ? MR : 1;
            this.nr = mr == MR ? 2 * L : 4 * L;
            this.mblocks = (md + mr - 1) / mr;
            this.mpad = mblocks * mr;
            this.q = outH * wp;
            this.qpad = (q + nr - 1) / nr * nr;
            // The last tap reads up to dW*(kW-1) + (qpad - q) past the padded image.
            this.xs = srcC * plane + dW * (kW - 1) + nr;
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

        /** The forward pass: x padded by the spec's padding, into y. */
        static Plan forward(Conv2dSpec s) {
            return new Plan(s.batch(), s.groups(), s.inChannels(), s.inH(), s.inW(), s.padH(), s.padW(),
                    s.inH() + 2 * s.padH(), s.inW() + 2 * s.padW(), s.outChannels(), s.outH(), s.outW(),
                    s.kernelH(), s.kernelW(), s.dilationH(), s.dilationW());
        }

        /** The input gradient: dy padded by {@code d*(k-1) - pad} (a crop when negative), into dx. */
        static Plan input(Conv2dSpec s) {
            int spanH = s.dilationH() * (s.kernelH() - 1), spanW = s.dilationW() * (s.kernelW() - 1);
            return new Plan(s.batch(), s.groups(), s.outChannels(), s.outH(), s.outW(), spanH - s.padH(),
                    spanW - s.padW(), s.inH() + spanH, s.inW() + spanW, s.inChannels(), s.inH(), s.inW(),
                    s.kernelH(), s.kernelW(), s.dilationH(), s.dilationW());
        }

        int packedSize() {
            return groups * mpad * k;
        }

        int stageSize() {
            return groups * mpad * qpad;
        }

        int qblocks() {
            return (qpad + QBLOCK - 1) / QBLOCK;
        }
    }

    // ------------------------------------------------------------------ forward and input gradient

    /** {@code y = conv(x, w) + bias} (overwrite). */
    static void forward(Conv2dSpec s, float[] x, int xOff, float[] w, int wOff, float[] bias, int bOff,
                        float[] y, int yOff) {
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
                    if (m >= p.md) {
                        for (int kk = 0; kk < p.k; kk++) {
                            wp[base + kk * p.mr + r] = 0f;
                        }
                        continue;
                    }
                    int src = wOff + (g * p.md + m) * p.k;
                    for (int kk = 0; kk < p.k; kk++) {
                        wp[base + kk * p.mr + r] = w[src + kk];
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

    private static void convolve(Plan p, float[] src, int srcOff, float[] wp, float[] bias, int bOff,
                                 float[] dst, int dstOff, boolean accumulate) {
        int srcImage = p.srcC * p.srcH * p.srcW;
        int dstImage = p.dstC * p.outH * p.outW;
        int chunks = Conv2d.outerChunks(p.images);
        if (chunks > 1) {
            Parallel.forChunks(p.images, chunks, (n0, n1) -> {
                float[] xp = Scratch.floats(Scratch.COL, p.xs);
                float[] yp = Scratch.floats(Scratch.STAGE, p.stageSize());
                for (int n = n0; n < n1; n++) {
                    pad(p, src, srcOff + n * srcImage, xp, 0, p.srcC);
                    for (int g = 0; g < p.groups; g++) {
                        for (int qb = 0; qb < p.qblocks(); qb++) {
                            for (int mb = 0; mb < p.mblocks; mb++) {
                                tiles(p, xp, wp, g, mb, qb, yp);
                            }
                        }
                    }
                    copyOut(p, yp, bias, bOff, dst, dstOff + n * dstImage, accumulate, 0, p.dstC);
                }
            });
            return;
        }
        // Too few images to share out: split each image's channels, tiles and rows instead.
        float[] xp = Scratch.floats(Scratch.COL, p.xs);
        float[] yp = Scratch.floats(Scratch.STAGE, p.stageSize());
        int perBlock = p.mblocks * p.qblocks();
        for (int n = 0; n < p.images; n++) {
            int so = srcOff + n * srcImage;
            int dOff = dstOff + n * dstImage;
            Parallel.forRange(p.srcC, Math.max(1, Elementwise.GRAIN / p.plane), (c0, c1) -> pad(p, src, so, xp, c0, c1));
            Parallel.forRange(p.groups * perBlock, 1, (i0, i1) -> {
                for (int i = i0; i < i1; i++) {
                    int g = i / perBlock;
                    int qb = (i % perBlock) / p.mblocks;
                    tiles(p, xp, wp, g, i % p.mblocks, qb, yp);
                }
            });
            Parallel.forRange(p.dstC, Math.max(1, Elementwise.GRAIN / p.q), (c0, c1) ->
                    copyOut(p, yp, bias, bOff, dst, dOff, accumulate, c0, c1));
        }
    }

    /**
     * {@code xp[c][i][j] = src[c][i - padT][j - padL]} for channels {@code [c0, c1)}, zero outside
     * the source; also clears the slack after the last plane that the last taps read.
     */
    static void pad(Plan p, float[] src, int so, float[] xp, int c0, int c1) {
        int jLo = Math.max(0, p.padL), jHi = Math.min(p.wp, p.padL + p.srcW);
        for (int c = c0; c < c1; c++) {
            int dp = c * p.plane;
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
            Arrays.fill(xp, p.srcC * p.plane, p.xs, 0f);
        }
    }

    /** All micro-tiles of row block {@code mb} of group {@code g} in column block {@code qb}. */
    private static void tiles(Plan p, float[] xp, float[] wp, int g, int mb, int qb, float[] yp) {
        int xg = g * p.cs * p.plane;
        int wo = (g * p.mblocks + mb) * p.k * p.mr;
        int yo = (g * p.mpad + mb * p.mr) * p.qpad;
        int q1 = Math.min(p.qpad, (qb + 1) * QBLOCK);
        for (int q = qb * QBLOCK; q < q1; q += p.nr) {
            if (p.mr == MR) {
                kernel6(xp, xg + q, p.off, p.k, wp, wo, yp, yo + q, p.qpad);
            } else {
                kernel1(xp, xg + q, p.off, p.k, wp, wo, yp, yo + q);
            }
        }
    }

    /** {@code yp[r][0..2L) = sum_k wp[k][r] * xp[x0 + off[k] ..]} for 6 rows: 12 accumulators. */
    private static void kernel6(float[] xp, int x0, int[] off, int k, float[] wp, int w0, float[] yp, int y0, int ld) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        for (int i = 0; i < k; i++) {
            int o = x0 + off[i];
            FloatVector b0 = FloatVector.fromArray(S, xp, o);
            FloatVector b1 = FloatVector.fromArray(S, xp, o + L);
            int a = w0 + i * MR;
            FloatVector v = FloatVector.broadcast(S, wp[a]);
            c00 = v.fma(b0, c00);
            c01 = v.fma(b1, c01);
            v = FloatVector.broadcast(S, wp[a + 1]);
            c10 = v.fma(b0, c10);
            c11 = v.fma(b1, c11);
            v = FloatVector.broadcast(S, wp[a + 2]);
            c20 = v.fma(b0, c20);
            c21 = v.fma(b1, c21);
            v = FloatVector.broadcast(S, wp[a + 3]);
            c30 = v.fma(b0, c30);
            c31 = v.fma(b1, c31);
            v = FloatVector.broadcast(S, wp[a + 4]);
            c40 = v.fma(b0, c40);
            c41 = v.fma(b1, c41);
            v = FloatVector.broadcast(S, wp[a + 5]);
            c50 = v.fma(b0, c50);
            c51 = v.fma(b1, c51);
        }
        c00.intoArray(yp, y0);
        c01.intoArray(yp, y0 + L);
        c10.intoArray(yp, y0 + ld);
        c11.intoArray(yp, y0 + ld + L);
        c20.intoArray(yp, y0 + 2 * ld);
        c21.intoArray(yp, y0 + 2 * ld + L);
        c30.intoArray(yp, y0 + 3 * ld);
        c31.intoArray(yp, y0 + 3 * ld + L);
        c40.intoArray(yp, y0 + 4 * ld);
        c41.intoArray(yp, y0 + 4 * ld + L);
        c50.intoArray(yp, y0 + 5 * ld);
        c51.intoArray(yp, y0 + 5 * ld + L);
    }

    /** One output row, 4 vectors wide: for groups with one or two output channels (depthwise). */
    private static void kernel1(float[] xp, int x0, int[] off, int k, float[] wp, int w0, float[] yp, int y0) {
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
        for (int i = 0; i < k; i++) {
            int o = x0 + off[i];
            FloatVector v = FloatVector.broadcast(S, wp[w0 + i]);
            c0 = v.fma(FloatVector.fromArray(S, xp, o), c0);
            c1 = v.fma(FloatVector.fromArray(S, xp, o + L), c1);
            c2 = v.fma(FloatVector.fromArray(S, xp, o + 2 * L), c2);
            c3 = v.fma(FloatVector.fromArray(S, xp, o + 3 * L), c3);
        }
        c0.intoArray(yp, y0);
        c1.intoArray(yp, y0 + L);
        c2.intoArray(yp, y0 + 2 * L);
        c3.intoArray(yp, y0 + 3 * L);
    }

    /** The valid columns of the staged rows into {@code dst} channels {@code [c0, c1)}: set (+ bias) or add. */
    private static void copyOut(Plan p, float[] yp, float[] bias, int bOff, float[] dst, int dOff,
                                boolean accumulate, int c0, int c1) {
        int outPlane = p.outH * p.outW;
        for (int c = c0; c < c1; c++) {
            int g = c / p.md;
            int row = (g * p.mpad + c % p.md) * p.qpad;
            int d = dOff + c * outPlane;
            for (int oh = 0; oh < p.outH; oh++, d += p.outW) {
                int s = row + oh * p.wp;
                if (accumulate) {
                    Conv2d.add(yp, s, dst, d, p.outW);
                } else if (bias != null) {
                    addScalar(yp, s, bias[bOff + c], dst, d, p.outW);
                } else {
                    System.arraycopy(yp, s, dst, d, p.outW);
                }
            }
        }
    }

    /** {@code dst[d + i] = src[s + i] + b}. */
    private static void addScalar(float[] src, int s, float b, float[] dst, int d, int n) {
        FloatVector vb = FloatVector.broadcast(S, b);
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector.fromArray(S, src, s + i).add(vb).intoArray(dst, d + i);
        }
        for (; i < n; i++) {
            dst[d + i] = src[s + i] + b;
        }
    }

    // ------------------------------------------------------------------ weight gradient

    /** Rows and columns of the weight-gradient micro-tile: 4 x 3 accumulators + 3 + 1 registers. */
    private static final int WM = 4;
    private static final int WK = 3;

    /** {@code dw += dW(x, dy)}, with per-chunk partial sums when the batch is split over threads. */
    static void backwardWeight(Conv2dSpec s, float[] x, int xOff, float[] dy, int dyOff, float[] dw, int dwOff) {
        Plan p = Plan.forward(s);
        int qw = (p.q + L - 1) / L * L;
        int ws = s.weightSize();
        int xImage = p.srcC * p.srcH * p.srcW;
        int yImage = p.dstC * p.outH * p.outW;
        int rowBlocks = (p.md + WM - 1) / WM;
        int chunks = Conv2d.outerChunks(p.images);
        if (chunks > 1) {
            // Chunk 0 accumulates straight into dw; the others into zeroed partials summed at the end.
            float[] partial = Scratch.floats(Scratch.PARTIAL, (chunks - 1) * ws);
            Parallel.forChunks(chunks, chunks, (c0, c1) -> {
                for (int c = c0; c < c1; c++) {
                    float[] target = c == 0 ? dw : partial;
                    int tOff = c == 0 ? dwOff : (c - 1) * ws;
                    if (c > 0) {
                        Arrays.fill(partial, tOff, tOff + ws, 0f);
                    }
                    float[] xp = Scratch.floats(Scratch.COL, p.xs);
                    float[] dq = Scratch.floats(Scratch.STAGE, p.dstC * qw);
                    int from = (int) ((long) p.images * c / chunks);
                    int to = (int) ((long) p.images * (c + 1) / chunks);
                    for (int n = from; n < to; n++) {
                        pad(p, x, xOff + n * xImage, xp, 0, p.srcC);
                        stageGradient(p, qw, dy, dyOff + n * yImage, dq, 0, p.dstC);
                        for (int i = 0; i < p.groups * rowBlocks; i++) {
                            weightRows(p, qw, xp, dq, i / rowBlocks, i % rowBlocks, target, tOff);
                        }
                    }
                }
            });
            for (int c = 1; c < chunks; c++) {
                Conv2d.add(partial, (c - 1) * ws, dw, dwOff, ws);
            }
            return;
        }
        float[] xp = Scratch.floats(Scratch.COL, p.xs);
        float[] dq = Scratch.floats(Scratch.STAGE, p.dstC * qw);
        for (int n = 0; n < p.images; n++) {
            int xo = xOff + n * xImage;
            int yo = dyOff + n * yImage;
            Parallel.forRange(p.srcC, Math.max(1, Elementwise.GRAIN / p.plane), (c0, c1) -> pad(p, x, xo, xp, c0, c1));
            Parallel.forRange(p.dstC, Math.max(1, Elementwise.GRAIN / qw), (c0, c1) -> stageGradient(p, qw, dy, yo, dq, c0, c1));
            // Row blocks write disjoint rows of dw, so they can run in parallel without partials.
            Parallel.forRange(p.groups * rowBlocks, 1, (i0, i1) -> {
                for (int i = i0; i < i1; i++) {
                    weightRows(p, qw, xp, dq, i / rowBlocks, i % rowBlocks, dw, dwOff);
                }
            });
        }
    }

    /** {@code dq[c][oh*wp + ow] = dy[c][oh][ow]}, zero in the columns past outW and the tail: those pair with junk in xp. */
    private static void stageGradient(Plan p, int qw, float[] dy, int yo, float[] dq, int c0, int c1) {
        int outPlane = p.outH * p.outW;
        for (int c = c0; c < c1; c++) {
            int row = c * qw;
            int s = yo + c * outPlane;
            for (int oh = 0; oh < p.outH; oh++) {
                int d = row + oh * p.wp;
                System.arraycopy(dy, s + oh * p.outW, dq, d, p.outW);
                Arrays.fill(dq, d + p.outW, d + p.wp, 0f);
            }
            Arrays.fill(dq, row + p.q, row + qw, 0f);
        }
    }

    /** Rows {@code [rb*WM, rb*WM + WM)} of group {@code g} of dw, over all columns. */
    private static void weightRows(Plan p, int qw, float[] xp, float[] dq, int g, int rb, float[] dw, int dwOff) {
        int m0 = rb * WM;
        int rows = Math.min(WM, p.md - m0);
        int xg = g * p.cs * p.plane;
        int kFull = p.k - p.k % WK;
        if (rows == WM) {
            int yRow = (g * p.md + m0) * qw;
            int wRow = dwOff + (g * p.md + m0) * p.k;
            for (int kk = 0; kk < kFull; kk += WK) {
                weight4x3(xp, xg, p.off, kk, dq, yRow, qw, dw, wRow, p.k);
            }
            for (int kk = kFull; kk < p.k; kk++) {
                for (int r = 0; r < WM; r++) {
                    dw[wRow + r * p.k + kk] += dot(xp, xg + p.off[kk], dq, yRow + r * qw, qw);
                }
            }
            return;
        }
        for (int m = m0; m < m0 + rows; m++) {
            int yRow = (g * p.md + m) * qw;
            int wRow = dwOff + (g * p.md + m) * p.k;
            for (int kk = 0; kk < kFull; kk += WK) {
                weight1x3(xp, xg, p.off, kk, dq, yRow, qw, dw, wRow);
            }
            for (int kk = kFull; kk < p.k; kk++) {
                dw[wRow + kk] += dot(xp, xg + p.off[kk], dq, yRow, qw);
            }
        }
    }

    private static void weight4x3(float[] xp, int xg, int[] off, int kk, float[] dq, int y0, int ld,
                                  float[] dw, int w0, int k) {
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a30 = a00, a31 = a00, a32 = a00;
        int o0 = xg + off[kk], o1 = xg + off[kk + 1], o2 = xg + off[kk + 2];
        for (int q = 0; q < ld; q += L) {
            FloatVector x0 = FloatVector.fromArray(S, xp, o0 + q);
            FloatVector x1 = FloatVector.fromArray(S, xp, o1 + q);
            FloatVector x2 = FloatVector.fromArray(S, xp, o2 + q);
            FloatVector d = FloatVector.fromArray(S, dq, y0 + q);
            a00 = d.fma(x0, a00);
            a01 = d.fma(x1, a01);
            a02 = d.fma(x2, a02);
            d = FloatVector.fromArray(S, dq, y0 + ld + q);
            a10 = d.fma(x0, a10);
            a11 = d.fma(x1, a11);
            a12 = d.fma(x2, a12);
            d = FloatVector.fromArray(S, dq, y0 + 2 * ld + q);
            a20 = d.fma(x0, a20);
            a21 = d.fma(x1, a21);
            a22 = d.fma(x2, a22);
            d = FloatVector.fromArray(S, dq, y0 + 3 * ld + q);
            a30 = d.fma(x0, a30);
            a31 = d.fma(x1, a31);
            a32 = d.fma(x2, a32);
        }
        dw[w0 + kk] += Lanes.sum(a00);
        dw[w0 + kk + 1] += Lanes.sum(a01);
        dw[w0 + kk + 2] += Lanes.sum(a02);
        dw[w0 + k + kk] += Lanes.sum(a10);
        dw[w0 + k + kk + 1] += Lanes.sum(a11);
        dw[w0 + k + kk + 2] += Lanes.sum(a12);
        dw[w0 + 2 * k + kk] += Lanes.sum(a20);
        dw[w0 + 2 * k + kk + 1] += Lanes.sum(a21);
        dw[w0 + 2 * k + kk + 2] += Lanes.sum(a22);
        dw[w0 + 3 * k + kk] += Lanes.sum(a30);
        dw[w0 + 3 * k + kk + 1] += Lanes.sum(a31);
        dw[w0 + 3 * k + kk + 2] += Lanes.sum(a32);
    }

    private static void weight1x3(float[] xp, int xg, int[] off, int kk, float[] dq, int y0, int ld,
                                  float[] dw, int w0) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0;
        int o0 = xg + off[kk], o1 = xg + off[kk + 1], o2 = xg + off[kk + 2];
        for (int q = 0; q < ld; q += L) {
            FloatVector d = FloatVector.fromArray(S, dq, y0 + q);
            a0 = d.fma(FloatVector.fromArray(S, xp, o0 + q), a0);
            a1 = d.fma(FloatVector.fromArray(S, xp, o1 + q), a1);
            a2 = d.fma(FloatVector.fromArray(S, xp, o2 + q), a2);
        }
        dw[w0 + kk] += Lanes.sum(a0);
        dw[w0 + kk + 1] += Lanes.sum(a1);
        dw[w0 + kk + 2] += Lanes.sum(a2);
    }

    /** {@code sum_i a[ao + i] * b[bo + i]} for {@code n} a multiple of the vector length. */
    private static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc = FloatVector.zero(S);
        for (int i = 0; i < n; i += L) {
            acc = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), acc);
        }
        return Lanes.sum(acc);
    }
}
