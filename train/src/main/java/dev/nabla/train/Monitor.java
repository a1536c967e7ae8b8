package dev.nabla.train;

import java.util.List;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * A figure of each epoch to watch, and which way is better: what {@link EarlyStopping} and
 * {@link ModelCheckpoint} select on (Keras' {@code monitor} and {@code mode}). The four standard
 * ones are constants; any function of an {@link Trainer.Epoch} makes another.
 *
 * <pre>{@code
 * Monitor.VAL_LOSS;                                                   // lower is better
 * Monitor.named("val_accuracy");                                      // by name, for command lines
 * new Monitor("gap", Monitor.Mode.MIN, e -> e.valLoss() - e.trainLoss());
 * }</pre>
 *
 * @param name  the figure's name in messages (and its column in {@code log.csv}, for the standard ones)
 * @param mode  whether lower ({@link Mode#MIN}) or higher ({@link Mode#MAX}) values are better
 * @param value reads the figure from an epoch; NaN when the epoch did not measure it
 */
public record Monitor(String name, Mode mode, ToDoubleFunction<Trainer.Epoch> value) {
    /** Which way a monitored figure improves. */
    public enum Mode {
        MIN,
        MAX
    }

    public static final Monitor VAL_LOSS = new Monitor("val_loss", Mode.MIN, Trainer.Epoch::valLoss);
    public static final Monitor VAL_ACCURACY = new Monitor("val_accuracy", Mode.MAX, Trainer.Epoch::valAccuracy);
    public static final Monitor TRAIN_LOSS = new Monitor("train_loss", Mode.MIN, Trainer.Epoch::trainLoss);
    public static final Monitor TRAIN_ACCURACY = new Monitor("train_accuracy", Mode.MAX, Trainer.Epoch::trainAccuracy);

    /** The standard monitors, by name. */
    public static final List<Monitor> STANDARD = List.of(VAL_LOSS, VAL_ACCURACY, TRAIN_LOSS, TRAIN_ACCURACY);

    public Monitor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(value, "value");
    }

    /** The standard monitor called {@code name}. */
    public static Monitor named(String name) {
        for (Monitor m : STANDARD) {
            if (m.name.equals(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown monitor '" + name + "'; choose one of "
                + STANDARD.stream().map(Monitor::name).toList());
    }

    /** The figure in {@code epoch}. */
    public double valueOf(Trainer.Epoch epoch) {
        return value.applyAsDouble(epoch);
    }

    /**
     * True when {@code candidate} is better than {@code best} by more than {@code minDelta}. NaN is
     * never better; anything else is better than a NaN best (nothing seen yet).
     */
    public boolean improves(double candidate, double best, double minDelta) {
        if (Double.isNaN(candidate)) {
            return false;
        }
        if (Double.isNaN(best)) {
            return true;
        }
        return mode == Mode.MIN ? candidate < best - minDelta : candidate > best + minDelta;
    }

    @Override
    public String toString() {
        return name + " (" + (mode == Mode.MIN ? "lower" : "higher") + " is better)";
    }
}
