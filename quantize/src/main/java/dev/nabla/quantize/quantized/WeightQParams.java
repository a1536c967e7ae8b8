package dev.nabla.quantize.quantized;

import dev.nabla.quantize.observer.QParams;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.QuantizedWeight;
import dev.nabla.tensor.Tensor;

/** Quantizing a float weight with per-channel symmetric parameters, checked. */
final class WeightQParams {
    private WeightQParams() {}

    static QuantizedWeight quantize(String layer, Tensor weight, QParams q) {
        int out = weight.size(0);
        if (q.dtype() != DType.INT8 || q.qmin() != -128 || q.qmax() != 127) {
            throw new IllegalArgumentException(layer + ": int8 kernels need int8 weights over -128..127, got " + q);
        }
        float[] scales = new float[out];
        for (int c = 0; c < out; c++) {
            int ch = q.channels() == 1 ? 0 : c;
            if (q.channels() != 1 && q.channels() != out) {
                throw new IllegalArgumentException(
                        layer + ": " + q.channels() + " weight scales for " + out + " output channels");
            }
            if (q.zeroPoint(ch) != 0) {
                throw new IllegalArgumentException(
                        layer + ": int8 kernels need symmetric weights (zero point 0), got " + q);
            }
            scales[c] = q.scale(ch);
        }
        return QuantizedWeight.quantize(weight, Tensor.fromArray(scales, out));
    }
}
