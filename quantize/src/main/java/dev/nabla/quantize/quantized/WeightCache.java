package dev.nabla.quantize.quantized;

import dev.nabla.tensor.QuantizedWeight;
import dev.nabla.tensor.Tensor;

/**
 * The {@link QuantizedWeight} of a layer's {@code weight} and {@code weight_scale} buffers, rebuilt
 * only when either has been written (loading a state dict writes both in place).
 */
final class WeightCache {
    private final Tensor values;
    private final Tensor scales;
    private QuantizedWeight weight;
    private int valuesVersion = -1;
    private int scalesVersion = -1;

    WeightCache(Tensor values, Tensor scales) {
        this.values = values;
        this.scales = scales;
    }

    synchronized QuantizedWeight get() {
        if (weight == null || values.version() != valuesVersion || scales.version() != scalesVersion) {
            weight = QuantizedWeight.of(values, scales);
            valuesVersion = values.version();
            scalesVersion = scales.version();
        }
        return weight;
    }
}
