package dev.nabla.tensor.kernel;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Pooling of uint8 NCHW planes, with the output in the input's scale and zero point (as PyTorch's
 * quantized pooling keeps them): max pooling compares the stored bytes (the order of the real
 * values, the scale being positive), average pooling averages {@code q - zero} exactly in integers
 * and rounds halves to even. Planes run in parallel.
 *
 * <pre>{@code
 * byte[] x = {1, 5, 3, (byte) 200}, y = new byte[1];      // one 2x2 plane
 * Int8Pool2d.max(Pool2dSpec.of(1, 1, 2, 2, 2, 2, 0, false), x, 0, y, 0);   // y = {200}
 * }</pre>
 */
public final class Int8Pool2d {
    private static final VectorSpecies<Byte> BS = ByteVector.SPECIES_PREFERRED;
    private static final ByteVector SIGN = ByteVector.broadcast(BS, (byte) 0x80);

    private Int8Pool2d() {}

    /** Max pooling; padding never wins a window. */
    public static void max(Pool2dSpec s, byte[] x, int xOff, byte[] y, int yOff) {
        check("quantized max_pool2d", s, x, xOff, y, yOff);
        int inPlane = s.inH() * s.inW(), outPlane = s.outH() * s.outW();
        boolean rows2 = s.kernelH() == 2
                && s.kernelW() == 2
                && s.strideH() == 2
                && s.strideW() == 2
                && s.padH() == 0
                && s.padW() == 0
                && s.dilationH() == 1
                && s.dilationW() == 1;
        forPlanes(s, (p0, p1) -> {
            byte[] row = rows2 ? new byte[s.inW()] : null;
            for (int p = p0; p < p1; p++) {
                if (rows2) {
                    max2x2(s, x, xOff + p * inPlane, y, yOff + p * outPlane, row);
                } else {
                    maxPlane(s, x, xOff + p * inPlane, y, yOff + p * outPlane);
                }
            }
        });
    }

    private static void maxPlane(Pool2dSpec s, byte[] x, int xo, byte[] y, int yo) {
        int inH = s.inH(), inW = s.inW();
        for (int oh = 0; oh < s.outH(); oh++) {
            for (int ow = 0; ow < s.outW(); ow++) {
                int best = -1;
                for (int a = 0; a < s.kernelH(); a++) {
                    int h = oh * s.strideH() - s.padH() + a * s.dilationH();
                    if (h < 0 || h >= inH) {
                        continue;
                    }
                    for (int b = 0; b < s.kernelW(); b++) {
                        int w = ow * s.strideW() - s.padW() + b * s.dilationW();
                        if (w >= 0 && w < inW) {
                            best = Math.max(best, x[xo + h * inW + w] & 0xFF);
                        }
                    }
                }
                y[yo + oh * s.outW() + ow] = (byte) Math.max(best, 0);
            }
        }
    }

    /**
     * 2x2 windows, stride 2: the maximum of two rows first (a vector max on bytes read as unsigned by
     * flipping the sign bit), then of neighbouring pairs.
     */
    private static void max2x2(Pool2dSpec s, byte[] x, int xo, byte[] y, int yo, byte[] row) {
        int inW = s.inW(), outW = s.outW();
        for (int oh = 0; oh < s.outH(); oh++) {
            int r0 = xo + 2 * oh * inW;
            int r1 = r0 + inW;
            int i = 0;
            for (int ub = BS.loopBound(2 * outW); i < ub; i += BS.length()) {
                ByteVector a = ByteVector.fromArray(BS, x, r0 + i).lanewise(VectorOperators.XOR, SIGN);
                ByteVector b = ByteVector.fromArray(BS, x, r1 + i).lanewise(VectorOperators.XOR, SIGN);
                a.max(b).lanewise(VectorOperators.XOR, SIGN).intoArray(row, i);
            }
            for (; i < 2 * outW; i++) {
                row[i] = (byte) Math.max(x[r0 + i] & 0xFF, x[r1 + i] & 0xFF);
            }
            int out = yo + oh * outW;
            for (int j = 0; j < outW; j++) {
                y[out + j] = (byte) Math.max(row[2 * j] & 0xFF, row[2 * j + 1] & 0xFF);
            }
        }
    }

