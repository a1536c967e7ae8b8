package dev.nabla.train;

import dev.nabla.autograd.Autograd;
import dev.nabla.autograd.Variable;
import dev.nabla.nn.Loss;
import dev.nabla.nn.Module;
import dev.nabla.nn.data.Batch;
import dev.nabla.nn.data.DataLoader;
import dev.nabla.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The figures of one pass over a data set: the mean loss, and for classification the confusion
 * matrix with what derives from it: accuracy, and per class precision {@code TP / (TP + FP)},
 * recall {@code TP / (TP + FN)} and F1 (their harmonic mean), with their unweighted (macro) means.
 * The {@link Trainer} fills one per epoch and per evaluation, {@link #evaluate} one for a model
 * and a loader; it can be filled by hand too.
 *
 * <pre>{@code
 * Metrics test = Metrics.evaluate(model, testLoader, new CrossEntropyLoss(), Mnist.CLASSES);
 * test.accuracy();
 *
 * Metrics m = new Metrics(List.of("cat", "dog"));
 * m.add(0, 0); m.add(1, 0); m.add(1, 1);     // (true, predicted)
 * m.accuracy();                               // 0.667
 * m.precision(0);                             // 0.5
 * System.out.println(m.report());             // the per-class table and the confusion matrix
 * }</pre>
 */
public final class Metrics {
    private final List<String> classes;
    private final long[][] confusion;
    private long total;
    private long correct;
    private double lossSum;
    private long lossExamples;

    /** Metrics over {@code classes} (their names, in class order; may be empty for a task without classes). */
    public Metrics(List<String> classes) {
        this.classes = List.copyOf(classes);
        this.confusion = new long[classes.size()][classes.size()];
    }

    /** Metrics over {@code n} classes named by their numbers. */
    public static Metrics ofClasses(int n) {
        List<String> names = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            names.add(Integer.toString(k));
        }
        return new Metrics(names);
    }

    /**
     * The metrics of {@code model} over every batch of {@code loader}, in eval mode and without
     * recording gradients (the model is back in its previous mode afterwards): the mean
     * {@code loss}, and when the model's outputs are {@code [N, classes]} and the targets integer
     * class indices, the accuracy, per-class figures and confusion matrix.
     *
     * @param classNames names for the reports, or empty to name the classes by their numbers
     */
    public static Metrics evaluate(Module model, DataLoader loader, Loss loss, List<String> classNames) {
        boolean wasTraining = model.isTraining();
        model.eval();
        Metrics m = null;
        try (Autograd.NoGrad ignored = Autograd.noGrad();
                DataLoader.BatchIterator it = loader.epoch(0).iterator()) {
            while (it.hasNext()) {
                Batch b = it.next();
                Variable output = model.call(b.inputs());
                double value = loss.call(output, b.targets()).item();
                m = accumulate(m, output.data(), b.targets().data(), value, b.size(), classNames);
            }
        } finally {
            model.train(wasTraining);
        }
        if (m == null) {
            throw new IllegalStateException("Metrics.evaluate: the loader yielded no batches");
        }
        return m;
    }

    /**
     * Adds a batch with mean loss {@code loss} to {@code m}, created at the first batch (with the
     * output's class count when {@code classNames} is empty); classification figures only for
     * {@code [N, C]} outputs and integer targets.
     */
    static Metrics accumulate(
            Metrics m, Tensor output, Tensor targets, double loss, int size, List<String> classNames) {
        boolean classification =
                output.dim() == 2 && targets.dim() == 1 && targets.dtype().isInteger();
        if (m == null) {
            m = !classification
                    ? new Metrics(List.of())
                    : classNames.isEmpty() ? ofClasses(output.size(1)) : new Metrics(classNames);
        }
        if (classification && !m.classes().isEmpty()) {
            m.add(output, targets);
        }
        m.addLoss(loss * size, size);
        return m;
    }

    /** The class names, in class order. */
    public List<String> classes() {
        return classes;
    }

    /** Counts one example with its true and predicted class. */
    public void add(int truth, int predicted) {
        Objects.checkIndex(truth, classes.size());
        Objects.checkIndex(predicted, classes.size());
        confusion[truth][predicted]++;
        total++;
        if (truth == predicted) {
            correct++;
        }
    }

    /**
     * Counts a batch: the prediction of each row of {@code logits} ({@code [N, classes]}) is its
     * largest entry, the truth the class index in {@code targets} ({@code [N]}, int64 or any
     * integer-valued dtype).
     */
    public void add(Tensor logits, Tensor targets) {
        if (logits.dim() != 2 || targets.dim() != 1 || logits.size(0) != targets.size(0)) {
            throw new IllegalArgumentException("Metrics.add: expected logits [N, C] and class indices [N], got "
                    + logits.shape() + " and " + targets.shape());
        }
        if (logits.size(1) != classes.size()) {
            throw new IllegalArgumentException("Metrics.add: logits of " + logits.size(1) + " classes for metrics of "
                    + classes.size() + " classes " + classes);
        }
        int[] predicted = logits.argmax(1, false).toIntArray();
        int[] truth = targets.toIntArray();
        for (int i = 0; i < truth.length; i++) {
            add(truth[i], predicted[i]);
        }
    }

    /** Adds the summed loss of {@code examples} examples, so {@link #meanLoss()} weighs every example equally. */
    public void addLoss(double sum, long examples) {
        lossSum += sum;
        lossExamples += examples;
    }

    /** Examples whose loss was added. */
    public long examples() {
        return lossExamples;
    }

    /** Examples classified. */
    public long total() {
        return total;
    }

    /** Examples classified correctly. */
    public long correct() {
        return correct;
    }

    /** {@code correct / total}; NaN when nothing was classified. */
    public double accuracy() {
        return total == 0 ? Double.NaN : (double) correct / total;
    }

    /** The mean loss per example; NaN when no loss was added. */
    public double meanLoss() {
        return lossExamples == 0 ? Double.NaN : lossSum / lossExamples;
    }

    /** Examples of class {@code truth} predicted as {@code predicted}. */
    public long count(int truth, int predicted) {
        return confusion[truth][predicted];
    }

    /** Of the examples predicted as class {@code k}, the fraction that are; 0 when none was. */
    public double precision(int k) {
        long predicted = 0;
        for (long[] row : confusion) {
            predicted += row[k];
        }
        return predicted == 0 ? 0 : (double) confusion[k][k] / predicted;
    }

    /** Of the examples of class {@code k}, the fraction predicted as it; 0 when there were none. */
    public double recall(int k) {
        long actual = support(k);
        return actual == 0 ? 0 : (double) confusion[k][k] / actual;
    }

    /** The harmonic mean of precision and recall of class {@code k}. */
    public double f1(int k) {
        double p = precision(k);
        double r = recall(k);
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    /** Examples of class {@code k}. */
    public long support(int k) {
        long s = 0;
        for (long v : confusion[k]) {
            s += v;
        }
        return s;
    }

    /** The unweighted mean of the per-class F1 scores. */
    public double macroF1() {
        double sum = 0;
        for (int k = 0; k < classes.size(); k++) {
            sum += f1(k);
        }
        return classes.isEmpty() ? Double.NaN : sum / classes.size();
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
        }
        int n = classes.size();
        sb.append(String.format(
                Locale.ROOT, "%-" + w + "s  %9.4f  %6.4f  %6.4f  %7d%n", "macro", mp / n, mr / n, macroF1(), total));
        sb.append("\nconfusion matrix (rows: true class, columns: predicted class)\n");
        int cw = 4;
        for (long[] row : confusion) {
            for (long v : row) {
                cw = Math.max(cw, Long.toString(v).length() + 1);
            }
        }
        sb.append(" ".repeat(w));
        for (int k = 0; k < n; k++) {
            sb.append(String.format(Locale.ROOT, "%" + cw + "d", k));
        }
        sb.append('\n');
        for (int t = 0; t < n; t++) {
            String name = classes.get(t);
            sb.append(String.format(Locale.ROOT, "%-" + w + "s", name.length() <= w ? name : name.substring(0, w)));
            for (int p = 0; p < n; p++) {
                sb.append(String.format(Locale.ROOT, "%" + cw + "d", confusion[t][p]));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return String.format(
                Locale.ROOT, "Metrics[loss %.4f, accuracy %.4f of %d examples]", meanLoss(), accuracy(), total);
    }
}
