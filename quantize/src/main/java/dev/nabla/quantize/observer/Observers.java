package dev.nabla.quantize.observer;

import dev.nabla.tensor.DType;
import dev.nabla.tensor.Tensor;

/** Checks and reductions shared by the observers. */
final class Observers {
    private Observers() {}

    /** {@code {min, max}} of a float32 tensor, refusing NaN and infinities with the observer's name. */
    static float[] range(String who, Tensor x) {
        if (x.dtype() != DType.FLOAT32 || x.isQuantized()) {
            throw new IllegalArgumentException(who + ": observes float32 tensors, got " + x.dtype() + " " + x.shape());
        }
        float lo = x.min().item();
        float hi = x.max().item();
        if (!Float.isFinite(lo) || !Float.isFinite(hi)) {
            throw new IllegalArgumentException(
                    who + ": the observed tensor " + x.shape() + " holds NaN or infinite values (min " + lo + ", max "
                            + hi + "); its quantization range is undefined");
        }
        return new float[] {lo, hi};
    }
}
