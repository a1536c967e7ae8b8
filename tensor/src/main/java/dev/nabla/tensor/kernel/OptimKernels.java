package dev.nabla.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fused optimizer updates and the reductions gradient clipping needs, over float arrays with
 * offsets (Vector API, scalar tails).
 *
 * <p>Each update reads a parameter, its gradient and its state buffers once and writes them once,
 * which is what bounds an optimizer step: it is memory traffic, not arithmetic. The per-element
 * arithmetic follows PyTorch's single-tensor implementations operation by operation (in float32,
 * with the scalars computed in double and rounded once), so trajectories agree with PyTorch's to
 * float rounding. Updates are elementwise, so splitting them over {@link Parallel} gives the same
 * bits on any number of threads; the reductions split the array into fixed blocks independent of
 * the thread count for the same reason.
 *
 * <p>Hyperparameters come in as doubles and are rounded to float here, the way PyTorch turns its
 * Python-float arguments into float32 scalars ({@code 1 - beta1} is formed in double first).
 *
 * <pre>{@code
 * float[] w = {1, 2}, g = {0.5f, -1}, m = new float[2], v = new float[2];
 * // the first Adam step (t = 1) with lr 0.1 moves every weight by about lr against its gradient's sign
 * OptimKernels.adam(w, 0, g, 0, m, 0, v, 0, null, 0, 2, 0.1, 0.9, 0.999, 1e-8, 0, false, 1, false);
 * // w is now about {0.9, 2.1}
 * }</pre>
 */
