package dev.nabla.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The epochs of a training run, in order, with their figures (Keras' {@code History}). Its CSV
 * form, one row per epoch with a header, is what {@link CsvLogger} writes to {@code log.csv} and
 * what checkpoints keep, so a resumed run carries its whole history; figures an epoch did not
 * measure (no validation set, no test every epoch) are empty cells.
 *
 * <pre>{@code
 * History h = trainer.fit(train, val);
 * h.last().orElseThrow().valAccuracy();
 * h.best(Monitor.VAL_LOSS).orElseThrow().epoch();
 * Files.writeString(Path.of("log.csv"), h.toCsv());
 * }</pre>
 */
public final class History {
    /** The CSV header, one column per field of {@link Trainer.Epoch}. */
    public static final String CSV_HEADER =
            "epoch,train_loss,train_accuracy,val_loss,val_accuracy,test_loss,test_accuracy,lr,seconds,images";

    private final List<Trainer.Epoch> epochs;

    public History(List<Trainer.Epoch> epochs) {
        this.epochs = List.copyOf(epochs);
        for (int i = 0; i < this.epochs.size(); i++) {
            if (this.epochs.get(i).epoch() != i + 1) {
                throw new IllegalArgumentException("History: entry " + i + " is epoch "
                        + this.epochs.get(i).epoch() + ", expected " + (i + 1));
            }
        }
    }

    public List<Trainer.Epoch> epochs() {
        return epochs;
    }

    public int size() {
        return epochs.size();
    }

    public boolean isEmpty() {
        return epochs.isEmpty();
    }

    public Optional<Trainer.Epoch> last() {
        return epochs.isEmpty() ? Optional.empty() : Optional.of(epochs.get(epochs.size() - 1));
    }

    /** The first epoch with the best value of {@code monitor}; empty when no epoch measured it. */
    public Optional<Trainer.Epoch> best(Monitor monitor) {
        Trainer.Epoch best = null;
        double value = Double.NaN;
        for (Trainer.Epoch e : epochs) {
            if (monitor.improves(monitor.valueOf(e), value, 0)) {
                best = e;
                value = monitor.valueOf(e);
            }
        }
        return Optional.ofNullable(best);
    }

    /** Seconds spent training (not evaluating) over all epochs. */
    public double trainSeconds() {
        return epochs.stream().mapToDouble(Trainer.Epoch::seconds).sum();
    }

    /** Examples trained on over all epochs. */
    public long images() {
        return epochs.stream().mapToLong(Trainer.Epoch::images).sum();
    }

    /** The header, then one row per epoch; every number reads back to the same double. */
    public String toCsv() {
        StringBuilder sb = new StringBuilder(CSV_HEADER).append('\n');
        for (Trainer.Epoch e : epochs) {
            sb.append(e.epoch());
            for (double v : new double[] {
                e.trainLoss(),
                e.trainAccuracy(),
                e.valLoss(),
                e.valAccuracy(),
                e.testLoss(),
                e.testAccuracy(),
                e.lr(),
                e.seconds()
            }) {
                sb.append(',').append(Double.isNaN(v) ? "" : Double.toString(v));
            }
            sb.append(',').append(e.images()).append('\n');
        }
        return sb.toString();
    }

    /** Reads {@link #toCsv()}'s form back. */
    public static History parseCsv(String csv) {
        List<String> lines = csv.lines().toList();
        if (lines.isEmpty() || !lines.get(0).equals(CSV_HEADER)) {
            throw new IllegalArgumentException(
                    "History.parseCsv: the text does not start with the header '" + CSV_HEADER + "'");
        }
        List<Trainer.Epoch> epochs = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).split(",", -1);
            if (f.length != 10) {
                throw new IllegalArgumentException(String.format(
                        Locale.ROOT,
                        "History.parseCsv: line %d has %d fields, expected 10: %s",
                        i + 1,
                        f.length,
                        lines.get(i)));
            }
            try {
                epochs.add(new Trainer.Epoch(
                        Integer.parseInt(f[0]),
                        number(f[1]),
                        number(f[2]),
                        number(f[3]),
                        number(f[4]),
                        number(f[5]),
                        number(f[6]),
                        number(f[7]),
                        number(f[8]),
                        Long.parseLong(f[9])));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "History.parseCsv: line " + (i + 1) + " holds a field that is not a number: " + lines.get(i),
                        e);
            }
        }
        return new History(epochs);
    }

    private static double number(String s) {
        return s.isEmpty() ? Double.NaN : Double.parseDouble(s);
    }

    @Override
    public String toString() {
        return "History[" + epochs.size() + " epochs]";
    }
}
