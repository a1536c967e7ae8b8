package dev.nabla.nn;

import java.util.Arrays;

/** Argument checks and formatting shared by the layer classes. */
final class Layers {
    private Layers() {
    }

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
}
