package dev.nabla.nn;

import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;

/**
 * Parameter initialisers matching {@code torch.nn.init}, drawing from an explicit generator so
 * the same seed builds the same model.
 *
 * <pre>{@code
 * Generator g = new Generator(0);
 * Tensor w = Init.kaimingUniform(g, 5f, 128, 784);   // PyTorch's default for Linear(784, 128)
 * }</pre>
 */
public final class Init {
    private Init() {}

    /** Fan-in of a weight of shape [out, in, k...]: in * prod(k). */
    public static int fanIn(int... shape) {
        if (shape.length < 2) {
            throw new IllegalArgumentException("fan in needs a weight of rank >= 2, got rank " + shape.length);
        }
        int f = shape[1];
        for (int i = 2; i < shape.length; i++) {
            f *= shape[i];
        }
        return f;
    }

    /**
     * {@code kaiming_uniform_(w, a=sqrt(a2))} with leaky-ReLU gain: bound {@code sqrt(6 / ((1 + a2) * fanIn))}.
     * PyTorch's Linear and Conv use {@code a2 = 5}, which makes the bound {@code 1 / sqrt(fanIn)}.
     */
    public static Tensor kaimingUniform(Generator g, float a2, int... shape) {
        double bound = Math.sqrt(6.0 / ((1.0 + a2) * fanIn(shape)));
        return Tensor.uniform(g, -bound, bound, shape);
    }

    /** Uniform in {@code [-bound, bound]}. */
    public static Tensor uniform(Generator g, double bound, int... shape) {
        return Tensor.uniform(g, -bound, bound, shape);
    }

    /** Xavier/Glorot uniform: bound {@code gain * sqrt(6 / (fanIn + fanOut))}. */
    public static Tensor xavierUniform(Generator g, double gain, int... shape) {
        int fanIn = fanIn(shape);
        int fanOut = shape[0];
        for (int i = 2; i < shape.length; i++) {
            fanOut *= shape[i];
        }
        double bound = gain * Math.sqrt(6.0 / (fanIn + fanOut));
        return Tensor.uniform(g, -bound, bound, shape);
    }
}
