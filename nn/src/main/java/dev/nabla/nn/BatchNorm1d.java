package dev.nabla.nn;

import dev.nabla.autograd.Variable;

/**
 * Batch normalisation of {@code [N, C]} or {@code [N, C, L]} per channel C, PyTorch's
 * {@code nn.BatchNorm1d}; statistics, modes and state dict as in {@link BatchNorm2d}.
 *
 * <pre>{@code
 * BatchNorm1d bn = new BatchNorm1d(128);
 * Variable y = bn.call(Variable.randn(new Generator(0), 32, 128));
 * }</pre>
 */
public final class BatchNorm1d extends BatchNorm {

    /** eps 1e-5, momentum 0.1, affine, tracking running statistics: PyTorch's defaults. */
    public BatchNorm1d(int numFeatures) {
        this(numFeatures, options());
    }

    /** See {@link BatchNorm.Options}. */
    public BatchNorm1d(int numFeatures, Options options) {
        super("BatchNorm1d", numFeatures, options);
    }

    @Override
    void checkInput(Variable x) {
        if ((x.dim() != 2 && x.dim() != 3) || x.size(1) != features) {
            throw mismatch("[N, " + features + "] or [N, " + features + ", L]", x);
        }
    }
}
