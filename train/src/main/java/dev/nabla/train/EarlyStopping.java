package dev.nabla.train;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Stops training once a monitored figure has not improved for {@code patience} epochs in a row
 * (Keras' {@code EarlyStopping}): after epoch {@code e} it stops when the best value so far was
 * reached at epoch {@code e - patience} or earlier. "Improved" means better by more than
 * {@code minDelta}. Its counters are part of the run's state, so a resumed run stops where an
 * uninterrupted one would.
 *
 * <pre>{@code
 * var stop = new EarlyStopping(Monitor.VAL_LOSS, 3);
 * var trainer = new Trainer(model, opt, Trainer.options().epochs(100).callbacks(stop));
 * trainer.fit(train, val);
 * stop.stoppedEpoch();      // e.g. 23: val loss was best at epoch 20
 * }</pre>
 */
public final class EarlyStopping implements Callback {
    private final Monitor monitor;
    private final int patience;
    private final double minDelta;
    private final Best best = new Best();
    private int stoppedEpoch;

    /** Stops after {@code patience} epochs without any improvement of {@code monitor}. */
    public EarlyStopping(Monitor monitor, int patience) {
        this(monitor, patience, 0);
    }

    /**
     * @param patience epochs without improvement to wait, at least 1
     * @param minDelta how much better a value must be to count as an improvement, at least 0
     */
    public EarlyStopping(Monitor monitor, int patience, double minDelta) {
        this.monitor = Objects.requireNonNull(monitor, "monitor");
        if (patience < 1) {
            throw new IllegalArgumentException("EarlyStopping: patience must be >= 1, got " + patience);
        }
        if (!(minDelta >= 0) || Double.isInfinite(minDelta)) {
            throw new IllegalArgumentException("EarlyStopping: minDelta must be finite and >= 0, got " + minDelta);
        }
        this.patience = patience;
        this.minDelta = minDelta;
    }

    public Monitor monitor() {
        return monitor;
    }

    /** The epoch after which it stopped the run, or 0 when it has not. */
    public int stoppedEpoch() {
        return stoppedEpoch;
    }

    /** The epoch with the best value so far, or 0 before the first. */
    public int bestEpoch() {
        return best.epoch();
    }

    @Override
    public void onEpochEnd(Trainer trainer, Trainer.Epoch epoch) {
        double v = monitor.valueOf(epoch);
        if (Double.isNaN(v)) {
            throw new IllegalStateException("EarlyStopping monitors " + monitor.name() + ", which epoch "
                    + epoch.epoch() + " did not measure (is there a validation loader?)");
        }
        if (!best.offer(monitor, v, epoch.epoch(), minDelta) && epoch.epoch() - best.epoch() >= patience) {
            stoppedEpoch = epoch.epoch();
            trainer.stop(String.format(
                    Locale.ROOT,
                    "early stopping: %s has not improved for %d epoch%s (best %.6g at epoch %d)",
                    monitor.name(),
                    patience,
                    patience == 1 ? "" : "s",
                    best.value(),
                    best.epoch()));
        }
    }

    @Override
    public Map<String, String> state() {
        Map<String, String> s = best.state();
        s.put("stopped_epoch", Integer.toString(stoppedEpoch));
        return s;
    }

    @Override
    public void loadState(Map<String, String> state) {
        best.load(state, "EarlyStopping");
        try {
            stoppedEpoch = Integer.parseInt(state.get("stopped_epoch"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("EarlyStopping: cannot read its saved state " + state, e);
        }
    }

    @Override
    public String toString() {
        return "EarlyStopping(" + monitor.name() + ", patience " + patience + ", min delta " + minDelta + ")";
    }
}
