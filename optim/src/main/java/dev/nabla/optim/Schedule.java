package dev.nabla.optim;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * A learning-rate schedule: the rate at step {@code t} (0, 1, 2, ... as counted by
 * {@link LrScheduler#step()}) for a parameter group whose initial rate is {@code baseLr}.
 *
 * <p>Schedules are pure functions of the step, in the closed forms of PyTorch's schedulers, so
 * resuming from a checkpoint needs only the step count and the base rates, and the rates do not
 * drift through repeated multiplication. The factories mirror {@code torch.optim.lr_scheduler}:
 * {@link #step} (StepLR), {@link #multiStep} (MultiStepLR), {@link #exponential} (ExponentialLR),
 * {@link #cosine} (CosineAnnealingLR), {@link #linear} (LinearLR), {@link #inverseTime}
 * ({@code LambdaLR} with {@code 1 / (1 + decay * t)}), {@link #oneCycle} (OneCycleLR),
 * {@link #sequential} (SequentialLR), {@link #chained} (ChainedScheduler) and {@link #warmup}
 * (a linear warm-up followed by any schedule). Any lambda {@code (t, base) -> ...} is a schedule too.
 *
 * <pre>{@code
 * Schedule s = Schedule.warmup(500, 0.01, Schedule.cosine(9_500, 1e-5));
 * LrScheduler sched = new LrScheduler(optimizer, s);
 * // per batch: optimizer.step(); sched.step();
 * }</pre>
 */
@FunctionalInterface
public interface Schedule {

    /** The learning rate at step {@code step} for a group whose initial rate is {@code baseLr}. */
    double lr(long step, double baseLr);

    /**
     * The momentum (SGD/RMSprop {@code momentum}, Adam {@code beta1}) this schedule sets at
     * {@code step}, or empty when it leaves momentum alone (all but {@link OneCycle}).
     */
    default OptionalDouble momentum(long step) {
        return OptionalDouble.empty();
    }

    // =================================================================== factories

    /** The base rate, unchanged. */
    static Schedule constant() {
        return new Constant();
    }

    /** {@code base * gamma^(t / stepSize)} (integer division), PyTorch's StepLR. */
    static Schedule step(int stepSize, double gamma) {
        return new Step(stepSize, gamma);
    }

    /** {@code base * gamma^(number of milestones <= t)}, PyTorch's MultiStepLR. */
    static Schedule multiStep(double gamma, int... milestones) {
        return new MultiStep(milestones, gamma);
    }

    /** {@code base * gamma^t}, PyTorch's ExponentialLR. */
    static Schedule exponential(double gamma) {
        return new Exponential(gamma);
    }

    /**
     * {@code etaMin + (base - etaMin) * (1 + cos(pi * t / tMax)) / 2}, PyTorch's CosineAnnealingLR
     * (which keeps following the cosine, back up, after {@code tMax}).
     */
    static Schedule cosine(int tMax, double etaMin) {
        return new Cosine(tMax, etaMin);
    }

    /** Inverse-time decay {@code base / (1 + decay * t)}. */
    static Schedule inverseTime(double decay) {
        return new InverseTime(decay);
    }

    /**
     * The base rate times a factor moving linearly from {@code startFactor} to {@code endFactor}
     * over {@code totalIters} steps, then staying at {@code endFactor}: PyTorch's LinearLR.
     */
    static Schedule linear(double startFactor, double endFactor, int totalIters) {
        return new Linear(startFactor, endFactor, totalIters);
    }

    /**
     * A linear warm-up from {@code startFactor * base} over {@code steps} steps, then
     * {@code then} starting from its own step 0: PyTorch's
     * {@code SequentialLR([LinearLR(start_factor, 1, steps), then], milestones=[steps])}.
     */
    static Schedule warmup(int steps, double startFactor, Schedule then) {
        return new Sequential(List.of(new Linear(startFactor, 1.0, steps), then), new int[] {steps});
    }

    /**
     * Runs {@code schedules.get(i)} from {@code milestones[i - 1]} on, each restarted at its own
     * step 0 (PyTorch's SequentialLR); milestones are increasing and there is one fewer than schedules.
     */
    static Schedule sequential(List<Schedule> schedules, int... milestones) {
        return new Sequential(schedules, milestones);
    }

    /**
     * Applies each schedule to the rate the previous one produced, all at the same step
     * ({@code s2.lr(t, s1.lr(t, base))}). For multiplicative schedules (step, exponential, linear,
     * inverse time, cosine with {@code etaMin = 0}) that is PyTorch's ChainedScheduler.
     */
    static Schedule chained(Schedule... schedules) {
        return new Chained(List.of(schedules));
    }

    /**
     * PyTorch's OneCycleLR over {@code totalSteps} steps, with the group's rate as the maximum
     * and PyTorch's defaults (30% warm-up, cosine annealing, {@code div_factor} 25,
     * {@code final_div_factor} 1e4, momentum cycled between 0.95 and 0.85); adjust with the
     * record's {@code with...} methods.
     */
    static OneCycle oneCycle(int totalSteps) {
        return new OneCycle(totalSteps, 0.3, Anneal.COS, 25, 1e4, false, true, 0.85, 0.95);
    }

    // =================================================================== implementations

    /** The base rate, unchanged. */
    record Constant() implements Schedule {
        @Override
        public double lr(long step, double baseLr) {
            return baseLr;
        }
    }

    /** PyTorch's StepLR. */
    record Step(int stepSize, double gamma) implements Schedule {
        public Step {
            if (stepSize <= 0) {
                throw new IllegalArgumentException("Schedule.step: stepSize must be positive, got " + stepSize);
            }
            checkFactor("step", "gamma", gamma);
        }

        @Override
        public double lr(long step, double baseLr) {
            return baseLr * Math.pow(gamma, step / stepSize);
        }
    }

    /** PyTorch's MultiStepLR. */
    record MultiStep(int[] milestones, double gamma) implements Schedule {
        public MultiStep {
            milestones = milestones.clone();
            checkIncreasing("multiStep", milestones);
            checkFactor("multiStep", "gamma", gamma);
        }

        @Override
        public double lr(long step, double baseLr) {
            int passed = 0;
            while (passed < milestones.length && milestones[passed] <= step) {
                passed++;
            }
            return baseLr * Math.pow(gamma, passed);
        }

        @Override
        public int[] milestones() {
            return milestones.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof MultiStep m && Arrays.equals(milestones, m.milestones) && gamma == m.gamma;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(milestones) * 31 + Double.hashCode(gamma);
        }

        @Override
        public String toString() {
            return "MultiStep[milestones=" + Arrays.toString(milestones) + ", gamma=" + gamma + "]";
        }
    }

    /** PyTorch's ExponentialLR. */
    record Exponential(double gamma) implements Schedule {
        public Exponential {
            checkFactor("exponential", "gamma", gamma);
        }

        @Override
        public double lr(long step, double baseLr) {
            return baseLr * Math.pow(gamma, step);
        }
    }

    /** PyTorch's CosineAnnealingLR. */
    record Cosine(int tMax, double etaMin) implements Schedule {
        public Cosine {
            if (tMax <= 0) {
                throw new IllegalArgumentException("Schedule.cosine: tMax must be positive, got " + tMax);
            }
            if (!(etaMin >= 0) || Double.isInfinite(etaMin)) {
                throw new IllegalArgumentException("Schedule.cosine: etaMin must be finite and >= 0, got " + etaMin);
            }
        }

        @Override
        public double lr(long step, double baseLr) {
            return etaMin + (baseLr - etaMin) * (1 + Math.cos(Math.PI * step / tMax)) / 2;
        }
    }

    /** Inverse-time decay {@code base / (1 + decay * t)}. */
    record InverseTime(double decay) implements Schedule {
        public InverseTime {
            if (!(decay >= 0) || Double.isInfinite(decay)) {
                throw new IllegalArgumentException("Schedule.inverseTime: decay must be finite and >= 0, got " + decay);
            }
        }

        @Override
        public double lr(long step, double baseLr) {
            return baseLr * (1.0 / (1.0 + decay * step));
        }
    }

    /** PyTorch's LinearLR. */
    record Linear(double startFactor, double endFactor, int totalIters) implements Schedule {
        public Linear {
            if (!(startFactor > 0 && startFactor <= 1)) {
                throw new IllegalArgumentException(
                        "Schedule.linear: startFactor must be in (0, 1], got " + startFactor);
            }
            if (!(endFactor >= 0 && endFactor <= 1)) {
                throw new IllegalArgumentException("Schedule.linear: endFactor must be in [0, 1], got " + endFactor);
            }
            if (totalIters <= 0) {
                throw new IllegalArgumentException("Schedule.linear: totalIters must be positive, got " + totalIters);
            }
        }

        @Override
        public double lr(long step, double baseLr) {
            return baseLr * (startFactor + (endFactor - startFactor) * Math.min(totalIters, step) / totalIters);
        }
    }

    /** PyTorch's SequentialLR. */
    record Sequential(List<Schedule> schedules, int[] milestones) implements Schedule {
        public Sequential {
            schedules = List.copyOf(schedules);
            milestones = milestones.clone();
            if (schedules.size() != milestones.length + 1) {
                throw new IllegalArgumentException("Schedule.sequential: " + schedules.size() + " schedules need "
                        + (schedules.size() - 1) + " milestones, got " + milestones.length);
            }
            checkIncreasing("sequential", milestones);
        }

        private int active(long step) {
            int i = 0;
            while (i < milestones.length && milestones[i] <= step) {
                i++;
            }
            return i;
        }

        private long local(long step, int i) {
            return i == 0 ? step : step - milestones[i - 1];
        }

        @Override
        public double lr(long step, double baseLr) {
            int i = active(step);
            return schedules.get(i).lr(local(step, i), baseLr);
        }

        @Override
        public OptionalDouble momentum(long step) {
            int i = active(step);
            return schedules.get(i).momentum(local(step, i));
        }

        @Override
        public int[] milestones() {
            return milestones.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Sequential s
                    && schedules.equals(s.schedules)
                    && Arrays.equals(milestones, s.milestones);
        }

        @Override
        public int hashCode() {
            return schedules.hashCode() * 31 + Arrays.hashCode(milestones);
        }

        @Override
        public String toString() {
            return "Sequential[schedules=" + schedules + ", milestones=" + Arrays.toString(milestones) + "]";
        }
    }

    /** Schedules applied one after another to the rate (PyTorch's ChainedScheduler). */
    record Chained(List<Schedule> schedules) implements Schedule {
        public Chained {
            schedules = List.copyOf(schedules);
            if (schedules.isEmpty()) {
                throw new IllegalArgumentException("Schedule.chained: needs at least one schedule");
            }
        }

        @Override
        public double lr(long step, double baseLr) {
            double lr = baseLr;
            for (Schedule s : schedules) {
                lr = s.lr(step, lr);
            }
            return lr;
        }

        /** The last schedule that sets a momentum wins, as the last scheduler stepped does in PyTorch. */
        @Override
        public OptionalDouble momentum(long step) {
            OptionalDouble m = OptionalDouble.empty();
            for (Schedule s : schedules) {
                OptionalDouble x = s.momentum(step);
                if (x.isPresent()) {
                    m = x;
                }
            }
            return m;
        }
    }

    /** How {@link OneCycle} moves between its phase end points. */
    enum Anneal {
        /** Half a cosine, as PyTorch's {@code anneal_strategy='cos'}. */
        COS,
        /** A straight line, as {@code anneal_strategy='linear'}. */
        LINEAR;

        double apply(double start, double end, double pct) {
            return switch (this) {
                case COS -> end + (start - end) / 2.0 * (Math.cos(Math.PI * pct) + 1);
                case LINEAR -> (end - start) * pct + start;
            };
        }
    }

    /**
     * PyTorch's OneCycleLR: the rate rises from {@code max / divFactor} to the group's rate
     * ({@code max}) over the first {@code pctStart} of the steps, then falls to
     * {@code max / divFactor / finalDivFactor}; with {@code threePhase} it first falls back to the
     * initial rate and then to the minimum. Momentum, when cycled, moves the opposite way between
     * {@code maxMomentum} and {@code baseMomentum}. Stepping past {@code totalSteps} is an error,
     * as in PyTorch.
     *
     * <p>Training takes {@code totalSteps} optimizer steps at scheduler steps {@code 0 ..
     * totalSteps - 1}, where the rates equal PyTorch's. At step {@code totalSteps} itself, after the
     * last update, PyTorch extrapolates its last phase past the end point (a linear anneal goes
     * negative there); this schedule holds the final rate and momentum instead.
     */
    record OneCycle(
            int totalSteps,
            double pctStart,
            Anneal anneal,
            double divFactor,
            double finalDivFactor,
            boolean threePhase,
            boolean cycleMomentum,
            double baseMomentum,
            double maxMomentum)
            implements Schedule {
        public OneCycle {
            if (totalSteps <= 0) {
                throw new IllegalArgumentException("Schedule.oneCycle: totalSteps must be positive, got " + totalSteps);
            }
            if (!(pctStart >= 0 && pctStart <= 1)) {
                throw new IllegalArgumentException("Schedule.oneCycle: pctStart must be in [0, 1], got " + pctStart);
            }
            Objects.requireNonNull(anneal, "anneal");
            if (!(divFactor > 0)
                    || !(finalDivFactor > 0)
                    || Double.isInfinite(divFactor)
                    || Double.isInfinite(finalDivFactor)) {
                throw new IllegalArgumentException(
                        "Schedule.oneCycle: divFactor and finalDivFactor must be positive, got " + divFactor + " and "
                                + finalDivFactor);
            }
            if (!(baseMomentum >= 0 && baseMomentum <= maxMomentum && maxMomentum < 1)) {
                throw new IllegalArgumentException("Schedule.oneCycle: need 0 <= baseMomentum <= maxMomentum < 1, got "
                        + baseMomentum + " and " + maxMomentum);
            }
            double[] ends = ends(totalSteps, pctStart, threePhase);
            double start = 0;
            for (double end : ends) {
                if (end == start) {
                    throw new IllegalArgumentException("Schedule.oneCycle: pctStart " + pctStart + " with " + totalSteps
                            + " steps gives an empty phase ending at step " + end);
                }
                start = end;
            }
        }

        private static double[] ends(int total, double pct, boolean three) {
            double first = pct * total - 1;
            return three ? new double[] {first, 2 * pct * total - 2, total - 1} : new double[] {first, total - 1};
        }

        public OneCycle withPctStart(double pct) {
            return new OneCycle(
                    totalSteps,
                    pct,
                    anneal,
                    divFactor,
                    finalDivFactor,
                    threePhase,
                    cycleMomentum,
                    baseMomentum,
                    maxMomentum);
        }

        public OneCycle withAnneal(Anneal a) {
            return new OneCycle(
                    totalSteps,
                    pctStart,
                    a,
                    divFactor,
                    finalDivFactor,
                    threePhase,
                    cycleMomentum,
                    baseMomentum,
                    maxMomentum);
        }

        public OneCycle withDivFactors(double div, double finalDiv) {
            return new OneCycle(
                    totalSteps, pctStart, anneal, div, finalDiv, threePhase, cycleMomentum, baseMomentum, maxMomentum);
        }

        public OneCycle withThreePhase(boolean three) {
            return new OneCycle(
                    totalSteps,
                    pctStart,
                    anneal,
                    divFactor,
                    finalDivFactor,
                    three,
                    cycleMomentum,
                    baseMomentum,
                    maxMomentum);
        }

        /** Cycle momentum between {@code base} and {@code max}. */
        public OneCycle withMomentum(double base, double max) {
            return new OneCycle(totalSteps, pctStart, anneal, divFactor, finalDivFactor, threePhase, true, base, max);
        }

        /** Leave momentum alone (PyTorch's {@code cycle_momentum=False}). */
        public OneCycle withoutMomentumCycling() {
            return new OneCycle(
                    totalSteps,
                    pctStart,
                    anneal,
                    divFactor,
                    finalDivFactor,
                    threePhase,
                    false,
                    baseMomentum,
                    maxMomentum);
        }

        /** Phase index and fraction of it done at {@code step}, as PyTorch's OneCycleLR.get_lr. */
        private double[] phase(long step) {
            if (step > totalSteps) {
                throw new IllegalStateException(
                        "OneCycle: stepped to " + step + ", past its " + totalSteps + " total steps");
            }
            double[] ends = ends(totalSteps, pctStart, threePhase);
            double start = 0;
            for (int i = 0; i < ends.length; i++) {
                if (step <= ends[i] || i == ends.length - 1) {
                    return new double[] {i, Math.min(1.0, (step - start) / (ends[i] - start))};
                }
                start = ends[i];
            }
            throw new AssertionError("unreachable");
        }

        @Override
        public double lr(long step, double baseLr) {
            double initial = baseLr / divFactor;
            double min = initial / finalDivFactor;
            double[] p = phase(step);
            double pct = p[1];
            return switch ((int) p[0]) {
                case 0 -> anneal.apply(initial, baseLr, pct);
                case 1 -> threePhase ? anneal.apply(baseLr, initial, pct) : anneal.apply(baseLr, min, pct);
                default -> anneal.apply(initial, min, pct);
            };
        }

        @Override
        public OptionalDouble momentum(long step) {
            if (!cycleMomentum) {
                return OptionalDouble.empty();
            }
            double[] p = phase(step);
            double pct = p[1];
            return OptionalDouble.of(
                    switch ((int) p[0]) {
                        case 0 -> anneal.apply(maxMomentum, baseMomentum, pct);
                        case 1 -> anneal.apply(baseMomentum, maxMomentum, pct);
                        default -> anneal.apply(maxMomentum, maxMomentum, pct);
                    });
        }
    }

    private static void checkFactor(String op, String name, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException("Schedule." + op + ": " + name + " must be finite and >= 0, got " + v);
        }
    }

    private static void checkIncreasing(String op, int[] milestones) {
        for (int i = 0; i < milestones.length; i++) {
            if (milestones[i] <= 0 || (i > 0 && milestones[i] <= milestones[i - 1])) {
                throw new IllegalArgumentException("Schedule." + op
                        + ": milestones must be positive and increasing, got " + Arrays.toString(milestones));
            }
        }
    }
}
