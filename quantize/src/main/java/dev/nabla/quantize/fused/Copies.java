package dev.nabla.quantize.fused;

import dev.nabla.autograd.Autograd;
import dev.nabla.nn.BatchNorm;
import dev.nabla.nn.BatchNorm2d;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Linear;
import dev.nabla.tensor.Generator;

/**
 * Independent copies of float layers (same configuration, copied parameters and buffers): a fused
 * or quantization-aware module holds its own layers, never the ones it replaces, which keep
 * forwarding calls to it.
 *
 * <pre>{@code
 * Conv2d twin = Copies.conv(conv);   // equal weights, separate tensors
 * }</pre>
 */
public final class Copies {
    private Copies() {}

    public static Conv2d conv(Conv2d c) {
        Conv2d copy = new Conv2d(
                c.inChannels(),
                c.outChannels(),
                c.kernelSize(),
                Conv2d.options()
                        .stride(c.stride()[0], c.stride()[1])
                        .padding(c.padding()[0], c.padding()[1])
                        .dilation(c.dilation()[0], c.dilation()[1])
                        .groups(c.groups())
                        .bias(c.bias != null)
                        .generator(new Generator(0)));
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            copy.loadStateDict(c.stateDict());
        }
        return copy;
    }

    public static Linear linear(Linear l) {
        Linear copy = new Linear(l.inFeatures(), l.outFeatures(), l.bias != null, new Generator(0));
        copy.loadStateDict(l.stateDict());
        return copy;
    }

    public static BatchNorm2d batchNorm(BatchNorm2d bn) {
        BatchNorm2d copy = new BatchNorm2d(
                bn.numFeatures(),
                BatchNorm.options()
                        .eps(bn.eps())
                        .momentum(bn.momentum())
                        .affine(bn.weight != null)
                        .trackRunningStats(bn.runningMean() != null));
        copy.loadStateDict(bn.stateDict());
        return copy;
    }
}
