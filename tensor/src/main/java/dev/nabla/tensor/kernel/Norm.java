package dev.nabla.tensor.kernel;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels of batch normalisation (per-channel statistics over {@code [n, c, hw]}) and layer
 * normalisation (per-row statistics over {@code [rows, d]}), forward and backward.
 *
 * <p>Batch norm works on a contiguous {@code [n, c, hw]} view of NCHW data (hw = H*W, or 1 for
 * {@code [N, C]}, or L for {@code [N, C, L]}). Statistics and the backward sums take one pass over
 * the data each: every channel is reduced row by row with vector accumulators, shifted by the
 * channel's first value so the one-pass variance does not cancel, and rows are summed in double.
 * The normalising passes compute {@code (x - mean) * scale + shift} with per-channel scale and
 * shift, as PyTorch's CPU kernel does. When {@code hw == 1} the channels are the contiguous axis and
 * the loops run across channels instead. Work splits over channels (statistics) or rows
 * (elementwise passes) through {@link Parallel}.
 *
 * <p>Reproducibility: row sums follow {@link Lanes}' fixed 16-lane order, scalar tails use the
 * vector lanes' fused multiply-adds, and layer norm's parameter gradients sum over a fixed number of
 * row chunks (from the shape alone), so the bits depend neither on the vector width nor on the
 * thread count.
 *
 * <pre>{@code
 * float[] x = {1, 2, 3, 4, 5, 6, 7, 8};                // [n=2, c=2, hw=2]
 * float[] mean = new float[2], var = new float[2];
 * Norm.batchStats(x, 0, 2, 2, 2, mean, var);           // mean = {3.5, 5.5}, var = {4.25, 4.25}
 * float[] y = new float[8];
 * float[] scale = {1 / (float) Math.sqrt(4.25), 1 / (float) Math.sqrt(4.25)};
 * Norm.normalize(x, 0, 2, 2, 2, mean, scale, new float[2], y, 0);   // zero mean, unit variance
 * }</pre>
 */
public final class Norm {
    /** Sums follow {@link Lanes}' fixed order: its species and logical width. */
    private static final VectorSpecies<Float> S = Lanes.SPECIES;

    private static final int L = S.length();
    private static final int W = Lanes.WIDTH;

    private Norm() {}

    private static int channelGrain(long perChannel) {
        return (int) Math.max(1, Elementwise.GRAIN / Math.max(1, perChannel));
    }

    // =================================================================== batch norm

    /**
     * Per-channel mean and biased variance of {@code x} viewed as {@code [n, c, hw]}:
     * {@code mean[ch] = sum(x[:, ch, :]) / (n*hw)}, {@code var[ch] = sum((x - mean)^2) / (n*hw)}.
     */
    public static void batchStats(float[] x, int xo, int n, int c, int hw, float[] mean, float[] var) {
        long m = (long) n * hw;
        if (m == 0) {
            throw new IllegalArgumentException(
                    "batch norm statistics: no values per channel (n=" + n + ", hw=" + hw + ")");
        }
        if (hw == 1) {
            columnSums(x, xo, null, 0, n, c, null, mean, var, true);
            return;
        }
        Parallel.forRange(c, channelGrain(m), (c0, c1) -> {
            float[] lanes = Lanes.buffer();
            for (int ch = c0; ch < c1; ch++) {
                float k = x[xo + ch * hw];
                double s1 = 0;
                double s2 = 0;
                for (int i = 0; i < n; i++) {
                    shiftedSums(x, xo + (i * c + ch) * hw, hw, k, lanes);
                    s1 += Lanes.sum(lanes, 0);
                    s2 += Lanes.sum(lanes, W);
                }
                double mu = s1 / m;
                mean[ch] = (float) (k + mu);
                var[ch] = (float) Math.max(0.0, s2 / m - mu * mu);
            }
        });
    }

    /**
     * The 16 logical lanes ({@link Lanes}) of {@code sum(x - k)} at {@code lanes[0]} and of
     * {@code sum((x - k)^2)} at {@code lanes[16]}, over {@code x[off .. off + n)}.
     */
    private static void shiftedSums(float[] x, int off, int n, float k, float[] lanes) {
        FloatVector vk = FloatVector.broadcast(S, k);
        int full = n - n % W;
        for (int h = 0; h < W; h += L) {
            FloatVector a1 = FloatVector.zero(S);
            FloatVector a2 = FloatVector.zero(S);
            for (int j = h; j < full; j += W) {
                FloatVector d = FloatVector.fromArray(S, x, off + j).sub(vk);
                a1 = d.add(a1);
                a2 = d.fma(d, a2);
            }
            FloatVector one = FloatVector.broadcast(S, 1f);
            one.mul(a1).intoArray(lanes, h);
            one.mul(a2).intoArray(lanes, W + h);
        }
        for (int j = full; j < n; j++) {
            float d = x[off + j] - k;
            lanes[j - full] += d;
            lanes[W + j - full] = Math.fma(d, d, lanes[W + j - full]);
        }
    }

