package dev.nabla.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

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
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, S.vectorShape());
    private static final int L = S.length();
    /** Even and odd lanes of two concatenated vectors: the left and right columns of L windows. */
    private static final VectorShuffle<Float> EVEN = VectorShuffle.fromOp(S, i -> 2 * i);

    private static final VectorShuffle<Float> ODD = VectorShuffle.fromOp(S, i -> 2 * i + 1);
    /** Each lane of the low (high) half repeated twice: spreads L window gradients over 2L columns. */
    private static final VectorShuffle<Float> ZIP_LO = VectorShuffle.fromOp(S, i -> i / 2);

    private static final VectorShuffle<Float> ZIP_HI = VectorShuffle.fromOp(S, i -> L / 2 + i / 2);
    /** {@code 2 * lane}: the input column of each window's top-left tap, relative to the block. */
    private static final IntVector TWICE_IOTA = IntVector.zero(I).addIndex(2);
    /** 1 in the high half of the lanes, whose windows come from the second vector of a pair. */
    private static final IntVector HIGH_HALF = IntVector.zero(I)
            .addIndex(1)
            .compare(VectorOperators.GE, L / 2)
            .toVector()
            .reinterpretAsInts()
            .neg();

    /** Output rows {@link #maxNarrow} reduces per block, so the block's pair maxima stay in L1. */
    private static final int NARROW_BLOCK = 2 * L;
    /**
     * For rows of {@code w < L} outputs: {@code BELOW[w][t]} is where output {@code t} of a block
     * finds its top pair in the horizontal pass's array ({@code t + (t / w) * w}, rows of top and
     * bottom pairs alternating); one period of {@code w} vectors, the next period {@code 2wL} on.
     */
    private static final int[][] BELOW = new int[L][];

    static {
        for (int w = 1; w < L; w++) {
            BELOW[w] = new int[w * L];
            for (int t = 0; t < w * L; t++) {
                BELOW[w][t] = t + (t / w) * w;
            }
        }
    }

    private Pool2d() {}

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
        if (fast && idx == null && s.outW() < L && s.inW() == 2 * s.outW() && s.inH() == 2 * s.outH()) {
            forPlanes(
                    s,
                    (p0, p1) ->
                            maxNarrow(x, xOff + p0 * inPlane, y, yOff + p0 * outPlane, (p1 - p0) * s.outH(), s.outW()));
            return;
        }
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

    /**
     * 2x2 windows, stride 2, no padding or dilation, every window inside the input: L windows at a
     * time (see {@link #forVectors}), the two columns of each window split out of two row vectors
     * by even/odd shuffles, the rest one by one. The taps are compared in PyTorch's scan order
     * (top-left, top-right, bottom-left, bottom-right) with the same rule as {@link #maxPlane}, so
     * values and indices agree with the general loop.
     */
    private static void max2x2(Pool2dSpec s, float[] x, int xo, float[] y, int yo, int[] idx, int io) {
        int inW = s.inW(), outW = s.outW();
        int rowsDone = forVectors(s, (a, b, o) -> maxVector(x, xo, a, b, inW, y, yo + o, idx, io + o, null));
        if (outW < L) {
            // Rows narrower than a vector (LeNet's 14 and 5 windows on AVX-512) when indices are
            // wanted or the plane has an odd row or column (maxNarrow does the rest): one masked
            // vector per row, not the scalar loop's unpredictable compares (about 10x slower).
            VectorMask<Float> windows = S.indexInRange(0, outW);
            for (int oh = rowsDone; oh < s.outH(); oh++) {
                int a = 2 * oh * inW;
                maxVector(x, xo, a, a + L, inW, y, yo + oh * outW, idx, io + oh * outW, windows);
            }
            return;
        }
        for (int oh = rowsDone; oh < s.outH(); oh++) {
            int r0 = 2 * oh * inW, r1 = r0 + inW;
            int yr = oh * outW;
            for (int ow = outW < L ? 0 : outW - outW % L; ow < outW; ow++) {
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

    /**
     * 2x2 stride-2 windows over planes whose rows are narrower than 2L and exactly twice the
     * output's (LeNet's 28 and 10 columns), without indices (inference): {@code rows} output rows
     * of {@code outW}, their input rows back to back from {@code xo} across planes. A block of
     * rows is reduced in two whole-vector passes: first each horizontal pair (the flattened input
     * splits into pairs that never straddle rows, so even/odd shuffles of full vectors do it), then
     * each output takes the greater of its top and bottom pair, gathered through {@link #BELOW}.
     * Masked vectors row by row (the indexed path, for training) took 3x (28 columns) to 9x (10)
     * as long on Zen 5. The comparisons keep {@link #maxPlane}'s order
     * (top pair first, left before right), so the values are the general loop's bit for bit.
     */
    private static void maxNarrow(float[] x, int xo, float[] y, int yo, int rows, int outW) {
        int inW = 2 * outW;
        int[] map = BELOW[outW];
        int period = outW * L;
        float[] h = Scratch.floats(Scratch.STAGE, NARROW_BLOCK * inW);
        for (int k0 = 0; k0 < rows; k0 += NARROW_BLOCK) {
            int kb = Math.min(NARROW_BLOCK, rows - k0);
            int xb = xo + k0 * 2 * inW;
            int pairs = kb * inW;
            int pairsVec = pairs - pairs % L;
            for (int j = 0; j < pairsVec; j += L) {
                FloatVector a = FloatVector.fromArray(S, x, xb + 2 * j);
                FloatVector b = FloatVector.fromArray(S, x, xb + 2 * j + L);
                FloatVector best = a.rearrange(EVEN, b);
                FloatVector v = a.rearrange(ODD, b);
                best.blend(v, takes(v, best)).intoArray(h, j);
            }
            for (int j = pairsVec; j < pairs; j++) {
                h[j] = greater(x[xb + 2 * j], x[xb + 2 * j + 1]);
            }
            int n = kb * outW, outVec = n - n % L, yb = yo + k0 * outW;
            for (int t = 0, base = 0, r = 0; t < outVec; t += L) {
                FloatVector best = FloatVector.fromArray(S, h, base, map, r);
                FloatVector v = FloatVector.fromArray(S, h, base + outW, map, r);
                best.blend(v, takes(v, best)).intoArray(y, yb + t);
                r += L;
                if (r == period) {
                    r = 0;
                    base += 2 * period;
                }
            }
            for (int t = outVec; t < n; t++) {
                int i = t + (t / outW) * outW;
                y[yb + t] = greater(h[i], h[i + outW]);
            }
        }
    }

    /** {@code b} when it replaces the running maximum {@code a} (greater, or NaN), as {@link #takes}. */
    private static float greater(float a, float b) {
        return b > a || Float.isNaN(b) ? b : a;
    }

    /** L windows of the 2x2 pool, as in {@link #forVectors}; results at {@code y[yAt]}, {@code idx[iAt]}. */
    private static void maxVector(
            float[] x,
            int xo,
            int a,
            int b,
            int inW,
            float[] y,
            int yAt,
            int[] idx,
            int iAt,
            VectorMask<Float> windows) {
        FloatVector t0, t1, b0, b1;
        if (windows == null) {
            t0 = FloatVector.fromArray(S, x, xo + a);
            t1 = FloatVector.fromArray(S, x, xo + b);
            b0 = FloatVector.fromArray(S, x, xo + a + inW);
            b1 = FloatVector.fromArray(S, x, xo + b + inW);
        } else {
            // The row's 2 * outW inputs only (b = a + L); lanes past them are 0 and stored nowhere.
            int n = 2 * windows.trueCount();
            VectorMask<Float> m0 = S.indexInRange(0, n);
            VectorMask<Float> m1 = S.indexInRange(L, n);
            t0 = FloatVector.fromArray(S, x, xo + a, m0);
            t1 = FloatVector.fromArray(S, x, xo + b, m1);
            b0 = FloatVector.fromArray(S, x, xo + a + inW, m0);
            b1 = FloatVector.fromArray(S, x, xo + b + inW, m1);
        }
        FloatVector best = t0.rearrange(EVEN, t1);
        FloatVector v = t0.rearrange(ODD, t1);
        VectorMask<Float> m1 = takes(v, best);
        best = best.blend(v, m1);
        v = b0.rearrange(EVEN, b1);
        VectorMask<Float> m2 = takes(v, best);
        best = best.blend(v, m2);
        v = b0.rearrange(ODD, b1);
        VectorMask<Float> m3 = takes(v, best);
        best = best.blend(v, m3);
        if (windows == null) {
            best.intoArray(y, yAt);
        } else {
            best.intoArray(y, yAt, windows);
        }
        if (idx != null) {
            // Top-left tap of each window: a + 2i in the low half, b + 2i - L in the high half.
            IntVector tl = TWICE_IOTA.add(a).add(HIGH_HALF.mul(b - a - L));
            IntVector at = tl.blend(tl.add(1), m1.cast(I));
            at = at.blend(tl.add(inW), m2.cast(I));
            at = at.blend(tl.add(inW + 1), m3.cast(I));
            if (windows == null) {
                at.intoArray(idx, iAt);
            } else {
                at.intoArray(idx, iAt, windows.cast(I));
            }
        }
    }

    /** Where L windows of a 2x2 stride-2 plane start: top-row halves at {@code a} and {@code b}, output at {@code o}. */
    @FunctionalInterface
    private interface VectorBody {
        void run(int a, int b, int o);
    }

    /**
     * Runs {@code body} over the blocks of L windows of an unpadded 2x2 stride-2 plane that vectors
     * cover, and returns the number of output rows it covered entirely (the caller finishes the
     * rest, and the tail columns of covered rows when a row is wider than L). Wide rows give blocks
     * within one output row ({@code b = a + L}); rows of exactly L/2 windows over an input L wide
     * give blocks of two output rows, the second one's top row two input rows further on.
     */
    private static int forVectors(Pool2dSpec s, VectorBody body) {
        int inW = s.inW(), outH = s.outH(), outW = s.outW();
        if (outW >= L) {
            int vecEnd = outW - outW % L;
            for (int oh = 0; oh < outH; oh++) {
                for (int ow = 0; ow < vecEnd; ow += L) {
                    int a = 2 * oh * inW + 2 * ow;
                    body.run(a, a + L, oh * outW + ow);
                }
            }
            return 0;
        }
        if (2 * outW != L || inW != L) {
            return 0;
        }
        int pairs = outH / 2;
        for (int pr = 0; pr < pairs; pr++) {
            int a = 4 * pr * inW;
            body.run(a, a + 2 * inW, 2 * pr * outW);
        }
        return 2 * pairs;
    }

    /** Lanes where the next tap replaces the running maximum: greater, or NaN. */
    private static VectorMask<Float> takes(FloatVector v, FloatVector best) {
        return v.compare(VectorOperators.GT, best).or(v.test(VectorOperators.IS_NAN));
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
    public static void avgBackward(
            Pool2dSpec s, boolean countIncludePad, float[] dy, int dyOff, float[] dx, int dxOff) {
        checkAvg("avg_pool2d backward", s);
        check("avg_pool2d backward", "dy", dy == null ? -1 : dy.length, dyOff, s.outputSize(), s);
        check("avg_pool2d backward", "dx", dx == null ? -1 : dx.length, dxOff, s.inputSize(), s);
        int inPlane = s.inH() * s.inW(), outPlane = s.outH() * s.outW();
        boolean fast = isFast2x2(s);
        forPlanes(s, (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                if (fast) {
                    avgBackward2x2(s, dy, dyOff + p * outPlane, dx, dxOff + p * inPlane);
                } else {
                    avgBackwardPlane(s, countIncludePad, dy, dyOff + p * outPlane, dx, dxOff + p * inPlane);
                }
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

    /** 2x2 windows, stride 2, no padding, all inside: the divisor is 4 either way. Summed in scan order. */
    private static void avg2x2(Pool2dSpec s, float[] x, int xo, float[] y, int yo) {
        int inW = s.inW(), outW = s.outW();
        int rowsDone = forVectors(s, (a, b, o) -> {
            FloatVector t0 = FloatVector.fromArray(S, x, xo + a);
            FloatVector t1 = FloatVector.fromArray(S, x, xo + b);
            FloatVector b0 = FloatVector.fromArray(S, x, xo + a + inW);
            FloatVector b1 = FloatVector.fromArray(S, x, xo + b + inW);
            t0.rearrange(EVEN, t1)
                    .add(t0.rearrange(ODD, t1))
                    .add(b0.rearrange(EVEN, b1))
                    .add(b0.rearrange(ODD, b1))
                    .mul(0.25f)
                    .intoArray(y, yo + o);
        });
        for (int oh = rowsDone; oh < s.outH(); oh++) {
            int r0 = xo + 2 * oh * inW, r1 = r0 + inW;
            int yr = yo + oh * outW;
            for (int ow = outW < L ? 0 : outW - outW % L; ow < outW; ow++) {
                y[yr + ow] = (x[r0 + 2 * ow] + x[r0 + 2 * ow + 1] + x[r1 + 2 * ow] + x[r1 + 2 * ow + 1]) * 0.25f;
            }
        }
    }

    /** Backward of {@link #avg2x2}: each input gets a quarter of its window's gradient. */
    private static void avgBackward2x2(Pool2dSpec s, float[] dy, int yo, float[] dx, int xo) {
        int inW = s.inW(), outW = s.outW();
        int rowsDone = forVectors(s, (a, b, o) -> {
            FloatVector g = FloatVector.fromArray(S, dy, yo + o).mul(0.25f);
            FloatVector lo = g.rearrange(ZIP_LO);
            FloatVector hi = g.rearrange(ZIP_HI);
            int ta = xo + a, tb = xo + b;
            lo.add(FloatVector.fromArray(S, dx, ta)).intoArray(dx, ta);
            hi.add(FloatVector.fromArray(S, dx, tb)).intoArray(dx, tb);
            lo.add(FloatVector.fromArray(S, dx, ta + inW)).intoArray(dx, ta + inW);
            hi.add(FloatVector.fromArray(S, dx, tb + inW)).intoArray(dx, tb + inW);
        });
        for (int oh = rowsDone; oh < s.outH(); oh++) {
            int r0 = xo + 2 * oh * inW, r1 = r0 + inW;
            int yr = yo + oh * outW;
            for (int ow = outW < L ? 0 : outW - outW % L; ow < outW; ow++) {
                float g = dy[yr + ow] * 0.25f;
                dx[r0 + 2 * ow] += g;
                dx[r0 + 2 * ow + 1] += g;
                dx[r1 + 2 * ow] += g;
                dx[r1 + 2 * ow + 1] += g;
            }
        }
    }

    // ------------------------------------------------------------------ shared

    /** The common unpadded 2x2 stride-2 window with every window wholly inside the input. */
    private static boolean isFast2x2(Pool2dSpec s) {
        return s.kernelH() == 2
                && s.kernelW() == 2
                && s.strideH() == 2
                && s.strideW() == 2
                && s.padH() == 0
                && s.padW() == 0
                && s.dilationH() == 1
                && s.dilationW() == 1
                && 2 * s.outH() <= s.inH()
                && 2 * s.outW() <= s.inW();
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
