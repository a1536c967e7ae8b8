package dev.nabla.quantize.observer;

import dev.nabla.tensor.Tensor;

/**
 * An exponential moving average of each batch's minimum and maximum, PyTorch's
 * {@code MovingAverageMinMaxObserver}: {@code min += c * (batchMin - min)} (likewise the maximum)
 * after the first batch, which sets them. What quantization-aware training uses, where the
 * activations drift as the weights learn.
 *
 * <pre>{@code
 * var o = new MovingAverageMinMaxObserver(ObserverConfig.activations(), 0.01);
 * o.observe(Tensor.of(0f, 1f));
 * o.observe(Tensor.of(0f, 2f));
 * o.max();   // 1.01
 * }</pre>
 */
public final class MovingAverageMinMaxObserver implements Observer {
    private final ObserverConfig config;
    private final float averagingConstant;
    private float min = Float.POSITIVE_INFINITY;
    private float max = Float.NEGATIVE_INFINITY;

    /** PyTorch's default averaging constant, 0.01. */
    public MovingAverageMinMaxObserver(ObserverConfig config) {
        this(config, 0.01);
    }

    public MovingAverageMinMaxObserver(ObserverConfig config, double averagingConstant) {
        if (config.qscheme().isPerChannel()) {
            throw new IllegalArgumentException("MovingAverageMinMaxObserver is per tensor, not " + config.qscheme());
        }
        if (!(averagingConstant > 0 && averagingConstant <= 1)) {
            throw new IllegalArgumentException(
                    "MovingAverageMinMaxObserver: the averaging constant must be in (0, 1], got " + averagingConstant);
        }
        this.config = config;
        this.averagingConstant = (float) averagingConstant;
    }

    @Override
    public void observe(Tensor x) {
        if (x.numel() == 0) {
            return;
        }
        float[] r = Observers.range("MovingAverageMinMaxObserver", x);
        if (min == Float.POSITIVE_INFINITY && max == Float.NEGATIVE_INFINITY) {
            min = r[0];
            max = r[1];
        } else {
            min = min + averagingConstant * (r[0] - min);
            max = max + averagingConstant * (r[1] - max);
        }
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

    public float min() {
        return min;
    }

    public float max() {
        return max;
    }

    @Override
    public String toString() {
        return "MovingAverageMinMaxObserver(min=" + min + ", max=" + max + ", c=" + averagingConstant + ")";
    }
}
