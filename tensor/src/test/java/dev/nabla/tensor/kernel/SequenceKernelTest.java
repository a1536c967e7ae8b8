package dev.nabla.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The LSTM and attention kernels against plain double-precision loops written from the
 * equations. Sizes are odd and above 16 so the SIMD loops run with scalar tails on 8- and
 * 16-lane machines; the gradients are checked against central differences of the double
 * reference, so the backward kernels meet an oracle that shares no code with them.
 */
class SequenceKernelTest {

    static float[] random(SplittableRandom r, int n, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        }
        return x;
    }

    static void assertClose(double[] expected, float[] actual, int off, double tol, String what) {
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i];
            assertEquals(e, actual[off + i], tol * (1 + Math.abs(e)), what + " element " + i);
        }
    }

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    // ------------------------------------------------------------------ LSTM

    /** Returns {h_1..h_T, c_T} flattened, [(T + 1) * B * H]. */
    static double[] lstmRef(
            int T,
            int B,
            int in,
            int H,
            float[] x,
            float[] wIh,
            float[] wHh,
            float[] bias,
            float[] h0,
            float[] c0,
            double[] xd) {
        double[] h = new double[B * H];
        double[] c = new double[B * H];
        for (int i = 0; i < B * H; i++) {
            h[i] = h0[i];
            c[i] = c0[i];
        }
        double[] out = new double[(T + 1) * B * H];
        for (int t = 0; t < T; t++) {
            double[] hn = new double[B * H];
            for (int b = 0; b < B; b++) {
                for (int j = 0; j < H; j++) {
                    double[] z = new double[4];
                    for (int gate = 0; gate < 4; gate++) {
                        int row = gate * H + j;
                        double s = bias[row];
                        for (int k = 0; k < in; k++) {
                            s += wIh[row * in + k] * (xd != null ? xd[(t * B + b) * in + k] : x[(t * B + b) * in + k]);
                        }
                        for (int k = 0; k < H; k++) {
                            s += wHh[row * H + k] * h[b * H + k];
                        }
                        z[gate] = s;
                    }
                    double cn = sigmoid(z[1]) * c[b * H + j] + sigmoid(z[0]) * Math.tanh(z[2]);
                    c[b * H + j] = cn;
                    hn[b * H + j] = sigmoid(z[3]) * Math.tanh(cn);
                }
            }
            h = hn;
            System.arraycopy(h, 0, out, t * B * H, B * H);
        }
        System.arraycopy(c, 0, out, T * B * H, B * H);
        return out;
    }

    @Test
    void lstmForwardAndBackwardMatchDoubleReference() {
        SplittableRandom r = new SplittableRandom(1);
        int T = 3, B = 2, in = 5, H = 19;
        float[] x = random(r, T * B * in, 1);
        float[] wIh = random(r, 4 * H * in, 0.3);
        float[] wHh = random(r, 4 * H * H, 0.3);
        float[] bias = random(r, 4 * H, 0.3);
        float[] h = new float[(T + 1) * B * H];
        float[] c = new float[(T + 1) * B * H];
        float[] h0 = random(r, B * H, 1);
        float[] c0 = random(r, B * H, 1);
        System.arraycopy(h0, 0, h, 0, B * H);
        System.arraycopy(c0, 0, c, 0, B * H);
        float[] gates = new float[T * B * 4 * H];
        Lstm.forward(T, B, in, H, x, 0, wIh, 0, wHh, 0, bias, 0, h, 0, c, 0, gates);
        double[] ref = lstmRef(T, B, in, H, x, wIh, wHh, bias, h0, c0, null);
        for (int t = 0; t < T; t++) {
            double[] step = Arrays.copyOfRange(ref, t * B * H, (t + 1) * B * H);
            assertClose(step, h, (t + 1) * B * H, 1e-5, "h_" + (t + 1));
        }
        assertClose(Arrays.copyOfRange(ref, T * B * H, (T + 1) * B * H), c, T * B * H, 1e-5, "c_T");

        // Backward of L = sum(r_h * h_1..T) + sum(r_c * c_T): dx against central differences in double.
        float[] gh = random(r, T * B * H, 1);
        float[] gc = random(r, B * H, 1);
        float[] dx = new float[T * B * in];
        float[] dh0 = new float[B * H];
        Lstm.backward(
                T,
                B,
                in,
                H,
                x,
                0,
                wIh,
                0,
                wHh,
                0,
                h,
                0,
                c,
                0,
                gates,
                gh,
                0,
                gc,
                0,
                new float[T * B * 4 * H],
                dx,
                null,
                null,
                null,
                dh0,
                null);
        double[] xd = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            xd[i] = x[i];
        }
        double eps = 1e-6;
        for (int i = 0; i < x.length; i++) {
            xd[i] = x[i] + eps;
            double lp = project(lstmRef(T, B, in, H, x, wIh, wHh, bias, h0, c0, xd), gh, gc);
            xd[i] = x[i] - eps;
            double lm = project(lstmRef(T, B, in, H, x, wIh, wHh, bias, h0, c0, xd), gh, gc);
            xd[i] = x[i];
            assertEquals((lp - lm) / (2 * eps), dx[i], 1e-4 * (1 + Math.abs(dx[i])), "dx element " + i);
        }
    }

    static double project(double[] out, float[] gh, float[] gc) {
        double s = 0;
        for (int i = 0; i < gh.length; i++) {
            s += out[i] * gh[i];
        }
        for (int i = 0; i < gc.length; i++) {
            s += out[gh.length + i] * gc[i];
        }
        return s;
    }

    // ------------------------------------------------------------------ attention

    @Test
    void attentionBatchFirstStridedWithMaskMatchesDoubleReference() {
        SplittableRandom r = new SplittableRandom(2);
        int B = 2, heads = 3, L = 17, S = 19, d = 5, E = heads * d;
        // Batch-first operands with padding between rows: row pitch E + 3.
        int pitch = E + 3;
        float[] q = random(r, B * L * pitch, 1);
        float[] k = random(r, B * S * pitch, 1);
        float[] v = random(r, B * S * pitch, 1);
        // Key padding mask [B, 1, 1, S] as strides (0 along heads and rows).
        float[] pad = new float[B * S];
        pad[3] = 1;
        pad[S + 7] = 1;
        pad[S + 18] = 1;
        float scale = (float) (1 / Math.sqrt(d));
        float[] probs = new float[B * heads * L * S];
        float[] out = new float[B * L * E];
        float[] weights = new float[B * L * S];
        Attention.forward(
                B,
                heads,
                L,
                S,
                d,
                scale,
                new Attention.Operand(q, 0, pitch, L * pitch),
                new Attention.Operand(k, 0, pitch, S * pitch),
                new Attention.Operand(v, 0, pitch, S * pitch),
                new Attention.Mask(pad, 0, S, 0, 0),
                true,
                null,
                probs,
                new Attention.Operand(out, 0, E, L * E),
                weights,
                0);
        double[] refOut = new double[B * L * E];
        double[] refW = new double[B * L * S];
        for (int b = 0; b < B; b++) {
            for (int h = 0; h < heads; h++) {
                for (int l = 0; l < L; l++) {
                    double[] p = new double[S];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int s = 0; s < S; s++) {
                        boolean blocked = s > l || pad[b * S + s] != 0;
                        double dot = 0;
                        for (int j = 0; j < d; j++) {
                            dot += q[(b * L + l) * pitch + h * d + j] * k[(b * S + s) * pitch + h * d + j];
                        }
                        p[s] = blocked ? Double.NEGATIVE_INFINITY : dot * scale;
                        max = Math.max(max, p[s]);
                    }
                    double sum = 0;
                    for (int s = 0; s < S; s++) {
                        p[s] = Math.exp(p[s] - max);
                        sum += p[s];
                    }
                    for (int s = 0; s < S; s++) {
                        p[s] /= sum;
                        refW[(b * L + l) * S + s] += p[s] / heads;
                        for (int j = 0; j < d; j++) {
                            refOut[(b * L + l) * E + h * d + j] += p[s] * v[(b * S + s) * pitch + h * d + j];
                        }
                    }
                }
            }
        }
        assertClose(refOut, out, 0, 1e-5, "output");
        assertClose(refW, weights, 0, 1e-6, "weights");
    }
}
