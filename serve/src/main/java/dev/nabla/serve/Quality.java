package dev.nabla.serve;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model version's quality in production, from the true labels clients send back for earlier
 * predictions: the confusion matrix (rows: true class, columns: predicted class) and what follows
 * from it, accuracy and each class's precision, recall and F1, as {@code ./nabla evaluate}
 * reports them on a test set.
 */
final class Quality {
    private final List<String> classNames;
    private final long[][] confusion;
    private long total;
    private long correct;

    Quality(List<String> classNames) {
        this.classNames = List.copyOf(classNames);
        this.confusion = new long[classNames.size()][classNames.size()];
    }

    synchronized void add(int trueClass, int predicted) {
        confusion[trueClass][predicted]++;
        total++;
        if (trueClass == predicted) {
            correct++;
        }
    }

    /** A consistent copy of the counts. */
    synchronized Snapshot snapshot() {
        long[][] copy = new long[confusion.length][];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = confusion[i].clone();
        }
        return new Snapshot(classNames, copy, total, correct);
    }

    /** The counts at one moment and the rates computed from them (NaN where a rate has no denominator). */
    record Snapshot(List<String> classNames, long[][] confusion, long total, long correct) {
        double accuracy() {
            return total == 0 ? Double.NaN : (double) correct / total;
        }

        /** Of the predictions of class {@code k}, the share that were right. */
        double precision(int k) {
            long predicted = 0;
            for (long[] row : confusion) {
                predicted += row[k];
            }
            return predicted == 0 ? Double.NaN : (double) confusion[k][k] / predicted;
        }

        /** Of the examples of class {@code k}, the share predicted as {@code k}. */
        double recall(int k) {
            long support = support(k);
            return support == 0 ? Double.NaN : (double) confusion[k][k] / support;
        }

        /**
         * The harmonic mean of precision and recall, 2TP / (2TP + FP + FN): 0 for a class that occurs
         * (as a label or a prediction) and is never matched, though one of its rates has no
         * denominator (as scikit-learn's {@code zero_division=0}); NaN only for a class that neither
         * occurs nor is predicted.
         */
        double f1(int k) {
            long tp = confusion[k][k];
            long wrong = support(k) - tp;
            for (long[] row : confusion) {
                wrong += row[k];
            }
            wrong -= tp;
            return 2 * tp + wrong == 0 ? Double.NaN : 2.0 * tp / (2 * tp + wrong);
        }

        long support(int k) {
            long s = 0;
            for (long v : confusion[k]) {
                s += v;
            }
            return s;
        }

        /**
         * The mean F1 over the classes that occur in the feedback or the predictions (scikit-learn's
         * macro average over the labels present): a class the model never predicts counts as 0, and
         * once every class has feedback this is {@code ./nabla evaluate}'s macro F1.
         */
        double macroF1() {
            double sum = 0;
            int n = 0;
            for (int k = 0; k < classNames.size(); k++) {
                double f = f1(k);
                if (!Double.isNaN(f)) {
                    sum += f;
                    n++;
                }
            }
            return n == 0 ? Double.NaN : sum / n;
        }

        /** As the JSON of {@code GET /v1/models/{name}/quality} shows one version (null for rates without data). */
        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("feedback", total);
            m.put("correct", correct);
            m.put("accuracy", orNull(accuracy()));
            m.put("macro_f1", orNull(macroF1()));
            List<Object> classes = new ArrayList<>();
            for (int k = 0; k < classNames.size(); k++) {
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("class", k);
                c.put("label", classNames.get(k));
                c.put("precision", orNull(precision(k)));
                c.put("recall", orNull(recall(k)));
                c.put("f1", orNull(f1(k)));
                c.put("support", support(k));
                classes.add(c);
            }
            m.put("classes", classes);
            List<Object> rows = new ArrayList<>();
            for (long[] row : confusion) {
                rows.add(row);
            }
            m.put("confusion", rows);
            return m;
        }

        private static Double orNull(double v) {
            return Double.isNaN(v) ? null : v;
        }
    }
}
