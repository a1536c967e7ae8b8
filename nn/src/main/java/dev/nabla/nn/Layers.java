package dev.nabla.nn;

import dev.nabla.autograd.Variable;
import dev.nabla.tensor.ShapeMismatchException;
import java.util.Arrays;

/** Argument checks and formatting shared by the layer classes. */
final class Layers {
    private Layers() {}

    /** A {@code {height, width}} pair, copied, each at least {@code min}. */
    static int[] pair(String layer, String what, int[] v, int min) {
        if (v == null || v.length != 2 || v[0] < min || v[1] < min) {
            throw new IllegalArgumentException(layer + ": " + what + " must be a {height, width} pair of values >= "
                    + min + ", got " + Arrays.toString(v));
        }
        return v.clone();
    }

    /** {@code 3} for a square pair, else {@code 3x5}. */
    static String show(int[] v, String sep) {
        return v[0] == v[1] ? Integer.toString(v[0]) : v[0] + sep + v[1];
    }

    /** Pooling pads at most half a window on each side (PyTorch's rule). */
    static void checkPoolPadding(String layer, int[] padding, int[] kernel) {
        if (padding[0] > kernel[0] / 2 || padding[1] > kernel[1] / 2) {
            throw new IllegalArgumentException(layer + ": padding must be at most half the kernel, got padding "
                    + Arrays.toString(padding) + " for kernel " + Arrays.toString(kernel));
        }
    }

    /** An image batch {@code [N, C, H, W]} or a single image {@code [C, H, W]}. */
    static void requireImages(String layer, Variable x) {
        if (x.dim() != 4 && x.dim() != 3) {
            throw new ShapeMismatchException(layer + ": expected input [N, C, H, W] or [C, H, W], got " + x.shape());
        }
    }
}
