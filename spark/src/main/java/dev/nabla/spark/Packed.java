package dev.nabla.spark;

import dev.nabla.tensor.DType;
import dev.nabla.tensor.Tensor;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Named tensors as plain arrays, the form in which weights, gradients and optimizer buffers cross
 * the wire (Nabla's tensors are not {@link Serializable}). Float tensors travel as {@code float[]},
 * every other dtype as {@code long[]}; sums and averages are taken in {@code double}, in the order
 * the caller adds, so a fixed order gives the same bits every time.
 */
final class Packed implements Serializable {
    private static final long serialVersionUID = 1L;

    final String[] names;
    final int[][] shapes;
    final DType[] dtypes;
    final float[][] floats;
    final long[][] longs;

    private Packed(String[] names, int[][] shapes, DType[] dtypes, float[][] floats, long[][] longs) {
        this.names = names;
        this.shapes = shapes;
        this.dtypes = dtypes;
        this.floats = floats;
        this.longs = longs;
    }

    /** Copies the tensors (in the map's order). */
    static Packed of(Map<String, Tensor> tensors) {
        int n = tensors.size();
        String[] names = new String[n];
        int[][] shapes = new int[n][];
        DType[] dtypes = new DType[n];
        float[][] floats = new float[n][];
        long[][] longs = new long[n][];
        int i = 0;
        for (var e : tensors.entrySet()) {
            Tensor t = e.getValue();
            names[i] = e.getKey();
            shapes[i] = t.shape().dims().clone();
            dtypes[i] = t.dtype();
            if (t.dtype() == DType.FLOAT32) {
                floats[i] = t.toArray();
            } else {
                longs[i] = t.toLongArray();
            }
            i++;
        }
        return new Packed(names, shapes, dtypes, floats, longs);
    }

    /** New tensors holding these values, in order. */
    Map<String, Tensor> toTensors() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
            Tensor t = dtypes[i] == DType.FLOAT32
                    ? Tensor.fromArray(floats[i].clone(), shapes[i])
                    : Tensor.fromArray(longs[i].clone(), shapes[i]).to(dtypes[i]);
            out.put(names[i], t);
        }
        return out;
    }

    /** Number of float values (what a round moves per copy, times 4 bytes). */
    long floatCount() {
        long n = 0;
        for (float[] f : floats) {
            n += f == null ? 0 : f.length;
        }
        return n;
    }

    /**
     * The weighted mean {@code sum(w_i * x_i) / sum(w_i)} of same-named float tensors, accumulated in
     * double in list order; other dtypes are taken from the first.
     */
    static Packed weightedMean(List<Packed> parts, double[] weights) {
        Packed first = parts.get(0);
        double total = 0;
        for (double w : weights) {
            total += w;
        }
        float[][] floats = new float[first.names.length][];
        for (int i = 0; i < first.names.length; i++) {
            if (first.floats[i] == null) {
                continue;
            }
            double[] acc = new double[first.floats[i].length];
            for (int p = 0; p < parts.size(); p++) {
                float[] x = parts.get(p).floats[i];
                double w = weights[p];
                for (int j = 0; j < acc.length; j++) {
                    acc[j] += w * x[j];
                }
            }
            float[] mean = new float[acc.length];
            for (int j = 0; j < acc.length; j++) {
                mean[j] = (float) (acc[j] / total);
            }
            floats[i] = mean;
        }
        return new Packed(first.names, first.shapes, first.dtypes, floats, first.longs);
    }
}
