package dev.nabla.tensor.kernel;

import java.util.Arrays;

/**
 * Int8 convolution over uint8 NCHW images with int8 weights, int32 accumulation and fixed-point
 * requantization to uint8, on {@link Int8Gemm}'s micro-kernel: the weights (packed by
 * {@link Int8Weights#forConv}) are the broadcast operand, {@code MR} output channels per tile, and
 * pixels the vector operand, {@code 2 * L} per tile.
 *
 * <p>Each image is first copied as {@code x - zeroPoint} into an int32 buffer (so zero padding is
 * simply 0). With unit stride that buffer is zero-padded and the convolution is an implicit GEMM as
 * in the float path ({@link ImplicitConv}): the tap {@code (c, kh, kw)} of output pixel
 * {@code (oh, ow)} sits at {@code (oh*wp + ow) + off[tap]}, so a vector of neighbouring output
 * pixels of one row reads a contiguous vector for every tap. Other strides unfold the image into
 * rows of pixels per tap ({@code col[tap][pixel]}) and run the same kernel over them. The int32
 * accumulators of one image are then requantized channel by channel.
 *
 * <pre>{@code
 * Conv2dSpec s = Conv2dSpec.of(1, 1, 3, 3, 1, 3, 1, 1);   // 1 channel, 3x3 kernel, padding 1
 * byte[] x = new byte[9], w = new byte[9], y = new byte[9];
 * Int8Conv2d.forward(s, x, 0, 0, Int8Weights.forConv(w, 0, 1, 9),
 *         Requantizer.of(new double[] {0.01}, null, 0, 0, 255), y, 0);
 * }</pre>
 */
public final class Int8Conv2d {
    private static final int L = Int8Gemm.L;
    private static final int NR = Int8Gemm.NR;
    private static final int MR = Int8Gemm.MR;

    private Int8Conv2d() {}

    /**
     * {@code y[n][co][oh][ow] = rq.apply(co, sum (x - xZero) * w)} for the geometry {@code s}
     * (groups must be 1). Images run in parallel when there are several; the tiles of one image
     * otherwise.
     */
    public static void forward(
            Conv2dSpec s, byte[] x, int xo, int xZero, Int8Weights w, Requantizer rq, byte[] y, int yo) {
        if (s.groups() != 1) {
            throw new IllegalArgumentException("quantized conv2d: groups must be 1, got " + s.groups());
        }
        int k = s.inChannels() * s.kernelH() * s.kernelW();
        if (w.vectorSide || w.out != s.outChannels() || w.k != k) {
            throw new IllegalArgumentException("quantized conv2d: weights " + w + " do not fit " + s
                    + " (need Int8Weights.forConv with " + s.outChannels() + " x " + k + ")");
        }
        if (rq.channels() != s.outChannels()) {
            throw new IllegalArgumentException("quantized conv2d: " + rq.channels() + " requantizer channels for "
                    + s.outChannels() + " output channels");
        }
        if (xo < 0 || x.length - xo < s.inputSize() || yo < 0 || y.length - yo < s.outputSize()) {
            throw new IllegalArgumentException("quantized conv2d: arrays too short for " + s);
        }
        Plan p = new Plan(s);
        int images = s.batch();
        int inImage = s.inChannels() * s.inH() * s.inW();
        int outImage = s.outChannels() * s.outH() * s.outW();
        long macs = (long) outImage * k;
        if (images > 1 && Parallel.chunks(images, 1) > 1) {
            Parallel.forRange(images, 1, (n0, n1) -> {
                for (int n = n0; n < n1; n++) {
                    image(p, x, xo + n * inImage, xZero, w, rq, y, yo + n * outImage, false);
                }
            });
        } else {
            for (int n = 0; n < images; n++) {
                image(p, x, xo + n * inImage, xZero, w, rq, y, yo + n * outImage, macs >= Int8Gemm.PARALLEL_MIN_MACS);
            }
        }
    }

    /** The geometry of one image's implicit or unfolded GEMM. */
    private static final class Plan {
        final Conv2dSpec s;
        final boolean implicit;
        final int k;
        final int outPlane;
        /** Implicit: padded height, width and plane; unfolded: pixels rounded up to whole tiles. */
        final int hp, wp, plane, cols;
        /** Buffer length: padded image plus slack for the last vectors, or the unfolded rows. */
        final int buffer;
        /** Per vector slot: where its pixels start in the buffer, in the output plane, and how many are real. */
        final int[] slotX, slotY, slotLen;

        final int tiles;
        final int[] off;

