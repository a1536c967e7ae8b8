package dev.nabla.quantize.observer;

import dev.nabla.tensor.Tensor;

/**
 * Clips the range at percentiles of everything observed (TensorRT's percentile calibration): with
 * 99.99, the lowest and highest 0.01 % of the values fall outside the quantized range, so rare
 * outliers do not stretch the scale. The distribution is kept as a running histogram (as
 * {@link HistogramObserver} keeps it, 2048 bins); a percentile is read off its cumulative counts,
 * interpolated linearly within a bin.
 *
 * <pre>{@code
 * var o = new PercentileObserver(ObserverConfig.activations(), 99.9);
 * o.observe(Tensor.randn(new Generator(0), 100_000));
 * o.range();   // about {-3.09, 3.09}
 * }</pre>
 */
public final class PercentileObserver implements Observer {
    private final ObserverConfig config;
    private final double percentile;
    private final RunningHistogram hist;

    /** The 99.99th percentile (and 0.01th below), 2048 bins. */
    public PercentileObserver(ObserverConfig config) {
        this(config, 99.99);
    }

    /** @param percentile in (50, 100]; 100 keeps the whole observed range */
    public PercentileObserver(ObserverConfig config, double percentile) {
        if (config.qscheme().isPerChannel()) {
            throw new IllegalArgumentException("PercentileObserver is per tensor, not " + config.qscheme());
        }
        if (!(percentile > 50 && percentile <= 100)) {
            throw new IllegalArgumentException(
                    "PercentileObserver: percentile must be in (50, 100], got " + percentile);
        }
        this.config = config;
        this.percentile = percentile;
        this.hist = new RunningHistogram(2048, 128);
    }

    @Override
    public void observe(Tensor x) {
        hist.add("PercentileObserver", x);
    }

    @Override
    public QParams qparams() {
        if (hist.isEmpty()) {
            return config.qparams(new float[] {Float.POSITIVE_INFINITY}, new float[] {Float.NEGATIVE_INFINITY});
        }
        float[] r = range();
        return config.qparams(new float[] {r[0]}, new float[] {r[1]});
    }

    /** {@code {lower, upper}}: the (100 - p)th and pth percentiles of the values observed. */
    public float[] range() {
        if (hist.isEmpty()) {
            throw new IllegalStateException("PercentileObserver: nothing observed yet");
        }
        return new float[] {quantile(1 - percentile / 100), quantile(percentile / 100)};
    }

    /** The value below which a fraction {@code q} of the counted mass lies. */
    private float quantile(double q) {
        float[] h = hist.counts;
        double total = 0;
        for (float v : h) {
            total += v;
        }
        double target = q * total;
        double width = ((double) hist.max - hist.min) / hist.bins;
        double below = 0;
        for (int b = 0; b < h.length; b++) {
            if (h[b] > 0 && below + h[b] >= target) {
                double within = Math.max(0, Math.min(1, (target - below) / h[b]));
                return (float) (hist.min + width * (b + within));
            }
            below += h[b];
        }
        return hist.max;
    }

    @Override
    public boolean isEmpty() {
        return hist.isEmpty();
    }

    @Override
    public ObserverConfig config() {
        return config;
    }

    @Override
    public String toString() {
        return "PercentileObserver(" + percentile + "%, range=[" + hist.min + ", " + hist.max + "])";
    }
}
