package dev.nabla.quantize.fused;

import dev.nabla.autograd.Autograd;
import dev.nabla.nn.BatchNorm;
import dev.nabla.nn.Conv2d;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.util.Arrays;

/**
 * Folds an inference-mode batch norm into the convolution before it, PyTorch's
 * {@code fuse_conv_bn_weights}: with {@code s = gamma / sqrt(runningVar + eps)} per channel,
 * {@code w' = w * s} and {@code b' = (b - runningMean) * s + beta}, so that
 * {@code conv'(x) = bn(conv(x))} for every x.
 *
 * <pre>{@code
 * Conv2d folded = BatchNormFolding.fold(conv, bn);   // a new Conv2d with a bias
 * }</pre>
 */
public final class BatchNormFolding {
    private BatchNormFolding() {}

    /**
     * A new convolution (with a bias) computing {@code bn(conv(x))} with {@code bn}'s running
     * statistics; {@code conv} and {@code bn} are left unchanged.
     *
     * @throws IllegalArgumentException when the channel counts differ or the batch norm keeps no
     *     running statistics
     */
    public static Conv2d fold(Conv2d conv, BatchNorm bn) {
        int out = conv.outChannels();
        if (bn.numFeatures() != out) {
            throw new IllegalArgumentException("fusing " + conv + " with " + bn + ": the batch norm has "
                    + bn.numFeatures() + " channels, the convolution " + out);
        }
        if (bn.runningMean() == null) {
            throw new IllegalArgumentException(
                    "fusing with a batch norm that keeps no running statistics (track_running_stats=False) is not supported");
        }
        Tensor[] wb = foldedWeights(conv.weight.data(), conv.bias == null ? null : conv.bias.data(), bn);
        Conv2d fused = new Conv2d(
                conv.inChannels(),
                out,
                conv.kernelSize(),
                Conv2d.options()
                        .stride(conv.stride()[0], conv.stride()[1])
                        .padding(conv.padding()[0], conv.padding()[1])
                        .dilation(conv.dilation()[0], conv.dilation()[1])
                        .groups(conv.groups())
                        .bias(true)
                        .generator(new Generator(0)));
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            fused.weight.data().copyFrom(wb[0]);
            fused.bias.data().copyFrom(wb[1]);
        }
        return fused;
    }

    /** {@code {w * s, (b - mean) * s + beta}} for a weight {@code [out, ...]} and bias {@code [out]} (or null). */
    public static Tensor[] foldedWeights(Tensor weight, Tensor bias, BatchNorm bn) {
        int out = weight.size(0);
        Tensor gamma = bn.weight == null ? Tensor.ones(out) : bn.weight.data();
        Tensor beta = bn.bias == null ? Tensor.zeros(out) : bn.bias.data();
        Tensor s = gamma.mul(bn.runningVar().add((float) bn.eps()).rsqrt());
        int[] shape = new int[weight.dim()];
        Arrays.fill(shape, 1);
        shape[0] = out;
        Tensor w = weight.mul(s.reshape(shape));
        Tensor b = (bias == null ? Tensor.zeros(out) : bias)
                .sub(bn.runningMean())
                .mul(s)
                .add(beta);
        return new Tensor[] {w, b};
    }
}