    /**
     * The two sums batch norm's backward needs, per channel: {@code sumG[ch] = sum(g[:, ch, :])}
     * and {@code sumGX[ch] = sum(g[:, ch, :] * (x[:, ch, :] - mean[ch]))}.
     */
    public static void gradSums(
            float[] g, int go, float[] x, int xo, int n, int c, int hw, float[] mean, float[] sumG, float[] sumGX) {
        if (hw == 1) {
            columnSums(g, go, x, xo, n, c, mean, sumG, sumGX, false);
            return;
        }
        Parallel.forRange(c, channelGrain((long) n * hw), (c0, c1) -> {
            float[] lanes = Lanes.buffer();
            for (int ch = c0; ch < c1; ch++) {
                float mu = mean[ch];
                FloatVector vm = FloatVector.broadcast(S, mu);
                double s1 = 0;
                double s2 = 0;
                int full = hw - hw % W;
                for (int i = 0; i < n; i++) {
                    int off = (i * c + ch) * hw;
                    for (int h = 0; h < W; h += L) {
                        FloatVector a1 = FloatVector.zero(S);
                        FloatVector a2 = FloatVector.zero(S);
                        for (int j = h; j < full; j += W) {
                            FloatVector gv = FloatVector.fromArray(S, g, go + off + j);
                            a1 = gv.add(a1);
                            a2 = FloatVector.fromArray(S, x, xo + off + j)
                                    .sub(vm)
                                    .fma(gv, a2);
                        }
                        FloatVector one = FloatVector.broadcast(S, 1f);
                        one.mul(a1).intoArray(lanes, h);
                        one.mul(a2).intoArray(lanes, W + h);
                    }
                    for (int j = full; j < hw; j++) {
                        float gv = g[go + off + j];
                        lanes[j - full] += gv;
                        lanes[W + j - full] = Math.fma(x[xo + off + j] - mu, gv, lanes[W + j - full]);
                    }
                    s1 += Lanes.sum(lanes, 0);
                    s2 += Lanes.sum(lanes, W);
                }
                sumG[ch] = (float) s1;
                sumGX[ch] = (float) s2;
            }
        });
    }

    /**
     * The {@code hw == 1} case of {@link #batchStats} ({@code stats}) and {@link #gradSums}: an
     * {@code [n, c]} matrix reduced over its rows, vectorised across the contiguous channels.
     * Statistics shift each column by its first row; the sums are kept in float per block of rows
     * and folded into double every {@code BLOCK} rows.
     */
    private static void columnSums(
            float[] a,
            int ao,
            float[] x,
            int xo,
            int n,
            int c,
            float[] mean,
            float[] out1,
            float[] out2,
            boolean stats) {
        final int block = 256;
        Parallel.forRange(c, Math.max(L, channelGrain(n)), (c0, c1) -> {
            int w = c1 - c0;
            float[] t1 = new float[w];
            float[] t2 = new float[w];
            double[] s1 = new double[w];
            double[] s2 = new double[w];
            float[] shift = new float[w];
            if (stats) {
                System.arraycopy(a, ao + c0, shift, 0, w);
            } else {
                System.arraycopy(mean, c0, shift, 0, w);
            }
            int ub = S.loopBound(w);
            for (int i0 = 0; i0 < n; i0 += block) {
                Arrays.fill(t1, 0f);
                Arrays.fill(t2, 0f);
                int i1 = Math.min(n, i0 + block);
                for (int i = i0; i < i1; i++) {
                    int row = i * c + c0;
                    int j = 0;
                    for (; j < ub; j += L) {
                        FloatVector av = FloatVector.fromArray(S, a, ao + row + j);
                        FloatVector k = FloatVector.fromArray(S, shift, j);
                        if (stats) {
                            FloatVector d = av.sub(k);
                            FloatVector.fromArray(S, t1, j).add(d).intoArray(t1, j);
                            d.fma(d, FloatVector.fromArray(S, t2, j)).intoArray(t2, j);
                        } else {
                            FloatVector.fromArray(S, t1, j).add(av).intoArray(t1, j);
                            FloatVector.fromArray(S, x, xo + row + j)
                                    .sub(k)
                                    .fma(av, FloatVector.fromArray(S, t2, j))
                                    .intoArray(t2, j);
                        }
                    }
                    for (; j < w; j++) {
                        float av = a[ao + row + j];
                        // Fused like the vector lanes: a channel's bits must not depend on whether
                        // the thread split put it in a lane or in a tail.
                        if (stats) {
                            float d = av - shift[j];
                            t1[j] += d;
                            t2[j] = Math.fma(d, d, t2[j]);
                        } else {
                            t1[j] += av;
                            t2[j] = Math.fma(x[xo + row + j] - shift[j], av, t2[j]);
                        }
                    }
                }
                for (int j = 0; j < w; j++) {
                    s1[j] += t1[j];
                    s2[j] += t2[j];
                }
            }
            for (int j = 0; j < w; j++) {
                if (stats) {
                    double mu = s1[j] / n;
                    out1[c0 + j] = (float) (shift[j] + mu);
                    out2[c0 + j] = (float) Math.max(0.0, s2[j] / n - mu * mu);
                } else {
                    out1[c0 + j] = (float) s1[j];
                    out2[c0 + j] = (float) s2[j];
                }
            }
        });
    }

