package dev.nabla.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * One LSTM layer over a whole sequence, forward and backward, in the standard formulation
 * (PyTorch's {@code nn.LSTM}, gate order i, f, g, o):
 * <pre>
 *   [i f g o] = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh
 *   i, f, o   = sigmoid(.), g = tanh(.)
 *   c_t = f * c_{t-1} + i * g,   h_t = o * tanh(c_t)
 * </pre>
 *
 * <p>All arrays are contiguous, row-major and time-major: {@code x} is {@code [T*B, in]}, the
 * hidden and cell states {@code h}, {@code c} are {@code [(T+1)*B, H]} with the initial state in
 * block 0 and step t's result in block t+1, and {@code gates} is {@code [T*B, 4H]}.
 *
 * <p>Work per call: the input projection of all T steps is one GEMM ({@code [T*B, in] x [in, 4H]}),
 * each step adds one recurrent GEMM ({@code [B, H] x [H, 4H]}) in place onto its slice of the
 * projection and then runs one fused pass for the four nonlinearities and the state update. The
 * backward mirrors it: one fused pass per step for the gate gradients, one GEMM per step for the
 * gradient flowing to {@code h_{t-1}}, and after the loop one GEMM each for the input gradient and
 * the two weight gradients over all steps at once.
 *
 * <pre>{@code
 * int T = 5, B = 2, in = 3, H = 4;
 * float[] x = new float[T * B * in], wIh = new float[4 * H * in], wHh = new float[4 * H * H];
 * float[] h = new float[(T + 1) * B * H], c = new float[(T + 1) * B * H], gates = new float[T * B * 4 * H];
 * Lstm.forward(T, B, in, H, x, 0, wIh, 0, wHh, 0, null, 0, h, 0, c, 0, gates);   // h_T in the last block of h
 * }</pre>
 */
public final class Lstm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private Lstm() {}

    /**
     * Runs the layer forward. {@code bias} holds {@code b_ih + b_hh} ({@code [4H]}) or is null.
     * On entry block 0 of {@code h} and {@code c} holds the initial state; on return blocks 1..T
     * hold the states after each step, and {@code gates} the activated gates {@code i, f, g, o}
     * of every step (what {@link #backward} needs).
     */
    public static void forward(
            int T,
            int B,
            int in,
            int H,
            float[] x,
            int xOff,
            float[] wIh,
            int wIhOff,
            float[] wHh,
            int wHhOff,
            float[] bias,
            int biasOff,
            float[] h,
            int hOff,
            float[] c,
            int cOff,
            float[] gates) {
        int G = 4 * H;
        int rows = T * B;
        if (bias != null) {
            for (int r = 0; r < rows; r++) {
                System.arraycopy(bias, biasOff, gates, r * G, G);
            }
        }
        Gemm.sgemm(false, true, rows, G, in, 1f, x, xOff, in, wIh, wIhOff, in, bias != null ? 1f : 0f, gates, 0, G);
        for (int t = 0; t < T; t++) {
            int gOff = t * B * G;
            Gemm.sgemm(false, true, B, G, H, 1f, h, hOff + t * B * H, H, wHh, wHhOff, H, 1f, gates, gOff, G);
            int cPrev = cOff + t * B * H;
            int hNext = hOff + (t + 1) * B * H;
            Parallel.forRange(B, grain(H), (from, to) -> {
                for (int b = from; b < to; b++) {
                    cellForward(H, gates, gOff + b * G, c, cPrev + b * H, c, cPrev + (B + b) * H, h, hNext + b * H);
                }
            });
        }
    }

    /** Batch rows per thread chunk: a step's pointwise pass is split only for large B * H. */
    private static int grain(int H) {
        return Math.max(1, Elementwise.GRAIN / (8 * H));
    }

    /**
     * One batch row of the fused cell: turns the pre-activations in {@code g[go .. go+4H)} into
     * the activated gates in place and writes the new cell and hidden state.
     */
    static void cellForward(int H, float[] g, int go, float[] cp, int cpo, float[] c, int co, float[] h, int ho) {
        int j = 0;
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (int ub = S.loopBound(H); j < ub; j += L) {
            FloatVector i = sigmoid(one, FloatVector.fromArray(S, g, go + j));
            FloatVector f = sigmoid(one, FloatVector.fromArray(S, g, go + H + j));
            FloatVector gg = VMath.tanh(FloatVector.fromArray(S, g, go + 2 * H + j));
            FloatVector o = sigmoid(one, FloatVector.fromArray(S, g, go + 3 * H + j));
            FloatVector cn = f.mul(FloatVector.fromArray(S, cp, cpo + j)).add(i.mul(gg));
            i.intoArray(g, go + j);
            f.intoArray(g, go + H + j);
            gg.intoArray(g, go + 2 * H + j);
            o.intoArray(g, go + 3 * H + j);
            cn.intoArray(c, co + j);
            o.mul(VMath.tanh(cn)).intoArray(h, ho + j);
        }
        for (; j < H; j++) {
            float i = sigmoid(g[go + j]);
            float f = sigmoid(g[go + H + j]);
            float gg = VMath.tanh(g[go + 2 * H + j]);
            float o = sigmoid(g[go + 3 * H + j]);
            float cn = f * cp[cpo + j] + i * gg;
            g[go + j] = i;
            g[go + H + j] = f;
            g[go + 2 * H + j] = gg;
            g[go + 3 * H + j] = o;
            c[co + j] = cn;
            h[ho + j] = o * VMath.tanh(cn);
        }
    }

    private static FloatVector sigmoid(FloatVector one, FloatVector x) {
        return one.div(one.add(VMath.exp(x.neg())));
    }

    private static float sigmoid(float x) {
        return 1f / (1f + VMath.exp(-x));
    }

    /**
     * Back-propagates through the layer run by {@link #forward}, whose {@code h}, {@code c} and
     * {@code gates} are passed back unchanged.
     *
     * @param gh     gradient of the hidden states, {@code [T*B, H]}: block t is dL/dh_{t+1} (the
     *               output gradient of step t, plus that of the final state for the last step)
     * @param gc     gradient of the final cell state {@code c_T}, {@code [B, H]}, or null
     * @param dGates scratch {@code [T*B, 4H]}, overwritten with the gate pre-activation gradients
     * @param dx     receives dL/dx {@code [T*B, in]}, or null when not needed
     * @param dWih   receives dL/dW_ih {@code [4H, in]}, or null
     * @param dWhh   receives dL/dW_hh {@code [4H, H]}, or null
     * @param dBias  receives dL/db {@code [4H]} (the same for b_ih and b_hh), or null
     * @param dh0    receives dL/dh_0 {@code [B, H]}, or null
     * @param dc0    receives dL/dc_0 {@code [B, H]}, or null
     */
    public static void backward(
            int T,
            int B,
            int in,
            int H,
            float[] x,
            int xOff,
            float[] wIh,
            int wIhOff,
            float[] wHh,
            int wHhOff,
            float[] h,
            int hOff,
            float[] c,
            int cOff,
            float[] gates,
            float[] gh,
            int ghOff,
            float[] gc,
            int gcOff,
            float[] dGates,
            float[] dx,
            float[] dWih,
            float[] dWhh,
            float[] dBias,
            float[] dh0,
            float[] dc0) {
        int G = 4 * H;
        int BH = B * H;
        // dh: gradient reaching h_t through the recurrence; dc: through the cell state.
        float[] dh = new float[BH];
        float[] dc = new float[BH];
        if (gc != null) {
            System.arraycopy(gc, gcOff, dc, 0, BH);
        }
        for (int t = T - 1; t >= 0; t--) {
            int gOff = t * B * G;
            int cPrev = cOff + t * BH;
            int ghRow = ghOff + t * BH;
            Parallel.forRange(B, grain(H), (from, to) -> {
                for (int b = from; b < to; b++) {
                    cellBackward(
                            H,
                            gates,
                            gOff + b * G,
                            c,
                            cPrev + b * H,
                            c,
                            cPrev + BH + b * H,
                            gh,
                            ghRow + b * H,
                            dh,
                            b * H,
                            dc,
                            b * H,
                            dGates,
                            gOff + b * G);
                }
            });
            if (t > 0 || dh0 != null) {
                Gemm.sgemm(false, false, B, H, G, 1f, dGates, gOff, G, wHh, wHhOff, H, 0f, dh, 0, H);
            }
        }
        if (dh0 != null) {
            System.arraycopy(dh, 0, dh0, 0, BH);
        }
        if (dc0 != null) {
            System.arraycopy(dc, 0, dc0, 0, BH);
        }
        int rows = T * B;
        if (dx != null) {
            Gemm.sgemm(false, false, rows, in, G, 1f, dGates, 0, G, wIh, wIhOff, in, 0f, dx, 0, in);
        }
        if (dWih != null) {
            Gemm.sgemm(true, false, G, in, rows, 1f, dGates, 0, G, x, xOff, in, 0f, dWih, 0, in);
        }
        if (dWhh != null) {
            // h_{t-1} for t = 0..T-1 are blocks 0..T-1 of h: one GEMM over all steps.
            Gemm.sgemm(true, false, G, H, rows, 1f, dGates, 0, G, h, hOff, H, 0f, dWhh, 0, H);
        }
        if (dBias != null) {
            Reduce.sum(dGates, 0, 1, rows, G, dBias, 0);
        }
    }

    /**
     * One batch row of the fused cell backward. {@code a} holds the activated gates, {@code cp}
     * and {@code c} the cell state before and after the step; {@code gh + dh} is the gradient of
     * the step's hidden output and {@code dc} that of its cell output, which is replaced by the
     * gradient of the previous cell state.
     */
    static void cellBackward(
            int H,
            float[] a,
            int ao,
            float[] cp,
            int cpo,
            float[] c,
            int co,
            float[] gh,
            int gho,
            float[] dh,
            int dho,
            float[] dc,
            int dco,
            float[] dg,
            int dgo) {
        int j = 0;
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (int ub = S.loopBound(H); j < ub; j += L) {
            FloatVector i = FloatVector.fromArray(S, a, ao + j);
            FloatVector f = FloatVector.fromArray(S, a, ao + H + j);
            FloatVector g = FloatVector.fromArray(S, a, ao + 2 * H + j);
            FloatVector o = FloatVector.fromArray(S, a, ao + 3 * H + j);
            FloatVector tc = VMath.tanh(FloatVector.fromArray(S, c, co + j));
            FloatVector dhv = FloatVector.fromArray(S, gh, gho + j).add(FloatVector.fromArray(S, dh, dho + j));
            // dc_t = dc (from step t+1) + dh * o * (1 - tanh(c)^2)
            FloatVector dct = dhv.mul(o).mul(tc.neg().fma(tc, one)).add(FloatVector.fromArray(S, dc, dco + j));
            FloatVector di = dct.mul(g).mul(i).mul(one.sub(i));
            FloatVector df =
                    dct.mul(FloatVector.fromArray(S, cp, cpo + j)).mul(f).mul(one.sub(f));
            FloatVector dgg = dct.mul(i).mul(g.neg().fma(g, one));
            FloatVector dov = dhv.mul(tc).mul(o).mul(one.sub(o));
            di.intoArray(dg, dgo + j);
            df.intoArray(dg, dgo + H + j);
            dgg.intoArray(dg, dgo + 2 * H + j);
            dov.intoArray(dg, dgo + 3 * H + j);
            dct.mul(f).intoArray(dc, dco + j);
        }
        for (; j < H; j++) {
            float i = a[ao + j];
            float f = a[ao + H + j];
            float g = a[ao + 2 * H + j];
            float o = a[ao + 3 * H + j];
            float tc = VMath.tanh(c[co + j]);
            float dhv = gh[gho + j] + dh[dho + j];
            // 1 - t^2 fused, as in the vector lanes, so every column gets the same bits
            float dct = dhv * o * Math.fma(-tc, tc, 1f) + dc[dco + j];
            dg[dgo + j] = dct * g * i * (1f - i);
            dg[dgo + H + j] = dct * cp[cpo + j] * f * (1f - f);
            dg[dgo + 2 * H + j] = dct * i * Math.fma(-g, g, 1f);
            dg[dgo + 3 * H + j] = dhv * tc * o * (1f - o);
            dc[dco + j] = dct * f;
        }
    }
}
