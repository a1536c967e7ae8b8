package dev.nabla.nn.models;

import dev.nabla.nn.BatchNorm2d;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.Linear;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.Module;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import dev.nabla.tensor.Generator;
import java.util.ArrayList;
import java.util.List;

/**
 * The VGG-style CNN of {@code shared/peers/torch_bench.py}: two 3x3 convolutions of 32 channels,
 * max-pool, two of 64, max-pool, then fully connected 256 and the classes; with
 * {@code batchNorm}, a BatchNorm after every convolution as in {@code torch_cifar_subset.py}.
 * Built as a {@link Sequential} in the same order as the PyTorch model, so state dict keys
 * ({@code "0.weight"}, {@code "1.running_mean"}, ...) are the same.
 *
 * <pre>{@code
 * Sequential cnn = VggCnn.create(3, 32, 10, true, new Generator(0));
 * cnn.summary(64, 3, 32, 32);
 * System.out.println(cnn);
 * }</pre>
 */
public final class VggCnn {
    private VggCnn() {}

    /**
     * @param channels input channels
     * @param size     input height and width (a multiple of 4)
     */
    public static Sequential create(int channels, int size, int classes, boolean batchNorm, Generator g) {
        if (size < 4 || size % 4 != 0) {
            throw new IllegalArgumentException("VggCnn: image size must be a positive multiple of 4, got " + size);
        }
        List<Module> layers = new ArrayList<>();
        int in = channels;
        for (int width : new int[] {32, 32, 0, 64, 64, 0}) {
            if (width == 0) {
                layers.add(new MaxPool2d(2));
                continue;
            }
            layers.add(new Conv2d(in, width, 3, Conv2d.options().padding(1).generator(g)));
            if (batchNorm) {
                layers.add(new BatchNorm2d(width));
            }
            layers.add(new ReLU());
            in = width;
        }
        int s = size / 4;
        layers.add(new Flatten());
        layers.add(new Linear(64 * s * s, 256, g));
        layers.add(new ReLU());
        layers.add(new Linear(256, classes, g));
        return new Sequential(layers.toArray(new Module[0]));
    }
}
