package dev.nabla.tensor.kernel;

/**
 * 2-D max and average pooling over contiguous NCHW float arrays, forward and backward, with
 * PyTorch's semantics (see {@link Pool2dSpec} for the geometry).
 *
 * <p>Max pooling records, per output, the index of the chosen input within its plane
 * ({@code h * inW + w}, like PyTorch's {@code return_indices}); the first maximum of a window wins
 * and NaN propagates. Average pooling divides by the window size clipped to the padded input
 * ({@code countIncludePad}, PyTorch's default) or by the number of real input elements in the
 * window. Forward passes overwrite their outputs; backward passes <b>accumulate</b> into
 * {@code dx}, as autograd sums gradient contributions. The N*C planes are split over
 * {@link Parallel}; the 2x2 stride-2 unpadded window takes a dedicated loop.
 *
 * <pre>{@code
 * Pool2dSpec p = Pool2dSpec.of(1, 1, 4, 4, 2, 2, 0, false);
 * float[] x = new float[16], y = new float[4];
 * int[] idx = new int[4];
 * for (int i = 0; i < 16; i++) x[i] = i;
 * Pool2d.maxForward(p, x, 0, y, 0, idx, 0);            // y = {5, 7, 13, 15}, idx = {5, 7, 13, 15}
 * float[] dx = new float[16];
 * Pool2d.maxBackward(p, new float[] {1, 1, 1, 1}, 0, idx, 0, dx, 0);   // dx[5] = dx[7] = ... = 1
 * Pool2d.avgForward(p, true, x, 0, y, 0);              // y = {2.5, 4.5, 10.5, 12.5}
 * }</pre>
 */
public final class Pool2d {

    private Pool2d() {
    }

    // ------------------------------------------------------------------ max

