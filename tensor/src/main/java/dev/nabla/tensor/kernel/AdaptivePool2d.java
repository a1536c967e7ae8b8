package dev.nabla.tensor.kernel;

/**
 * Adaptive average pooling over contiguous NCHW planes, PyTorch's {@code adaptive_avg_pool2d}:
 * output cell {@code (oh, ow)} averages input rows {@code [floor(oh*inH/outH), ceil((oh+1)*inH/outH))}
 * and the columns likewise, so any input size maps onto the requested output size (windows may
 * overlap or differ in size by one). The planes are split over {@link Parallel}; the backward pass
 * <b>accumulates</b> into {@code dx}.
 *
 * <pre>{@code
 * float[] x = {1, 2, 3, 4, 5, 6, 7, 8, 9}, y = new float[1];   // one 3x3 plane
 * AdaptivePool2d.avgForward(1, 3, 3, 1, 1, x, 0, y, 0);          // y = {5}
 * }</pre>
 */
public final class AdaptivePool2d {

    private AdaptivePool2d() {}

    static int start(int o, int in, int out) {
        return (int) ((long) o * in / out);
    }

    static int end(int o, int in, int out) {
        return (int) (((long) (o + 1) * in + out - 1) / out);
    }

    private static void check(int planes, int inH, int inW, int outH, int outW) {
        if (planes < 0 || inH < 1 || inW < 1 || outH < 1 || outW < 1) {
            throw new IllegalArgumentException("adaptive_avg_pool2d: need planes >= 0 and positive sizes, got planes="
                    + planes + ", input " + inH + "x" + inW + ", output " + outH + "x" + outW);
        }
    }

    /** {@code y[p, oh, ow] = mean of x[p] over the window of (oh, ow)}; {@code y} is overwritten. */
    public static void avgForward(
            int planes, int inH, int inW, int outH, int outW, float[] x, int xo, float[] y, int yo) {
        check(planes, inH, inW, outH, outW);
        int inPlane = inH * inW;
        int outPlane = outH * outW;
        Parallel.forRange(planes, Math.max(1, Elementwise.GRAIN / inPlane), (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                int xp = xo + p * inPlane;
                int yp = yo + p * outPlane;
                for (int oh = 0; oh < outH; oh++) {
                    int h0 = start(oh, inH, outH);
                    int h1 = end(oh, inH, outH);
                    for (int ow = 0; ow < outW; ow++) {
                        int w0 = start(ow, inW, outW);
                        int w1 = end(ow, inW, outW);
                        float sum = 0f;
                        for (int h = h0; h < h1; h++) {
                            sum += Reduce.reduceRow(Reduce.Op.SUM, x, xp + h * inW + w0, w1 - w0);
                        }
                        y[yp + oh * outW + ow] = sum / ((h1 - h0) * (w1 - w0));
                    }
                }
            }
        });
    }

    /** {@code dx += } each output gradient spread evenly over its window. */
    public static void avgBackward(
            int planes, int inH, int inW, int outH, int outW, float[] dy, int dyo, float[] dx, int dxo) {
        check(planes, inH, inW, outH, outW);
        int inPlane = inH * inW;
        int outPlane = outH * outW;
        Parallel.forRange(planes, Math.max(1, Elementwise.GRAIN / inPlane), (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                int xp = dxo + p * inPlane;
                int yp = dyo + p * outPlane;
                for (int oh = 0; oh < outH; oh++) {
                    int h0 = start(oh, inH, outH);
                    int h1 = end(oh, inH, outH);
                    for (int ow = 0; ow < outW; ow++) {
                        int w0 = start(ow, inW, outW);
                        int w1 = end(ow, inW, outW);
                        float g = dy[yp + oh * outW + ow] / ((h1 - h0) * (w1 - w0));
                        for (int h = h0; h < h1; h++) {
                            int row = xp + h * inW;
                            for (int w = w0; w < w1; w++) {
                                dx[row + w] += g;
                            }
                        }
                    }
                }
            }
        });
    }
}
