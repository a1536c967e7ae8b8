package dev.nabla.nn.models;

import dev.nabla.autograd.Variable;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.Linear;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.Module;
import dev.nabla.nn.ReLU;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.ShapeMismatchException;

/**
 * LeNet-5 as in {@code shared/peers/torch_bench.py}: conv 5x5 (6) - ReLU - max-pool 2,
 * conv 5x5 (16) - ReLU - max-pool 2, then fully connected 120 - 84 - classes. Children are named
 * {@code c1, c2, f1, f2, f3} like the peer's module, so state dicts carry over. The activations,
 * poolings and the flattening are modules too ({@code relu1}, {@code pool1}, ..., which own no
 * state), so quantization sees every step: it fuses each layer with its ReLU and runs the pools
 * on int8.
 *
 * <p>It adapts to the data: the input channels are a parameter, and images smaller than 32x32
 * (MNIST's 28x28) get LeCun's zero padding on the first convolution so the rest of the network
 * sees the same sizes.
 *
 * <pre>{@code
 * LeNet5 net = new LeNet5(1, 28, 10, new Generator(0));    // MNIST
 * Variable logits = net.call(Variable.zeros(64, 1, 28, 28));   // [64, 10]
 * }</pre>
 */
public final class LeNet5 extends Module {
    private final int channels;
    private final int size;
    private final Conv2d c1;
    private final ReLU relu1;
    private final MaxPool2d pool1;
    private final Conv2d c2;
    private final ReLU relu2;
    private final MaxPool2d pool2;
    private final Flatten flatten;
    private final Linear f1;
    private final ReLU relu3;
    private final Linear f2;
    private final ReLU relu4;
    private final Linear f3;

    /**
     * @param channels input channels (1 for MNIST, 3 for CIFAR)
     * @param size     input height and width (square images, at least 28)
     * @param classes  number of output classes
     */
    public LeNet5(int channels, int size, int classes, Generator g) {
        if (size < 28) {
            throw new IllegalArgumentException("LeNet5: images must be at least 28x28, got " + size);
        }
        this.channels = channels;
        this.size = size;
        int pad = size < 32 ? (32 - size + 1) / 2 : 0;
        int s = ((size + 2 * pad - 4) / 2 - 4) / 2;
        c1 = registerModule(
                "c1", new Conv2d(channels, 6, 5, Conv2d.options().padding(pad).generator(g)));
        relu1 = registerModule("relu1", new ReLU());
        pool1 = registerModule("pool1", new MaxPool2d(2));
        c2 = registerModule("c2", new Conv2d(6, 16, 5, g));
        relu2 = registerModule("relu2", new ReLU());
        pool2 = registerModule("pool2", new MaxPool2d(2));
        flatten = registerModule("flatten", new Flatten());
        f1 = registerModule("f1", new Linear(16 * s * s, 120, g));
        relu3 = registerModule("relu3", new ReLU());
        f2 = registerModule("f2", new Linear(120, 84, g));
        relu4 = registerModule("relu4", new ReLU());
        f3 = registerModule("f3", new Linear(84, classes, g));
    }

    @Override
    protected Variable forward(Variable x) {
        if (x.dim() != 4 || x.size(1) != channels || x.size(2) != size || x.size(3) != size) {
            throw new ShapeMismatchException(
                    "LeNet5: expected input [N, " + channels + ", " + size + ", " + size + "], got " + x.shape());
        }
        Variable h = pool1.call(relu1.call(c1.call(x)));
        h = pool2.call(relu2.call(c2.call(h)));
        h = flatten.call(h);
        h = relu3.call(f1.call(h));
        h = relu4.call(f2.call(h));
        return f3.call(h);
    }

    @Override
    protected String describe() {
        return "LeNet5(" + channels + "x" + size + "x" + size + ")";
    }
}