    /**
     * {@code y = max over each window of x}, and when {@code idx} is not null the within-plane
     * index of each maximum. A window that falls wholly in the padding (possible only with
     * dilation) gives {@code -Infinity} and index {@code -1}.
     */
    public static void maxForward(Pool2dSpec s, float[] x, int xOff, float[] y, int yOff, int[] idx, int idxOff) {
        check("max_pool2d forward", "x", x == null ? -1 : x.length, xOff, s.inputSize(), s);
        check("max_pool2d forward", "y", y == null ? -1 : y.length, yOff, s.outputSize(), s);
        if (idx != null) {
            check("max_pool2d forward", "indices", idx.length, idxOff, s.outputSize(), s);
        }
        int inPlane = s.inH() * s.inW(), outPlane = s.outH() * s.outW();
        boolean fast = isFast2x2(s);
        forPlanes(s, (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                int xo = xOff + p * inPlane, yo = yOff + p * outPlane, io = idx == null ? 0 : idxOff + p * outPlane;
                if (fast) {
                    max2x2(s, x, xo, y, yo, idx, io);
                } else {
                    maxPlane(s, x, xo, y, yo, idx, io);
                }
            }
        });
    }

    /** {@code dx[plane][idx] += dy} for every output, through the indices of {@link #maxForward}. */
    public static void maxBackward(Pool2dSpec s, float[] dy, int dyOff, int[] idx, int idxOff, float[] dx, int dxOff) {
        check("max_pool2d backward", "dy", dy == null ? -1 : dy.length, dyOff, s.outputSize(), s);
        check("max_pool2d backward", "indices", idx == null ? -1 : idx.length, idxOff, s.outputSize(), s);
        check("max_pool2d backward", "dx", dx == null ? -1 : dx.length, dxOff, s.inputSize(), s);
        int inPlane = s.inH() * s.inW(), outPlane = s.outH() * s.outW();
        forPlanes(s, (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                int xo = dxOff + p * inPlane, yo = dyOff + p * outPlane, io = idxOff + p * outPlane;
                for (int o = 0; o < outPlane; o++) {
                    int i = idx[io + o];
                    if (i >= inPlane) {
                        throw new IllegalArgumentException("max_pool2d backward: index " + i + " at output " + o
                                + " of plane " + p + " is outside the " + s.inH() + "x" + s.inW() + " input plane");
                    }
                    if (i >= 0) {
                        dx[xo + i] += dy[yo + o];
                    }
                }
            }
        });
    }

    private static void maxPlane(Pool2dSpec s, float[] x, int xo, float[] y, int yo, int[] idx, int io) {
        int inH = s.inH(), inW = s.inW(), outH = s.outH(), outW = s.outW();
        int dH = s.dilationH(), dW = s.dilationW();
        for (int oh = 0; oh < outH; oh++) {
            int h0 = oh * s.strideH() - s.padH();
            int h1 = Math.min(h0 + (s.kernelH() - 1) * dH + 1, inH);
            while (h0 < 0) {
                h0 += dH;
            }
            for (int ow = 0; ow < outW; ow++) {
                int w0 = ow * s.strideW() - s.padW();
                int w1 = Math.min(w0 + (s.kernelW() - 1) * dW + 1, inW);
                while (w0 < 0) {
                    w0 += dW;
                }
                float best = Float.NEGATIVE_INFINITY;
                int at = -1;
                for (int h = h0; h < h1; h += dH) {
                    for (int w = w0; w < w1; w += dW) {
                        int i = h * inW + w;
                        float v = x[xo + i];
                        if (at < 0 || v > best || Float.isNaN(v)) {
                            best = v;
                            at = i;
                        }
                    }
                }
                y[yo + oh * outW + ow] = best;
                if (idx != null) {
                    idx[io + oh * outW + ow] = at;
                }
            }
        }
    }

    /** 2x2 windows, stride 2, no padding or dilation, every window inside the input. */
    private static void max2x2(Pool2dSpec s, float[] x, int xo, float[] y, int yo, int[] idx, int io) {
        int inW = s.inW(), outH = s.outH(), outW = s.outW();
        for (int oh = 0; oh < outH; oh++) {
            int r0 = 2 * oh * inW, r1 = r0 + inW;
            int yr = oh * outW;
            for (int ow = 0; ow < outW; ow++) {
                int i = r0 + 2 * ow;
                float best = x[xo + i];
                float v = x[xo + i + 1];
                if (v > best || Float.isNaN(v)) {
                    best = v;
                    i = r0 + 2 * ow + 1;
                }
                v = x[xo + r1 + 2 * ow];
                if (v > best || Float.isNaN(v)) {
                    best = v;
                    i = r1 + 2 * ow;
                }
                v = x[xo + r1 + 2 * ow + 1];
                if (v > best || Float.isNaN(v)) {
                    best = v;
                    i = r1 + 2 * ow + 1;
                }
                y[yo + yr + ow] = best;
                if (idx != null) {
                    idx[io + yr + ow] = i;
                }
            }
        }
    }

    // ------------------------------------------------------------------ average

    /**
     * {@code y = mean over each window of x}: the divisor is the window clipped to the padded input
     * when {@code countIncludePad}, else the number of real input elements it covers.
     */
    public static void avgForward(Pool2dSpec s, boolean countIncludePad, float[] x, int xOff, float[] y, int yOff) {
        checkAvg("avg_pool2d forward", s);
        check("avg_pool2d forward", "x", x == null ? -1 : x.length, xOff, s.inputSize(), s);
        check("avg_pool2d forward", "y", y == null ? -1 : y.length, yOff, s.outputSize(), s);
        int inPlane = s.inH() * s.inW(), outPlane = s.outH() * s.outW();
        boolean fast = isFast2x2(s);
        forPlanes(s, (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                int xo = xOff + p * inPlane, yo = yOff + p * outPlane;
                if (fast) {
                    avg2x2(s, x, xo, y, yo);
                } else {
                    avgPlane(s, countIncludePad, x, xo, y, yo);
                }
            }
        });
    }

    /** {@code dx += } each output's gradient spread evenly over its window (the divisor of {@link #avgForward}). */
    public static void avgBackward(Pool2dSpec s, boolean countIncludePad, float[] dy, int dyOff, float[] dx, int dxOff) {
        checkAvg("avg_pool2d backward", s);
        check("avg_pool2d backward", "dy", dy == null ? -1 : dy.length, dyOff, s.outputSize(), s);
        check("avg_pool2d backward", "dx", dx == null ? -1 : dx.length, dxOff, s.inputSize(), s);
        int inPlane = s.inH() * s.inW(), outPlane = s.outH() * s.outW();
        forPlanes(s, (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                avgBackwardPlane(s, countIncludePad, dy, dyOff + p * outPlane, dx, dxOff + p * inPlane);
            }
        });
    }

    private static void avgPlane(Pool2dSpec s, boolean includePad, float[] x, int xo, float[] y, int yo) {
        int inH = s.inH(), inW = s.inW(), outH = s.outH(), outW = s.outW();
        for (int oh = 0; oh < outH; oh++) {
            int h0 = oh * s.strideH() - s.padH();
            int h1 = Math.min(h0 + s.kernelH(), inH + s.padH());
            int hSpan = h1 - h0;
            h0 = Math.max(h0, 0);
            h1 = Math.min(h1, inH);
            for (int ow = 0; ow < outW; ow++) {
                int w0 = ow * s.strideW() - s.padW();
                int w1 = Math.min(w0 + s.kernelW(), inW + s.padW());
                int wSpan = w1 - w0;
                w0 = Math.max(w0, 0);
                w1 = Math.min(w1, inW);
                float sum = 0f;
                for (int h = h0; h < h1; h++) {
                    for (int w = w0; w < w1; w++) {
                        sum += x[xo + h * inW + w];
                    }
                }
                int divisor = includePad ? hSpan * wSpan : (h1 - h0) * (w1 - w0);
                y[yo + oh * outW + ow] = divisor > 0 ? sum / divisor : 0f;
            }
        }
    }

    private static void avgBackwardPlane(Pool2dSpec s, boolean includePad, float[] dy, int yo, float[] dx, int xo) {
        int inH = s.inH(), inW = s.inW(), outH = s.outH(), outW = s.outW();
        for (int oh = 0; oh < outH; oh++) {
            int h0 = oh * s.strideH() - s.padH();
            int h1 = Math.min(h0 + s.kernelH(), inH + s.padH());
            int hSpan = h1 - h0;
            h0 = Math.max(h0, 0);
            h1 = Math.min(h1, inH);
            for (int ow = 0; ow < outW; ow++) {
                int w0 = ow * s.strideW() - s.padW();
                int w1 = Math.min(w0 + s.kernelW(), inW + s.padW());
                int wSpan = w1 - w0;
                w0 = Math.max(w0, 0);
                w1 = Math.min(w1, inW);
                int divisor = includePad ? hSpan * wSpan : (h1 - h0) * (w1 - w0);
                if (divisor <= 0) {
                    continue;
                }
                float g = dy[yo + oh * outW + ow] / divisor;
                for (int h = h0; h < h1; h++) {
                    for (int w = w0; w < w1; w++) {
                        dx[xo + h * inW + w] += g;
                    }
                }
            }
        }
    }

    /** 2x2 windows, stride 2, no padding, all inside: the divisor is 4 either way. */
    private static void avg2x2(Pool2dSpec s, float[] x, int xo, float[] y, int yo) {
        int inW = s.inW(), outH = s.outH(), outW = s.outW();
        for (int oh = 0; oh < outH; oh++) {
            int r0 = xo + 2 * oh * inW, r1 = r0 + inW;
            int yr = yo + oh * outW;
            for (int ow = 0; ow < outW; ow++) {
                y[yr + ow] = (x[r0 + 2 * ow] + x[r0 + 2 * ow + 1] + x[r1 + 2 * ow] + x[r1 + 2 * ow + 1]) / 4;
            }
        }
    }

    // ------------------------------------------------------------------ shared

    /** The common unpadded 2x2 stride-2 window with every window wholly inside the input. */
    private static boolean isFast2x2(Pool2dSpec s) {
        return s.kernelH() == 2 && s.kernelW() == 2 && s.strideH() == 2 && s.strideW() == 2 && s.padH() == 0
                && s.padW() == 0 && s.dilationH() == 1 && s.dilationW() == 1
                && 2 * s.outH() <= s.inH() && 2 * s.outW() <= s.inW();
    }

    private static void forPlanes(Pool2dSpec s, Parallel.Range body) {
        int planes = s.batch() * s.channels();
        int perPlane = Math.max(1, s.inH() * s.inW());
        Parallel.forRange(planes, Math.max(1, Elementwise.GRAIN / perPlane), body);
    }

    private static void checkAvg(String op, Pool2dSpec s) {
        if (s.dilationH() != 1 || s.dilationW() != 1) {
            throw new IllegalArgumentException(op + ": average pooling has no dilation, got " + s.dilationH() + "x"
                    + s.dilationW() + " (" + s + ")");
        }
    }

    private static void check(String op, String name, int length, int off, int size, Pool2dSpec s) {
        if (length < 0) {
            throw new NullPointerException(op + ": " + name + " is null (" + s + ")");
        }
        if (off < 0 || (long) off + size > length) {
            throw new IllegalArgumentException(op + ": " + name + " needs " + size + " elements from offset " + off
                    + " but the array has " + length + " (" + s + ")");
        }
    }
}
