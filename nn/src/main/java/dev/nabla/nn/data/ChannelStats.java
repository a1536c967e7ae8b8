package dev.nabla.nn.data;

import java.util.Arrays;

/**
 * Per-channel mean and standard deviation of image values in [0, 1], the parameters of
 * {@link Transforms#normalize(ChannelStats)}: computed from a training set with
 * {@link ImageDataset#channelStats()} or given, e.g. Fashion-MNIST's {@link FashionMnist#STATS}.
 *
 * <pre>{@code
 * ChannelStats s = Mnist.embedded().train().channelStats();
 * s.mean()[0];   // about 0.131
 * s.std()[0];    // about 0.309
 * }</pre>
 *
 * @param mean one value per channel
 * @param std  one positive value per channel
 */
public record ChannelStats(float[] mean, float[] std) {
    public ChannelStats {
        if (mean.length == 0 || mean.length != std.length) {
            throw new IllegalArgumentException("channel stats need one mean and one std per channel, got " + mean.length
                    + " means and " + std.length + " stds");
        }
        for (int c = 0; c < std.length; c++) {
            if (!(std[c] > 0) || !Float.isFinite(std[c]) || !Float.isFinite(mean[c])) {
                throw new IllegalArgumentException("channel " + c + ": need a finite mean and a finite std > 0, "
                        + "got mean " + mean[c] + ", std " + std[c]);
            }
        }
        mean = mean.clone();
        std = std.clone();
    }

    /** Stats of a one-channel (grayscale) data set. */
    public static ChannelStats of(float mean, float std) {
        return new ChannelStats(new float[] {mean}, new float[] {std});
    }

    public int channels() {
        return mean.length;
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChannelStats s && Arrays.equals(mean, s.mean) && Arrays.equals(std, s.std);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return "ChannelStats[mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]";
    }
}
