package dev.nabla.export;

import dev.nabla.nn.Module;
import dev.nabla.nn.data.Preprocessing;
import dev.nabla.optim.LrScheduler;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.OptimizerState;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a training run needs to continue exactly: the model's state dict, the optimizer's
 * state, the scheduler's state, the states of the random generators (shuffling, dropout), the
 * epoch and step counters, free-form string metadata, and the {@link Preprocessing} the model's
 * inputs need (so inference applies the training normalisation). {@link Checkpoint} saves and
 * loads it.
 *
 * <p>{@link #capture} takes the live tensors (no copies): save the state before training goes on.
 * {@link #restore} puts everything back, all or nothing; {@link #restoreModel} puts back only the
 * weights, to fine-tune with a new optimizer or to predict.
 *
 * <pre>{@code
 * Map<String, Generator> gens = Map.of("shuffle", shuffle);
 * Checkpoint.save(dir, TrainingState.capture(model, opt, sched, gens, epoch, step).withPreprocessing(pre));
 * // later, in a fresh process with a freshly built model, optimizer and scheduler:
 * TrainingState s = Checkpoint.load(dir);
 * s.restore(model, opt, sched, gens);
 * long epoch = s.epoch();
 * // or only the weights, for fine-tuning with a new optimizer:
 * Checkpoint.load(dir).restoreModel(model);
 * }</pre>
 *
 * @param model      parameters and buffers by dotted name
 * @param optimizer  the optimizer's state dict
 * @param scheduler  the scheduler's state dict, empty when there is no scheduler
 * @param generators each generator's 256-bit state, by the name the training loop gives it
 * @param extra         the caller's own metadata (best validation loss, config, ...)
 * @param preprocessing the model's input shape, normalisation and class names, or null when not
 *                      recorded
 */
public record TrainingState(
        Map<String, Tensor> model,
        OptimizerState optimizer,
        Map<String, String> scheduler,
        Map<String, long[]> generators,
        long epoch,
        long step,
        Map<String, String> extra,
        Preprocessing preprocessing) {

    public TrainingState {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(optimizer, "optimizer");
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(generators, "generators");
        Objects.requireNonNull(extra, "extra");
        if (epoch < 0 || step < 0) {
            throw new IllegalArgumentException(
                    "TrainingState: epoch and step must be >= 0, got " + epoch + " and " + step);
        }
        model = Collections.unmodifiableMap(new LinkedHashMap<>(model));
        scheduler = Collections.unmodifiableMap(new LinkedHashMap<>(scheduler));
        Map<String, long[]> g = new LinkedHashMap<>();
        generators.forEach((k, v) -> g.put(k, v.clone()));
        generators = Collections.unmodifiableMap(g);
        extra = Collections.unmodifiableMap(new LinkedHashMap<>(extra));
    }

    /** The same state recording {@code preprocessing}, what the model's inputs need. */
    public TrainingState withPreprocessing(Preprocessing preprocessing) {
        return new TrainingState(model, optimizer, scheduler, generators, epoch, step, extra, preprocessing);
    }

    /** The state of a run; {@code scheduler} may be null. */
    public static TrainingState capture(
            Module model,
            Optimizer optimizer,
            LrScheduler scheduler,
            Map<String, Generator> generators,
            long epoch,
            long step) {
        return capture(model, optimizer, scheduler, generators, epoch, step, Map.of());
    }

    public static TrainingState capture(
            Module model,
            Optimizer optimizer,
            LrScheduler scheduler,
            Map<String, Generator> generators,
            long epoch,
            long step,
            Map<String, String> extra) {
        Map<String, long[]> g = new LinkedHashMap<>();
        generators.forEach((k, v) -> g.put(k, v.state()));
        return new TrainingState(
                model.stateDict(),
                optimizer.stateDict(),
                scheduler == null ? Map.of() : scheduler.stateDict(),
                g,
                epoch,
                step,
                extra,
                null);
    }

    /**
     * Loads only the model's weights, strictly (every key, every shape), leaving any optimizer and
     * scheduler alone: for fine-tuning with a fresh optimizer, or for inference. To adapt a model
     * whose head changed, drop the head's keys and call {@code model.loadStateDict(state.model(),
     * false)} instead.
     */
    public void restoreModel(Module model) {
        model.loadStateDict(this.model);
    }

    /**
     * Loads everything into a freshly built run of the same shape. The generators map must name
     * exactly the saved generators; {@code scheduler} must be null exactly when none was saved. On
     * any error nothing is changed.
     */
    public void restore(Module model, Optimizer optimizer, LrScheduler scheduler, Map<String, Generator> gens) {
        if (!gens.keySet().equals(generators.keySet())) {
            throw new IllegalArgumentException("TrainingState.restore: the state has generators " + generators.keySet()
                    + " but " + gens.keySet() + " were given");
        }
        if ((scheduler == null) != this.scheduler.isEmpty()) {
            throw new IllegalArgumentException("TrainingState.restore: the state "
                    + (this.scheduler.isEmpty()
                            ? "has no scheduler, but one was given"
                            : "has a scheduler, but none was given"));
        }
        for (var e : generators.entrySet()) {
            long[] st = e.getValue();
            if (st.length != 4 || (st[0] | st[1] | st[2] | st[3]) == 0) {
                throw new IllegalArgumentException("TrainingState.restore: generator '" + e.getKey()
                        + "' has an invalid state (4 longs, not all zero, are needed)");
            }
        }
        // Snapshots to roll back to if a later part fails after an earlier one was applied.
        Map<String, Tensor> modelBefore = new LinkedHashMap<>();
        model.stateDict().forEach((k, t) -> modelBefore.put(k, t.copy()));
        OptimizerState optimizerBefore = optimizer.stateDict();
        int stage = 0;
        try {
            model.loadStateDict(this.model);
            stage = 1;
            optimizer.loadStateDict(this.optimizer);
            stage = 2;
            if (scheduler != null) {
                scheduler.loadStateDict(this.scheduler);
            }
        } catch (RuntimeException e) {
            if (stage >= 1) {
                model.loadStateDict(modelBefore);
            }
            if (stage >= 2) {
                optimizer.loadStateDict(optimizerBefore);
            }
            throw e;
        }
        generators.forEach((k, s) -> gens.get(k).setState(s));
    }
}
