package dev.nabla.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Loss kernels with PyTorch's semantics: cross entropy fused with its log-softmax, negative log
 * likelihood, and binary cross entropy on logits.
 *
 * <p>The classification losses take the scores as a contiguous {@code [outer, c, inner]} block
 * ({@code [N, C]} has {@code inner = 1}; {@code [N, C, d1, ...]} has {@code inner = d1*...}) and one
 * target per sample {@code s = i * inner + j}, a class index (int64, as PyTorch's targets). A
 * target equal to {@code ignoreIndex} contributes nothing and has weight 0; any other target must be
 * in {@code [0, c)}. The forward passes write each sample's loss and its weight {@code wy} (the class
 * weight of its target, 1 without class weights, 0 when ignored), whose sum is the divisor of
 * PyTorch's mean reduction; the backward passes take each sample's output-gradient {@code scale}.
 *
 * <pre>{@code
 * float[] logits = {2, 0, 0, 0, 3, 0};            // [2 samples, 3 classes]
 * long[] target = {0, 1};
 * float[] loss = new float[2], lse = new float[2], wy = new float[2];
 * Loss.crossEntropyForward(logits, 0, 2, 3, 1, target, 0, null, -100, 0f, loss, lse, wy);
 * // loss = {0.2395, 0.0949}; mean = (loss[0] + loss[1]) / (wy[0] + wy[1])
 * float[] gx = new float[6];
 * Loss.crossEntropyBackward(logits, 0, 2, 3, 1, target, 0, null, -100, 0f, lse, new float[] {0.5f, 0.5f}, gx, 0);
 * }</pre>
 */
public final class Loss {
    /** Sums follow {@link Lanes}' fixed order: its species and logical width. */
    private static final VectorSpecies<Float> S = Lanes.SPECIES;

    private static final int L = S.length();
    private static final int W = Lanes.WIDTH;

    private Loss() {}

    /** The class index of sample {@code s}, or -1 when it equals {@code ignoreIndex}. */
    static int classIndex(String op, long k, int s, int c, int ignoreIndex) {
        if (k == ignoreIndex) {
            return -1;
        }
        if (k < 0 || k >= c) {
            throw new IndexOutOfBoundsException(op + ": target " + k + " at position " + s + " is out of bounds for "
                    + c + " classes (and is not the ignore index " + ignoreIndex + ")");
        }
        return (int) k;
    }

    private static int grain(int c, int inner) {
        return Math.max(1, Elementwise.GRAIN / Math.max(1, c * inner));
    }

    // =================================================================== cross entropy

    /**
     * Per-sample cross entropy of the scores {@code x} against class-index targets, with optional
     * class {@code weight} ({@code [c]}, null for none) and label smoothing {@code eps}:
     * {@code loss = (1 - eps) * w[y] * (lse - x[y]) + eps / c * sum_k w[k] * (lse - x[k])}, where
     * {@code lse} is the sample's log-sum-exp (written to {@code lse} for the backward pass).
     * Ignored samples get loss 0 and {@code wy} 0.
     */
    public static void crossEntropyForward(
            float[] x,
            int xo,
            int outer,
            int c,
            int inner,
            long[] target,
            int to,
            float[] weight,
            int ignoreIndex,
            float eps,
            float[] loss,
            float[] lse,
            float[] wy) {
        Parallel.forRange(outer, grain(c, inner), (i0, i1) -> {
            for (int i = i0; i < i1; i++) {
                int base = xo + i * c * inner;
                for (int j = 0; j < inner; j++) {
                    int s = i * inner + j;
                    int y = classIndex("cross_entropy", target[to + s], s, c, ignoreIndex);
                    float m = inner == 1 ? logSumExpRow(x, base, c) : logSumExpStrided(x, base + j, c, inner);
                    lse[s] = m;
                    if (y < 0) {
                        loss[s] = 0f;
                        wy[s] = 0f;
                        continue;
                    }
                    float w = weight == null ? 1f : weight[y];
                    double l = (1.0 - eps) * w * (m - x[base + j + y * inner]);
                    if (eps != 0f) {
                        double smooth = 0;
                        for (int k = 0; k < c; k++) {
                            smooth += (weight == null ? 1f : weight[k]) * (double) (m - x[base + j + k * inner]);
                        }
                        l += eps / c * smooth;
                    }
                    loss[s] = (float) l;
                    wy[s] = w;
                }
            }
        });
    }

