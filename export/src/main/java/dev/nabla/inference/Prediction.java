package dev.nabla.inference;

import dev.nabla.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The top classes a classifier gives one example, most probable first: their indices, their
 * probabilities (the softmax of the logits) and their names.
 *
 * <pre>{@code
 * List<Prediction> top = Prediction.topK(Tensor.of(new float[][] {{0f, 2f, 1f}}), 2, List.of("cat", "dog", "owl"));
 * top.get(0).label();          // "dog"
 * top.get(0).probability();    // 0.665
 * top.get(0).classes();        // [1, 2]
 * }</pre>
 *
 * @param classes       class indices, most probable first
 * @param probabilities their probabilities, in the same order
 * @param labels        their names (the class numbers when the classes have none)
 */
public record Prediction(int[] classes, float[] probabilities, List<String> labels) {
    public Prediction {
        Objects.requireNonNull(classes, "classes");
        Objects.requireNonNull(probabilities, "probabilities");
        if (classes.length == 0 || classes.length != probabilities.length || classes.length != labels.size()) {
            throw new IllegalArgumentException("Prediction: need as many classes, probabilities and labels (at least "
                    + "one), got " + classes.length + ", " + probabilities.length + " and " + labels.size());
        }
        classes = classes.clone();
        probabilities = probabilities.clone();
        labels = List.copyOf(labels);
    }

    /** The most probable class. */
    public int top() {
        return classes[0];
    }

    /** The most probable class's name. */
    public String label() {
        return labels.get(0);
    }

    /** The most probable class's probability. */
    public float probability() {
        return probabilities[0];
    }

    @Override
    public int[] classes() {
        return classes.clone();
    }

    @Override
    public float[] probabilities() {
        return probabilities.clone();
    }

    /**
     * The {@code k} most probable classes of each row of {@code logits} ({@code [N, C]}): the
     * softmax over the classes, then the largest {@code k} (ties keep the lower index first).
     *
     * @param classNames one name per class, or empty to name classes by their number
     */
    public static List<Prediction> topK(Tensor logits, int k, List<String> classNames) {
        if (logits.dim() != 2) {
            throw new IllegalArgumentException("topK: expected logits [N, C], got " + logits.shape());
        }
        int n = logits.size(0);
        int c = logits.size(1);
        if (k < 1 || k > c) {
            throw new IllegalArgumentException("topK: k must be in [1, " + c + "] for " + c + " classes, got " + k);
        }
        if (!classNames.isEmpty() && classNames.size() != c) {
            throw new IllegalArgumentException(
                    "topK: " + classNames.size() + " class names for logits of " + c + " classes");
        }
        float[] p = logits.softmax(1).toArray();
        List<Prediction> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int row = i * c;
            Integer[] order = new Integer[c];
            Arrays.setAll(order, j -> j);
            Arrays.sort(order, (a, b) -> Float.compare(p[row + b], p[row + a])); // stable: ties keep index order
            int[] classes = new int[k];
            float[] probs = new float[k];
            List<String> labels = new ArrayList<>(k);
            for (int j = 0; j < k; j++) {
                classes[j] = order[j];
                probs[j] = p[row + order[j]];
                labels.add(classNames.isEmpty() ? Integer.toString(order[j]) : classNames.get(order[j]));
            }
            out.add(new Prediction(classes, probs, labels));
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Prediction p
                && Arrays.equals(classes, p.classes)
                && Arrays.equals(probabilities, p.probabilities)
                && labels.equals(p.labels);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(classes) + Arrays.hashCode(probabilities)) + labels.hashCode();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Prediction[");
        for (int j = 0; j < classes.length; j++) {
            sb.append(j == 0 ? "" : ", ")
                    .append(labels.get(j))
                    .append(String.format(Locale.ROOT, " %.4f", probabilities[j]));
        }
        return sb.append(']').toString();
    }
}
