package dev.nabla.spark;

import java.io.Serializable;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * One partition's examples packed into two arrays: {@code features} holds {@code size()} rows of
 * {@code featureSize} floats (already normalised), {@code labels} their class indices. A training
 * RDD holds exactly one shard per partition, cached, so every round reads its batch by index.
 *
 * @param features    row-major, {@code labels.length * featureSize} values
 * @param labels      class indices
 * @param featureSize values per example (e.g. 784 for a 1x28x28 image)
 */
public record Shard(float[] features, int[] labels, int featureSize) implements Serializable {

    /** Checks that the arrays agree. */
    public Shard {
        if (featureSize <= 0 || features.length != (long) labels.length * featureSize) {
            throw new IllegalArgumentException("Shard: " + features.length + " feature values for " + labels.length
                    + " labels of " + featureSize + " values each");
        }
    }

    /** Number of examples. */
    public int size() {
        return labels.length;
    }

    /**
     * The order in which this shard visits its examples in {@code epoch}: a permutation that depends
     * only on the seed, the epoch and the partition, so a retried or re-run task sees the same
     * batches (SplittableRandom's sequence is fixed by its specification).
     */
    int[] order(long seed, int epoch, int partition) {
        int[] idx = new int[size()];
        Arrays.setAll(idx, i -> i);
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch * 1_000_003L + partition);
        for (int i = idx.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        return idx;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shard s
                && featureSize == s.featureSize
                && Arrays.equals(labels, s.labels)
                && Arrays.equals(features, s.features);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(labels) + featureSize;
    }

    @Override
    public String toString() {
        return "Shard[" + size() + " examples of " + featureSize + " values]";
    }
}
