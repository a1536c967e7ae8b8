package dev.nabla.optim;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * Drives an optimizer's learning rates with a {@link Schedule}, like PyTorch's
 * {@code lr_scheduler} objects: construction records each group's current rate as its base rate
 * and sets the step-0 rate; each {@link #step()} advances one step and sets the new rates. Call it
 * after {@code optimizer.step()}, once per batch or once per epoch, whichever the schedule counts.
 *
 * <p>Its state is the step count and the base rates ({@link #stateDict()}); restoring them on a
 * scheduler built with the same schedule continues the exact sequence of rates.
 *
 * <pre>{@code
 * SGD opt = new SGD(model.parameters(), 0.1).momentum(0.9);
 * LrScheduler sched = new LrScheduler(opt, Schedule.step(30, 0.1));
 * for (int epoch = 0; epoch < 90; epoch++) {
 *     trainOneEpoch(model, opt);
 *     sched.step();
 * }
 * sched.currentLr();     // 1e-4
 * }</pre>
 */
public final class LrScheduler {
    private final Optimizer optimizer;
    private final Schedule schedule;
    private final Optimizer.Option momentumOption;
    private double[] baseLrs;
    private double[] lastLr;
    private long step;

    public LrScheduler(Optimizer optimizer, Schedule schedule) {
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        this.schedule = Objects.requireNonNull(schedule, "schedule");
        List<ParamGroup> groups = optimizer.paramGroups();
        baseLrs = new double[groups.size()];
        for (int i = 0; i < baseLrs.length; i++) {
            baseLrs[i] = groups.get(i).lr();
        }
        if (schedule.momentum(0).isPresent()) {
            momentumOption = optimizer.momentumOption();
            if (momentumOption == null) {
                throw new IllegalArgumentException("LrScheduler: " + schedule + " cycles momentum, but "
                        + optimizer.kind() + " has neither a momentum nor a beta1 option");
            }
        } else {
            momentumOption = null;
        }
        apply();
    }

    /** Advances one step and sets every group's rate (and momentum, if the schedule cycles it). */
    public void step() {
        step++;
        apply();
    }

    private void apply() {
        List<ParamGroup> groups = optimizer.paramGroups();
        if (groups.size() != baseLrs.length) {
            throw new IllegalStateException("LrScheduler: the optimizer has " + groups.size()
                    + " parameter groups but the scheduler was set up for " + baseLrs.length);
        }
        double[] rates = new double[baseLrs.length];
        for (int i = 0; i < rates.length; i++) {
            double lr = schedule.lr(step, baseLrs[i]);
            if (!(lr >= 0) || Double.isInfinite(lr)) {
                throw new IllegalStateException("LrScheduler: " + schedule + " gives learning rate " + lr + " at step "
                        + step + " for group " + i + " (base rate " + baseLrs[i] + ")");
            }
            rates[i] = lr;
        }
        OptionalDouble momentum = momentumOption == null ? OptionalDouble.empty() : schedule.momentum(step);
        for (int i = 0; i < rates.length; i++) {
            groups.get(i).setLr(rates[i]);
            if (momentum.isPresent()) {
                groups.get(i).set(momentumOption, momentum.getAsDouble());
            }
        }
        lastLr = rates;
    }

    /** The rates set by the last step (or construction), one per group. */
    public double[] lastLr() {
        return lastLr.clone();
    }

    /** The rate of the first group: the current rate when all groups share a schedule and base. */
    public double currentLr() {
        return lastLr[0];
    }

    /** Steps taken since construction (PyTorch's {@code last_epoch}). */
    public long stepCount() {
        return step;
    }

    /** The base (initial) rate of each group. */
    public double[] baseLrs() {
        return baseLrs.clone();
    }

    public Schedule schedule() {
        return schedule;
    }

    /**
     * The state as strings: {@code step}, {@code base_lrs} (comma-separated, each reading back to
     * the same double) and, for information, {@code schedule}.
     */
    public Map<String, String> stateDict() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("step", Long.toString(step));
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < baseLrs.length; i++) {
            sb.append(i == 0 ? "" : ",").append(baseLrs[i]);
        }
        m.put("base_lrs", sb.toString());
        m.put("schedule", schedule.toString());
        return m;
    }

    /** Restores {@link #stateDict()} and sets the rates of that step; checks everything first. */
    public void loadStateDict(Map<String, String> state) {
        Objects.requireNonNull(state, "state");
        String stepText = state.get("step");
        String basesText = state.get("base_lrs");
        if (stepText == null || basesText == null) {
            throw new IllegalArgumentException(
                    "LrScheduler.loadStateDict: the state needs 'step' and 'base_lrs', got keys " + state.keySet());
        }
        long s;
        double[] bases;
        try {
            s = Long.parseLong(stepText);
            String[] parts = basesText.split(",", -1);
            bases = new double[parts.length];
            for (int i = 0; i < parts.length; i++) {
                bases[i] = Double.parseDouble(parts[i]);
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "LrScheduler.loadStateDict: cannot read step '" + stepText + "' and base_lrs '" + basesText + "'",
                    e);
        }
        if (s < 0) {
            throw new IllegalArgumentException("LrScheduler.loadStateDict: negative step " + s);
        }
        if (bases.length != optimizer.paramGroups().size()) {
            throw new IllegalArgumentException(
                    "LrScheduler.loadStateDict: the state has " + bases.length + " base rates but the optimizer has "
                            + optimizer.paramGroups().size() + " groups");
        }
        long oldStep = step;
        double[] oldBases = baseLrs;
        step = s;
        baseLrs = bases;
        try {
            apply();
        } catch (RuntimeException e) {
            step = oldStep;
            baseLrs = oldBases;
            throw e;
        }
    }

    @Override
    public String toString() {
        return "LrScheduler(" + schedule + ", step " + step + ", lr " + Arrays.toString(lastLr) + ")";
    }
}
