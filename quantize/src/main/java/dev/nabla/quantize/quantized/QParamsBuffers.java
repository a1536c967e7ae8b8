package dev.nabla.quantize.quantized;

import dev.nabla.tensor.DType;
import dev.nabla.tensor.Tensor;
import java.util.function.Supplier;

/** Reading an output's {@code scale} and {@code zero_point} buffers, with the checks a loaded file needs. */
final class QParamsBuffers {
    private QParamsBuffers() {}

    static Tensor scale(double scale) {
        return Tensor.scalar((float) scale);
    }

    static Tensor zeroPoint(long zeroPoint) {
        return Tensor.full(DType.INT64, zeroPoint);
    }

    /** The output scale; {@code who} names the layer in the error (built only then, not on every call). */
    static double scaleOf(Supplier<String> who, Tensor scale) {
        float s = scale.item();
        if (!(s > 0) || Float.isInfinite(s)) {
            throw new IllegalStateException(
                    who.get() + ": the output scale is " + s + "; it must be positive and finite");
        }
        return s;
    }

    /** The output zero point, checked like {@link #scaleOf}. */
    static long zeroOf(Supplier<String> who, Tensor zeroPoint) {
        long z = zeroPoint.itemLong();
        if (z < 0 || z > 255) {
            throw new IllegalStateException(
                    who.get() + ": the output zero point is " + z + "; it must be in 0..255 (quint8)");
        }
        return z;
    }
}