    private static float logSumExpRow(float[] x, int off, int n) {
        float max = Reduce.reduceRow(Reduce.Op.MAX, x, off, n);
        if (max == Float.NEGATIVE_INFINITY || Float.isNaN(max)) {
            return max;
        }
        // sum(exp(x - max)) in Lanes' fixed order
        float[] lanes = Lanes.buffer();
        FloatVector vm = FloatVector.broadcast(S, max);
        int full = n - n % W;
        for (int h = 0; h < W; h += L) {
            FloatVector acc = FloatVector.zero(S);
            for (int i = h; i < full; i += W) {
                acc = VMath.exp(FloatVector.fromArray(S, x, off + i).sub(vm)).add(acc);
            }
            FloatVector.broadcast(S, 1f).mul(acc).intoArray(lanes, h);
        }
        for (int i = full; i < n; i++) {
            lanes[i - full] += VMath.exp(x[off + i] - max);
        }
        return max + (float) StrictMath.log(Lanes.sum(lanes, 0));
    }

    private static float logSumExpStrided(float[] x, int off, int n, int stride) {
        float max = Float.NEGATIVE_INFINITY;
        for (int k = 0; k < n; k++) {
            float v = x[off + k * stride];
            if (v > max || Float.isNaN(v)) {
                max = v;
            }
        }
        if (max == Float.NEGATIVE_INFINITY || Float.isNaN(max)) {
            return max;
        }
        float sum = 0f;
        for (int k = 0; k < n; k++) {
            sum += VMath.exp(x[off + k * stride] - max);
        }
        return max + (float) StrictMath.log(sum);
    }

    /**
     * Gradient of {@link #crossEntropyForward} with respect to the scores, fused with the
     * log-softmax: {@code gx[k] = scale * ((A * p[k] - eps/c * w[k]) - [k == y] (1 - eps) w[y])} with
     * {@code p = softmax(x)} and {@code A = (1 - eps) w[y] + eps/c * sum(w)}; zero for ignored samples.
     * {@code gx} ({@code [outer, c, inner]}) is overwritten.
     */
    public static void crossEntropyBackward(
            float[] x,
            int xo,
            int outer,
            int c,
            int inner,
            long[] target,
            int to,
            float[] weight,
            int ignoreIndex,
            float eps,
            float[] lse,
            float[] scale,
            float[] gx,
            int gxo) {
        float wSum;
        if (weight == null) {
            wSum = c;
        } else {
            double t = 0;
            for (int k = 0; k < c; k++) {
                t += weight[k];
            }
            wSum = (float) t;
        }
        float smooth = eps / c;
        Parallel.forRange(outer, grain(c, inner), (i0, i1) -> {
            for (int i = i0; i < i1; i++) {
                int base = i * c * inner;
                for (int j = 0; j < inner; j++) {
                    int s = i * inner + j;
                    int y = classIndex("cross_entropy", target[to + s], s, c, ignoreIndex);
                    int go = gxo + base + j;
                    if (y < 0) {
                        for (int k = 0; k < c; k++) {
                            gx[go + k * inner] = 0f;
                        }
                        continue;
                    }
                    float sc = scale[s];
                    float w = weight == null ? 1f : weight[y];
                    float a = sc * ((1f - eps) * w + smooth * wSum);
                    float b = sc * smooth;
                    float m = lse[s];
                    int xb = xo + base + j;
                    if (inner == 1) {
                        gradRow(x, xb, c, m, a, b, weight, gx, go);
                    } else {
                        for (int k = 0; k < c; k++) {
                            float p = VMath.exp(x[xb + k * inner] - m);
                            gx[go + k * inner] = a * p - b * (weight == null ? 1f : weight[k]);
                        }
                    }
                    gx[go + y * inner] -= sc * (1f - eps) * w;
                }
            }
        });
    }

    /** {@code g[k] = a * exp(x[k] - m) - b * w[k]} over one contiguous row ({@code w} null means 1). */
    private static void gradRow(float[] x, int xo, int c, float m, float a, float b, float[] w, float[] g, int go) {
        FloatVector vm = FloatVector.broadcast(S, m);
        FloatVector va = FloatVector.broadcast(S, a);
        FloatVector vb = FloatVector.broadcast(S, -b);
        int k = 0;
        for (int ub = S.loopBound(c); k < ub; k += L) {
            FloatVector p = VMath.exp(FloatVector.fromArray(S, x, xo + k).sub(vm));
            FloatVector t = w == null ? vb : FloatVector.fromArray(S, w, k).mul(vb);
            p.fma(va, t).intoArray(g, go + k);
        }
        for (; k < c; k++) {
            // The vector lanes' p * a + (w * -b), rounded once.
            g[go + k] = Math.fma(VMath.exp(x[xo + k] - m), a, w == null ? -b : w[k] * -b);
        }
    }

