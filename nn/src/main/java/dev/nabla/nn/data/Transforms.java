package dev.nabla.nn.data;

import java.util.Arrays;

/**
 * Factories for the {@link Transform}s the loader applies, named after torchvision's.
 *
 * <pre>{@code
 * ChannelStats stats = train.channelStats();
 * DataLoader loader = new DataLoader(train, DataLoader.options()
 *         .batchSize(64)
 *         .shuffle(true)
 *         .dropLast(true)
 *         .seed(7)
 *         .transforms(Transforms.randomCrop(32, 4), Transforms.randomHorizontalFlip(0.5), Transforms.normalize(stats)));
 * }</pre>
 */
public final class Transforms {
    private Transforms() {}

    /** {@code (x - mean[c]) / std[c]} per channel, on values in [0, 1]. */
    public static Transform normalize(ChannelStats stats) {
        return new Transform.Normalize(stats);
    }

    /** Per-channel normalisation with the given means and standard deviations. */
    public static Transform normalize(float[] mean, float[] std) {
        return new Transform.Normalize(new ChannelStats(mean, std));
    }

    /** Normalisation of a one-channel image. */
    public static Transform normalize(float mean, float std) {
        return new Transform.Normalize(ChannelStats.of(mean, std));
    }

    /** Zero padding on every side, then a random {@code size x size} window. */
    public static Transform randomCrop(int size, int padding) {
        return new Transform.RandomCrop(size, padding);
    }

    /** Left-right mirror with probability {@code p}. */
    public static Transform randomHorizontalFlip(double p) {
        return new Transform.RandomHorizontalFlip(p);
    }

    /** Left-right mirror with probability 0.5. */
    public static Transform randomHorizontalFlip() {
        return new Transform.RandomHorizontalFlip(0.5);
    }

    /** The transforms in order, as one. */
    public static Transform compose(Transform... transforms) {
        return new Transform.Compose(Arrays.asList(transforms));
    }

    /** A user-written per-image transform (see {@link Transform.Custom}). */
    public static Transform custom(String name, Transform.ImageOp op) {
        return new Transform.Custom(name, op);
    }
}
