package dev.nabla.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.SplittableRandom;
import jdk.incubator.vector.IntVector;
import org.junit.jupiter.api.Test;

/**
 * The int8 kernels equal scalar integer references bit for bit, on odd sizes (partial tiles, vector
 * tails) and on both vector widths: surefire runs this class a second time with
 * {@code -XX:UseAVX=2} ({@code -Dnabla.test.vectorBits=256}), where the species are 256 bits wide
 * and the tiles have 6 rows; {@link #runsOnTheRequestedWidth} proves that second run is not
 * silently 512 bits wide again. Results must also not depend on the thread count.
 */
class Int8KernelTest {
    private final SplittableRandom r = new SplittableRandom(7);

    @Test
    void runsOnTheRequestedWidth() {
        String bits = System.getProperty("nabla.test.vectorBits");
        if (bits != null) {
            assertEquals(Integer.parseInt(bits), IntVector.SPECIES_PREFERRED.vectorBitSize());
            assertEquals(6, Int8Gemm.MR);
        }
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) r.nextInt(256);
        }
        return b;
    }

    private double[] multipliers(int n) {
        double[] m = new double[n];
        for (int i = 0; i < n; i++) {
            m[i] = Math.exp(r.nextDouble(Math.log(1e-5), Math.log(2e-2)));
        }
        return m;
    }

    private int[] biases(int n) {
        int[] b = new int[n];
        for (int i = 0; i < n; i++) {
            b[i] = r.nextInt(-40000, 40000);
        }
        return b;
    }

    // ------------------------------------------------------------------ requantizer

    @Test
    void fixedPointMultiplierIsWithinOnePartInTwoToThe30() {
        for (int i = 0; i < 2000; i++) {
            double m = Math.exp(r.nextDouble(Math.log(1e-9), Math.log(1e3)));
            long[] fp = Requantizer.fixedPoint(m);
            assertTrue(fp[0] >= 1L << 30 && fp[0] < 1L << 31, () -> "m0 out of range for " + m);
            double back = Math.scalb((double) fp[0], (int) -fp[1]);
            assertEquals(m, back, m * 0x1p-30, () -> "multiplier " + m);
        }
        assertArrayEquals(new long[] {0, 1}, Requantizer.fixedPoint(1e-25));
        assertThrows(IllegalArgumentException.class, () -> Requantizer.fixedPoint(0));
        assertThrows(IllegalArgumentException.class, () -> Requantizer.fixedPoint(Double.NaN));
    }

    @Test
    void applyIsTheRoundedProduct() {
        // The scalar definition against exact decimal arithmetic on m0 * 2^-s.
        Requantizer rq = Requantizer.of(multipliers(50), biases(50), 77, 0, 255);
        for (int i = 0; i < 20000; i++) {
            int c = r.nextInt(50);
            int acc = r.nextInt(-3_000_000, 3_000_000);
            BigDecimal exact = BigDecimal.valueOf(acc + rq.bias[c])
                    .multiply(BigDecimal.valueOf(rq.m0[c]))
                    .divide(BigDecimal.valueOf(2).pow((int) rq.shift[c]))
                    .setScale(0, RoundingMode.HALF_UP);
            long want = Math.max(0, Math.min(255, 77 + exact.longValueExact()));
            assertEquals(want, rq.apply(c, acc));
        }
    }

    @Test
    void vectorRequantizationEqualsScalar() {
        for (int n : new int[] {1, 3, 7, 8, 15, 16, 17, 33, 100}) {
            Requantizer rq = Requantizer.of(multipliers(n), biases(n), r.nextInt(256), 0, 255);
            int[] acc = new int[n + 5];
            for (int i = 0; i < acc.length; i++) {
                acc[i] = r.nextInt(-2_000_000, 2_000_000);
            }
            int[] cols = acc.clone();
            rq.colsInPlace(0, cols, 2, n);
            int[] row = acc.clone();
            rq.rowInPlace(n / 2, row, 2, n);
            for (int i = 0; i < n; i++) {
                assertEquals(rq.apply(i, acc[2 + i]), cols[2 + i], "cols n=" + n + " i=" + i);
                assertEquals(rq.apply(n / 2, acc[2 + i]), row[2 + i], "row n=" + n + " i=" + i);
            }
            assertEquals(acc[0], cols[0]);
            assertEquals(acc[n + 2], cols[n + 2]);
        }
    }

    // ------------------------------------------------------------------ GEMM

    /** {@code sum_k (x[i][k] - zx) * w[j][k]} in long arithmetic. */
    static long[] refLinear(int m, int k, int n, byte[] x, int zx, byte[] w) {
        long[] c = new long[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                long s = 0;
                for (int kk = 0; kk < k; kk++) {
                    s += (long) ((x[i * k + kk] & 0xFF) - zx) * w[j * k + kk];
                }
                c[i * n + j] = s;
            }
        }
        return c;
    }

    @Test
    void staticLinearEqualsScalarReference() {
        // m <= 2 takes the row-by-row path (byte panels, k unrolled by 4 with a tail), m > 2 the tiles
        int[][] shapes = {
            {1, 1, 1},
            {1, 5, 3},
            {1, 300, 33},
            {2, 37, 70},
            {3, 31, 17},
            {7, 100, 33},
            {9, 64, 70},
            {17, 13, 64},
            {64, 97, 37}
        };
        for (int[] sh : shapes) {
            int m = sh[0], k = sh[1], n = sh[2];
            byte[] x = bytes(m * k + 3);
            byte[] w = bytes(n * k);
            int zx = r.nextInt(256);
            boolean relu = r.nextBoolean();
            int zo = r.nextInt(256);
            Requantizer rq = Requantizer.of(multipliers(n), biases(n), zo, relu ? zo : 0, 255);
            byte[] y = new byte[m * n + 4];
            Int8Gemm.linear(m, k, shift(x, 3), 3, zx, Int8Weights.forLinear(w, 0, n, k), rq, y, 4 - 4);
            long[] ref = refLinear(m, k, n, shift(x, 3), 3, zx, w);
            for (int i = 0; i < m * n; i++) {
                assertEquals(rq.apply(i % n, (int) ref[i]), y[i] & 0xFF, "m=" + m + " k=" + k + " n=" + n + " at " + i);
            }
        }
    }

    /** The same bytes moved {@code off} places right, so kernels are tested at a nonzero offset. */
    private static byte[] shift(byte[] x, int off) {
        byte[] s = new byte[x.length];
        System.arraycopy(x, 0, s, off, x.length - off);
        return s;
    }

    private static long[] refLinear(int m, int k, int n, byte[] x, int xo, int zx, byte[] w) {
        byte[] xs = new byte[m * k];
        System.arraycopy(x, xo, xs, 0, m * k);
        return refLinear(m, k, n, xs, zx, w);
    }

    @Test
    void dynamicLinearQuantizesThenScales() {
        int[][] shapes = {{1, 7, 5}, {2, 130, 45}, {3, 33, 17}, {64, 100, 40}};
        for (int[] sh : shapes) {
            int m = sh[0], k = sh[1], n = sh[2];
            float[] x = new float[m * k];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian() * 3;
            }
            byte[] w = bytes(n * k);
            float scale = 0.037f;
            int zero = 101;
            float[] colScale = new float[n];
            float[] bias = new float[n];
            for (int j = 0; j < n; j++) {
                colScale[j] = (float) (scale * r.nextDouble(0.001, 0.02));
                bias[j] = (float) r.nextGaussian();
            }
            float[] y = new float[m * n];
            Int8Gemm.linearFloat(m, k, x, 0, scale, zero, Int8Weights.forLinear(w, 0, n, k), colScale, bias, y, 0);
            byte[] q = new byte[m * k];
            for (int i = 0; i < q.length; i++) {
                q[i] = (byte) Int8Elementwise.quantize(x[i], 1f / scale, zero, 0, 255);
            }
            long[] acc = refLinear(m, k, n, q, zero, w);
            for (int i = 0; i < m * n; i++) {
                float want = Math.fma((float) acc[i], colScale[i % n], bias[i % n]);
                assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(y[i]), "at " + i);
            }
        }
    }

    @Test
    void minMaxIsTheScalarMinimumAndMaximumAndPropagatesNaN() {
        for (int n : new int[] {1, 5, 16, 17, 63, 1000}) {
            float[] x = new float[n + 3];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian() * 10;
            }
            float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
            for (int i = 3; i < n + 3; i++) {
                min = Math.min(min, x[i]);
                max = Math.max(max, x[i]);
            }
            float[] got = Int8Elementwise.minMax(x, 3, n);
            assertEquals(min, got[0], "min of " + n);
            assertEquals(max, got[1], "max of " + n);
            for (int at : new int[] {0, n / 2, n - 1}) {
                float saved = x[3 + at];
                x[3 + at] = Float.NaN;
                got = Int8Elementwise.minMax(x, 3, n);
                assertTrue(Float.isNaN(got[0]) && Float.isNaN(got[1]), "NaN at " + at + " among " + n + " values");
                x[3 + at] = saved;
            }
        }
        // as Math.min and Math.max: -0.0 below 0.0, wherever the two sit among the vector chains
        float[] zeros = new float[200];
        zeros[150] = -0.0f;
        float[] got = Int8Elementwise.minMax(zeros, 0, zeros.length);
        assertEquals(Float.floatToIntBits(-0.0f), Float.floatToIntBits(got[0]));
        assertEquals(Float.floatToIntBits(0.0f), Float.floatToIntBits(got[1]));
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        int m = 64, k = 300, n = 130;
        byte[] x = bytes(m * k);
        byte[] w = bytes(n * k);
        Requantizer rq = Requantizer.of(multipliers(n), null, 3, 0, 255);
        Int8Weights pw = Int8Weights.forLinear(w, 0, n, k);
        int saved = Parallel.threads();
        try {
            Parallel.setThreads(1);
            byte[] one = new byte[m * n];
            Int8Gemm.linear(m, k, x, 0, 17, pw, rq, one, 0);
            Parallel.setThreads(3);
            byte[] three = new byte[m * n];
            Int8Gemm.linear(m, k, x, 0, 17, pw, rq, three, 0);
            assertArrayEquals(one, three);
            // one row, enough multiply-adds for the row path to split its panels over the threads
            int wide = 1100;
            byte[] ww = bytes(wide * k);
            Requantizer rw = Requantizer.of(multipliers(wide), null, 3, 0, 255);
            Int8Weights pww = Int8Weights.forLinear(ww, 0, wide, k);
            byte[] rowThree = new byte[wide];
            Int8Gemm.linear(1, k, x, 0, 17, pww, rw, rowThree, 0);
            Parallel.setThreads(1);
            byte[] rowOne = new byte[wide];
            Int8Gemm.linear(1, k, x, 0, 17, pww, rw, rowOne, 0);
            assertArrayEquals(rowOne, rowThree);
            long[] ref = refLinear(1, k, wide, x, 17, ww);
            for (int j = 0; j < wide; j++) {
                assertEquals(rw.apply(j, (int) ref[j]), rowOne[j] & 0xFF, "row path at " + j);
            }
        } finally {
            Parallel.setThreads(saved);
        }
    }

    // ------------------------------------------------------------------ convolution

    static long[] refConv(Conv2dSpec s, byte[] x, int zx, byte[] w) {
        int oh = s.outH(), ow = s.outW(), cin = s.inChannels();
        long[] y = new long[s.outputSize()];
        for (int n = 0; n < s.batch(); n++) {
            for (int co = 0; co < s.outChannels(); co++) {
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        long sum = 0;
                        for (int ci = 0; ci < cin; ci++) {
                            for (int a = 0; a < s.kernelH(); a++) {
                                int ih = i * s.strideH() - s.padH() + a * s.dilationH();
                                for (int b = 0; b < s.kernelW(); b++) {
                                    int iw = j * s.strideW() - s.padW() + b * s.dilationW();
                                    if (ih < 0 || ih >= s.inH() || iw < 0 || iw >= s.inW()) {
                                        continue;
                                    }
                                    int xv = x[((n * cin + ci) * s.inH() + ih) * s.inW() + iw] & 0xFF;
                                    sum += (long) (xv - zx) * w[((co * cin + ci) * s.kernelH() + a) * s.kernelW() + b];
                                }
                            }
                        }
                        y[((n * s.outChannels() + co) * oh + i) * ow + j] = sum;
                    }
                }
            }
        }
        return y;
    }

    @Test
    void convolutionEqualsScalarReference() {
        // batch, cin, h, w, cout, kernel, stride, pad, dilation
        int[][] cases = {
            {1, 1, 5, 5, 1, 3, 1, 1, 1},
            {2, 3, 9, 11, 7, 3, 1, 1, 1},
            {3, 6, 10, 10, 16, 5, 1, 0, 1},
            {1, 5, 17, 13, 9, 3, 2, 1, 1},
            {2, 4, 12, 9, 10, 3, 1, 2, 2},
            {1, 16, 8, 8, 32, 1, 1, 0, 1},
            {2, 3, 32, 32, 8, 3, 1, 1, 1},
            {1, 8, 15, 15, 13, 3, 2, 0, 1},
            {4, 2, 7, 33, 3, 2, 2, 1, 1},
        };
        for (int[] c : cases) {
            Conv2dSpec s =
                    new Conv2dSpec(c[0], c[1], c[2], c[3], c[4], c[5], c[5], c[6], c[6], c[7], c[7], c[8], c[8], 1);
            byte[] x = bytes(s.inputSize());
            byte[] w = bytes(s.weightSize());
            int zx = r.nextInt(256);
            int zo = r.nextInt(256);
            boolean relu = r.nextBoolean();
            Requantizer rq =
                    Requantizer.of(multipliers(s.outChannels()), biases(s.outChannels()), zo, relu ? zo : 0, 255);
            byte[] y = new byte[s.outputSize()];
            int k = s.inChannels() * s.kernelH() * s.kernelW();
            Int8Conv2d.forward(s, x, 0, zx, Int8Weights.forConv(w, 0, s.outChannels(), k), rq, y, 0);
            long[] ref = refConv(s, x, zx, w);
            int plane = s.outH() * s.outW();
            for (int i = 0; i < ref.length; i++) {
                int ch = (i / plane) % s.outChannels();
                assertEquals(rq.apply(ch, (int) ref[i]), y[i] & 0xFF, s + " at " + i);
            }
        }
    }

    // ------------------------------------------------------------------ elementwise

    @Test
    void quantizeMatchesTheScalarDefinitionAndRoundsHalfToEven() {
        int n = 203;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian() * 40;
        }
        x[0] = Float.NaN;
        x[1] = Float.POSITIVE_INFINITY;
        x[2] = Float.NEGATIVE_INFINITY;
        x[3] = 1e30f;
        x[4] = 0.25f; // 2.5 steps of 0.1: ties to even
        x[5] = 0.35f;
        // products near and beyond 2^22, where the rounding trick is no longer exact: still clamped
        x[6] = 419430.4f;
        x[7] = -419430.5f;
        x[8] = 838860.8f;
        x[9] = -1e9f;
        x[10] = 3e38f;
        byte[] q = new byte[n];
        Int8Elementwise.quantize(x, 0, n, 0.1f, 10, 0, 255, q, 0);
        for (int i = 0; i < n; i++) {
            assertEquals(Int8Elementwise.quantize(x[i], 1f / 0.1f, 10, 0, 255), q[i] & 0xFF, "at " + i);
        }
        assertEquals(10, q[0] & 0xFF); // NaN is the zero point
        assertEquals(255, q[1] & 0xFF);
        assertEquals(0, q[2] & 0xFF);
        assertEquals(11, Int8Elementwise.quantize(0.25f, 4f, 10, 0, 255)); // 1.0 exactly
        assertEquals(12, Int8Elementwise.quantize(0.5f, 4f, 10, 0, 255)); // 2.0 exactly
        assertEquals(12, Int8Elementwise.quantize(0.625f, 4f, 10, 0, 255)); // 2.5 -> 2 (even)
        assertEquals(14, Int8Elementwise.quantize(0.875f, 4f, 10, 0, 255)); // 3.5 -> 4 (even)
        byte[] s = new byte[n];
        Int8Elementwise.quantize(x, 0, n, 0.5f, -3, -128, 127, s, 0);
        for (int i = 0; i < n; i++) {
            assertEquals(Int8Elementwise.quantize(x[i], 2f, -3, -128, 127), s[i], "int8 at " + i);
        }
    }

    @Test
    void dequantizeAndFakeQuantizeMatchScalar() {
        int n = 77;
        byte[] q = bytes(n);
        float[] d = new float[n];
        Int8Elementwise.dequantize(q, 0, n, true, 0.3f, 40, d, 0);
        float[] ds = new float[n];
        Int8Elementwise.dequantize(q, 0, n, false, 0.3f, -4, ds, 0);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            assertEquals(((q[i] & 0xFF) - 40) * 0.3f, d[i]);
            assertEquals((q[i] - (-4)) * 0.3f, ds[i]);
            x[i] = (float) r.nextGaussian() * 5;
        }
        float[] f = new float[n];
        Int8Elementwise.fakeQuantize(x, 0, n, 0.07f, 120, 0, 255, f, 0);
        for (int i = 0; i < n; i++) {
            float want = (Int8Elementwise.quantize(x[i], 1f / 0.07f, 120, 0, 255) - 120) * 0.07f;
            assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(f[i]), "at " + i);
        }
        float[] pc = new float[n - 7];
        float[] scales = {0.01f, 0.5f, 0.2f, 0.05f, 0.003f, 1f, 0.1f, 0.02f, 0.4f, 0.06f};
        int[] zeros = new int[10];
        Int8Elementwise.fakeQuantizePerChannel(x, 0, 10, 7, scales, zeros, -128, 127, pc, 0);
        for (int i = 0; i < 70; i++) {
            float s = scales[i / 7];
            float want = Int8Elementwise.quantize(x[i], 1f / s, 0, -128, 127) * s;
            assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(pc[i]), "per-channel at " + i);
        }
    }

    @Test
    void quantizedAddMatchesScalarAndTheRealSum() {
        int n = 301;
        byte[] a = bytes(n), b = bytes(n);
        double sa = 0.05, sb = 0.03, so = 0.07;
        int za = 100, zb = 20, zo = 60;
        int[] f = Int8Elementwise.addFactors(sa, sb, so);
        byte[] y = new byte[n];
        Int8Elementwise.add(a, 0, za, b, 0, zb, f, zo, zo, 255, y, 0, n);
        for (int i = 0; i < n; i++) {
            int want = Int8Elementwise.add(a[i] & 0xFF, za, b[i] & 0xFF, zb, f, zo, zo, 255);
            assertEquals(want, y[i] & 0xFF, "at " + i);
            double real = ((a[i] & 0xFF) - za) * sa + ((b[i] & 0xFF) - zb) * sb;
            double ideal = Math.max(zo, Math.min(255, zo + real / so));
            assertEquals(ideal, y[i] & 0xFF, 0.5 + 1e-6, "rounding at " + i);
        }
    }

    @Test
    void clampBelowIsAQuantizedRelu() {
        byte[] q = bytes(99);
        byte[] y = new byte[99];
        Int8Elementwise.clampBelow(q, 0, 99, 130, y, 0);
        for (int i = 0; i < 99; i++) {
            assertEquals(Math.max(130, q[i] & 0xFF), y[i] & 0xFF);
        }
    }

    // ------------------------------------------------------------------ pooling

    @Test
    void maxPoolingEqualsScalarReference() {
        // batch, channels, h, w, kernel, stride, pad, dilation, ceil
        int[][] cases = {
            {2, 3, 8, 8, 2, 2, 0, 1, 0},
            {1, 2, 33, 70, 2, 2, 0, 1, 0},
            {2, 3, 9, 7, 3, 2, 1, 1, 1},
            {1, 1, 10, 10, 3, 1, 1, 2, 0}
        };
        for (int[] c : cases) {
            Pool2dSpec s =
                    new Pool2dSpec(c[0], c[1], c[2], c[3], c[4], c[4], c[5], c[5], c[6], c[6], c[7], c[7], c[8] == 1);
            byte[] x = bytes(s.inputSize());
            byte[] y = new byte[s.outputSize()];
            Int8Pool2d.max(s, x, 0, y, 0);
            for (int p = 0; p < s.batch() * s.channels(); p++) {
                for (int oh = 0; oh < s.outH(); oh++) {
                    for (int ow = 0; ow < s.outW(); ow++) {
                        int best = 0;
                        for (int a = 0; a < s.kernelH(); a++) {
                            for (int b = 0; b < s.kernelW(); b++) {
                                int h = oh * s.strideH() - s.padH() + a * s.dilationH();
                                int w = ow * s.strideW() - s.padW() + b * s.dilationW();
                                if (h >= 0 && h < s.inH() && w >= 0 && w < s.inW()) {
                                    best = Math.max(best, x[(p * s.inH() + h) * s.inW() + w] & 0xFF);
                                }
                            }
                        }
                        assertEquals(best, y[(p * s.outH() + oh) * s.outW() + ow] & 0xFF, s.toString());
                    }
                }
            }
        }
    }

    @Test
    void averagePoolingRoundsTheExactMean() {
        Pool2dSpec s = new Pool2dSpec(2, 3, 7, 9, 3, 3, 2, 2, 1, 1, 1, 1, false);
        byte[] x = bytes(s.inputSize());
        int zero = 90;
        for (boolean include : new boolean[] {true, false}) {
            byte[] y = new byte[s.outputSize()];
            Int8Pool2d.avg(s, include, zero, x, 0, y, 0);
            for (int p = 0; p < 6; p++) {
                for (int oh = 0; oh < s.outH(); oh++) {
                    for (int ow = 0; ow < s.outW(); ow++) {
                        long sum = 0;
                        int count = 0;
                        for (int a = 0; a < 3; a++) {
                            for (int b = 0; b < 3; b++) {
                                int h = oh * 2 - 1 + a, w = ow * 2 - 1 + b;
                                if (h >= 0 && h < 7 && w >= 0 && w < 9) {
                                    sum += (x[(p * 7 + h) * 9 + w] & 0xFF) - zero;
                                    count++;
                                }
                            }
                        }
                        int hs = Math.min(oh * 2 - 1 + 3, 7 + 1) - (oh * 2 - 1);
                        int ws = Math.min(ow * 2 - 1 + 3, 9 + 1) - (ow * 2 - 1);
                        int div = include ? hs * ws : count;
                        long mean = BigDecimal.valueOf(sum)
                                .divide(BigDecimal.valueOf(div), 0, RoundingMode.HALF_EVEN)
                                .longValueExact();
                        long want = Math.max(0, Math.min(255, zero + mean));
                        assertEquals(want, y[(p * s.outH() + oh) * s.outW() + ow] & 0xFF);
                    }
                }
            }
        }
        byte[] g = new byte[6];
        Int8Pool2d.adaptiveAvg(6, 7, 9, 1, 1, zero, x, 0, g, 0);
        for (int p = 0; p < 6; p++) {
            long sum = 0;
            for (int i = 0; i < 63; i++) {
                sum += (x[p * 63 + i] & 0xFF) - zero;
            }
            assertEquals(Int8Pool2d.average(sum, 63, zero), g[p] & 0xFF);
            assertEquals(zero + (double) sum / 63, g[p] & 0xFF, 0.5 + 1e-9);
        }
    }

    @Test
    void histogramCountsLikeHistc() {
        float[] x = {0f, 0.5f, 1f, 1.5f, 2f, 3.999f, 4f, -1f, 5f, Float.NaN};
        long[] counts = new long[4];
        Int8Elementwise.histogram(x, 0, x.length, 0f, 4f, counts);
        assertArrayEquals(new long[] {2, 2, 1, 2}, counts);
    }
}
