package dev.nabla.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The best value of a monitored figure so far and the epoch it came from, kept by the callbacks
 * that select on a {@link Monitor}, with the state they save in checkpoints.
 */
final class Best {
    private double value = Double.NaN;
    private int epoch;

    double value() {
        return value;
    }

    /** The epoch of the best value, 0 before the first. */
    int epoch() {
        return epoch;
    }

    /** Takes {@code candidate} of epoch {@code e} when it improves on the best by more than {@code minDelta}. */
    boolean offer(Monitor monitor, double candidate, int e, double minDelta) {
        if (!monitor.improves(candidate, value, minDelta)) {
            return false;
        }
        value = candidate;
        epoch = e;
        return true;
    }

    Map<String, String> state() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("best", Double.toString(value));
        s.put("best_epoch", Integer.toString(epoch));
        return s;
    }

    /** Reads {@link #state()} back; {@code owner} names the callback in errors. */
    void load(Map<String, String> state, String owner) {
        try {
            double v = Double.parseDouble(state.get("best"));
            int e = Integer.parseInt(state.get("best_epoch"));
            value = v;
            epoch = e;
        } catch (NullPointerException | NumberFormatException e) {
            throw new IllegalArgumentException(owner + ": cannot read its saved state " + state, e);
        }
    }
}
