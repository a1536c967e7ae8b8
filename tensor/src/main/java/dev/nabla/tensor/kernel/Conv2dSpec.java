package dev.nabla.tensor.kernel;

/**
 * Geometry of a 2-D convolution over NCHW tensors, with PyTorch's conventions: input
 * {@code [batch, inChannels, inH, inW]}, weight {@code [outChannels, inChannels/groups, kernelH,
 * kernelW]}, output {@code [batch, outChannels, outH(), outW()]} where
 * {@code outH = (inH + 2*padH - dilationH*(kernelH-1) - 1) / strideH + 1} (floor), likewise for W.
 * Zero padding is symmetric. The compact constructor rejects impossible geometry with a message
 * naming the parameter and its value.
 *
 * <pre>{@code
 * Conv2dSpec s = Conv2dSpec.of(64, 3, 32, 32, 32, 3, 1, 1);   // batch 64, 3->32 channels, 3x3, pad 1
 * s.outH();                                                   // 32
 * Conv2dSpec dw = Conv2dSpec.of(1, 32, 16, 16, 32, 3, 2, 1).withGroups(32);   // depthwise, stride 2
 * dw.outW();                                                  // 8
 * }</pre>
 *
 * @param batch       images in the batch (N), at least 1
 * @param inChannels  input channels, a multiple of {@code groups}
 * @param inH         input height
 * @param inW         input width
 * @param outChannels output channels, a multiple of {@code groups}
 * @param kernelH     kernel height
 * @param kernelW     kernel width
 * @param strideH     vertical stride, at least 1
 * @param strideW     horizontal stride, at least 1
 * @param padH        zero rows added above and below, at least 0
 * @param padW        zero columns added left and right, at least 0
 * @param dilationH   vertical spacing of kernel taps, at least 1
 * @param dilationW   horizontal spacing of kernel taps, at least 1
 * @param groups      channel groups: input and output channels split into {@code groups} blocks,
 *                    block {@code g} of the output seeing only block {@code g} of the input
 */
public record Conv2dSpec(
        int batch,
        int inChannels,
        int inH,
        int inW,
        int outChannels,
        int kernelH,
        int kernelW,
        int strideH,
        int strideW,
        int padH,
        int padW,
        int dilationH,
        int dilationW,
        int groups) {

    public Conv2dSpec {
        positive("batch", batch);
        positive("inChannels", inChannels);
        positive("inH", inH);
        positive("inW", inW);
        positive("outChannels", outChannels);
        positive("kernelH", kernelH);
        positive("kernelW", kernelW);
        positive("strideH", strideH);
        positive("strideW", strideW);
        positive("dilationH", dilationH);
        positive("dilationW", dilationW);
        positive("groups", groups);
        if (padH < 0 || padW < 0) {
            throw new IllegalArgumentException("conv2d: padding must be >= 0, got padH=" + padH + ", padW=" + padW);
        }
        if (inChannels % groups != 0 || outChannels % groups != 0) {
            throw new IllegalArgumentException("conv2d: inChannels (" + inChannels + ") and outChannels (" + outChannels
                    + ") must both be divisible by groups (" + groups + ")");
        }
        long spanH = (long) dilationH * (kernelH - 1) + 1;
        long spanW = (long) dilationW * (kernelW - 1) + 1;
        if (spanH > inH + 2L * padH || spanW > inW + 2L * padW) {
            throw new IllegalArgumentException("conv2d: the dilated kernel (" + spanH + "x" + spanW
                    + " from kernel " + kernelH + "x" + kernelW + ", dilation " + dilationH + "x" + dilationW
                    + ") is larger than the padded input (" + (inH + 2L * padH) + "x" + (inW + 2L * padW)
                    + " from input " + inH + "x" + inW + ", padding " + padH + "x" + padW + ")");
        }
        long outH = (inH + 2L * padH - spanH) / strideH + 1;
        long outW = (inW + 2L * padW - spanW) / strideW + 1;
        long k = (long) (inChannels / groups) * kernelH * kernelW;
        long[] sizes = {
            (long) batch * inChannels * inH * inW,
            (long) batch * outChannels * outH * outW,
            (long) outChannels * k,
            k * outH * outW
        };
        String[] names = {"input", "output", "weight", "one image's unfolded input"};
        for (int i = 0; i < sizes.length; i++) {
            if (sizes[i] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("conv2d: the " + names[i] + " would have " + sizes[i]
                        + " elements, more than a Java array holds (" + Integer.MAX_VALUE + ")");
            }
        }
    }

    private static void positive(String name, int v) {
        if (v < 1) {
            throw new IllegalArgumentException("conv2d: " + name + " must be >= 1, got " + v);
        }
    }

    /**
     * Square kernel, equal stride and padding on both axes, no dilation, one group (the common
     * case, like PyTorch's {@code nn.Conv2d(inChannels, outChannels, kernel, stride, padding)}).
     */
    public static Conv2dSpec of(
            int batch, int inChannels, int inH, int inW, int outChannels, int kernel, int stride, int padding) {
        return new Conv2dSpec(
                batch, inChannels, inH, inW, outChannels, kernel, kernel, stride, stride, padding, padding, 1, 1, 1);
    }

    /** The same geometry with another number of groups. */
    public Conv2dSpec withGroups(int g) {
        return new Conv2dSpec(
                batch,
                inChannels,
                inH,
                inW,
                outChannels,
                kernelH,
                kernelW,
                strideH,
                strideW,
                padH,
                padW,
                dilationH,
                dilationW,
                g);
    }

    /** The same geometry with another dilation. */
    public Conv2dSpec withDilation(int dH, int dW) {
        return new Conv2dSpec(
                batch,
                inChannels,
                inH,
                inW,
                outChannels,
                kernelH,
                kernelW,
                strideH,
                strideW,
                padH,
                padW,
                dH,
                dW,
                groups);
    }

    /** The same geometry for another batch size (a layer's spec is fixed but batches vary). */
    public Conv2dSpec withBatch(int n) {
        return new Conv2dSpec(
                n,
                inChannels,
                inH,
                inW,
                outChannels,
                kernelH,
                kernelW,
                strideH,
                strideW,
                padH,
                padW,
                dilationH,
                dilationW,
                groups);
    }

    public int outH() {
        return (inH + 2 * padH - dilationH * (kernelH - 1) - 1) / strideH + 1;
    }

    public int outW() {
        return (inW + 2 * padW - dilationW * (kernelW - 1) - 1) / strideW + 1;
    }

    /** Input channels per group. */
    public int groupInChannels() {
        return inChannels / groups;
    }

    /** Output channels per group. */
    public int groupOutChannels() {
        return outChannels / groups;
    }

    /** Elements of the input {@code [batch, inChannels, inH, inW]}. */
    public int inputSize() {
        return batch * inChannels * inH * inW;
    }

    /** Elements of the weight {@code [outChannels, inChannels/groups, kernelH, kernelW]}. */
    public int weightSize() {
        return outChannels * groupInChannels() * kernelH * kernelW;
    }

    /** Elements of the output {@code [batch, outChannels, outH, outW]}. */
    public int outputSize() {
        return batch * outChannels * outH() * outW();
    }

    /**
     * Multiply-adds times two of one pass (forward, grad-input or grad-weight):
     * {@code 2 * N * Cout * outH * outW * (Cin/groups) * kH * kW}, the usual "effective" count.
     */
    public long flops() {
        return 2L * batch * outChannels * outH() * outW() * groupInChannels() * kernelH * kernelW;
    }
}
