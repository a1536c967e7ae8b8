package dev.nabla.quantize.observer;

import dev.nabla.tensor.Tensor;

/**
 * The running minimum and maximum of everything observed, PyTorch's {@code MinMaxObserver}: the
 * simplest calibration, exact for the data seen and sensitive to outliers.
 *
 * <pre>{@code
 * var o = new MinMaxObserver(ObserverConfig.activations());
 * o.observe(Tensor.of(0f, 2f));
 * o.observe(Tensor.of(-1f, 1f));
 * o.min();       // -1
 * o.qparams();   // scale 3/255, zero point 85
 * }</pre>
 */
public final class MinMaxObserver implements Observer {
    private final ObserverConfig config;
    private float min = Float.POSITIVE_INFINITY;
    private float max = Float.NEGATIVE_INFINITY;

    public MinMaxObserver(ObserverConfig config) {
        if (config.qscheme().isPerChannel()) {
            throw new IllegalArgumentException(
                    "MinMaxObserver is per tensor; use PerChannelMinMaxObserver for " + config.qscheme());
        }
        this.config = config;
    }

    @Override
    public void observe(Tensor x) {
        if (x.numel() == 0) {
            return;
        }
        float[] r = Observers.range("MinMaxObserver", x);
        min = Math.min(min, r[0]);
        max = Math.max(max, r[1]);
    }

    @Override
    public QParams qparams() {
        return config.qparams(new float[] {min}, new float[] {max});
    }

    @Override
    public boolean isEmpty() {
        return min > max;
    }

    @Override
    public ObserverConfig config() {
        return config;
    }

    /** The smallest value observed (+infinity before any). */
    public float min() {
        return min;
    }

    /** The largest value observed (-infinity before any). */
    public float max() {
        return max;
    }

    @Override
    public String toString() {
        return "MinMaxObserver(min=" + min + ", max=" + max + ")";
    }
}
