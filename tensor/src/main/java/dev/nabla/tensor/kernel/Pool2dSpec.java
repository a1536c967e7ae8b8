package dev.nabla.tensor.kernel;

/**
 * Geometry of a 2-D max or average pooling over NCHW tensors, with PyTorch's output-size rule:
 * {@code out = floor_or_ceil((in + 2*pad - dilation*(kernel-1) - 1) / stride) + 1}, and in ceil
 * mode one window less when the last one would start past the input and its left padding
 * ({@code (out-1)*stride >= in + pad}). Padding may be at most half the kernel, as in PyTorch.
 *
 * <pre>{@code
 * Pool2dSpec p = Pool2dSpec.of(64, 32, 32, 32, 2, 2, 0, false);   // nn.MaxPool2d(2) on [64, 32, 32, 32]
 * p.outH();                                                       // 16
 * Pool2dSpec.of(1, 1, 5, 5, 2, 2, 0, true).outH();                // 3 (ceil mode keeps the partial window)
 * }</pre>
 *
 * @param batch     images (N)
 * @param channels  channels (C); pooling acts on each of the N*C planes alone
 * @param inH       input height
 * @param inW       input width
 * @param kernelH   window height
 * @param kernelW   window width
 * @param strideH   vertical step between windows
 * @param strideW   horizontal step between windows
 * @param padH      implicit padding rows on each side, at most {@code kernelH / 2}
 * @param padW      implicit padding columns on each side, at most {@code kernelW / 2}
 * @param dilationH vertical spacing of window taps (max pooling only; average pooling needs 1)
 * @param dilationW horizontal spacing of window taps
 * @param ceilMode  round the output size up instead of down
 */
public record Pool2dSpec(
        int batch,
        int channels,
        int inH,
        int inW,
        int kernelH,
        int kernelW,
        int strideH,
        int strideW,
        int padH,
        int padW,
        int dilationH,
        int dilationW,
        boolean ceilMode) {

    public Pool2dSpec {
        positive("batch", batch);
        positive("channels", channels);
        positive("inH", inH);
        positive("inW", inW);
        positive("kernelH", kernelH);
        positive("kernelW", kernelW);
        positive("strideH", strideH);
        positive("strideW", strideW);
        positive("dilationH", dilationH);
        positive("dilationW", dilationW);
        if (padH < 0 || padW < 0 || padH > kernelH / 2 || padW > kernelW / 2) {
            throw new IllegalArgumentException("pool2d: padding must be between 0 and half the kernel, got padH=" + padH
                    + ", padW=" + padW + " for kernel " + kernelH + "x" + kernelW);
        }
        if ((long) batch * channels * inH * inW > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("pool2d: the input [" + batch + ", " + channels + ", " + inH + ", " + inW
                    + "] has more elements than a Java array holds");
        }
        long oh = outSize(inH, kernelH, strideH, padH, dilationH, ceilMode);
        long ow = outSize(inW, kernelW, strideW, padW, dilationW, ceilMode);
        if (oh < 1 || ow < 1) {
            throw new IllegalArgumentException("pool2d: input " + inH + "x" + inW + " gives an empty output " + oh
                    + "x" + ow + " for kernel " + kernelH + "x" + kernelW + ", stride " + strideH + "x" + strideW
                    + ", padding " + padH + "x" + padW + ", dilation " + dilationH + "x" + dilationW
                    + (ceilMode ? ", ceil mode" : ""));
        }
    }

    private static void positive(String name, int v) {
        if (v < 1) {
            throw new IllegalArgumentException("pool2d: " + name + " must be >= 1, got " + v);
        }
    }

    /** PyTorch's {@code pooling_output_shape}. */
    static long outSize(int in, int k, int s, int p, int d, boolean ceil) {
        long numer = in + 2L * p - (long) d * (k - 1) - 1 + (ceil ? s - 1 : 0);
        long out = Math.floorDiv(numer, s) + 1;
        if (ceil && (out - 1) * s >= in + (long) p) {
            out--; // the last window must start inside the input or its left padding
        }
        return out;
    }

    /**
     * Square window, equal stride and padding on both axes, no dilation: PyTorch's
     * {@code MaxPool2d(kernel, stride, padding, ceil_mode=ceilMode)}.
     */
    public static Pool2dSpec of(
            int batch, int channels, int inH, int inW, int kernel, int stride, int padding, boolean ceilMode) {
        return new Pool2dSpec(
                batch, channels, inH, inW, kernel, kernel, stride, stride, padding, padding, 1, 1, ceilMode);
    }

    /** The same geometry for another batch size. */
    public Pool2dSpec withBatch(int n) {
        return new Pool2dSpec(
                n, channels, inH, inW, kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW, ceilMode);
    }

    public int outH() {
        return (int) outSize(inH, kernelH, strideH, padH, dilationH, ceilMode);
    }

    public int outW() {
        return (int) outSize(inW, kernelW, strideW, padW, dilationW, ceilMode);
    }

    /** Elements of the input {@code [batch, channels, inH, inW]}. */
    public int inputSize() {
        return batch * channels * inH * inW;
    }

    /** Elements of the output {@code [batch, channels, outH, outW]}. */
    public int outputSize() {
        return batch * channels * outH() * outW();
    }
}
