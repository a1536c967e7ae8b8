package dev.nabla.train;

import dev.nabla.export.Checkpoint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Saves the run at the end of every epoch (Keras' {@code ModelCheckpoint}, Lightning's
 * {@code save_last} and {@code save_top_k=1}): {@code dir/last} always holds the last epoch, and
 * {@code dir/best} the epoch with the best value of the monitored figure so far. Each is a full
 * {@link Checkpoint} (the weights PyTorch loads, the optimizer, scheduler and generators, the
 * history and every callback's state), replaced as a unit, so {@link Trainer#restore} continues
 * from either exactly. {@code best} shares {@code last}'s files (hard links) when both are the
 * same epoch, so it costs no space then.
 *
 * <pre>{@code
 * var ckpt = new ModelCheckpoint(Path.of("runs/digits"), Monitor.VAL_ACCURACY);
 * new Trainer(model, opt, Trainer.options().epochs(10).callbacks(ckpt)).fit(train, val);
 * ckpt.bestEpoch();                                      // e.g. 8
 * Checkpoint.loadModel(ckpt.best(), model);               // the weights of epoch 8
 * }</pre>
 */
public final class ModelCheckpoint implements Callback {
    /** The folder of the last epoch's checkpoint, inside the run's folder. */
    public static final String LAST = "last";
    /** The folder of the best epoch's checkpoint, inside the run's folder. */
    public static final String BEST = "best";

    private final Path dir;
    private final Monitor monitor;
    private final Best best = new Best();

    /** Writes {@code dir/last} every epoch and {@code dir/best} when {@code monitor} improves. */
    public ModelCheckpoint(Path dir, Monitor monitor) {
        this.dir = Objects.requireNonNull(dir, "dir");
        this.monitor = Objects.requireNonNull(monitor, "monitor");
    }

    public Path last() {
        return dir.resolve(LAST);
    }

    public Path best() {
        return dir.resolve(BEST);
    }

    public Monitor monitor() {
        return monitor;
    }

    /** The epoch {@link #best()} holds, or 0 before the first save. */
    public int bestEpoch() {
        return best.epoch();
    }

    /** The monitored figure at {@link #bestEpoch()}. */
    public double bestValue() {
        return best.value();
    }

    @Override
    public void onEpochEnd(Trainer trainer, Trainer.Epoch epoch) throws IOException {
        double v = monitor.valueOf(epoch);
        if (Double.isNaN(v)) {
            throw new IllegalStateException("ModelCheckpoint selects on " + monitor.name() + ", which epoch "
                    + epoch.epoch() + " did not measure (is there a validation loader?)");
        }
        // before the save, so the checkpoint records where the best is
        boolean improved = best.offer(monitor, v, epoch.epoch(), 0);
        Checkpoint.save(last(), trainer.state());
        if (improved) {
            Checkpoint.copy(last(), best());
        }
    }

    @Override
    public Map<String, String> state() {
        return best.state();
    }

    @Override
    public void loadState(Map<String, String> state) {
        best.load(state, "ModelCheckpoint");
    }

    @Override
    public String toString() {
        return "ModelCheckpoint(" + dir + ", best by " + monitor.name() + ")";
    }
}
