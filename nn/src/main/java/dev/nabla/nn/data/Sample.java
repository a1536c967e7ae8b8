package dev.nabla.nn.data;

import dev.nabla.tensor.Tensor;
import java.util.Objects;

/**
 * One labelled example: an input tensor (an image is {@code [C, H, W]} with values in [0, 1]) and
 * a class index.
 *
 * <pre>{@code
 * Sample s = Mnist.embedded().train().get(0);
 * s.input().dims();   // [1, 28, 28]
 * s.label();          // 9
 * }</pre>
 */
public record Sample(Tensor input, int label) {
    public Sample {
        Objects.requireNonNull(input, "input");
        if (label < 0) {
            throw new IllegalArgumentException("label must be a class index >= 0, got " + label);
        }
    }
}
