package dev.nabla.spark;

import dev.nabla.tensor.Tensor;

/** Slices of a {@link Shard} as the tensors a model and a loss take. */
final class Batches {
    private Batches() {}

    /** Examples {@code from .. from+b} as {@code [b, inputShape...]}. */
    static Tensor inputs(Shard shard, int from, int b, int[] inputShape) {
        int n = shard.featureSize();
        float[] x = new float[b * n];
        System.arraycopy(shard.features(), from * n, x, 0, b * n);
        return Tensor.fromArray(x, shape(b, inputShape));
    }

    /** The examples at {@code rows} (in that order) as {@code [rows.length, inputShape...]}. */
    static Tensor inputs(Shard shard, int[] rows, int[] inputShape) {
        int n = shard.featureSize();
        float[] x = new float[rows.length * n];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(shard.features(), rows[i] * n, x, i * n, n);
        }
        return Tensor.fromArray(x, shape(rows.length, inputShape));
    }

    /** Labels {@code from .. from+b} as int64 {@code [b]}. */
    static Tensor labels(Shard shard, int from, int b) {
        long[] y = new long[b];
        for (int i = 0; i < b; i++) {
            y[i] = shard.labels()[from + i];
        }
        return Tensor.fromArray(y, b);
    }

    /** The labels at {@code rows} as int64 {@code [rows.length]}. */
    static Tensor labels(Shard shard, int[] rows) {
        long[] y = new long[rows.length];
        for (int i = 0; i < rows.length; i++) {
            y[i] = shard.labels()[rows[i]];
        }
        return Tensor.fromArray(y, rows.length);
    }

    static int[] shape(int b, int[] inputShape) {
        int[] s = new int[inputShape.length + 1];
        s[0] = b;
        System.arraycopy(inputShape, 0, s, 1, inputShape.length);
        return s;
    }
}
