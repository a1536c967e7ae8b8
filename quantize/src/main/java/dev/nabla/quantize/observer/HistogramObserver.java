package dev.nabla.quantize.observer;

import dev.nabla.tensor.Tensor;

/**
 * Chooses the clipping range that minimises the quantization error, PyTorch's
 * {@code HistogramObserver} (from Caffe2's {@code NormMinimization}): it keeps a histogram of every
 * activation value (2048 bins by default) and, when asked for parameters, narrows the range from
 * either end, one quantile step at a time, while the estimated L2 error of quantizing the whole
 * distribution to 256 levels over the narrowed range keeps falling. Rare outliers then no longer
 * stretch the scale for everything else.
 *
 * <pre>{@code
 * var o = new HistogramObserver(ObserverConfig.activations());
 * o.observe(Tensor.randn(new Generator(0), 10_000));
 * o.qparams();   // a range a little inside [min, max]
 * }</pre>
 */
public final class HistogramObserver implements Observer {
    private final ObserverConfig config;
    private final RunningHistogram hist;
    private final int dstBins;

    /** 2048 bins, upsampling rate 128: PyTorch's defaults. */
    public HistogramObserver(ObserverConfig config) {
        this(config, 2048, 128);
    }

    public HistogramObserver(ObserverConfig config, int bins, int upsampleRate) {
        if (config.qscheme().isPerChannel()) {
            throw new IllegalArgumentException("HistogramObserver is per tensor, not " + config.qscheme());
        }
        this.config = config;
        this.hist = new RunningHistogram(bins, upsampleRate);
        this.dstBins = 256;
    }

    @Override
    public void observe(Tensor x) {
        hist.add("HistogramObserver", x);
    }

    @Override
    public QParams qparams() {
        if (hist.isEmpty()) {
            return config.qparams(new float[] {Float.POSITIVE_INFINITY}, new float[] {Float.NEGATIVE_INFINITY});
        }
        float[] range = search();
        return config.qparams(new float[] {range[0]}, new float[] {range[1]});
    }

    @Override
    public boolean isEmpty() {
        return hist.isEmpty();
    }

    @Override
    public ObserverConfig config() {
        return config;
    }

    /** The histogram's current range, {@code {min, max}}. */
    public float[] range() {
        return new float[] {hist.min, hist.max};
    }

    /**
     * {@code _non_linear_param_search}: move the start or the end bin (whichever the next quantile
     * step moves further) while the quantization error decreases.
     */
    float[] search() {
        int bins = hist.bins;
        float[] h = hist.counts;
        float binWidth = (hist.max - hist.min) / bins;
        float[] cSum = new float[bins];
        float run = 0;
        for (int i = 0; i < bins; i++) {
            run += h[i];
            cSum[i] = run;
        }
        double total = run;
        double stepsize = 1e-5;
        double alpha = 0;
        double beta = 1;
        int startBin = 0;
        int endBin = bins - 1;
        double normMin = Double.POSITIVE_INFINITY;
        while (alpha < beta) {
            double nextAlpha = alpha + stepsize;
            double nextBeta = beta - stepsize;
            int l = startBin;
            int r = endBin;
            while (l < endBin && cSum[l] < (float) (nextAlpha * total)) {
                l++;
            }
            while (r > startBin && cSum[r] > (float) (nextBeta * total)) {
                r--;
            }
            int nextStart = startBin;
            int nextEnd = endBin;
            if (l - startBin > endBin - r) {
                nextStart = l;
                alpha = nextAlpha;
            } else {
                nextEnd = r;
                beta = nextBeta;
            }
            if (nextStart == startBin && nextEnd == endBin) {
                continue;
            }
            double norm = quantizationError(nextStart, nextEnd);
            if (norm > normMin) {
                break;
            }
            normMin = norm;
            startBin = nextStart;
            endBin = nextEnd;
        }
        return new float[] {hist.min + binWidth * startBin, hist.min + binWidth * (endBin + 1)};
    }

    /**
     * {@code _compute_quantization_error}: the L2 error of quantizing the histogram's mass, spread
     * evenly within each source bin, to {@code dstBins} levels over bins {@code start..end}.
     */
    private double quantizationError(int start, int end) {
        int bins = hist.bins;
        double binWidth = ((double) hist.max - hist.min) / bins;
        double dstWidth = binWidth * (end - start + 1) / dstBins;
        if (dstWidth == 0.0) {
            return 0.0;
        }
        // Element-wise in float32 like PyTorch's tensors, each double scalar rounded to float once.
        float bw = (float) binWidth;
        float dw = (float) dstWidth;
        float half = (float) (dstWidth / 2);
        float fullNorm = norm(-half, half);
        double sum = 0;
        for (int i = 0; i < bins; i++) {
            float begin = (i - start) * bw;
            float endPos = begin + bw;
            float dstBegin = clampBin((float) Math.floor(begin / dw));
            float dstEnd = clampBin((float) Math.floor(endPos / dw));
            float density = hist.counts[i] / bw;
            float beginCenter = (dstBegin + 0.5f) * dw;
            float n = norm(begin - beginCenter, half) * density;
            n += (dstEnd - dstBegin - 1) * (fullNorm * density);
            float endCenter = dstEnd * dw + half;
            n += norm(-half, endPos - endCenter) * density;
            sum += n;
        }
        return sum;
    }

    private float clampBin(float b) {
        return Math.max(0f, Math.min(dstBins - 1, b));
    }

    /** {@code (end^3 - begin^3) / 3}: the integral of x^2 over [begin, end]. */
    private static float norm(float begin, float end) {
        return (end * end * end - begin * begin * begin) / 3;
    }

    @Override
    public String toString() {
        return "HistogramObserver(range=[" + hist.min + ", " + hist.max + "], bins=" + hist.bins + ")";
    }
}
