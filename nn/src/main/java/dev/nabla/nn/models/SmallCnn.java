package dev.nabla.nn.models;

import dev.nabla.nn.BatchNorm2d;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.Linear;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import dev.nabla.tensor.Generator;

/**
 * The small CNN of {@code shared/peers/torch_fashion.py}: conv 3x3 (32) - BatchNorm - ReLU -
 * max-pool 2, conv 3x3 (64) - BatchNorm - ReLU - max-pool 2, fully connected 128 - ReLU - classes.
 * A {@link Sequential} in the peer's order, so state dict keys match it.
 *
 * <pre>{@code
 * Sequential net = SmallCnn.create(1, 28, 10, new Generator(0));   // 3136 -> 128 -> 10 head
 * }</pre>
 */
public final class SmallCnn {
    private SmallCnn() {}

    public static Sequential create(int channels, int size, int classes, Generator g) {
        if (size < 4 || size % 4 != 0) {
            throw new IllegalArgumentException("SmallCnn: image size must be a positive multiple of 4, got " + size);
        }
        int s = size / 4;
        return new Sequential(
                new Conv2d(channels, 32, 3, Conv2d.options().padding(1).generator(g)),
                new BatchNorm2d(32),
                new ReLU(),
                new MaxPool2d(2),
                new Conv2d(32, 64, 3, Conv2d.options().padding(1).generator(g)),
                new BatchNorm2d(64),
                new ReLU(),
                new MaxPool2d(2),
                new Flatten(),
                new Linear(64 * s * s, 128, g),
                new ReLU(),
                new Linear(128, classes, g));
    }
}
