package dev.nabla.tensor.kernel;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * 2-D convolution over contiguous NCHW float arrays (PyTorch's {@code conv2d}: cross-correlation,
 * zero padding, stride, dilation, groups) and its three gradients.
 *
 * <p>Two methods, chosen by geometry (measurements in BENCHMARKS.md, "Convolution and pooling"):
 * <ul>
 * <li><b>Unit stride</b> (any padding, dilation and groups: the 3x3, 5x5 and 1x1 layers of common
 * CNNs): {@link ImplicitConv}, an implicit GEMM whose micro-kernel reads the taps straight from a
 * zero-padded copy of each image, for all three passes. It builds and packs no unfolded matrix
 * and ran the CIFAR CNN's layers at 80-97 GFLOP/s per core forward, against 43-60 for unfold +
 * the packed {@link Gemm}.
 * <li><b>Other strides</b>: an unfold (im2col) of one cache-sized tile of output rows of one image
 * and group, then one {@link Gemm#sgemm} call, so these speed up with the GEMM.
 * </ul>
 * Either way images are split over {@link Parallel}'s threads, each with its own scratch and the
 * inner work running serially; when there are too few images to keep every thread busy
 * (batch-1 inference), images run one after another and the work inside each image is split.
 *
 * <p>Reproducibility: every output element is summed in an order that depends on the shape alone.
 * Forward and input gradient never split a sum. The weight gradient's sum over the batch is cut
 * into a fixed number of chunks ({@link #weightChunks}: from the batch size and weight size, not
 * the thread count), each summed into its own partial, and the partials are added in chunk order;
 * lane sums follow {@link Lanes}. So the bits are the same on any thread count and vector width.
 *
 * <p>Output conventions: {@link #forward} overwrites {@code y}; the three backward passes
 * <b>accumulate</b> into their outputs ({@code dx += ...}, {@code dw += ...}, {@code db += ...}),
 * as autograd sums the gradient contributions of every use of a tensor. Zero the buffers first to
 * get the plain gradient. No large buffer is allocated in steady state: padded images, unfold
 * tiles, packed weights and partial weight gradients live in per-thread buffers reused from call
 * to call; a call allocates only small bookkeeping (tap offsets and vector positions: one int per
 * tap and three per vector of output pixels).
 *
 * <p>Non-finite inputs: on the unit-stride path a NaN or infinity in x can also reach weight
 * gradients of taps that never see it (it meets a zero of dy in the junk columns, and
 * {@code 0 * inf} is NaN), where PyTorch's would stay finite; the loss is NaN by then anyway.
 *
 * <pre>{@code
 * Conv2dSpec s = Conv2dSpec.of(2, 3, 8, 8, 4, 3, 1, 1);   // N=2, 3->4 channels, 8x8, 3x3, pad 1
 * float[] x = new float[s.inputSize()], w = new float[s.weightSize()], b = new float[4];
 * float[] y = new float[s.outputSize()];
 * Conv2d.forward(s, x, 0, w, 0, b, 0, y, 0);               // y = conv(x, w) + b
 * float[] dx = new float[s.inputSize()], dw = new float[s.weightSize()], db = new float[4];
 * Conv2d.backwardInput(s, y, 0, w, 0, dx, 0);             // dx += dL/dx for dL/dy = y
 * Conv2d.backwardWeight(s, x, 0, y, 0, dw, 0);            // dw += dL/dw
 * Conv2d.backwardBias(s, y, 0, db, 0);                    // db += dL/db
 * }</pre>
 */
public final class Conv2d {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /**
     * Largest unfold tile in floats (512 KiB: a Zen 3 core's L2, half a Zen 4 core's): a tile is
     * written by the unfold and read straight back by the GEMM's packing, so it should stay in
     * cache. Whole output rows are taken, at least one.
     */
    static final int TILE_FLOATS = 1 << 17;

    private Conv2d() {}

    // ------------------------------------------------------------------ public passes

    /**
     * {@code y = conv2d(x, w) + bias}: x {@code [N, Cin, H, W]}, w {@code [Cout, Cin/groups, kH, kW]},
     * bias {@code [Cout]} or {@code null}, y {@code [N, Cout, outH, outW]} (overwritten).
     */
    public static void forward(
            Conv2dSpec s, float[] x, int xOff, float[] w, int wOff, float[] bias, int bOff, float[] y, int yOff) {
        check("conv2d forward", "x", x, xOff, s.inputSize(), s);
        check("conv2d forward", "weight", w, wOff, s.weightSize(), s);
        if (bias != null) {
            check("conv2d forward", "bias", bias, bOff, s.outChannels(), s);
        }
        check("conv2d forward", "y", y, yOff, s.outputSize(), s);
        if (ImplicitConv.applies(s)) {
            ImplicitConv.forward(s, x, xOff, w, wOff, bias, bOff, y, yOff);
            return;
        }
        Geometry g = new Geometry(s);
        run(g, (u, par) -> forwardUnit(g, u, par, x, xOff, w, wOff, bias, bOff, y, yOff));
    }

    /**
     * {@code dx += conv2d_input_grad(dy, w)}: dy {@code [N, Cout, outH, outW]}, w as in forward,
     * dx {@code [N, Cin, H, W]} (accumulated).
     */
    public static void backwardInput(Conv2dSpec s, float[] dy, int dyOff, float[] w, int wOff, float[] dx, int dxOff) {
        check("conv2d backward (input)", "dy", dy, dyOff, s.outputSize(), s);
        check("conv2d backward (input)", "weight", w, wOff, s.weightSize(), s);
        check("conv2d backward (input)", "dx", dx, dxOff, s.inputSize(), s);
        if (ImplicitConv.applies(s)) {
            ImplicitConv.backwardInput(s, dy, dyOff, w, wOff, dx, dxOff);
            return;
        }
        Geometry g = new Geometry(s);
        run(g, (u, par) -> inputUnit(g, u, par, dy, dyOff, w, wOff, dx, dxOff));
    }

    /**
     * {@code dw += conv2d_weight_grad(x, dy)}: x as in forward, dy {@code [N, Cout, outH, outW]},
     * dw {@code [Cout, Cin/groups, kH, kW]} (accumulated).
     */
    public static void backwardWeight(Conv2dSpec s, float[] x, int xOff, float[] dy, int dyOff, float[] dw, int dwOff) {
        check("conv2d backward (weight)", "x", x, xOff, s.inputSize(), s);
        check("conv2d backward (weight)", "dy", dy, dyOff, s.outputSize(), s);
        check("conv2d backward (weight)", "dw", dw, dwOff, s.weightSize(), s);
        if (ImplicitConv.applies(s)) {
            ImplicitConv.backwardWeight(s, x, xOff, dy, dyOff, dw, dwOff);
            return;
        }
        Geometry g = new Geometry(s);
        int ws = s.weightSize();
        int chunks = weightChunks(g.units, ws);
        if (chunks <= 1) {
            for (int u = 0; u < g.units; u++) {
                weightUnit(g, u, true, x, xOff, dy, dyOff, dw, dwOff);
            }
            return;
        }
        float[] partial = Scratch.floats(Scratch.PARTIAL, chunks * ws);
        // One chunk of work per partial, claimed as threads get free (see CHUNKS_PER_THREAD).
        Parallel.forChunks(chunks, Parallel.chunks(chunks, 1) > 1 ? chunks : 1, (c0, c1) -> {
            for (int c = c0; c < c1; c++) {
                Arrays.fill(partial, c * ws, (c + 1) * ws, 0f);
                int from = (int) ((long) g.units * c / chunks);
                int to = (int) ((long) g.units * (c + 1) / chunks);
                for (int u = from; u < to; u++) {
                    weightUnit(g, u, false, x, xOff, dy, dyOff, partial, c * ws);
                }
            }
        });
        addPartials(partial, chunks, ws, dw, dwOff);
    }

    /**
     * How many chunks a weight gradient's sum over {@code units} (images, or groups of images) is cut
     * into: a function of the shape alone, never of the thread count, so the sum's order and bits
     * are the same on any number of threads. Threads then share the chunks. At most 16 (enough to
     * balance 2, 4, 8 or 16 threads), and few enough that the partials take at most 16 MiB.
     */
    static int weightChunks(int units, int weightSize) {
        long byMemory = Math.max(1, (1L << 22) / Math.max(1, weightSize));
        return (int) Math.max(1, Math.min(Math.min(units, 16), byMemory));
    }

    /**
     * {@code dw += p[0] + p[1] + ...} over the {@code chunks} partials of {@code ws} floats each,
     * added element by element in chunk order (the split over threads runs along the elements).
     */
    static void addPartials(float[] partial, int chunks, int ws, float[] dw, int dwOff) {
        Parallel.forRange(ws, Math.max(L, Elementwise.GRAIN / chunks), (from, to) -> {
            int i = from;
            for (int ub = from + S.loopBound(to - from); i < ub; i += L) {
                FloatVector acc = FloatVector.fromArray(S, dw, dwOff + i);
                for (int c = 0; c < chunks; c++) {
                    acc = FloatVector.fromArray(S, partial, c * ws + i).add(acc);
                }
                acc.intoArray(dw, dwOff + i);
            }
            for (; i < to; i++) {
                float acc = dw[dwOff + i];
                for (int c = 0; c < chunks; c++) {
                    acc += partial[c * ws + i];
                }
                dw[dwOff + i] = acc;
            }
        });
    }

    /** {@code db += sum over n, h, w of dy[n, c, h, w]}: dy {@code [N, Cout, outH, outW]}, db {@code [Cout]}. */
    public static void backwardBias(Conv2dSpec s, float[] dy, int dyOff, float[] db, int dbOff) {
        check("conv2d backward (bias)", "dy", dy, dyOff, s.outputSize(), s);
        check("conv2d backward (bias)", "db", db, dbOff, s.outChannels(), s);
        int p = s.outH() * s.outW();
        int cout = s.outChannels();
        int n = s.batch();
        Parallel.forRange(cout, Math.max(1, Elementwise.GRAIN / Math.max(1, n * p)), (from, to) -> {
            for (int c = from; c < to; c++) {
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    sum += Reduce.reduceRow(Reduce.Op.SUM, dy, dyOff + (i * cout + c) * p, p);
                }
                db[dbOff + c] += (float) sum;
            }
        });
    }

    private static void check(String op, String name, float[] a, int off, int size, Conv2dSpec s) {
        if (a == null) {
            throw new NullPointerException(op + ": " + name + " is null (" + s + ")");
        }
        if (off < 0 || (long) off + size > a.length) {
            throw new IllegalArgumentException(op + ": " + name + " needs " + size + " floats from offset " + off
                    + " but the array has " + a.length + " (" + s + ")");
        }
    }

    // ------------------------------------------------------------------ work split

    /** One (image, group) pair of work; {@code par} says whether it may split itself over threads. */
    @FunctionalInterface
    private interface Unit {
        void run(int unit, boolean par);
    }

    /**
     * Chunks for splitting the (image, group) units over threads, or 1 when the units should run
     * one after another with each one split inside. Splitting over units wins when it balances:
     * every thread gets the same count, or so many that one extra unit costs little. There are up
     * to {@link #CHUNKS_PER_THREAD} chunks per thread, claimed by the threads as they get free.
     */
    static int outerChunks(int units) {
        int t = Parallel.chunks(units, 1);
        return t > 1 && (units % t == 0 || units >= 8 * t) ? Math.min(units, t * CHUNKS_PER_THREAD) : 1;
    }

    /**
     * Chunks per thread when a convolution's images are shared out. With one chunk per thread, a
     * thread that lost its core for a while (to the JIT's compiler threads in the first seconds,
     * the garbage collector or another process) held the others up at the join; with several,
     * the threads that run take its unclaimed chunks. Which thread runs a chunk changes no result.
     */
    static final int CHUNKS_PER_THREAD = 8;

    private static void run(Geometry g, Unit unit) {
        int chunks = outerChunks(g.units);
        if (chunks <= 1) {
            for (int u = 0; u < g.units; u++) {
                unit.run(u, true);
            }
        } else {
            Parallel.forChunks(g.units, chunks, (from, to) -> {
                for (int u = from; u < to; u++) {
                    unit.run(u, false);
                }
            });
        }
    }

    // ------------------------------------------------------------------ per-unit passes

    private static void forwardUnit(
            Geometry g,
            int u,
            boolean par,
            float[] x,
            int xOff,
            float[] w,
            int wOff,
            float[] bias,
            int bOff,
            float[] y,
            int yOff) {
        int n = u / g.groups;
        int grp = u % g.groups;
        int xg = xOff + (n * g.cin + grp * g.cg) * g.inPlane;
        int yg = yOff + (n * g.cout + grp * g.mg) * g.p;
        int wg = wOff + grp * g.mg * g.k;
        float beta = bias == null ? 0f : 1f;
        float[] col = Scratch.floats(Scratch.COL, g.tileRows * g.outW * g.k);
        for (int oh0 = 0; oh0 < g.outH; oh0 += g.tileRows) {
            int oh1 = Math.min(g.outH, oh0 + g.tileRows);
            int pb = (oh1 - oh0) * g.outW;
            int p0 = oh0 * g.outW;
            unfold(g, par, x, xg, col, oh0, oh1);
            if (bias != null) {
                fillRows(y, yg, g.p, p0, pb, bias, bOff + grp * g.mg, g.mg);
            }
            Gemm.sgemm(false, false, g.mg, pb, g.k, 1f, w, wg, g.k, col, 0, pb, beta, y, yg + p0, g.p);
        }
    }

    private static void inputUnit(
            Geometry g, int u, boolean par, float[] dy, int dyOff, float[] w, int wOff, float[] dx, int dxOff) {
        int n = u / g.groups;
        int grp = u % g.groups;
        int xg = dxOff + (n * g.cin + grp * g.cg) * g.inPlane;
        int yg = dyOff + (n * g.cout + grp * g.mg) * g.p;
        int wg = wOff + grp * g.mg * g.k;
        float[] col = Scratch.floats(Scratch.COL, g.tileRows * g.outW * g.k);
        for (int oh0 = 0; oh0 < g.outH; oh0 += g.tileRows) {
            int oh1 = Math.min(g.outH, oh0 + g.tileRows);
            int pb = (oh1 - oh0) * g.outW;
            Gemm.sgemm(true, false, g.k, pb, g.mg, 1f, w, wg, g.k, dy, yg + oh0 * g.outW, g.p, 0f, col, 0, pb);
            fold(g, par, col, dx, xg, oh0, oh1);
        }
    }

    private static void weightUnit(
            Geometry g, int u, boolean par, float[] x, int xOff, float[] dy, int dyOff, float[] dw, int dwOff) {
        int n = u / g.groups;
        int grp = u % g.groups;
        int xg = xOff + (n * g.cin + grp * g.cg) * g.inPlane;
        int yg = dyOff + (n * g.cout + grp * g.mg) * g.p;
        int wg = dwOff + grp * g.mg * g.k;
        float[] col = Scratch.floats(Scratch.COL, g.tileRows * g.outW * g.k);
        for (int oh0 = 0; oh0 < g.outH; oh0 += g.tileRows) {
            int oh1 = Math.min(g.outH, oh0 + g.tileRows);
            int pb = (oh1 - oh0) * g.outW;
            unfold(g, par, x, xg, col, oh0, oh1);
            Gemm.sgemm(false, true, g.mg, g.k, pb, 1f, dy, yg + oh0 * g.outW, g.p, col, 0, pb, 1f, dw, wg, g.k);
        }
    }

    /** {@code y[row r, columns p0..p0+pb) = bias[r]} for the {@code rows} rows of one group. */
    private static void fillRows(float[] y, int yg, int pitch, int p0, int pb, float[] bias, int bo, int rows) {
        for (int r = 0; r < rows; r++) {
            int at = yg + r * pitch + p0;
            Arrays.fill(y, at, at + pb, bias[bo + r]);
        }
    }

    // ------------------------------------------------------------------ unfold / fold

    /** Unfold rows split over threads when {@code par}; one row is one (channel, kh, kw) tap. */
    private static void unfold(Geometry g, boolean par, float[] x, int xg, float[] col, int oh0, int oh1) {
        int pb = (oh1 - oh0) * g.outW;
        if (par) {
            Parallel.forRange(
                    g.k, Math.max(1, Elementwise.GRAIN / pb), (r0, r1) -> unfoldRows(g, x, xg, col, oh0, oh1, r0, r1));
        } else {
            unfoldRows(g, x, xg, col, oh0, oh1, 0, g.k);
        }
    }

    /** Fold (col2im, accumulating) split over input channels when {@code par}, so no two threads add to one plane. */
    private static void fold(Geometry g, boolean par, float[] col, float[] dx, int xg, int oh0, int oh1) {
        int pb = (oh1 - oh0) * g.outW;
        if (par) {
            Parallel.forRange(
                    g.cg,
                    Math.max(1, Elementwise.GRAIN / (pb * g.taps)),
                    (c0, c1) -> foldChannels(g, col, dx, xg, oh0, oh1, c0, c1));
        } else {
            foldChannels(g, col, dx, xg, oh0, oh1, 0, g.cg);
        }
    }

    /**
     * {@code col[r][(oh - oh0) * outW + ow] = x[c][ih][iw]} (0 in the padding) for the unfold rows
     * {@code r = (c*kH + kh)*kW + kw} in {@code [r0, r1)}, with {@code ih = oh*sH - pH + kh*dH} and
     * {@code iw = ow*sW - pW + kw*dW}.
     */
    static void unfoldRows(Geometry g, float[] x, int xg, float[] col, int oh0, int oh1, int r0, int r1) {
        int pb = (oh1 - oh0) * g.outW;
        int outW = g.outW;
        for (int r = r0; r < r1; r++) {
            int c = r / g.taps;
            int kh = (r / g.kW) % g.kH;
            int kw = r % g.kW;
            int iw0 = kw * g.dW - g.pW;
            int owLo = g.firstValid(iw0);
            int owHi = g.endValid(iw0);
            int plane = xg + c * g.inPlane;
            int dst = r * pb;
            for (int oh = oh0; oh < oh1; oh++, dst += outW) {
                int ih = oh * g.sH - g.pH + kh * g.dH;
                if (ih < 0 || ih >= g.inH || owLo >= owHi) {
                    Arrays.fill(col, dst, dst + outW, 0f);
                    continue;
                }
                int src = plane + ih * g.inW + iw0;
                if (owLo > 0) {
                    Arrays.fill(col, dst, dst + owLo, 0f);
                }
                if (g.sW == 1) {
                    System.arraycopy(x, src + owLo, col, dst + owLo, owHi - owLo);
                } else {
                    for (int ow = owLo; ow < owHi; ow++) {
                        col[dst + ow] = x[src + ow * g.sW];
                    }
                }
                if (owHi < outW) {
                    Arrays.fill(col, dst + owHi, dst + outW, 0f);
                }
            }
        }
    }

    /** The adjoint of {@link #unfoldRows}: {@code dx[c][ih][iw] += col[r][...]} for channels {@code [c0, c1)}. */
    static void foldChannels(Geometry g, float[] col, float[] dx, int xg, int oh0, int oh1, int c0, int c1) {
        int pb = (oh1 - oh0) * g.outW;
        int outW = g.outW;
        for (int c = c0; c < c1; c++) {
            int plane = xg + c * g.inPlane;
            for (int kh = 0; kh < g.kH; kh++) {
                for (int kw = 0; kw < g.kW; kw++) {
                    int r = (c * g.kH + kh) * g.kW + kw;
                    int iw0 = kw * g.dW - g.pW;
                    int owLo = g.firstValid(iw0);
                    int owHi = g.endValid(iw0);
                    if (owLo >= owHi) {
                        continue;
                    }
                    int src = r * pb;
                    for (int oh = oh0; oh < oh1; oh++, src += outW) {
                        int ih = oh * g.sH - g.pH + kh * g.dH;
                        if (ih < 0 || ih >= g.inH) {
                            continue;
                        }
                        int dst = plane + ih * g.inW + iw0;
                        if (g.sW == 1) {
                            add(col, src + owLo, dx, dst + owLo, owHi - owLo);
                        } else {
                            for (int ow = owLo; ow < owHi; ow++) {
                                dx[dst + ow * g.sW] += col[src + ow];
                            }
                        }
                    }
                }
            }
        }
    }

    /** {@code dst[d + i] += src[s + i]} for {@code i < n}. */
    static void add(float[] src, int s, float[] dst, int d, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector.fromArray(S, src, s + i)
                    .add(FloatVector.fromArray(S, dst, d + i))
                    .intoArray(dst, d + i);
        }
        for (; i < n; i++) {
            dst[d + i] += src[s + i];
        }
    }

    /** The spec's numbers unpacked once per call, plus the derived sizes every pass needs. */
    static final class Geometry {
        final int inH, inW, kH, kW, sH, sW, pH, pW, dH, dW, outH, outW;
        final int cin, cout, groups, cg, mg, taps, k, p, inPlane, units, tileRows;

        Geometry(Conv2dSpec s) {
            inH = s.inH();
            inW = s.inW();
            kH = s.kernelH();
            kW = s.kernelW();
            sH = s.strideH();
            sW = s.strideW();
            pH = s.padH();
            pW = s.padW();
            dH = s.dilationH();
            dW = s.dilationW();
            outH = s.outH();
            outW = s.outW();
            cin = s.inChannels();
            cout = s.outChannels();
            groups = s.groups();
            cg = s.groupInChannels();
            mg = s.groupOutChannels();
            taps = kH * kW;
            k = cg * taps;
            p = outH * outW;
            inPlane = inH * inW;
            units = s.batch() * groups;
            tileRows = Math.max(1, Math.min(outH, TILE_FLOATS / Math.max(1, k * outW)));
        }

        /** First output column whose input column {@code ow*sW + iw0} is inside the image. */
        int firstValid(int iw0) {
            return iw0 >= 0 ? 0 : Math.min(outW, (-iw0 + sW - 1) / sW);
        }

        /** One past the last output column whose input column is inside the image. */
        int endValid(int iw0) {
            int last = inW - 1 - iw0;
            return last < 0 ? 0 : Math.min(outW, last / sW + 1);
        }
    }
}
