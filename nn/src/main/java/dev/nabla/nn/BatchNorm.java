package dev.nabla.nn;

import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.ShapeMismatchException;
import dev.nabla.tensor.Tensor;

/**
 * The state and forward pass shared by {@link BatchNorm1d} and {@link BatchNorm2d}: per-channel
 * affine parameters {@code weight} (ones) and {@code bias} (zeros), and the buffers
 * {@code running_mean} (zeros), {@code running_var} (ones) and {@code num_batches_tracked} (an
 * int64 scalar), named and typed as in PyTorch so state dicts carry over.
 */
abstract sealed class BatchNorm extends Module permits BatchNorm1d, BatchNorm2d {
    final int features;
    final double eps;
    final double momentum;
    final boolean track;
    public final Variable weight;
    public final Variable bias;
    final Tensor runningMean;
    final Tensor runningVar;
    final Tensor batchesTracked;

    BatchNorm(String name, int features, double eps, double momentum, boolean affine, boolean trackRunningStats) {
        if (features <= 0 || !(eps > 0) || !(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException(name + ": need features > 0, eps > 0 and momentum in [0, 1], got "
                    + features + ", " + eps + ", " + momentum);
        }
        this.features = features;
        this.eps = eps;
        this.momentum = momentum;
        this.track = trackRunningStats;
        this.weight = affine ? registerParameter("weight", Tensor.ones(features)) : null;
        this.bias = affine ? registerParameter("bias", Tensor.zeros(features)) : null;
        this.runningMean = track ? registerBuffer("running_mean", Tensor.zeros(features)) : null;
        this.runningVar = track ? registerBuffer("running_var", Tensor.ones(features)) : null;
        this.batchesTracked = track ? registerBuffer("num_batches_tracked", Tensor.zeros(DType.INT64)) : null;
    }

    /** Checks the rank and channel count, naming the layer and the expected layout. */
    abstract void checkInput(Variable x);

    @Override
    public final Variable forward(Variable x) {
        checkInput(x);
        boolean training = isTraining();
        if (training && track) {
            batchesTracked.setLong(batchesTracked.itemLong() + 1);
        }
        // Without running statistics, eval mode normalises with the batch's own, as PyTorch does.
        return Functional.batchNorm(x, runningMean, runningVar, weight, bias, training || !track, momentum, eps);
    }

    /** The running mean (a live buffer), or null when running statistics are not tracked. */
    public final Tensor runningMean() {
        return runningMean;
    }

    public final Tensor runningVar() {
        return runningVar;
    }

    ShapeMismatchException mismatch(String expected, Variable x) {
        return new ShapeMismatchException(describe() + ": expected input " + expected + ", got " + x.shape());
    }

    @Override
    protected final String describe() {
        return getClass().getSimpleName() + "(" + features + (eps != 1e-5 ? ", eps " + eps : "")
                + (momentum != 0.1 ? ", momentum " + momentum : "") + (weight == null ? ", no affine" : "")
                + (track ? "" : ", no running stats") + ")";
    }
}