public final class OptimKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Elements per partial sum of the reductions; fixed so results do not depend on the thread count. */
    private static final int BLOCK = 1 << 10;

    private OptimKernels() {}

    private static FloatVector v(float[] x, int off) {
        return FloatVector.fromArray(S, x, off);
    }

    // ------------------------------------------------------------------ SGD

    /**
     * One SGD step over {@code n} elements, as {@code torch.optim.SGD}:
     * {@code d = ±g + weightDecay * w}; with momentum {@code buf = momentum * buf + (1 - dampening) * d}
     * ({@code buf = d} when {@code initBuffer}, the first step), {@code d = nesterov ? d + momentum * buf : buf};
     * then {@code w -= lr * d}. {@code buf} is ignored (may be null) when {@code momentum == 0}.
     * {@code maximize} negates the gradient.
     */
    public static void sgd(
            float[] w,
            int wo,
            float[] g,
            int go,
            float[] buf,
            int bo,
            int n,
            double lr,
            double weightDecay,
            double momentum,
            double dampening,
            boolean nesterov,
            boolean maximize,
            boolean initBuffer) {
        checkRange("sgd", w, wo, n);
        checkRange("sgd", g, go, n);
        if (momentum != 0) {
            checkRange("sgd", buf, bo, n);
        }
        float wd = (float) weightDecay;
        float mom = (float) momentum;
        float keep = (float) (1 - dampening);
        float negLr = (float) -lr;
        Parallel.forRange(
                n,
                Elementwise.GRAIN,
                (from, to) -> sgdRange(
                        w,
                        wo + from,
                        g,
                        go + from,
                        buf,
                        bo + from,
                        to - from,
                        negLr,
                        wd,
                        mom,
                        keep,
                        nesterov,
                        maximize,
                        initBuffer));
    }

    private static void sgdRange(
            float[] w,
            int wo,
            float[] g,
            int go,
            float[] buf,
            int bo,
            int n,
            float negLr,
            float wd,
            float mom,
            float keep,
            boolean nesterov,
            boolean maximize,
            boolean init) {
        float gs = maximize ? -1f : 1f;
        boolean decay = wd != 0f;
        FloatVector vgs = FloatVector.broadcast(S, gs);
        FloatVector vwd = FloatVector.broadcast(S, wd);
        FloatVector vNegLr = FloatVector.broadcast(S, negLr);
        FloatVector vKeep = FloatVector.broadcast(S, keep);
        FloatVector vMom = FloatVector.broadcast(S, mom);
        int i = 0;
        int ub = S.loopBound(n);
        if (mom == 0f) {
            for (; i < ub; i += L) {
                FloatVector wv = v(w, wo + i);
                FloatVector d = v(g, go + i).mul(vgs);
                if (decay) {
                    d = wv.fma(vwd, d);
                }
                d.fma(vNegLr, wv).intoArray(w, wo + i);
            }
            for (; i < n; i++) {
                float d = g[go + i] * gs;
                if (decay) {
                    d = Math.fma(w[wo + i], wd, d);
                }
                w[wo + i] = Math.fma(d, negLr, w[wo + i]);
            }
            return;
        }
        for (; i < ub; i += L) {
            FloatVector wv = v(w, wo + i);
            FloatVector d = v(g, go + i).mul(vgs);
            if (decay) {
                d = wv.fma(vwd, d);
            }
            FloatVector b = init ? d : d.fma(vKeep, v(buf, bo + i).mul(vMom));
            b.intoArray(buf, bo + i);
            FloatVector step = nesterov ? b.fma(vMom, d) : b;
            step.fma(vNegLr, wv).intoArray(w, wo + i);
        }
        for (; i < n; i++) {
            float d = g[go + i] * gs;
            if (decay) {
                d = Math.fma(w[wo + i], wd, d);
            }
            float b = init ? d : Math.fma(d, keep, buf[bo + i] * mom);
            buf[bo + i] = b;
            float step = nesterov ? Math.fma(b, mom, d) : b;
            w[wo + i] = Math.fma(step, negLr, w[wo + i]);
        }
    }

    // ------------------------------------------------------------------ Adam / AdamW

    /**
     * One Adam/AdamW step over {@code n} elements, as {@code torch.optim.Adam} and {@code AdamW}:
     * <pre>
     * w *= decoupledDecay                       (AdamW: 1 - lr * weight_decay; Adam: 1)
     * g' = ±g + weightDecay * w                 (Adam's L2 term; 0 for AdamW)
     * m = beta1 * m + (1 - beta1) * g'
     * v = beta2 * v + (1 - beta2) * g' * g'
     * vmax = max(vmax, v)                       (AMSGrad, when vmax != null)
     * w -= stepSize * m / (sqrt(vmax or v) / bc2Sqrt + eps)
     * </pre>
     * with {@code stepSize = lr / (1 - beta1^step)} and {@code bc2Sqrt = sqrt(1 - beta2^step)};
     * {@code step} counts from 1. {@code decoupled} selects AdamW's weight decay over Adam's L2 term.
     */
    public static void adam(
            float[] w,
            int wo,
            float[] g,
            int go,
            float[] m,
            int mo,
            float[] v,
            int vo,
            float[] vmax,
            int vmo,
            int n,
            double lr,
            double beta1,
            double beta2,
            double eps,
            double weightDecay,
            boolean decoupled,
            long step,
            boolean maximize) {
        if (step < 1) {
            throw new IllegalArgumentException("adam: step counts from 1, got " + step);
        }
        checkRange("adam", w, wo, n);
        checkRange("adam", g, go, n);
        checkRange("adam", m, mo, n);
        checkRange("adam", v, vo, n);
        if (vmax != null) {
            checkRange("adam", vmax, vmo, n);
        }
        float b1 = (float) beta1;
        float b2 = (float) beta2;
        float c1 = (float) (1 - beta1);
        float c2 = (float) (1 - beta2);
        float negStep = (float) -(lr / (1 - StrictMath.pow(beta1, step)));
        float bc2Sqrt = (float) Math.sqrt(1 - StrictMath.pow(beta2, step));
        float l2 = decoupled ? 0f : (float) weightDecay;
        float shrink = decoupled ? (float) (1 - lr * weightDecay) : 1f;
        float e = (float) eps;
        Parallel.forRange(
                n,
                Elementwise.GRAIN,
                (from, to) -> adamRange(
                        w,
                        wo + from,
                        g,
                        go + from,
                        m,
                        mo + from,
                        v,
                        vo + from,
                        vmax,
                        vmo + from,
                        to - from,
                        b1,
                        b2,
                        c1,
                        c2,
                        negStep,
                        bc2Sqrt,
                        e,
                        l2,
                        shrink,
                        maximize));
    }

    private static void adamRange(
            float[] w,
            int wo,
            float[] g,
            int go,
            float[] m,
            int mo,
            float[] v,
            int vo,
            float[] vmax,
            int vmo,
            int n,
            float beta1,
            float beta2,
            float c1,
            float c2,
            float negStep,
            float bc2Sqrt,
            float eps,
            float wd,
            float decoupled,
            boolean maximize) {
        float gs = maximize ? -1f : 1f;
        boolean l2 = wd != 0f;
        boolean shrink = decoupled != 1f;
        boolean ams = vmax != null;
        FloatVector vgs = FloatVector.broadcast(S, gs);
        FloatVector vwd = FloatVector.broadcast(S, wd);
        FloatVector vDecoupled = FloatVector.broadcast(S, decoupled);
        FloatVector vb1 = FloatVector.broadcast(S, beta1);
        FloatVector vb2 = FloatVector.broadcast(S, beta2);
        FloatVector vc1 = FloatVector.broadcast(S, c1);
        FloatVector vc2 = FloatVector.broadcast(S, c2);
        FloatVector vbc2 = FloatVector.broadcast(S, bc2Sqrt);
        FloatVector vEps = FloatVector.broadcast(S, eps);
        FloatVector vNegStep = FloatVector.broadcast(S, negStep);
        int i = 0;
        int ub = S.loopBound(n);
        for (; i < ub; i += L) {
            FloatVector wv = v(w, wo + i);
            if (shrink) {
                wv = wv.mul(vDecoupled);
            }
            FloatVector gv = v(g, go + i).mul(vgs);
            if (l2) {
                gv = wv.fma(vwd, gv);
            }
            FloatVector mv = gv.fma(vc1, v(m, mo + i).mul(vb1));
            FloatVector vv = gv.mul(vc2).fma(gv, v(v, vo + i).mul(vb2));
            mv.intoArray(m, mo + i);
            vv.intoArray(v, vo + i);
            if (ams) {
                vv = v(vmax, vmo + i).max(vv);
                vv.intoArray(vmax, vmo + i);
            }
            FloatVector denom = vv.sqrt().div(vbc2).add(vEps);
            mv.div(denom).fma(vNegStep, wv).intoArray(w, wo + i);
        }
        for (; i < n; i++) {
            float wi = w[wo + i];
            if (shrink) {
                wi *= decoupled;
            }
            float gi = g[go + i] * gs;
            if (l2) {
                gi = Math.fma(wi, wd, gi);
            }
            float mi = Math.fma(gi, c1, m[mo + i] * beta1);
            float vi = Math.fma(gi * c2, gi, v[vo + i] * beta2);
            m[mo + i] = mi;
            v[vo + i] = vi;
            if (ams) {
                vi = Math.max(vmax[vmo + i], vi);
                vmax[vmo + i] = vi;
            }
            float denom = (float) Math.sqrt(vi) / bc2Sqrt + eps;
            w[wo + i] = Math.fma(mi / denom, negStep, wi);
        }
    }

    // ------------------------------------------------------------------ RMSprop

    /**
     * One RMSprop step over {@code n} elements, as {@code torch.optim.RMSprop}:
     * <pre>
     * g' = ±g + weightDecay * w
     * sq = alpha * sq + (1 - alpha) * g' * g'
     * avg = sqrt(sq) + eps, or when centered (gAvg != null):
     *     gAvg = alpha * gAvg + (1 - alpha) * g';  avg = sqrt(sq - gAvg * gAvg) + eps
     * with momentum (buf != null): buf = momentum * buf + g' / avg;  w -= lr * buf
     * else:                        w -= lr * g' / avg
     * </pre>
     */
    public static void rmsprop(
            float[] w,
            int wo,
            float[] g,
            int go,
            float[] sq,
            int so,
            float[] gAvg,
            int ao,
            float[] buf,
            int bo,
            int n,
            double lr,
            double alpha,
            double eps,
            double weightDecay,
            double momentum,
            boolean maximize) {
        checkRange("rmsprop", w, wo, n);
        checkRange("rmsprop", g, go, n);
        checkRange("rmsprop", sq, so, n);
        if (gAvg != null) {
            checkRange("rmsprop", gAvg, ao, n);
        }
        if (buf != null) {
            checkRange("rmsprop", buf, bo, n);
        }
        float negLr = (float) -lr;
        float a = (float) alpha;
        float c = (float) (1 - alpha);
        float e = (float) eps;
        float wd = (float) weightDecay;
        float mom = (float) momentum;
        Parallel.forRange(
                n,
                Elementwise.GRAIN,
                (from, to) -> rmspropRange(
                        w, wo + from, g, go + from, sq, so + from, gAvg, ao + from, buf, bo + from, to - from, negLr, a,
                        c, e, wd, mom, maximize));
    }

    private static void rmspropRange(
            float[] w,
            int wo,
            float[] g,
            int go,
            float[] sq,
            int so,
            float[] gAvg,
            int ao,
            float[] buf,
            int bo,
            int n,
            float negLr,
            float alpha,
            float c,
            float eps,
            float wd,
            float mom,
            boolean maximize) {
        float gs = maximize ? -1f : 1f;
        boolean decay = wd != 0f;
        boolean centered = gAvg != null;
        boolean useBuf = buf != null;
        FloatVector vgs = FloatVector.broadcast(S, gs);
        FloatVector vwd = FloatVector.broadcast(S, wd);
        FloatVector vc = FloatVector.broadcast(S, c);
        FloatVector vAlpha = FloatVector.broadcast(S, alpha);
        FloatVector vEps = FloatVector.broadcast(S, eps);
        FloatVector vMom = FloatVector.broadcast(S, mom);
        FloatVector vNegLr = FloatVector.broadcast(S, negLr);
        int i = 0;
        int ub = S.loopBound(n);
        for (; i < ub; i += L) {
            FloatVector wv = v(w, wo + i);
            FloatVector gv = v(g, go + i).mul(vgs);
            if (decay) {
                gv = wv.fma(vwd, gv);
            }
            FloatVector sv = gv.mul(vc).fma(gv, v(sq, so + i).mul(vAlpha));
            sv.intoArray(sq, so + i);
            FloatVector avg;
            if (centered) {
                FloatVector av = gv.fma(vc, v(gAvg, ao + i).mul(vAlpha));
                av.intoArray(gAvg, ao + i);
                avg = av.neg().fma(av, sv).sqrt().add(vEps);
            } else {
                avg = sv.sqrt().add(vEps);
            }
            if (useBuf) {
                FloatVector b = gv.div(avg).add(v(buf, bo + i).mul(vMom));
                b.intoArray(buf, bo + i);
                b.fma(vNegLr, wv).intoArray(w, wo + i);
            } else {
                gv.div(avg).fma(vNegLr, wv).intoArray(w, wo + i);
            }
        }
        for (; i < n; i++) {
            float wi = w[wo + i];
            float gi = g[go + i] * gs;
            if (decay) {
                gi = Math.fma(wi, wd, gi);
            }
            float si = Math.fma(gi * c, gi, sq[so + i] * alpha);
            sq[so + i] = si;
            float avg;
            if (centered) {
                float ai = Math.fma(gi, c, gAvg[ao + i] * alpha);
                gAvg[ao + i] = ai;
                avg = (float) Math.sqrt(Math.fma(-ai, ai, si)) + eps;
            } else {
                avg = (float) Math.sqrt(si) + eps;
            }
            if (useBuf) {
                float b = gi / avg + buf[bo + i] * mom;
                buf[bo + i] = b;
                w[wo + i] = Math.fma(b, negLr, wi);
            } else {
                w[wo + i] = Math.fma(gi / avg, negLr, wi);
            }
        }
    }

    // ------------------------------------------------------------------ reductions for clipping

    /**
     * {@code sum(x[xo + i]^2)} over {@code n} elements: float partial sums over fixed blocks of
     * 1024 elements, added in double, so the result is accurate and the same on any
     * number of threads.
     */
    public static double sumOfSquares(float[] x, int xo, int n) {
        checkRange("sumOfSquares", x, xo, n);
        int blocks = (n + BLOCK - 1) / BLOCK;
        double[] partial = new double[blocks];
        Parallel.forRange(blocks, 16, (from, to) -> {
            for (int b = from; b < to; b++) {
                int start = b * BLOCK;
                partial[b] = sumOfSquaresBlock(x, xo + start, Math.min(BLOCK, n - start));
            }
        });
        double total = 0;
        for (double p : partial) {
            total += p;
        }
        return total;
    }

    /** One block's sum of squares in {@link Lanes}' fixed order (so the same bits at any vector width). */
    private static double sumOfSquaresBlock(float[] x, int xo, int n) {
        return Lanes.dot(x, xo, x, xo, n, Lanes.buffer());
    }

    /** {@code max |x[xo + i]|} over {@code n} elements (0 when empty); NaN if any element is NaN. */
    public static float maxAbs(float[] x, int xo, int n) {
        checkRange("maxAbs", x, xo, n);
        int blocks = (n + BLOCK - 1) / BLOCK;
        float[] partial = new float[blocks];
        Parallel.forRange(blocks, 16, (from, to) -> {
            for (int b = from; b < to; b++) {
                int start = b * BLOCK;
                partial[b] = maxAbsBlock(x, xo + start, Math.min(BLOCK, n - start));
            }
        });
        float m = 0f;
        for (float p : partial) {
            m = Math.max(m, p);
        }
        return m;
    }

    private static float maxAbsBlock(float[] x, int xo, int n) {
        // Lanewise MAX and its lane reduction follow Math.max, so a NaN element yields NaN.
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        int ub = S.loopBound(n);
        for (; i < ub; i += L) {
            acc = v(x, xo + i).abs().max(acc);
        }
        float m = FloatVector.broadcast(S, 1f).mul(acc).reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            m = Math.max(m, Math.abs(x[xo + i]));
        }
        return m;
    }

    private static void checkRange(String op, float[] a, int off, int n) {
        if (a == null) {
            throw new IllegalArgumentException(op + ": a required buffer is null");
        }
        if (n < 0 || off < 0 || off > a.length - n) {
            throw new IndexOutOfBoundsException(
                    op + ": range [" + off + ", " + off + " + " + n + ") is outside an array of length " + a.length);
        }
    }
}
