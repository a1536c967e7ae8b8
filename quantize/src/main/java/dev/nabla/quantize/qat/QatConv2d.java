package dev.nabla.quantize.qat;

import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;
import dev.nabla.nn.BatchNorm2d;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Module;
import dev.nabla.quantize.fused.Copies;
import dev.nabla.quantize.observer.ObserverConfig;
import dev.nabla.quantize.observer.QParams;
import dev.nabla.tensor.Tensor;

/**
 * A convolution trained with fake-quantized weights, optionally with the batch norm after it and a
 * ReLU, PyTorch's {@code qat.Conv2d}, {@code intrinsic.qat.ConvBn2d} and {@code ConvBnReLU2d}.
 *
 * <p>Weights are fake-quantized per output channel, symmetric int8, from their current range at
 * every step. With a batch norm, the weight is first scaled by the batch norm's
 * {@code gamma / sqrt(runningVar + eps)}, so that what is fake-quantized is the weight the int8
 * model will hold once the batch norm is folded into it; the convolution's output is scaled back
 * and the batch norm then runs as usual (batch statistics in training, unless
 * {@link #freezeBatchNorm} switched it to its running statistics, as one does for the last epochs).
 * Children: {@code conv} and {@code bn}; they start as copies of the float model's layers.
 *
 * <pre>{@code
 * var q = new QatConv2d(conv, bn, true);    // conv-BN-ReLU
 * q.call(x).sum().backward();               // gradients reach q.conv().weight through the fake quantization
 * }</pre>
 */
public final class QatConv2d extends Module {
    private final Conv2d conv;
    private final BatchNorm2d bn;
    private final boolean relu;
    private boolean bnFrozen;

    /**
     * @param conv the float convolution (copied)
     * @param bn   the batch norm after it (copied), or null
     * @param relu whether a ReLU follows
     */
    public QatConv2d(Conv2d conv, BatchNorm2d bn, boolean relu) {
        this.conv = registerModule("conv", Copies.conv(conv));
        this.bn = bn == null ? null : registerModule("bn", Copies.batchNorm(bn));
        this.relu = relu;
    }

    public Conv2d conv() {
        return conv;
    }

    /** The batch norm, or null. */
    public BatchNorm2d bn() {
        return bn;
    }

    public boolean relu() {
        return relu;
    }

    /** From now on the batch norm normalises with its running statistics and stops updating them. */
    public void freezeBatchNorm() {
        bnFrozen = true;
    }

    @Override
    protected Variable forward(Variable x) {
        Variable y;
        if (bn == null) {
            Variable w = fakeQuantizedWeight(conv.weight);
            y = conv2d(x, w, conv.bias);
        } else {
            int c = conv.outChannels();
            Tensor std = bn.runningVar().add((float) bn.eps()).sqrt();
            Variable gamma = bn.weight == null ? Variable.of(Tensor.ones(c)) : bn.weight;
            Variable factor = gamma.div(Variable.of(std));
            Variable w = fakeQuantizedWeight(conv.weight.mul(factor.reshape(c, 1, 1, 1)));
            y = conv2d(x, w, null).div(factor.reshape(1, c, 1, 1));
            if (conv.bias != null) {
                y = y.add(conv.bias.reshape(1, c, 1, 1));
            }
            boolean batchStats = isTraining() && !bnFrozen;
            y = Functional.batchNorm(
                    y, bn.runningMean(), bn.runningVar(), bn.weight, bn.bias, batchStats, bn.momentum(), bn.eps());
        }
        return relu ? y.relu() : y;
    }

    private Variable conv2d(Variable x, Variable w, Variable b) {
        return Functional.conv2d(x, w, b, conv.stride(), conv.padding(), conv.dilation(), conv.groups());
    }

    private static Variable fakeQuantizedWeight(Variable w) {
        return FakeQuantize.straightThroughPerChannel(w, weightQParams(w.data()));
    }

    /** Per-channel symmetric int8 parameters of a weight's current values. */
    static QParams weightQParams(Tensor w) {
        int out = w.size(0);
        Tensor rows = w.contiguous().reshape(out, -1);
        return ObserverConfig.weights()
                .qparams(rows.min(1).toArray(), rows.max(1).toArray());
    }

    @Override
    protected String describe() {
        return "QatConv2d(" + conv.inChannels() + " -> " + conv.outChannels() + (bn == null ? "" : ", bn")
                + (relu ? ", relu" : "") + (bnFrozen ? ", bn frozen" : "") + ")";
    }
}
