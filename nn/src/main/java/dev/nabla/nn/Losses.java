package dev.nabla.nn;

import dev.nabla.tensor.Reduction;

/** Argument checks shared by the loss classes. */
final class Losses {
    private Losses() {}

    /** The reduction, which must be MEAN, SUM or NONE (BATCHMEAN belongs to KLDivLoss alone). */
    static Reduction check(String loss, Reduction r) {
        if (r == null || r == Reduction.BATCHMEAN) {
            throw new IllegalArgumentException(loss + ": reduction must be MEAN, SUM or NONE, got " + r);
        }
        return r;
    }
}
