package dev.nabla.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Records the learning rate of every parameter group after every optimizer step (Lightning's
 * {@code LearningRateMonitor}), to check or plot what a schedule did; {@link Trainer.Epoch#lr()}
 * keeps only each epoch's last rate.
 *
 * <pre>{@code
 * var lrs = new LearningRateMonitor();
 * new Trainer(model, opt, Trainer.options().scheduler(sched).epochs(3).callbacks(lrs)).fit(train);
 * lrs.entries().get(0);            // Entry[step=1, epoch=1, lrs=[0.0099...]]
 * }</pre>
 */
public final class LearningRateMonitor implements Callback {
    /**
     * The rates after one optimizer step.
     *
     * @param step  the optimizer step, counted from 1
     * @param epoch the epoch it belongs to, counted from 1
     * @param lrs   the rate of each parameter group, in group order
     */
    public record Entry(long step, int epoch, double[] lrs) {
        public Entry {
            lrs = lrs.clone();
        }

        @Override
        public double[] lrs() {
            return lrs.clone();
        }

        @Override
        public String toString() {
            return "Entry[step=" + step + ", epoch=" + epoch + ", lrs=" + Arrays.toString(lrs) + "]";
        }
    }

    private final List<Entry> entries = new ArrayList<>();
    private long lastStep = -1;

    /** Everything recorded so far, oldest first. */
    public List<Entry> entries() {
        return List.copyOf(entries);
    }

    @Override
    public void onFitStart(Trainer trainer) {
        lastStep = trainer.step();
    }

    @Override
    public void onBatchEnd(Trainer trainer, int epoch, int batch, double loss) {
        long step = trainer.step();
        if (step != lastStep) { // with gradient accumulation not every batch steps
            lastStep = step;
            var groups = trainer.optimizer().paramGroups();
            double[] lrs = new double[groups.size()];
            for (int i = 0; i < lrs.length; i++) {
                lrs[i] = groups.get(i).lr();
            }
            entries.add(new Entry(step, epoch, lrs));
        }
    }

    @Override
    public String toString() {
        return "LearningRateMonitor(" + entries.size() + " steps recorded)";
    }
}
