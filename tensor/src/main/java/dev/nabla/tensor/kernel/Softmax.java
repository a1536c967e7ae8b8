package dev.nabla.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Numerically stable softmax and log-softmax along the middle axis of a contiguous
 * {@code [outer, r, inner]} block, with their fused backward passes. The maximum is subtracted
 * before exponentiating, so large logits never overflow. Row sums follow {@link Lanes}' fixed
 * order and the exponentials are {@link VMath}'s, so results do not depend on the vector width, the
 * thread count or the JVM's warmth (and no platform-specific {@code Math.exp} is involved).
 *
 * <pre>{@code
 * float[] x = {1, 2, 3}, y = new float[3];
 * Softmax.forward(false, x, 0, 1, 3, 1, y, 0);   // {0.090, 0.245, 0.665}
 * }</pre>
 */
public final class Softmax {
    /** Sums follow {@link Lanes}' fixed order: its species and logical width. */
    private static final VectorSpecies<Float> S = Lanes.SPECIES;

    private static final int L = S.length();
    private static final int W = Lanes.WIDTH;

    private Softmax() {}

    /** {@code y = softmax(x)} or, with {@code log}, {@code y = log_softmax(x)}; y may alias x. */
    public static void forward(boolean log, float[] x, int xo, int outer, int r, int inner, float[] y, int yo) {
        if (r == 0) {
            return;
        }
        int grain = Math.max(1, Elementwise.GRAIN / Math.max(1, r * inner));
        Parallel.forRange(outer, grain, (from, to) -> {
            float[] tmp = inner == 1 ? null : new float[r];
            for (int i = from; i < to; i++) {
                int base = i * r * inner;
                if (inner == 1) {
                    row(log, x, xo + base, y, yo + base, r);
                } else {
                    for (int j = 0; j < inner; j++) {
                        for (int k = 0; k < r; k++) {
                            tmp[k] = x[xo + base + k * inner + j];
                        }
                        row(log, tmp, 0, tmp, 0, r);
                        for (int k = 0; k < r; k++) {
                            y[yo + base + k * inner + j] = tmp[k];
                        }
                    }
                }
            }
        });
    }

    static void row(boolean log, float[] x, int xo, float[] y, int yo, int n) {
        float max = Reduce.reduceRow(Reduce.Op.MAX, x, xo, n);
        if (max == Float.NEGATIVE_INFINITY) {
            max = 0f; // all -inf: keep exp(-inf - 0) = 0 rather than NaN from (-inf) - (-inf)
        }
        // sum(exp(x - max)) in Lanes' fixed order; softmax keeps the exponentials in y on the way.
        float[] lanes = Lanes.buffer();
        FloatVector vm = FloatVector.broadcast(S, max);
        int full = n - n % W;
        for (int h = 0; h < W; h += L) {
            FloatVector acc = FloatVector.zero(S);
            for (int i = h; i < full; i += W) {
                FloatVector e = VMath.exp(FloatVector.fromArray(S, x, xo + i).sub(vm));
                if (!log) {
                    e.intoArray(y, yo + i);
                }
                acc = e.add(acc);
            }
            FloatVector.broadcast(S, 1f).mul(acc).intoArray(lanes, h);
        }
        for (int i = full; i < n; i++) {
            float e = VMath.exp(x[xo + i] - max);
            if (!log) {
                y[yo + i] = e;
            }
            lanes[i - full] += e;
        }
        float sum = Lanes.sum(lanes, 0);
        int ub = S.loopBound(n);
        int i = 0;
        if (log) {
            float shift = max + (float) StrictMath.log(sum);
            FloatVector vs = FloatVector.broadcast(S, shift);
            for (; i < ub; i += L) {
                FloatVector.fromArray(S, x, xo + i).sub(vs).intoArray(y, yo + i);
            }
            for (; i < n; i++) {
                y[yo + i] = x[xo + i] - shift;
            }
        } else {
            float s = 1f / sum;
            FloatVector inv = FloatVector.broadcast(S, s);
            for (; i < ub; i += L) {
                FloatVector.fromArray(S, y, yo + i).mul(inv).intoArray(y, yo + i);
            }
            for (; i < n; i++) {
                y[yo + i] *= s;
            }
        }
    }

    /**
     * Gradient of the input from the forward output {@code y} and the output gradient {@code g}:
     * softmax: {@code gx = y * (g - sum(g * y))}; log-softmax: {@code gx = g - exp(y) * sum(g)}.
     */
    public static void backward(
            boolean log, float[] y, int yo, float[] g, int go, int outer, int r, int inner, float[] gx, int gxo) {
        int grain = Math.max(1, Elementwise.GRAIN / Math.max(1, r * inner));
        Parallel.forRange(outer, grain, (from, to) -> {
            for (int i = from; i < to; i++) {
                for (int j = 0; j < inner; j++) {
                    int base = i * r * inner + j;
                    float dot = 0f;
                    for (int k = 0; k < r; k++) {
                        float gk = g[go + base + k * inner];
                        dot += log ? gk : gk * y[yo + base + k * inner];
                    }
                    for (int k = 0; k < r; k++) {
                        int at = base + k * inner;
                        float yk = y[yo + at];
                        gx[gxo + at] = log ? g[go + at] - (float) StrictMath.exp(yk) * dot : yk * (g[go + at] - dot);
                    }
                }
            }
        });
    }
}
