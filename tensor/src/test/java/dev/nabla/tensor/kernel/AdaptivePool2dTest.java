package dev.nabla.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Adaptive average pooling against PyTorch's window rule written out directly, and the backward
 * pass as the forward's adjoint ({@code <A x, g> == <x, A^T g>}).
 */
class AdaptivePool2dTest {

    @Test
    void windowsFollowPyTorchsRule() {
        // PyTorch: adaptive_avg_pool2d(arange(25).view(1,1,5,5), (3, 2)) windows rows [0,2),[1,4),[3,5)
        // and columns [0,3),[2,5).
        float[] x = new float[25];
        for (int i = 0; i < 25; i++) {
            x[i] = i;
        }
        float[] y = new float[6];
        AdaptivePool2d.avgForward(1, 5, 5, 3, 2, x, 0, y, 0);
        assertArrayEquals(new float[] {3.5f, 5.5f, 11f, 13f, 18.5f, 20.5f}, y, 1e-6f);
    }

    @Test
    void forwardMatchesDirectAveragesAndBackwardIsItsAdjoint() {
        SplittableRandom r = new SplittableRandom(5);
        for (int trial = 0; trial < 60; trial++) {
            int planes = 1 + r.nextInt(6), inH = 1 + r.nextInt(12), inW = 1 + r.nextInt(12);
            int outH = 1 + r.nextInt(9), outW = 1 + r.nextInt(9);
            float[] x = new float[planes * inH * inW];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            float[] y = new float[planes * outH * outW];
            AdaptivePool2d.avgForward(planes, inH, inW, outH, outW, x, 0, y, 0);
            for (int p = 0; p < planes; p++) {
                for (int oh = 0; oh < outH; oh++) {
                    for (int ow = 0; ow < outW; ow++) {
                        int h0 = (int) Math.floor((double) oh * inH / outH);
                        int h1 = (int) Math.ceil((double) (oh + 1) * inH / outH);
                        int w0 = (int) Math.floor((double) ow * inW / outW);
                        int w1 = (int) Math.ceil((double) (ow + 1) * inW / outW);
                        double s = 0;
                        for (int h = h0; h < h1; h++) {
                            for (int w = w0; w < w1; w++) {
                                s += x[p * inH * inW + h * inW + w];
                            }
                        }
                        assertEquals(s / ((h1 - h0) * (w1 - w0)), y[(p * outH + oh) * outW + ow], 1e-5);
                    }
                }
            }
            float[] g = new float[y.length];
            for (int i = 0; i < g.length; i++) {
                g[i] = (float) r.nextGaussian();
            }
            float[] dx = new float[x.length];
            AdaptivePool2d.avgBackward(planes, inH, inW, outH, outW, g, 0, dx, 0);
            double lhs = 0, rhs = 0;
            for (int i = 0; i < y.length; i++) {
                lhs += (double) y[i] * g[i];
            }
            for (int i = 0; i < x.length; i++) {
                rhs += (double) x[i] * dx[i];
            }
            assertEquals(lhs, rhs, 1e-4 * (1 + Math.abs(lhs)));
        }
    }

    @Test
    void badSizesAreRejected() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> AdaptivePool2d.avgForward(1, 4, 4, 0, 2, new float[16], 0, new float[0], 0));
        assertEquals(true, e.getMessage().contains("output 0x2"));
    }
}
