package dev.nabla.train;

import java.io.IOException;
import java.util.Map;

/**
 * Code the {@link Trainer} runs at points of the training loop (Keras' and Lightning's
 * callbacks); every method does nothing unless overridden. A callback stops a run with
 * {@link Trainer#stop(String)}. What it must remember across an interruption it returns from
 * {@link #state()}: checkpoints record it and {@link Trainer#restore} hands it back to
 * {@link #loadState}, so a resumed run continues exactly.
 *
 * <p>Callbacks run in the order given, except {@link ModelCheckpoint}s, which run after all
 * others so the checkpoint they write holds the others' state of the same epoch.
 *
 * <pre>{@code
 * Callback printer = new Callback() {
 *     @Override
 *     public void onEpochEnd(Trainer trainer, Trainer.Epoch e) {
 *         System.out.println("epoch " + e.epoch() + ": val loss " + e.valLoss());
 *     }
 * };
 * Trainer t = new Trainer(model, optimizer, Trainer.options().epochs(5).callbacks(printer));
 * }</pre>
 */
public interface Callback {
    /** Before the first epoch of {@link Trainer#fit}. */
    default void onFitStart(Trainer trainer) throws IOException {}

    /** Before epoch {@code epoch} (counted from 1) trains. */
    default void onEpochStart(Trainer trainer, int epoch) throws IOException {}

    /** After each training batch, with its loss (after the optimizer step when one was due). */
    default void onBatchEnd(Trainer trainer, int epoch, int batch, double loss) {}

    /** After an epoch trained and was evaluated; {@code epoch} is already in {@link Trainer#history()}. */
    default void onEpochEnd(Trainer trainer, Trainer.Epoch epoch) throws IOException {}

    /** After the last epoch of {@link Trainer#fit}, also when a callback stopped the run early. */
    default void onFitEnd(Trainer trainer) throws IOException {}

    /** What this callback must remember across an interruption (empty when nothing). */
    default Map<String, String> state() {
        return Map.of();
    }

    /** Takes back what {@link #state()} returned when the checkpoint was written. */
    default void loadState(Map<String, String> state) {}
}