    /**
     * {@code y[i, ch, j] = (x[i, ch, j] - center[ch]) * scale[ch] + shift[ch]} over {@code [n, c, hw]}:
     * batch norm's forward (center = mean, scale = weight/std, shift = bias), and with a zero
     * center and shift any per-channel scaling. {@code y} may be {@code x}.
     */
    public static void normalize(
            float[] x, int xo, int n, int c, int hw, float[] center, float[] scale, float[] shift, float[] y, int yo) {
        normalizeBackward(null, 0, x, xo, n, c, hw, center, null, scale, shift, y, yo);
    }

    /**
     * {@code gx = g * gScale[ch] + (x - center[ch]) * xScale[ch] + shift[ch]} over {@code [n, c, hw]}:
     * batch norm's input gradient in one pass. {@code g} and {@code gScale} may be null (the term
     * is then absent), which makes this {@link #normalize}.
     */
    public static void normalizeBackward(
            float[] g,
            int go,
            float[] x,
            int xo,
            int n,
            int c,
            int hw,
            float[] center,
            float[] gScale,
            float[] xScale,
            float[] shift,
            float[] gx,
            int gxo) {
        if (hw == 1) {
            Parallel.forRange(n, Math.max(1, Elementwise.GRAIN / Math.max(1, c)), (i0, i1) -> {
                for (int i = i0; i < i1; i++) {
                    affineRow(g, go + i * c, x, xo + i * c, c, center, 0, gScale, xScale, shift, gx, gxo + i * c);
                }
            });
            return;
        }
        int rows = n * c;
        Parallel.forRange(rows, Math.max(1, Elementwise.GRAIN / hw), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int ch = r % c;
                int off = r * hw;
                float k = center[ch];
                float b = shift[ch];
                float sx = xScale[ch];
                float sg = g == null ? 0f : gScale[ch];
                FloatVector vk = FloatVector.broadcast(S, k);
                FloatVector vb = FloatVector.broadcast(S, b);
                FloatVector vsx = FloatVector.broadcast(S, sx);
                int j = 0;
                int ub = S.loopBound(hw);
                if (g == null) {
                    for (; j < ub; j += L) {
                        FloatVector.fromArray(S, x, xo + off + j)
                                .sub(vk)
                                .fma(vsx, vb)
                                .intoArray(gx, gxo + off + j);
                    }
                    for (; j < hw; j++) {
                        gx[gxo + off + j] = Math.fma(x[xo + off + j] - k, sx, b);
                    }
                } else {
                    FloatVector vsg = FloatVector.broadcast(S, sg);
                    for (; j < ub; j += L) {
                        FloatVector t = FloatVector.fromArray(S, x, xo + off + j)
                                .sub(vk)
                                .fma(vsx, vb);
                        FloatVector.fromArray(S, g, go + off + j).fma(vsg, t).intoArray(gx, gxo + off + j);
                    }
                    for (; j < hw; j++) {
                        gx[gxo + off + j] = Math.fma(g[go + off + j], sg, Math.fma(x[xo + off + j] - k, sx, b));
                    }
                }
            }
        });
    }

    /** One row of {@code c} channels (the {@code hw == 1} layout): per-element parameters. */
    private static void affineRow(
            float[] g,
            int go,
            float[] x,
            int xo,
            int c,
            float[] center,
            int po,
            float[] gScale,
            float[] xScale,
            float[] shift,
            float[] out,
            int oo) {
        int j = 0;
        int ub = S.loopBound(c);
        for (; j < ub; j += L) {
            FloatVector t = FloatVector.fromArray(S, x, xo + j)
                    .sub(FloatVector.fromArray(S, center, po + j))
                    .fma(FloatVector.fromArray(S, xScale, po + j), FloatVector.fromArray(S, shift, po + j));
            if (g != null) {
                t = FloatVector.fromArray(S, g, go + j).fma(FloatVector.fromArray(S, gScale, po + j), t);
            }
            t.intoArray(out, oo + j);
        }
        for (; j < c; j++) {
            float t = Math.fma(x[xo + j] - center[po + j], xScale[po + j], shift[po + j]);
            out[oo + j] = g == null ? t : Math.fma(g[go + j], gScale[po + j], t);
        }
    }

    // =================================================================== layer norm

    /**
     * Layer norm of each row of {@code x} viewed as {@code [rows, d]}:
     * {@code y = (x - mean) * rstd * w + b} with the biased variance; {@code w} and {@code b}
     * ({@code [d]}) may be null (no affine). Writes each row's mean and {@code rstd = 1/sqrt(var + eps)}.
     */
    public static void layerNormForward(
            float[] x,
            int xo,
            int rows,
            int d,
            float[] w,
            int wo,
            float[] b,
            int bo,
            float eps,
            float[] y,
            int yo,
            float[] mean,
            float[] rstd) {
        if (d == 0) {
            throw new IllegalArgumentException("layer norm: the normalised dimensions hold no elements");
        }
        Parallel.forRange(rows, Math.max(1, Elementwise.GRAIN / d), (r0, r1) -> {
            float[] lanes = Lanes.buffer();
            for (int r = r0; r < r1; r++) {
                int off = r * d;
                float mu = Lanes.sum(x, xo + off, d, lanes) / d;
                FloatVector vm = FloatVector.broadcast(S, mu);
                shiftedSums(x, xo + off, d, mu, lanes);
                float ss = Lanes.sum(lanes, W);
                int j = 0;
                int ub = S.loopBound(d);
                float rs = (float) (1.0 / Math.sqrt(ss / d + eps));
                mean[r] = mu;
                rstd[r] = rs;
                FloatVector vr = FloatVector.broadcast(S, rs);
                for (; j < ub; j += L) {
                    FloatVector t =
                            FloatVector.fromArray(S, x, xo + off + j).sub(vm).mul(vr);
                    if (w != null) {
                        t = t.mul(FloatVector.fromArray(S, w, wo + j));
                    }
                    if (b != null) {
                        t = t.add(FloatVector.fromArray(S, b, bo + j));
                    }
                    t.intoArray(y, yo + off + j);
                }
                for (; j < d; j++) {
                    float t = (x[xo + off + j] - mu) * rs;
                    if (w != null) {
                        t *= w[wo + j];
                    }
                    if (b != null) {
                        t += b[bo + j];
                    }
                    y[yo + off + j] = t;
                }
            }
        });
    }

    /**
     * Gradients of {@link #layerNormForward}: {@code gx} (overwritten; may be null) from
     * {@code gx = rstd * (gh - mean(gh) - xhat * mean(gh * xhat))} with {@code gh = g * w} and
     * {@code xhat = (x - mean) * rstd}; {@code gw += sum over rows of g * xhat} and
     * {@code gb += sum over rows of g} (each may be null). {@code w} may be null (no affine).
     */
    public static void layerNormBackward(
            float[] g,
            int go,
            float[] x,
            int xo,
            int rows,
            int d,
            float[] w,
            int wo,
            float[] mean,
            float[] rstd,
            float[] gx,
            int gxo,
            float[] gw,
            int gwo,
            float[] gb,
            int gbo) {
        boolean params = gw != null || gb != null;
        // The parameter gradients are sums over rows: each of a fixed number of row chunks (a
        // function of the shape alone) sums into its own zeroed partial, and the partials are added
        // into gw/gb in chunk order, so the bits do not depend on how many threads share the chunks.
        int chunks = params ? (int) Math.min(16, Math.max(1, (long) rows * d / Elementwise.GRAIN)) : rows;
        float[] partial = params ? new float[chunks * 2 * d] : null;
        Parallel.forRange(chunks, params ? 1 : Math.max(1, Elementwise.GRAIN / d), (k0, k1) -> {
            float[] gh = new float[d];
            float[] xh = new float[d];
            float[] lanes = Lanes.buffer();
            for (int k = k0; k < k1; k++) {
                int from = (int) ((long) rows * k / chunks);
                int to = (int) ((long) rows * (k + 1) / chunks);
                int pw = k * 2 * d;
                int pb = pw + d;
                for (int r = from; r < to; r++) {
                    layerNormRow(
                            g,
                            go + r * d,
                            x,
                            xo + r * d,
                            d,
                            w,
                            wo,
                            mean[r],
                            rstd[r],
                            gh,
                            xh,
                            gx,
                            gx == null ? 0 : gxo + r * d,
                            partial,
                            pw,
                            pb,
                            lanes);
                }
            }
        });
        if (params) {
            for (int k = 0; k < chunks; k++) {
                if (gw != null) {
                    addInto(partial, k * 2 * d, gw, gwo, d);
                }
                if (gb != null) {
                    addInto(partial, k * 2 * d + d, gb, gbo, d);
                }
            }
        }
    }

    /** {@code dst[d + i] += src[s + i]} for {@code i < n}. */
    private static void addInto(float[] src, int s, float[] dst, int d, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector.fromArray(S, src, s + i)
                    .add(FloatVector.fromArray(S, dst, d + i))
                    .intoArray(dst, d + i);
        }
        for (; i < n; i++) {
            dst[d + i] += src[s + i];
        }
    }

    private static void layerNormRow(
            float[] g,
            int go,
            float[] x,
            int xo,
            int d,
            float[] w,
            int wo,
            float mu,
            float rs,
            float[] gh,
            float[] xh,
            float[] gx,
            int gxo,
            float[] partial,
            int pw,
            int pb,
            float[] lanes) {
        FloatVector vm = FloatVector.broadcast(S, mu);
        FloatVector vr = FloatVector.broadcast(S, rs);
        // sum(gh) and sum(gh * xhat) in Lanes' fixed order, storing gh and xhat on the way
        int full = d - d % W;
        for (int h = 0; h < W; h += L) {
            FloatVector sa = FloatVector.zero(S);
            FloatVector sb = FloatVector.zero(S);
            for (int j = h; j < full; j += W) {
                FloatVector gv = FloatVector.fromArray(S, g, go + j);
                FloatVector xv = FloatVector.fromArray(S, x, xo + j).sub(vm).mul(vr);
                FloatVector hv = w == null ? gv : gv.mul(FloatVector.fromArray(S, w, wo + j));
                xv.intoArray(xh, j);
                hv.intoArray(gh, j);
                sa = hv.add(sa);
                sb = hv.fma(xv, sb);
                if (partial != null) {
                    xv.fma(gv, FloatVector.fromArray(S, partial, pw + j)).intoArray(partial, pw + j);
                    gv.add(FloatVector.fromArray(S, partial, pb + j)).intoArray(partial, pb + j);
                }
            }
            FloatVector one = FloatVector.broadcast(S, 1f);
            one.mul(sa).intoArray(lanes, h);
            one.mul(sb).intoArray(lanes, W + h);
        }
        for (int j = full; j < d; j++) {
            float gv = g[go + j];
            float xv = (x[xo + j] - mu) * rs;
            float hv = w == null ? gv : gv * w[wo + j];
            xh[j] = xv;
            gh[j] = hv;
            lanes[j - full] += hv;
            lanes[W + j - full] = Math.fma(hv, xv, lanes[W + j - full]);
            if (partial != null) {
                partial[pw + j] = Math.fma(xv, gv, partial[pw + j]);
                partial[pb + j] += gv;
            }
        }
        if (gx == null) {
            return;
        }
        float ma = Lanes.sum(lanes, 0) / d;
        float mb = Lanes.sum(lanes, W) / d;
        FloatVector vma = FloatVector.broadcast(S, ma);
        FloatVector vmb = FloatVector.broadcast(S, mb);
        int j = 0;
        for (int ub = S.loopBound(d); j < ub; j += L) {
            FloatVector.fromArray(S, gh, j)
                    .sub(vma)
                    .sub(FloatVector.fromArray(S, xh, j).mul(vmb))
                    .mul(vr)
                    .intoArray(gx, gxo + j);
        }
        for (; j < d; j++) {
            gx[gxo + j] = (gh[j] - ma - xh[j] * mb) * rs;
        }
    }
}
