package dev.nabla.quantize.observer;

import dev.nabla.tensor.Tensor;

/**
 * A histogram of every value observed over a range that grows to take in each new batch, as
 * PyTorch's {@code HistogramObserver} keeps it: when a batch falls outside the current range, the
 * range widens to a whole multiple of the old one, and the old histogram is spread over the new bins
 * by upsampling it ({@code upsampleRate} sub-bins per bin, each with an even share) and summing
 * the sub-bins that fall in each new bin.
 *
 * <p>One deviation from PyTorch 1.13: that version passes {@code int(min)} and {@code int(max)} to
 * {@code torch.histc}, which truncates the range to whole numbers and drops values outside them (a
 * range of [-0.3, 2.7] counted only [0, 2]); this keeps the real range.
 */
final class RunningHistogram {
    final int bins;
    final int upsampleRate;
    float[] counts;
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;

    RunningHistogram(int bins, int upsampleRate) {
        if (bins < 1 || upsampleRate < 1) {
            throw new IllegalArgumentException(
                    "histogram observer: bins and upsample rate must be >= 1, got " + bins + ", " + upsampleRate);
        }
        this.bins = bins;
        this.upsampleRate = upsampleRate;
        this.counts = new float[bins];
    }

    void add(String who, Tensor x) {
        if (x.numel() == 0) {
            return;
        }
        float[] r = Observers.range(who, x);
        boolean uninitialized = min == Float.POSITIVE_INFINITY && max == Float.NEGATIVE_INFINITY;
        if (uninitialized || min == max) {
            min = r[0];
            max = r[1];
            counts = x.histc(bins, min, max).toArray();
            return;
        }
        float combinedMin = Math.min(r[0], min);
        float combinedMax = Math.max(r[1], max);
        // _adjust_min_max: a common grid of sub-bins of the old width / upsampleRate.
        float subWidth = (max - min) / (bins * upsampleRate);
        int downsample = (int) Math.ceil((combinedMax - combinedMin) / (bins * subWidth));
        float e = downsample * (bins * subWidth) - (combinedMax - combinedMin);
        combinedMax = combinedMax + e; // only the max moves: a one-sided range keeps its 0
        int start = (int) Math.rint((min - combinedMin) / subWidth);
        float[] merged = x.histc(bins, combinedMin, combinedMax).toArray();
        if (combinedMin == min && combinedMax == max) {
            for (int i = 0; i < bins; i++) {
                merged[i] += counts[i];
            }
        } else {
            resample(merged, downsample, start);
        }
        counts = merged;
        min = combinedMin;
        max = combinedMax;
    }

    /**
     * {@code _combine_histograms}: the old counts, each spread evenly over {@code upsampleRate}
     * sub-bins placed from sub-bin {@code start} on, summed {@code downsample} sub-bins at a time into
     * {@code into}. Works on the running sum of the sub-bins without materialising them.
     */
    private void resample(float[] into, int downsample, int start) {
        double[] prefix = new double[bins + 1];
        for (int i = 0; i < bins; i++) {
            prefix[i + 1] = prefix[i] + counts[i];
        }
        double previous = 0;
        for (int j = 0; j < bins; j++) {
            double cumulative = subBinSum((long) (j + 1) * downsample - 1, start, prefix);
            into[j] += (float) ((cumulative - previous) / upsampleRate);
            previous = cumulative;
        }
    }

    /** The upsampled values (each count repeated upsampleRate times) summed over sub-bins 0..p. */
    private double subBinSum(long p, int start, double[] prefix) {
        long q = p - start;
        if (q < 0) {
            return 0;
        }
        long covered = q + 1;
        long whole = Math.min(bins, covered / upsampleRate);
        double sum = prefix[(int) whole] * upsampleRate;
        if (whole < bins) {
            sum += (covered % upsampleRate) * (double) counts[(int) whole];
        }
        return sum;
    }

    boolean isEmpty() {
        return min == Float.POSITIVE_INFINITY && max == Float.NEGATIVE_INFINITY;
    }
}
