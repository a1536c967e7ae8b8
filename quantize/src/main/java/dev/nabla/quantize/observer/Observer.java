package dev.nabla.quantize.observer;

import dev.nabla.tensor.Tensor;

/**
 * Watches the values a tensor takes (an activation during calibration, a weight at conversion) and
 * turns what it saw into quantization parameters, PyTorch's observers: {@link #observe} is their
 * {@code forward}, {@link #qparams} their {@code calculate_qparams}.
 *
 * <pre>{@code
 * Observer o = new MinMaxObserver(ObserverConfig.activations());
 * o.observe(Tensor.of(-1f, 0.5f, 3f));
 * o.qparams();    // scale 4/255, zero point 64
 * }</pre>
 */
public interface Observer {
    /** Records the statistics of {@code x}, a float32 tensor (not modified). */
    void observe(Tensor x);

    /** The parameters for everything observed so far. */
    QParams qparams();

    /** What the parameters quantize to. */
    ObserverConfig config();

    /** True until {@link #observe} has seen a value. */
    boolean isEmpty();
}