    // =================================================================== negative log likelihood

    /**
     * Per-sample {@code loss = -w[y] * x[y]} of log-probabilities {@code x} (0 for ignored samples),
     * and the sample weights {@code wy}.
     */
    public static void nllForward(
            float[] x,
            int xo,
            int outer,
            int c,
            int inner,
            long[] target,
            int to,
            float[] weight,
            int ignoreIndex,
            float[] loss,
            float[] wy) {
        int n = outer * inner;
        for (int s = 0; s < n; s++) {
            int y = classIndex("nll_loss", target[to + s], s, c, ignoreIndex);
            if (y < 0) {
                loss[s] = 0f;
                wy[s] = 0f;
                continue;
            }
            int i = s / inner;
            int j = s - i * inner;
            float w = weight == null ? 1f : weight[y];
            loss[s] = -w * x[xo + (i * c + y) * inner + j];
            wy[s] = w;
        }
    }

    /**
     * Gradient of {@link #nllForward}: writes {@code -w[y] * scale[s]} at each sample's target
     * position and leaves every other element of {@code gx} as it is (pass a zeroed array).
     */
    public static void nllBackward(
            int outer,
            int c,
            int inner,
            long[] target,
            int to,
            float[] weight,
            int ignoreIndex,
            float[] scale,
            float[] gx,
            int gxo) {
        int n = outer * inner;
        for (int s = 0; s < n; s++) {
            int y = classIndex("nll_loss", target[to + s], s, c, ignoreIndex);
            if (y >= 0) {
                int i = s / inner;
                int j = s - i * inner;
                gx[gxo + (i * c + y) * inner + j] = -(weight == null ? 1f : weight[y]) * scale[s];
            }
        }
    }

    // =================================================================== binary cross entropy

    /** {@code log(1 + exp(z))} without overflow. */
    private static double softplus(double z) {
        return Math.max(z, 0) + StrictMath.log1p(StrictMath.exp(-Math.abs(z)));
    }

    /**
     * Elementwise {@code loss = w * ((1 - t) * x + (1 + (pw - 1) * t) * softplus(-x))}, the stable
     * form of {@code -w * (pw * t * log(sigmoid(x)) + (1 - t) * log(1 - sigmoid(x)))}. {@code w}
     * (weight) and {@code pw} (pos_weight) are per-element arrays already broadcast to {@code n}, or
     * null. Scalar: transcendental-bound and on no hot path.
     */
    public static void bceWithLogitsForward(
            float[] x, int xo, float[] t, int to, float[] w, int wo, float[] pw, int pwo, float[] loss, int lo, int n) {
        Parallel.forRange(n, Elementwise.GRAIN / 8, (from, end) -> {
            for (int i = from; i < end; i++) {
                double xv = x[xo + i];
                double tv = t[to + i];
                double lw = pw == null ? 1.0 : 1.0 + (pw[pwo + i] - 1.0) * tv;
                double l = (1.0 - tv) * xv + lw * softplus(-xv);
                loss[lo + i] = (float) (w == null ? l : w[wo + i] * l);
            }
        });
    }

    /**
     * Gradients of {@link #bceWithLogitsForward} times the output gradient {@code g} (read with
     * stride {@code gs}: 1 per element, 0 for one shared value):
     * {@code gx = g * w * ((1 + (pw - 1) t) sigmoid(x) - pw t)} and
     * {@code gt = g * w * (pw softplus(-x) - softplus(x))}; either output may be null.
     */
    public static void bceWithLogitsBackward(
            float[] x,
            int xo,
            float[] t,
            int to,
            float[] w,
            int wo,
            float[] pw,
            int pwo,
            float[] g,
            int go,
            int gs,
            float[] gx,
            int gxo,
            float[] gt,
            int gto,
            int n) {
        Parallel.forRange(n, Elementwise.GRAIN / 8, (from, end) -> {
            for (int i = from; i < end; i++) {
                double xv = x[xo + i];
                double tv = t[to + i];
                double p = pw == null ? 1.0 : pw[pwo + i];
                double scale = g[go + i * gs] * (w == null ? 1.0 : w[wo + i]);
                if (gx != null) {
                    double sig = 1.0 / (1.0 + StrictMath.exp(-xv));
                    gx[gxo + i] = (float) (scale * ((1.0 + (p - 1.0) * tv) * sig - p * tv));
                }
                if (gt != null) {
                    gt[gto + i] = (float) (scale * (p * softplus(-xv) - softplus(xv)));
                }
            }
        });
    }
}
