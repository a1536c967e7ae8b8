package dev.nabla.nn.data;

import java.util.Objects;

/**
 * The training and test parts of a data set.
 *
 * <pre>{@code
 * Split s = Mnist.embedded();
 * s.train().size();   // 8000
 * s.test().size();    // 2000
 * }</pre>
 */
public record Split(ImageDataset train, ImageDataset test) {
    public Split {
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(test, "test");
    }
}
