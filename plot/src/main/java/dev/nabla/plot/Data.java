package dev.nabla.plot;

import dev.nabla.tensor.Tensor;
import java.util.List;

/** Conversions from what users hold (float arrays, lists, tensors) to the doubles plots draw. */
final class Data {
    private Data() {}

    static double[] of(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    static double[] of(List<? extends Number> v) {
        double[] d = new double[v.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = v.get(i).doubleValue();
        }
        return d;
    }

    static double[] of(Tensor t, String what) {
        if (t.dim() != 1) {
            throw new IllegalArgumentException(what + " needs a 1-D tensor, got shape " + t.shape());
        }
        return of(t.contiguous().toArray());
    }

    /** A 2-D tensor as rows of doubles. */
    static double[][] matrix(Tensor t, String what) {
        if (t.dim() != 2) {
            throw new IllegalArgumentException(what + " needs a 2-D tensor (a matrix), got shape " + t.shape());
        }
        int rows = t.size(0);
        int cols = t.size(1);
        float[] v = t.contiguous().toArray();
        double[][] m = new double[rows][cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                m[r][c] = v[r * cols + c];
            }
        }
        return m;
    }

    static double[] indices(int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = i;
        }
        return x;
    }

    static double min(double[][] m) {
        double lo = Double.POSITIVE_INFINITY;
        for (double[] row : m) {
            for (double v : row) {
                if (Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                }
            }
        }
        return lo == Double.POSITIVE_INFINITY ? 0 : lo;
    }

    static double max(double[][] m) {
        double hi = Double.NEGATIVE_INFINITY;
        for (double[] row : m) {
            for (double v : row) {
                if (Double.isFinite(v)) {
                    hi = Math.max(hi, v);
                }
            }
        }
        return hi == Double.NEGATIVE_INFINITY ? 1 : hi;
    }

    static void sameLength(double[] x, double[] y, String op) {
        if (x.length != y.length) {
            throw new IllegalArgumentException(
                    op + ": x has " + x.length + " values but y has " + y.length + "; they must match");
        }
    }

    static double[][] rectangular(double[][] m, String op) {
        if (m.length == 0 || m[0].length == 0) {
            throw new IllegalArgumentException(op + ": the matrix is empty");
        }
        for (int r = 1; r < m.length; r++) {
            if (m[r].length != m[0].length) {
                throw new IllegalArgumentException(op + ": row " + r + " has " + m[r].length + " values but row 0 has "
                        + m[0].length + "; the matrix must be rectangular");
            }
        }
        return m;
    }
}
