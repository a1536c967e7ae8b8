package dev.nabla.quantize.prune;

import dev.nabla.optim.Optimizer;
import java.util.Collection;
import java.util.List;

/**
 * Zhu &amp; Gupta's gradual pruning schedule ("To prune, or not to prune", 2017): the sparsity
 * rises from {@code initial} to {@code target} as {@code s_t = s_f + (s_i - s_f) (1 - (t - t0) /
 * (t_end - t0))^3}, updated every {@code frequency} optimizer steps between {@code beginStep} and
 * {@code endStep}: fast at first, when many weights are redundant, slowly near the end, with
 * training in between to recover.
 *
 * <pre>{@code
 * Pruning p = Pruning.of(net);
 * Optimizer opt = new SGD(net.parameters(), 0.01).momentum(0.9);
 * p.attach(opt);
 * new GradualSchedule(0, 0.9, 0, 2000, 100).attach(p, Pruning.weights(net), true, opt);
 * // ... train 3000 steps: 90% sparse from step 2000 on, the last 1000 steps fine-tune
 * }</pre>
 *
 * @param initial   sparsity at {@code beginStep}, in [0, 1)
 * @param target    sparsity from {@code endStep} on, in [initial, 1)
 * @param beginStep the optimizer step of the first pruning (steps count from 1)
 * @param endStep   the step of the last pruning, {@code >= beginStep}
 * @param frequency steps between prunings, {@code >= 1}
 */
public record GradualSchedule(double initial, double target, long beginStep, long endStep, long frequency) {
    public GradualSchedule {
        if (!(initial >= 0 && initial < 1) || !(target >= initial && target < 1)) {
            throw new IllegalArgumentException("GradualSchedule: need 0 <= initial <= target < 1, got initial "
                    + initial + " and target " + target);
        }
        if (beginStep < 0 || endStep < beginStep || frequency < 1) {
            throw new IllegalArgumentException(
                    "GradualSchedule: need 0 <= beginStep <= endStep and frequency >= 1, got " + beginStep + ", "
                            + endStep + ", " + frequency);
        }
    }

    /** The sparsity the schedule asks for after optimizer step {@code step} (0 before the start). */
    public double sparsityAt(long step) {
        if (step < beginStep) {
            return 0;
        }
        if (step >= endStep || endStep == beginStep) {
            return target;
        }
        long t = beginStep + (step - beginStep) / frequency * frequency;
        double progress = (double) (t - beginStep) / (endStep - beginStep);
        return target + (initial - target) * Math.pow(1 - progress, 3);
    }

    /** Whether the schedule prunes after step {@code step}. */
    public boolean prunesAt(long step) {
        return step >= beginStep && step <= endStep && ((step - beginStep) % frequency == 0 || step == endStep);
    }

    /**
     * Prunes {@code names} of {@code pruning}'s model (together when {@code global}) after each
     * step of {@code optimizer} at which the schedule is due; returns the hook's handle.
     */
    public Optimizer.StepHookHandle attach(
            Pruning pruning, Collection<String> names, boolean global, Optimizer optimizer) {
        List<String> list = List.copyOf(names);
        return optimizer.registerStepPostHook(o -> {
            long step = o.stepCount();
            if (prunesAt(step)) {
                pruning.pruneTo(list, sparsityAt(step), global);
            }
        });
    }
}
