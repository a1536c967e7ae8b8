package dev.nabla.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * Conv2d against a direct nested-loop convolution in double (the oracle), on random geometry with
 * every parameter varied, plus adjoint identities that tie the three passes to each other.
 */
class Conv2dTest {

    // ------------------------------------------------------------------ the oracle

    /** Direct convolution; also returns the sum of |terms| per output for the error bound. */
    static double[][] refForward(Conv2dSpec s, float[] x, float[] w, float[] b) {
        int oh = s.outH(), ow = s.outW(), cg = s.groupInChannels(), mg = s.groupOutChannels();
        double[] y = new double[s.outputSize()], mag = new double[y.length];
        for (int n = 0; n < s.batch(); n++) {
            for (int co = 0; co < s.outChannels(); co++) {
                int grp = co / mg;
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        double sum = b == null ? 0 : b[co], abs = Math.abs(sum);
                        for (int ci = 0; ci < cg; ci++) {
                            for (int kh = 0; kh < s.kernelH(); kh++) {
                                int ih = i * s.strideH() - s.padH() + kh * s.dilationH();
                                for (int kw = 0; kw < s.kernelW(); kw++) {
                                    int iw = j * s.strideW() - s.padW() + kw * s.dilationW();
                                    if (ih < 0 || ih >= s.inH() || iw < 0 || iw >= s.inW()) {
                                        continue;
                                    }
                                    double t = (double) x[xi(s, n, grp * cg + ci, ih, iw)]
                                            * w[((co * cg + ci) * s.kernelH() + kh) * s.kernelW() + kw];
                                    sum += t;
                                    abs += Math.abs(t);
                                }
                            }
                        }
                        int at = ((n * s.outChannels() + co) * oh + i) * ow + j;
                        y[at] = sum;
                        mag[at] = abs;
                    }
                }
            }
        }
        return new double[][] {y, mag};
    }

    /** Gradients of {@code sum(y * dy)} w.r.t. x, w and b, each with its |terms| magnitudes. */
    static double[][] refBackward(Conv2dSpec s, float[] x, float[] w, float[] dy) {
        int oh = s.outH(), ow = s.outW(), cg = s.groupInChannels(), mg = s.groupOutChannels();
        double[] dx = new double[s.inputSize()], dxm = new double[dx.length];
        double[] dw = new double[s.weightSize()], dwm = new double[dw.length];
        double[] db = new double[s.outChannels()], dbm = new double[db.length];
        for (int n = 0; n < s.batch(); n++) {
            for (int co = 0; co < s.outChannels(); co++) {
                int grp = co / mg;
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        double g = dy[((n * s.outChannels() + co) * oh + i) * ow + j];
                        db[co] += g;
                        dbm[co] += Math.abs(g);
                        for (int ci = 0; ci < cg; ci++) {
                            for (int kh = 0; kh < s.kernelH(); kh++) {
                                int ih = i * s.strideH() - s.padH() + kh * s.dilationH();
                                for (int kw = 0; kw < s.kernelW(); kw++) {
                                    int iw = j * s.strideW() - s.padW() + kw * s.dilationW();
                                    if (ih < 0 || ih >= s.inH() || iw < 0 || iw >= s.inW()) {
                                        continue;
                                    }
                                    int xa = xi(s, n, grp * cg + ci, ih, iw);
                                    int wa = ((co * cg + ci) * s.kernelH() + kh) * s.kernelW() + kw;
                                    dx[xa] += g * w[wa];
                                    dxm[xa] += Math.abs(g * w[wa]);
                                    dw[wa] += g * x[xa];
                                    dwm[wa] += Math.abs(g * x[xa]);
                                }
                            }
                        }
                    }
                }
            }
        }
        return new double[][] {dx, dxm, dw, dwm, db, dbm};
    }

    static int xi(Conv2dSpec s, int n, int c, int h, int w) {
        return ((n * s.inChannels() + c) * s.inH() + h) * s.inW() + w;
    }

    // ------------------------------------------------------------------ helpers

    static float[] random(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return a;
    }

    /** Float results against the oracle: error within a few ulps of the summed magnitudes. */
    static void assertClose(
            String what, Conv2dSpec s, double[] base, double[] ref, double[] mag, float[] got, int off) {
        for (int i = 0; i < ref.length; i++) {
            double want = (base == null ? 0 : base[i]) + ref[i];
            double tol = 1e-5 * (mag[i] + (base == null ? 0 : Math.abs(base[i]))) + 1e-6;
            if (!(Math.abs(got[off + i] - want) <= tol)) {
                fail(what + " differs at " + i + ": got " + got[off + i] + ", want " + want + " (tol " + tol + ") for "
                        + s);
            }
        }
    }

    static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    /** Runs all four passes with offsets into padded arrays and checks each against the oracle. */
    static void checkAll(Conv2dSpec s, SplittableRandom r, boolean withBias) {
        int off = r.nextInt(4);
        float[] x = random(r, off + s.inputSize());
        float[] w = random(r, off + s.weightSize());
        float[] b = withBias ? random(r, off + s.outChannels()) : null;
        float[] dy = random(r, off + s.outputSize());
        float[] xs = Arrays.copyOfRange(x, off, x.length), ws = Arrays.copyOfRange(w, off, w.length);
        float[] bs = withBias ? Arrays.copyOfRange(b, off, b.length) : null;
        float[] dys = Arrays.copyOfRange(dy, off, dy.length);

        float[] y = new float[off + s.outputSize()];
        Arrays.fill(y, Float.NaN); // forward overwrites: no NaN may survive
        Conv2d.forward(s, x, off, w, off, b, off, y, off);
        double[][] f = refForward(s, xs, ws, bs);
        assertClose("forward", s, null, f[0], f[1], y, off);

        double[][] g = refBackward(s, xs, ws, dys);
        float[] dx = random(r, off + s.inputSize()); // backward accumulates onto what is there
        double[] dx0 = toDouble(Arrays.copyOfRange(dx, off, dx.length));
        Conv2d.backwardInput(s, dy, off, w, off, dx, off);
        assertClose("grad input", s, dx0, g[0], g[1], dx, off);

        float[] dw = random(r, off + s.weightSize());
        double[] dw0 = toDouble(Arrays.copyOfRange(dw, off, dw.length));
        Conv2d.backwardWeight(s, x, off, dy, off, dw, off);
        assertClose("grad weight", s, dw0, g[2], g[3], dw, off);

        float[] db = random(r, off + s.outChannels());
        double[] db0 = toDouble(Arrays.copyOfRange(db, off, db.length));
        Conv2d.backwardBias(s, dy, off, db, off);
        assertClose("grad bias", s, db0, g[4], g[5], db, off);
    }

    /** A random valid geometry; small, so the oracle stays cheap. */
    static Conv2dSpec randomSpec(SplittableRandom r) {
        while (true) {
            int groups = 1 + (r.nextInt(3) == 0 ? r.nextInt(4) : 0);
            int cg = 1 + r.nextInt(4), mg = 1 + r.nextInt(4);
            int kH = 1 + r.nextInt(5), kW = 1 + r.nextInt(5);
            int dH = 1 + (r.nextInt(3) == 0 ? r.nextInt(3) : 0), dW = 1 + (r.nextInt(3) == 0 ? r.nextInt(3) : 0);
            // Unit stride takes the implicit-GEMM path, any other the unfold + GEMM path: half each.
            boolean unit = r.nextBoolean();
            int sH = unit ? 1 : 1 + r.nextInt(3), sW = unit ? 1 : 1 + r.nextInt(3);
            int pH = r.nextInt(4), pW = r.nextInt(4);
            int inH = 1 + r.nextInt(13), inW = 1 + r.nextInt(13);
            int batch = 1 + r.nextInt(5);
            if (dH * (kH - 1) + 1 > inH + 2 * pH || dW * (kW - 1) + 1 > inW + 2 * pW) {
                continue;
            }
            return new Conv2dSpec(batch, cg * groups, inH, inW, mg * groups, kH, kW, sH, sW, pH, pW, dH, dW, groups);
        }
    }

    // ------------------------------------------------------------------ tests

    @Test
    void randomGeometryMatchesTheDirectConvolution() {
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 300; i++) {
            checkAll(randomSpec(r), r, r.nextBoolean());
        }
    }

    @Test
    void namedCornerCases() {
        SplittableRandom r = new SplittableRandom(2);
        List<Conv2dSpec> cases = new ArrayList<>(List.of(
                Conv2dSpec.of(1, 1, 1, 1, 1, 1, 1, 0), // smallest
                Conv2dSpec.of(2, 3, 2, 2, 4, 5, 1, 2), // kernel larger than the input
                Conv2dSpec.of(1, 2, 3, 3, 2, 7, 2, 3), // ... and stride 2
                Conv2dSpec.of(3, 8, 7, 9, 8, 3, 1, 1).withGroups(8), // depthwise
                Conv2dSpec.of(2, 4, 7, 5, 8, 3, 2, 1).withGroups(4), // depthwise multiplier 2, stride 2
                Conv2dSpec.of(2, 6, 5, 7, 9, 1, 1, 0), // pointwise
                Conv2dSpec.of(2, 6, 5, 7, 9, 1, 1, 0).withGroups(3), // grouped pointwise
                Conv2dSpec.of(2, 4, 9, 8, 3, 1, 2, 0), // 1x1 stride 2 (unfold again)
                Conv2dSpec.of(1, 3, 11, 10, 2, 3, 1, 2).withDilation(2, 3), // dilation
                new Conv2dSpec(2, 2, 6, 13, 3, 2, 4, 3, 2, 1, 3, 1, 1, 1), // everything asymmetric
                Conv2dSpec.of(1, 3, 32, 32, 6, 5, 1, 0), // LeNet conv1, batch 1
                Conv2dSpec.of(2, 6, 14, 14, 16, 5, 1, 0))); // LeNet conv2
        // Long reductions (K = 576) over several column blocks of the implicit GEMM, and the same
        // with stride 2, which unfolds several tiles per image (K * outW * outH > TILE_FLOATS).
        cases.add(Conv2dSpec.of(1, 64, 32, 32, 4, 3, 1, 1));
        cases.add(Conv2dSpec.of(2, 64, 31, 32, 3, 3, 1, 1));
        cases.add(Conv2dSpec.of(1, 64, 64, 64, 4, 3, 2, 1));
        assertTrue(64 * 9 * 32 * 32 > Conv2d.TILE_FLOATS);
        for (Conv2dSpec s : cases) {
            checkAll(s, r, true);
            checkAll(s, r, false);
        }
    }

    /**
     * Groups with many output channels: full 6- or 8-row tiles of the implicit GEMM plus padded
     * edge tiles, and the weight gradient's channel tiles with their leftover rows.
     */
    @Test
    void wideGroupsMatchTheDirectConvolution() {
        SplittableRandom r = new SplittableRandom(6);
        int lanes = FloatVector.SPECIES_PREFERRED.length();
        for (int mg : new int[] {lanes, lanes + 1, 2 * lanes, 3 * lanes - 5, 40}) {
            for (int i = 0; i < 4; i++) {
                Conv2dSpec s = randomSpec(r);
                int groups = 1 + r.nextInt(2);
                checkAll(
                        new Conv2dSpec(
                                s.batch(),
                                s.groupInChannels() * groups,
                                s.inH(),
                                s.inW(),
                                mg * groups,
                                s.kernelH(),
                                s.kernelW(),
                                1,
                                1,
                                s.padH(),
                                s.padW(),
                                s.dilationH(),
                                s.dilationW(),
                                groups),
                        r,
                        r.nextBoolean());
            }
        }
    }

    /** Unit stride normally takes the implicit GEMM; the unfold + GEMM path must handle it too. */
    @Test
    void unfoldPathAlsoHandlesUnitStride() {
        SplittableRandom r = new SplittableRandom(5);
        ImplicitConv.enabled = false;
        try {
            for (int i = 0; i < 60; i++) {
                Conv2dSpec s = randomSpec(r);
                checkAll(
                        new Conv2dSpec(
                                s.batch(),
                                s.inChannels(),
                                s.inH(),
                                s.inW(),
                                s.outChannels(),
                                s.kernelH(),
                                s.kernelW(),
                                1,
                                1,
                                s.padH(),
                                s.padW(),
                                s.dilationH(),
                                s.dilationW(),
                                s.groups()),
                        r,
                        true);
            }
            checkAll(Conv2dSpec.of(2, 6, 5, 7, 9, 1, 1, 0), r, true); // pointwise
            checkAll(Conv2dSpec.of(1, 64, 32, 32, 4, 3, 1, 1), r, true); // several unfold tiles
        } finally {
            ImplicitConv.enabled = true;
        }
    }

    @Test
    void everyThreadCountGivesTheSameAnswers() {
        int before = Parallel.threads();
        SplittableRandom r = new SplittableRandom(3);
        try {
            for (int t : new int[] {1, 3}) {
                Parallel.setThreads(t);
                for (int i = 0; i < 30; i++) {
                    checkAll(randomSpec(r), r, true);
                }
                checkAll(Conv2dSpec.of(3, 5, 9, 9, 6, 3, 1, 1), r, true); // 3 units over 3 chunks
                checkAll(Conv2dSpec.of(1, 5, 9, 9, 6, 3, 1, 1), r, true); // split inside one image
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    /**
     * The backward passes are the adjoints of the forward pass (bias-free conv is linear in x and
     * in w): {@code <conv(x, w), dy> = <x, gradInput(dy, w)> = <w, gradWeight(x, dy)>}.
     */
    @Test
    void backwardPassesAreAdjointsOfTheForwardPass() {
        SplittableRandom r = new SplittableRandom(4);
        List<Conv2dSpec> specs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            specs.add(randomSpec(r));
        }
        specs.add(Conv2dSpec.of(4, 32, 16, 16, 16, 3, 1, 1));
        specs.add(Conv2dSpec.of(2, 3, 32, 32, 6, 5, 1, 0));
        for (Conv2dSpec s : specs) {
            float[] x = random(r, s.inputSize()), w = random(r, s.weightSize()), dy = random(r, s.outputSize());
            float[] y = new float[s.outputSize()];
            Conv2d.forward(s, x, 0, w, 0, null, 0, y, 0);
            float[] dx = new float[s.inputSize()], dw = new float[s.weightSize()];
            Conv2d.backwardInput(s, dy, 0, w, 0, dx, 0);
            Conv2d.backwardWeight(s, x, 0, dy, 0, dw, 0);
            double lhs = dot(y, dy), viaX = dot(x, dx), viaW = dot(w, dw);
            double scale = Math.sqrt(s.flops()) * 1e-5 + 1e-4;
            assertEquals(lhs, viaX, scale, "<conv(x), dy> vs <x, convT(dy)> for " + s);
            assertEquals(lhs, viaW, scale, "<conv(x), dy> vs <w, gradWeight(x, dy)> for " + s);
        }
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    @Test
    void badGeometryIsRejectedWithTheParameterNamed() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> Conv2dSpec.of(1, 6, 8, 8, 4, 3, 1, 1).withGroups(4));
        assertTrue(e.getMessage().contains("inChannels (6)") && e.getMessage().contains("groups (4)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Conv2dSpec.of(1, 1, 2, 2, 1, 5, 1, 1));
        assertTrue(e.getMessage().contains("larger than the padded input (4x4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Conv2dSpec.of(1, 1, 8, 8, 1, 3, 0, 1));
        assertTrue(e.getMessage().contains("strideH must be >= 1, got 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Conv2dSpec.of(1, 1, 8, 8, 1, 3, 1, -1));
        assertTrue(e.getMessage().contains("padH=-1"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> Conv2dSpec.of(1, 1, 8, 8, 1, 3, 1, 1).withDilation(0, 1));
        assertTrue(e.getMessage().contains("dilationH"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Conv2dSpec.of(50_000, 64, 256, 256, 8, 3, 1, 1));
        assertTrue(e.getMessage().contains("input would have"), e.getMessage());
    }

    @Test
    void shortArraysAreRejectedBeforeAnyWork() {
        Conv2dSpec s = Conv2dSpec.of(2, 3, 5, 5, 4, 3, 1, 1);
        float[] x = new float[s.inputSize()], w = new float[s.weightSize()], y = new float[s.outputSize()];
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Conv2d.forward(s, x, 1, w, 0, null, 0, y, 0));
        assertTrue(e.getMessage().startsWith("conv2d forward: x needs 150 floats from offset 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Conv2d.forward(s, x, 0, w, 0, new float[3], 0, y, 0));
        assertTrue(e.getMessage().contains("bias needs 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Conv2d.backwardWeight(s, x, 0, y, 0, new float[5], 0));
        assertTrue(e.getMessage().contains("dw needs 108"), e.getMessage());
    }

    @Test
    void outputSizeFollowsPyTorch() {
        // torch.nn.Conv2d(1, 1, (3, 2), stride=(2, 3), padding=(1, 0), dilation=(2, 1)) on 10x11 -> 4x4
        Conv2dSpec s = new Conv2dSpec(1, 1, 10, 11, 1, 3, 2, 2, 3, 1, 0, 2, 1, 1);
        assertEquals(4, s.outH());
        assertEquals(4, s.outW());
        assertEquals(2L * 4 * 4 * 6, s.flops());
    }
}
