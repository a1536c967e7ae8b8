package dev.nabla.nn;

import dev.nabla.autograd.Variable;

/**
 * Batch normalisation of {@code [N, C, H, W]} per channel, PyTorch's {@code nn.BatchNorm2d}:
 * training mode normalises with the batch's mean and biased variance and updates the running
 * statistics ({@code running = (1 - momentum) running + momentum batch}, unbiased variance) and
 * {@code num_batches_tracked}; eval mode normalises with the running statistics. State dict keys
 * are PyTorch's: {@code weight, bias, running_mean, running_var, num_batches_tracked}.
 *
 * <pre>{@code
 * BatchNorm2d bn = new BatchNorm2d(16);
 * Variable y = bn.call(Variable.randn(new Generator(0), 8, 16, 32, 32));   // per-channel mean 0, var 1
 * bn.eval();                                                                  // now uses running stats
 * }</pre>
 */
public final class BatchNorm2d extends BatchNorm {

    /** eps 1e-5, momentum 0.1, affine, tracking running statistics: PyTorch's defaults. */
    public BatchNorm2d(int numFeatures) {
        this(numFeatures, options());
    }

    /** See {@link BatchNorm.Options}. */
    public BatchNorm2d(int numFeatures, Options options) {
        super("BatchNorm2d", numFeatures, options);
    }

    @Override
    void checkInput(Variable x) {
        if (x.dim() != 4 || x.size(1) != features) {
            throw mismatch("[N, " + features + ", H, W]", x);
        }
    }
}
