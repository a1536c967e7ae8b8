package dev.nabla.nn.models;

import dev.nabla.nn.Module;
import dev.nabla.tensor.Generator;
import java.util.List;

/**
 * Builds a zoo model by name, for command lines and configuration files.
 *
 * <pre>{@code
 * Module m = Models.create("lenet5", 1, 28, 10, new Generator(0));
 * }</pre>
 */
public final class Models {
    /** The names {@link #create} accepts. */
    public static final List<String> NAMES = List.of("lenet5", "small-cnn", "cnn", "cnn-bn", "resnet20");

    private Models() {}

    /**
     * @param name     lenet5, small-cnn (the Fashion-MNIST peer's CNN), cnn (the VGG-style CNN),
     *                 cnn-bn (with BatchNorm) or resnet20
     * @param channels input channels
     * @param size     input height and width
     * @param classes  output classes
     */
    public static Module create(String name, int channels, int size, int classes, Generator g) {
        return switch (name) {
            case "lenet5" -> new LeNet5(channels, size, classes, g);
            case "small-cnn" -> SmallCnn.create(channels, size, classes, g);
            case "cnn" -> VggCnn.create(channels, size, classes, false, g);
            case "cnn-bn" -> VggCnn.create(channels, size, classes, true, g);
            case "resnet20" -> new ResNet20(channels, classes, g);
            default -> throw new IllegalArgumentException("unknown model '" + name + "'; choose one of " + NAMES);
        };
    }
}