    /**
     * Average pooling: {@code y = zero + round(sum(q - zero) / divisor)}, the divisor counting the
     * padding when {@code countIncludePad} (PyTorch's default).
     */
    public static void avg(Pool2dSpec s, boolean countIncludePad, int zero, byte[] x, int xOff, byte[] y, int yOff) {
        check("quantized avg_pool2d", s, x, xOff, y, yOff);
        if (s.dilationH() != 1 || s.dilationW() != 1) {
            throw new IllegalArgumentException("quantized avg_pool2d: dilation must be 1, got " + s);
        }
        int inH = s.inH(), inW = s.inW(), outH = s.outH(), outW = s.outW();
        int inPlane = inH * inW, outPlane = outH * outW;
        forPlanes(s, (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                int xo = xOff + p * inPlane, yo = yOff + p * outPlane;
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
                        long sum = 0;
                        for (int h = h0; h < h1; h++) {
                            for (int w = w0; w < w1; w++) {
                                sum += (x[xo + h * inW + w] & 0xFF) - zero;
                            }
                        }
                        int divisor = countIncludePad ? hSpan * wSpan : (h1 - h0) * (w1 - w0);
                        y[yo + oh * outW + ow] = (byte) average(sum, divisor, zero);
                    }
                }
            }
        });
    }

    /** Adaptive average pooling to {@code outH x outW} (the windows of {@link AdaptivePool2d}). */
    public static void adaptiveAvg(
            int planes, int inH, int inW, int outH, int outW, int zero, byte[] x, int xo, byte[] y, int yo) {
        if (planes < 0 || inH < 1 || inW < 1 || outH < 1 || outW < 1) {
            throw new IllegalArgumentException(
                    "quantized adaptive_avg_pool2d: need planes >= 0 and positive sizes, got " + planes
                            + " planes, input " + inH + "x" + inW + ", output " + outH + "x" + outW);
        }
        int inPlane = inH * inW, outPlane = outH * outW;
        Parallel.forRange(planes, Math.max(1, Elementwise.GRAIN / inPlane), (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                int xp = xo + p * inPlane, yp = yo + p * outPlane;
                for (int oh = 0; oh < outH; oh++) {
                    int h0 = AdaptivePool2d.start(oh, inH, outH), h1 = AdaptivePool2d.end(oh, inH, outH);
                    for (int ow = 0; ow < outW; ow++) {
                        int w0 = AdaptivePool2d.start(ow, inW, outW), w1 = AdaptivePool2d.end(ow, inW, outW);
                        long sum = 0;
                        for (int h = h0; h < h1; h++) {
                            for (int w = w0; w < w1; w++) {
                                sum += (x[xp + h * inW + w] & 0xFF) - zero;
                            }
                        }
                        y[yp + oh * outW + ow] = (byte) average(sum, (h1 - h0) * (w1 - w0), zero);
                    }
                }
            }
        });
    }

    /**
     * {@code clamp(zero + round(sum / n), 0, 255)}, halves to even (PyTorch rounds the mean with
     * {@code lrintf}), in exact integer arithmetic.
     */
    static int average(long sum, int n, int zero) {
        long q = Math.floorDiv(sum, n);
        long twice = 2 * Math.floorMod(sum, n);
        if (twice > n || (twice == n && (q & 1) != 0)) {
            q++;
        }
        return (int) Math.max(0, Math.min(255, zero + q));
    }

    private static void forPlanes(Pool2dSpec s, Parallel.Range body) {
        int planes = s.batch() * s.channels();
        Parallel.forRange(planes, Math.max(1, Elementwise.GRAIN / (s.inH() * s.inW())), body);
    }

    private static void check(String op, Pool2dSpec s, byte[] x, int xOff, byte[] y, int yOff) {
        if (xOff < 0 || x.length - xOff < s.inputSize() || yOff < 0 || y.length - yOff < s.outputSize()) {
            throw new IllegalArgumentException(op + ": arrays too short for " + s);
        }
    }
}
