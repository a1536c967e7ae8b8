package dev.nabla.quantize;

import dev.nabla.quantize.observer.HistogramObserver;
import dev.nabla.quantize.observer.MinMaxObserver;
import dev.nabla.quantize.observer.MovingAverageMinMaxObserver;
import dev.nabla.quantize.observer.Observer;
import dev.nabla.quantize.observer.ObserverConfig;
import dev.nabla.quantize.observer.PerChannelMinMaxObserver;
import dev.nabla.quantize.observer.PercentileObserver;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * How a model is quantized, PyTorch's {@code QConfig}: a factory of observers for activations (one
 * per observed output) and one for weights (one per layer).
 *
 * <p>The presets quantize activations to uint8 over the full range 0..255, per tensor, and weights
 * to int8 per output channel, symmetric. PyTorch's x86 default narrows activations to 0..127
 * ({@code reduce_range}) because its kernels sum pairs of products in 16 bits; Nabla's int8 kernels
 * accumulate in 32 bits and need no such sacrifice ({@code ObserverConfig.withReduceRange} gives it
 * back when matching PyTorch).
 *
 * <pre>{@code
 * QConfig.defaults();                         // histogram activations, per-channel min-max weights
 * QConfig.observer("percentile");             // what ./nabla quantize --observer percentile uses
 * new QConfig(() -> new MinMaxObserver(ObserverConfig.activations().withReduceRange(true)),
 *             () -> new PerChannelMinMaxObserver(ObserverConfig.weights()));
 * }</pre>
 *
 * @param activation a fresh observer for each activation
 * @param weight     a fresh observer for each weight
 */
public record QConfig(Supplier<? extends Observer> activation, Supplier<? extends Observer> weight) {
    /** The activation observers {@link #observer} knows by name. */
    public static final String[] OBSERVERS = {"minmax", "percentile", "histogram"};

    public QConfig {
        Objects.requireNonNull(activation, "activation");
        Objects.requireNonNull(weight, "weight");
    }

    /** Post-training static quantization: {@link HistogramObserver} activations (PyTorch's default). */
    public static QConfig defaults() {
        return observer("histogram");
    }

    /**
     * The activation observer by name: {@code minmax} ({@link MinMaxObserver}), {@code percentile}
     * ({@link PercentileObserver}, 99.99 %) or {@code histogram} ({@link HistogramObserver});
     * per-channel min-max weights in every case.
     */
    public static QConfig observer(String name) {
        Supplier<? extends Observer> act = switch (name) {
            case "minmax" -> () -> new MinMaxObserver(ObserverConfig.activations());
            case "percentile" -> () -> new PercentileObserver(ObserverConfig.activations());
            case "histogram" -> () -> new HistogramObserver(ObserverConfig.activations());
            default ->
                throw new IllegalArgumentException(
                        "unknown observer '" + name + "'; choose one of " + String.join(", ", OBSERVERS));
        };
        return new QConfig(act, QConfig::weightObserver);
    }

    /**
     * Quantization-aware training: moving-average min-max activations (the ranges follow the
     * weights as they learn), per-channel min-max weights (taken from the current weights at every
     * step), as PyTorch's {@code get_default_qat_qconfig}.
     */
    public static QConfig qat() {
        return new QConfig(
                () -> new MovingAverageMinMaxObserver(ObserverConfig.activations()), QConfig::weightObserver);
    }

    private static Observer weightObserver() {
        return new PerChannelMinMaxObserver(ObserverConfig.weights());
    }
}