        Plan(Conv2dSpec s) {
            this.s = s;
            this.implicit = s.strideH() == 1 && s.strideW() == 1;
            int cin = s.inChannels(), kh = s.kernelH(), kw = s.kernelW();
            this.k = cin * kh * kw;
            int outH = s.outH(), outW = s.outW();
            this.outPlane = outH * outW;
            this.off = new int[k];
            if (implicit) {
                hp = s.inH() + 2 * s.padH();
                wp = s.inW() + 2 * s.padW();
                plane = hp * wp;
                cols = 0;
                buffer = cin * plane + s.dilationW() * (kw - 1) + 2 * L;
                int perRow = (outW + L - 1) / L;
                int slots = outH * perRow;
                tiles = (slots + 1) / 2;
                slotX = new int[2 * tiles];
                slotY = new int[2 * tiles];
                slotLen = new int[2 * tiles];
                for (int i = 0; i < slots; i++) {
                    int oh = i / perRow, ow = (i % perRow) * L;
                    slotX[i] = oh * wp + ow;
                    slotY[i] = oh * outW + ow;
                    slotLen[i] = Math.min(L, outW - ow);
                }
                int t = 0;
                for (int c = 0; c < cin; c++) {
                    for (int a = 0; a < kh; a++) {
                        for (int b = 0; b < kw; b++) {
                            off[t++] = c * plane + a * s.dilationH() * wp + b * s.dilationW();
                        }
                    }
                }
            } else {
                hp = wp = plane = 0;
                cols = (outPlane + NR - 1) / NR * NR;
                buffer = k * cols;
                tiles = cols / NR;
                slotX = new int[2 * tiles];
                slotY = new int[2 * tiles];
                slotLen = new int[2 * tiles];
                for (int i = 0; i < 2 * tiles; i++) {
                    slotX[i] = i * L;
                    slotY[i] = i * L;
                    slotLen[i] = Math.max(0, Math.min(L, outPlane - i * L));
                }
                for (int t = 0; t < k; t++) {
                    off[t] = t * cols;
                }
            }
        }
    }

    private static void image(
            Plan p, byte[] x, int xo, int xZero, Int8Weights w, Requantizer rq, byte[] y, int yo, boolean parallel) {
        Int8Gemm.Buffers buf = Int8Gemm.buffers();
        int[] b = buf.pad(p.buffer);
        if (p.implicit) {
            pad(p, x, xo, xZero, b);
        } else {
            unfold(p, x, xo, xZero, b);
        }
        int cout = w.out;
        int[] acc = buf.acc(cout * p.outPlane);
        int cblocks = (cout + MR - 1) / MR;
        int units = cblocks * p.tiles;
        int chunks = parallel ? Parallel.chunks(units, 1) : 1;
        Parallel.forChunks(units, chunks, (u0, u1) -> {
            int[] tile = Int8Gemm.buffers().tile;
            for (int u = u0; u < u1; u++) {
                int cb = u / p.tiles;
                int t = u % p.tiles;
                Int8Gemm.kernel(p.k, w.panels, cb * p.k * MR, b, p.slotX[2 * t], p.slotX[2 * t + 1], p.off, tile);
                int rows = Math.min(MR, cout - cb * MR);
                for (int r = 0; r < rows; r++) {
                    int plane = (cb * MR + r) * p.outPlane;
                    System.arraycopy(tile, r * NR, acc, plane + p.slotY[2 * t], p.slotLen[2 * t]);
                    System.arraycopy(tile, r * NR + L, acc, plane + p.slotY[2 * t + 1], p.slotLen[2 * t + 1]);
                }
            }
        });
        int planeChunks = parallel ? Parallel.chunks(cout, 1) : 1;
        Parallel.forChunks(cout, planeChunks, (c0, c1) -> {
            for (int c = c0; c < c1; c++) {
                rq.rowInPlace(c, acc, c * p.outPlane, p.outPlane);
                Int8Elementwise.narrow(acc, c * p.outPlane, y, yo + c * p.outPlane, p.outPlane);
            }
        });
    }

    /** {@code b[c][padT + h][padL + w] = x[c][h][w] - zero}, zero elsewhere (the slack included). */
    private static void pad(Plan p, byte[] x, int xo, int zero, int[] b) {
        Conv2dSpec s = p.s;
        Arrays.fill(b, 0, p.buffer, 0);
        int inH = s.inH(), inW = s.inW();
        for (int c = 0; c < s.inChannels(); c++) {
            for (int h = 0; h < inH; h++) {
                int src = xo + (c * inH + h) * inW;
                int dst = c * p.plane + (h + s.padH()) * p.wp + s.padW();
                for (int w = 0; w < inW; w++) {
                    b[dst + w] = (x[src + w] & 0xFF) - zero;
                }
            }
        }
    }

    /** {@code b[tap][pixel] = x - zero} at the tap's input position, 0 in the padding and past the last pixel. */
    private static void unfold(Plan p, byte[] x, int xo, int zero, int[] b) {
        Conv2dSpec s = p.s;
        int inH = s.inH(), inW = s.inW(), outH = s.outH(), outW = s.outW();
        int t = 0;
        for (int c = 0; c < s.inChannels(); c++) {
            for (int a = 0; a < s.kernelH(); a++) {
                for (int bb = 0; bb < s.kernelW(); bb++, t++) {
                    int row = t * p.cols;
                    Arrays.fill(b, row + p.outPlane, row + p.cols, 0);
                    for (int oh = 0; oh < outH; oh++) {
                        int h = oh * s.strideH() - s.padH() + a * s.dilationH();
                        int dst = row + oh * outW;
                        if (h < 0 || h >= inH) {
                            Arrays.fill(b, dst, dst + outW, 0);
                            continue;
                        }
                        int src = xo + (c * inH + h) * inW;
                        for (int ow = 0; ow < outW; ow++) {
                            int w = ow * s.strideW() - s.padW() + bb * s.dilationW();
                            b[dst + ow] = w < 0 || w >= inW ? 0 : (x[src + w] & 0xFF) - zero;
                        }
                    }
                }
            }
        }
    }
}
