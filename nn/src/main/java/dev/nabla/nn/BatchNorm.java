package dev.nabla.nn;

import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.ShapeMismatchException;
import dev.nabla.tensor.Tensor;

/**
 * The state, options and forward pass shared by {@link BatchNorm1d} and {@link BatchNorm2d}:
 * per-channel affine parameters {@code weight} (ones) and {@code bias} (zeros), and the buffers
 * {@code running_mean} (zeros), {@code running_var} (ones) and {@code num_batches_tracked} (an
 * int64 scalar), named and typed as in PyTorch so state dicts carry over.
 *
 * <pre>{@code
 * BatchNorm2d bn = new BatchNorm2d(64, BatchNorm.options().momentum(0.01).eps(1e-3));
 * BatchNorm1d plain = new BatchNorm1d(128, BatchNorm.options().affine(false));
 * }</pre>
 */
public abstract sealed class BatchNorm extends Module permits BatchNorm1d, BatchNorm2d {

    /**
     * The optional arguments of batch normalisation, PyTorch's keyword arguments: {@code eps}
     * (1e-5), {@code momentum} (0.1), {@code affine} (true) and {@code trackRunningStats} (true;
     * without it there are no buffers and eval mode normalises with the batch's statistics too).
     * Immutable: each method returns a changed copy.
     *
     * <pre>{@code
     * new BatchNorm2d(16, BatchNorm.options().eps(1e-3).momentum(0.01));
     * }</pre>
     */
    public static final class Options {
        private static final Options DEFAULTS = new Options(1e-5, 0.1, true, true);

        private final double eps;
        private final double momentum;
        private final boolean affine;
        private final boolean trackRunningStats;

        private Options(double eps, double momentum, boolean affine, boolean trackRunningStats) {
            this.eps = eps;
            this.momentum = momentum;
            this.affine = affine;
            this.trackRunningStats = trackRunningStats;
        }

        /** Added to the variance before the square root. */
        public Options eps(double eps) {
            return new Options(eps, momentum, affine, trackRunningStats);
        }

        /** Weight of each batch in the running statistics. */
        public Options momentum(double momentum) {
            return new Options(eps, momentum, affine, trackRunningStats);
        }

        /** Whether there are a learnable per-channel {@code weight} and {@code bias}. */
        public Options affine(boolean affine) {
            return new Options(eps, momentum, affine, trackRunningStats);
        }

        public Options trackRunningStats(boolean trackRunningStats) {
            return new Options(eps, momentum, affine, trackRunningStats);
        }

        @Override
        public String toString() {
            return "BatchNorm.Options(eps=" + eps + ", momentum=" + momentum + ", affine=" + affine
                    + ", track_running_stats=" + trackRunningStats + ")";
        }
    }

    /** PyTorch's defaults: eps 1e-5, momentum 0.1, affine, tracking running statistics. */
    public static Options options() {
        return Options.DEFAULTS;
    }

    final int features;
    final double eps;
    final double momentum;
    final boolean track;
    public final Variable weight;
    public final Variable bias;
    final Tensor runningMean;
    final Tensor runningVar;
    final Tensor batchesTracked;

    BatchNorm(String name, int features, Options options) {
        double eps = options.eps;
        double momentum = options.momentum;
        boolean affine = options.affine;
        boolean trackRunningStats = options.trackRunningStats;
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
    protected final Variable forward(Variable x) {
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

    /** PyTorch's {@code num_features}. */
    public final int numFeatures() {
        return features;
    }

    /** Added to the variance before the square root. */
    public final double eps() {
        return eps;
    }

    public final double momentum() {
        return momentum;
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
