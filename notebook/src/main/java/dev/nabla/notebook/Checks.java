package dev.nabla.notebook;

import dev.nabla.tensor.Tensor;
import java.util.Arrays;
import java.util.Locale;

/**
 * Checks for notebooks: a lesson states what it expects, and {@code ./nabla notebook run} (and
 * the test suite, and a Jupyter run) fails when it does not hold. Imported statically in every
 * notebook.
 *
 * <pre>{@code
 * check(acc > 0.9, "accuracy above 90%");
 * checkClose(Math.sqrt(2) * Math.sqrt(2), 2.0, 1e-12);
 * checkClose(x.gradTensor(), Tensor.of(2, 4, 6), 1e-6);    // same shape, max |a - b| <= tol
 * }</pre>
 */
public final class Checks {
    private Checks() {}

    /** Fails with {@code message} unless {@code condition} holds. */
    public static void check(boolean condition, String message) {
        if (!condition) {
            throw new CheckFailedError("check failed: " + message);
        }
    }

    /** Fails unless {@code |actual - expected| <= tol} (NaN never passes). */
    public static void checkClose(double actual, double expected, double tol) {
        double diff = Math.abs(actual - expected);
        if (!(diff <= tol)) {
            throw new CheckFailedError(String.format(
                    Locale.ROOT,
                    "checkClose failed: got %s, expected %s (|diff| = %.3g > tol %.3g)",
                    actual,
                    expected,
                    diff,
                    tol));
        }
    }

    /** Fails unless both tensors have the same shape and every element differs by at most {@code tol}. */
    public static void checkClose(Tensor actual, Tensor expected, double tol) {
        if (!Arrays.equals(actual.dims(), expected.dims())) {
            throw new CheckFailedError(
                    "checkClose failed: shapes differ, got " + actual.shape() + ", expected " + expected.shape());
        }
        float[] a = actual.contiguous().toArray();
        float[] e = expected.contiguous().toArray();
        double worst = 0;
        int at = -1;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs((double) a[i] - e[i]);
            if (Double.isNaN(d)) {
                worst = d;
                at = i;
                break;
            }
            if (d > worst) {
                worst = d;
                at = i;
            }
        }
        if (!(worst <= tol)) {
            throw new CheckFailedError(String.format(
                    Locale.ROOT,
                    "checkClose failed: element %d of %s is %s, expected %s (|diff| = %.3g > tol %.3g)",
                    at,
                    actual.shape(),
                    a[at],
                    e[at],
                    worst,
                    tol));
        }
    }
}
