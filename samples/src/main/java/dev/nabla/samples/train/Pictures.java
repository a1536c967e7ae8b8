package dev.nabla.samples.train;

import dev.nabla.plot.Chart;
import dev.nabla.plot.ColorMap;
import dev.nabla.plot.Figure;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The pictures {@code ./nabla train} leaves beside metrics.json: {@code curves.png} (loss and
 * accuracy per epoch, train and test) and {@code confusion.png} (the test confusion matrix).
 */
final class Pictures {
    static final String CURVES_FILE = "curves.png";
    static final String CONFUSION_FILE = "confusion.png";

    private Pictures() {}

    /** Loss (log scale) and accuracy per epoch, side by side; returns the file written. */
    static Path curves(List<Trainer.Epoch> history, Recipe recipe, Path file) {
        int n = history.size();
        double[] epoch = new double[n];
        double[] trainLoss = new double[n];
        double[] testLoss = new double[n];
        double[] trainAcc = new double[n];
        double[] testAcc = new double[n];
        for (int i = 0; i < n; i++) {
            Trainer.Epoch e = history.get(i);
            epoch[i] = e.epoch();
            trainLoss[i] = e.trainLoss();
            testLoss[i] = e.testLoss();
            trainAcc[i] = 100 * e.trainAccuracy();
            testAcc[i] = 100 * e.testAccuracy();
        }
        Chart loss = new Chart()
                .title("loss")
                .xlabel("epoch")
                .ylabel("cross-entropy (log scale)")
                .ylog()
                .line(epoch, trainLoss, "train")
                .line(epoch, testLoss, "test")
                .dashed();
        Chart acc = new Chart()
                .title("accuracy")
                .xlabel("epoch")
                .ylabel("accuracy (%)")
                .line(epoch, trainAcc, "train")
                .line(epoch, testAcc, "test")
                .dashed();
        if (n <= 30) {
            loss.markers();
            acc.markers();
        }
        String title = recipe.model() + " on " + recipe.dataset();
        if (n > 0) {
            title += String.format(Locale.ROOT, ": test accuracy %.2f%%", testAcc[n - 1]);
        }
        return Figure.of(loss, acc).title(title).write(file);
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
