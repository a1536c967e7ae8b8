package dev.nabla.samples.train;

import dev.nabla.plot.Chart;
import dev.nabla.plot.ColorMap;
import dev.nabla.plot.Figure;
import dev.nabla.train.History;
import dev.nabla.train.Metrics;
import dev.nabla.train.Trainer;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The pictures {@code ./nabla train} leaves beside metrics.json: {@code curves.png} (loss and
 * accuracy per epoch: training, validation, and test when measured every epoch) and
 * {@code confusion.png} (the test confusion matrix).
 */
final class Pictures {
    static final String CURVES_FILE = "curves.png";
    static final String CONFUSION_FILE = "confusion.png";

    private Pictures() {}

    /** Loss (log scale) and accuracy per epoch, side by side; returns the file written. */
    static Path curves(History history, Recipe recipe, Metrics test, Path file) {
        List<Trainer.Epoch> epochs = history.epochs();
        int n = epochs.size();
        double[] x = column(epochs, Trainer.Epoch::epoch, 1);
        Chart loss = new Chart()
                .title("loss")
                .xlabel("epoch")
                .ylabel("cross-entropy (log scale)")
                .ylog();
        Chart acc = new Chart().title("accuracy").xlabel("epoch").ylabel("accuracy (%)");
        boolean markers = n <= 30;
        series(loss, acc, epochs, x, Trainer.Epoch::trainLoss, Trainer.Epoch::trainAccuracy, "train", false, markers);
        series(loss, acc, epochs, x, Trainer.Epoch::valLoss, Trainer.Epoch::valAccuracy, "validation", true, markers);
        series(loss, acc, epochs, x, Trainer.Epoch::testLoss, Trainer.Epoch::testAccuracy, "test", true, markers);
        String title =
                (recipe.userModel() ? recipe.model().substring(recipe.model().lastIndexOf('.') + 1) : recipe.model())
                        + " on " + recipe.dataset();
        if (test != null) {
            title += String.format(Locale.ROOT, ": test accuracy %.2f%%", 100 * test.accuracy());
        }
        return Figure.of(loss, acc).title(title).write(file);
    }

    /** Adds one line to each chart, unless the run did not measure it. */
    private static void series(
            Chart loss,
            Chart acc,
            List<Trainer.Epoch> epochs,
            double[] x,
            ToDoubleFunction<Trainer.Epoch> lossOf,
            ToDoubleFunction<Trainer.Epoch> accOf,
            String label,
            boolean dashed,
            boolean markers) {
        if (epochs.isEmpty() || Double.isNaN(lossOf.applyAsDouble(epochs.get(0)))) {
            return;
        }
        loss.line(x, column(epochs, lossOf, 1), label);
        acc.line(x, column(epochs, accOf, 100), label);
        if (dashed) {
            loss.dashed();
            acc.dashed();
        }
        if (markers) {
            loss.markers();
            acc.markers();
        }
    }

    private static double[] column(List<Trainer.Epoch> epochs, ToDoubleFunction<Trainer.Epoch> f, double scale) {
        double[] v = new double[epochs.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = scale * f.applyAsDouble(epochs.get(i));
        }
        return v;
    }

    /** The confusion matrix with counts in the cells (rows: true class, columns: predicted). */
    static Path confusion(Metrics m, Path file) {
        List<String> classes = m.classes();
        int k = classes.size();
        double[][] counts = new double[k][k];
        for (int t = 0; t < k; t++) {
            for (int p = 0; p < k; p++) {
                counts[t][p] = m.count(t, p);
            }
        }
        String[] names = classes.toArray(String[]::new);
        int side = Math.max(440, Math.min(900, 120 + 44 * k));
        return new Chart()
                .title(String.format(
                        Locale.ROOT, "confusion matrix: %.2f%% of %,d correct", 100 * m.accuracy(), m.total()))
                .xlabel("predicted class")
                .ylabel("true class")
                .heatmap(counts)
                .colorMap(ColorMap.BLUES)
                .annotate()
                .xticks(names)
                .yticks(names)
                .colorbarLabel("test images")
                .size(side + 140, side)
                .figure()
                .write(file);
    }
}
