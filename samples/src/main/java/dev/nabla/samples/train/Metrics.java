package dev.nabla.samples.train;

import java.util.List;
import java.util.Locale;

/**
 * A confusion matrix and the classification metrics derived from it: accuracy, and per class
 * precision {@code TP / (TP + FP)}, recall {@code TP / (TP + FN)} and F1 (their harmonic mean).
 *
 * <pre>{@code
 * Metrics m = new Metrics(List.of("cat", "dog"));
 * m.add(0, 0); m.add(1, 0); m.add(1, 1);     // (true, predicted)
 * m.accuracy();                               // 0.667
 * System.out.println(m.report());
 * }</pre>
 */
public final class Metrics {
    private final List<String> classes;
    private final long[][] confusion;
    private long total;
    private long correct;
    private double lossSum;

    public Metrics(List<String> classes) {
        this.classes = List.copyOf(classes);
        this.confusion = new long[classes.size()][classes.size()];
    }

    /** The class names, in class order. */
    public List<String> classes() {
        return classes;
    }

    /** Counts one example with its true and predicted class. */
    public void add(int truth, int predicted) {
        confusion[truth][predicted]++;
        total++;
        if (truth == predicted) {
            correct++;
        }
    }

    /** Adds a batch's summed loss (so {@link #meanLoss()} weighs every example equally). */
    public void addLoss(double sumOverBatch) {
        lossSum += sumOverBatch;
    }

    public long total() {
        return total;
    }

    public long correct() {
        return correct;
    }

    public double accuracy() {
        return total == 0 ? 0 : (double) correct / total;
    }

    public double meanLoss() {
        return total == 0 ? Double.NaN : lossSum / total;
    }

    public long count(int truth, int predicted) {
        return confusion[truth][predicted];
    }

    public double precision(int k) {
        long predicted = 0;
        for (long[] row : confusion) {
            predicted += row[k];
        }
        return predicted == 0 ? 0 : (double) confusion[k][k] / predicted;
    }

    public double recall(int k) {
        long actual = 0;
        for (long v : confusion[k]) {
            actual += v;
        }
        return actual == 0 ? 0 : (double) confusion[k][k] / actual;
    }

    public double f1(int k) {
        double p = precision(k);
        double r = recall(k);
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    public long support(int k) {
        long s = 0;
        for (long v : confusion[k]) {
            s += v;
        }
        return s;
    }

    /** Per-class table, then the confusion matrix (rows: true class, columns: predicted). */
    public String report() {
        StringBuilder sb = new StringBuilder();
        int w = 5;
        for (String c : classes) {
            w = Math.max(w, c.length());
        }
        sb.append(String.format(Locale.ROOT, "%-" + w + "s  precision  recall     f1  support%n", "class"));
        double mp = 0;
        double mr = 0;
        double mf = 0;
        for (int k = 0; k < classes.size(); k++) {
            sb.append(String.format(
                    Locale.ROOT,
                    "%-" + w + "s  %9.4f  %6.4f  %6.4f  %7d%n",
                    classes.get(k),
                    precision(k),
                    recall(k),
                    f1(k),
                    support(k)));
            mp += precision(k);
            mr += recall(k);
            mf += f1(k);
        }
        int n = classes.size();
        sb.append(String.format(
                Locale.ROOT, "%-" + w + "s  %9.4f  %6.4f  %6.4f  %7d%n", "macro", mp / n, mr / n, mf / n, total));
        sb.append("\nconfusion matrix (rows: true class, columns: predicted class)\n");
        int cw = 4;
        for (long[] row : confusion) {
            for (long v : row) {
                cw = Math.max(cw, Long.toString(v).length() + 1);
            }
        }
        sb.append(" ".repeat(w));
        for (int k = 0; k < n; k++) {
            sb.append(String.format("%" + cw + "d", k));
        }
        sb.append('\n');
        for (int t = 0; t < n; t++) {
            sb.append(String.format("%-" + w + "s", truncate(classes.get(t), w)));
            for (int p = 0; p < n; p++) {
                sb.append(String.format("%" + cw + "d", confusion[t][p]));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String truncate(String s, int w) {
        return s.length() <= w ? s : s.substring(0, w);
    }

    /** The metrics as a JSON object. */
    Json.Obj toJson() {
        Json.Obj o =
                Json.obj().put("accuracy", accuracy()).put("loss", meanLoss()).put("examples", total);
        Json.Arr perClass = Json.arr();
        for (int k = 0; k < classes.size(); k++) {
            perClass.add(Json.obj()
                    .put("class", classes.get(k))
                    .put("precision", precision(k))
                    .put("recall", recall(k))
                    .put("f1", f1(k))
                    .put("support", support(k)));
        }
        Json.Arr matrix = Json.arr();
        for (long[] row : confusion) {
            Json.Arr r = Json.arr();
            for (long v : row) {
                r.add(v);
            }
            matrix.add(r);
        }
        return o.put("per_class", perClass).put("confusion_matrix", matrix);
    }
}
