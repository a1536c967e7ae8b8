package dev.nabla.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.tensor.testing.ChildJvm;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Every kernel that sums gives the same bits on any thread count and any vector width: the digests
 * of a set of awkward shapes (edge tiles, tails, several weight-gradient chunks, row splits) are
 * computed here on 1, 2 and 3 threads, and in child JVMs whose preferred species is 256 bits
 * ({@code -XX:UseAVX=2}) and 128 bits ({@code -XX:MaxVectorSize=16}, as on ARM NEON), on 1 and 3
 * threads each. On a machine without AVX-512 the parent already runs 256-bit vectors; the 128-bit
 * child still differs from it.
 */
class WidthIndependenceTest {

    private static float[] data(SplittableRandom r, int n, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            // Mixed magnitudes make any change in the order of additions show in the last bits.
            x[i] = (float) ((r.nextDouble() * 2 - 1) * scale * (i % 7 == 0 ? 30 : 1));
        }
        return x;
    }

    private static String hash(float[]... arrays) {
        long h = 1;
        for (float[] v : arrays) {
            for (float f : v) {
                h = h * 1_000_003 + Float.floatToRawIntBits(f);
            }
        }
        return Long.toHexString(h);
    }

    /** One line per kernel family over fixed pseudo-random data. */
    static List<String> digests() {
        SplittableRandom r = new SplittableRandom(20);
        List<String> out = new ArrayList<>();

        // GEMM: edge tiles, k past one KC slice, alpha/beta, every transpose, the matrix-vector paths
        for (int[] mnk : new int[][] {{37, 53, 1100}, {1, 70, 45}, {70, 1, 45}, {9, 130, 17}, {200, 150, 90}}) {
            int m = mnk[0], n = mnk[1], k = mnk[2];
            StringBuilder line = new StringBuilder("gemm " + m + "x" + n + "x" + k);
            float[] a = data(r, m * k, 1), b = data(r, k * n, 1), c0 = data(r, m * n, 1);
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
                float[] c = c0.clone();
                Gemm.sgemm(ta, tb, m, n, k, 0.7f, a, 0, ta ? m : k, b, 0, tb ? k : n, 0.3f, c, 0, n);
                float[] c2 = new float[m * n];
                Gemm.sgemm(ta, tb, m, n, k, 1f, a, 0, ta ? m : k, b, 0, tb ? k : n, 0f, c2, 0, n);
                line.append(' ').append(hash(c, c2));
            }
            float[] c = c0.clone();
            Gemm.sgemm(false, m, 0.7f, a, 0, k, Gemm.packB(true, k, n, b, 0, k), 0.3f, c, 0, n);
            out.add(line.append(" packed ").append(hash(c)).toString());
        }

        // Convolution, unit stride (implicit GEMM) and stride 2 (unfold + GEMM), with groups
        for (Conv2dSpec s : new Conv2dSpec[] {
            Conv2dSpec.of(13, 3, 11, 13, 5, 3, 1, 1),
            Conv2dSpec.of(9, 6, 9, 10, 8, 3, 1, 1).withGroups(2),
            Conv2dSpec.of(1, 4, 12, 12, 7, 5, 1, 2),
            Conv2dSpec.of(7, 3, 12, 11, 4, 3, 2, 1)
        }) {
            float[] x = data(r, s.inputSize(), 1), w = data(r, s.weightSize(), 0.3), bias = data(r, s.outChannels(), 1);
            float[] y = new float[s.outputSize()];
            Conv2d.forward(s, x, 0, w, 0, bias, 0, y, 0);
            float[] dy = data(r, s.outputSize(), 1);
            float[] dx = new float[s.inputSize()], dw = data(r, s.weightSize(), 1), db = new float[s.outChannels()];
            Conv2d.backwardInput(s, dy, 0, w, 0, dx, 0);
            Conv2d.backwardWeight(s, x, 0, dy, 0, dw, 0);
            Conv2d.backwardBias(s, dy, 0, db, 0);
            out.add("conv " + s + " " + hash(y) + " " + hash(dx) + " " + hash(dw) + " " + hash(db));
        }

        // Pooling (2x2 fast path and general) and adaptive average pooling
        Pool2dSpec ps = Pool2dSpec.of(3, 5, 11, 19, 2, 2, 0, false);
        float[] px = data(r, 3 * 5 * 11 * 19, 1);
        float[] py = new float[ps.outputSize()];
        Pool2d.avgForward(ps, true, px, 0, py, 0);
        float[] pdx = new float[px.length];
        Pool2d.avgBackward(ps, true, py, 0, pdx, 0);
        float[] ay = new float[15 * 3 * 4];
        AdaptivePool2d.avgForward(15, 11, 19, 3, 4, px, 0, ay, 0);
        out.add("pool " + hash(py, pdx, ay));

        // Batch norm over [n, c, hw] with hw = 49 and hw = 1, layer norm with several row chunks
        for (int hw : new int[] {49, 1}) {
            int n = 11, c = 21;
            float[] x = data(r, n * c * hw, 2), g = data(r, n * c * hw, 1);
            float[] mean = new float[c], var = new float[c], sg = new float[c], sgx = new float[c];
            Norm.batchStats(x, 0, n, c, hw, mean, var);
            Norm.gradSums(g, 0, x, 0, n, c, hw, mean, sg, sgx);
            float[] scale = data(r, c, 1), shift = data(r, c, 1), y = new float[x.length];
            Norm.normalizeBackward(g, 0, x, 0, n, c, hw, mean, sg, scale, shift, y, 0);
            out.add("batchnorm hw=" + hw + " " + hash(mean, var, sg, sgx, y));
        }
        for (int[] rd : new int[][] {{300, 413}, {7, 37}}) {
            int rows = rd[0], d = rd[1];
            float[] x = data(r, rows * d, 2), w = data(r, d, 1), b = data(r, d, 1), g = data(r, rows * d, 1);
            float[] y = new float[rows * d], mean = new float[rows], rstd = new float[rows];
            Norm.layerNormForward(x, 0, rows, d, w, 0, b, 0, 1e-5f, y, 0, mean, rstd);
            float[] gx = new float[rows * d], gw = data(r, d, 1), gb = data(r, d, 1);
            Norm.layerNormBackward(g, 0, x, 0, rows, d, w, 0, mean, rstd, gx, 0, gw, 0, gb, 0);
            out.add("layernorm " + rows + "x" + d + " " + hash(y, mean, rstd, gx, gw, gb));
        }

        // Softmax, reductions, cross entropy
        float[] sx = data(r, 13 * 37, 3);
        float[] sy = new float[sx.length], sl = new float[sx.length], rows = new float[13], cols = new float[37];
        Softmax.forward(false, sx, 0, 13, 37, 1, sy, 0);
        Softmax.forward(true, sx, 0, 13, 37, 1, sl, 0);
        Reduce.sum(sx, 0, 13, 37, 1, rows, 0);
        Reduce.sum(sx, 0, 1, 13, 37, cols, 0);
        out.add("softmax/sum " + hash(sy, sl, rows, cols));
        long[] target = new long[13];
        for (int i = 0; i < 13; i++) {
            target[i] = i % 37;
        }
        float[] loss = new float[13], lse = new float[13], wy = new float[13], cgx = new float[sx.length];
        Loss.crossEntropyForward(sx, 0, 13, 37, 1, target, 0, null, -100, 0.1f, loss, lse, wy);
        float[] cscale = new float[13];
        Arrays.fill(cscale, 1f / 13);
        Loss.crossEntropyBackward(sx, 0, 13, 37, 1, target, 0, null, -100, 0.1f, lse, cscale, cgx, 0);
        out.add("cross_entropy " + hash(loss, lse, cgx));

        // Attention with dropout, batch-first operands
        int B = 2, heads = 2, T = 7, S = 9, d = 5, E = heads * d;
        float[] q = data(r, B * T * E, 1), kv = data(r, B * S * E, 1), vv = data(r, B * S * E, 1);
        float[] keep = new float[B * heads * T * S];
        for (int i = 0; i < keep.length; i++) {
            keep[i] = i % 5 == 0 ? 0f : 1.25f;
        }
        float[] probs = new float[keep.length], o = new float[B * T * E], weights = new float[B * T * S];
        var qo = new Attention.Operand(q, 0, E, T * E);
        var ko = new Attention.Operand(kv, 0, E, S * E);
        var vo = new Attention.Operand(vv, 0, E, S * E);
        Attention.forward(
                B,
                heads,
                T,
                S,
                d,
                0.4f,
                qo,
                ko,
                vo,
                null,
                false,
                keep,
                probs,
                new Attention.Operand(o, 0, E, T * E),
                weights,
                0);
        float[] go = data(r, o.length, 1), gw = data(r, weights.length, 1);
        float[] dq = new float[q.length], dk = new float[kv.length], dv = new float[vv.length];
        Attention.backward(
                B,
                heads,
                T,
                S,
                d,
                0.4f,
                qo,
                ko,
                vo,
                keep,
                probs,
                new Attention.Operand(go, 0, E, T * E),
                gw,
                0,
                new Attention.Operand(dq, 0, E, T * E),
                new Attention.Operand(dk, 0, E, S * E),
                new Attention.Operand(dv, 0, E, S * E));
        out.add("attention " + hash(probs, o, weights, dq, dk, dv));

        // LSTM forward and backward, hidden size not a multiple of any vector length
        int lt = 3, lb = 2, in = 5, hd = 13, lg = 4 * hd;
        float[] lx = data(r, lt * lb * in, 1), wih = data(r, lg * in, 0.3), whh = data(r, lg * hd, 0.3);
        float[] lbias = data(r, lg, 0.1);
        float[] h = new float[(lt + 1) * lb * hd], c = new float[(lt + 1) * lb * hd], gates = new float[lt * lb * lg];
        Lstm.forward(lt, lb, in, hd, lx, 0, wih, 0, whh, 0, lbias, 0, h, 0, c, 0, gates);
        float[] gh = data(r, lt * lb * hd, 1), dGates = new float[gates.length], ldx = new float[lx.length];
        float[] dWih = new float[wih.length], dWhh = new float[whh.length], dBias = new float[lg];
        float[] dh0 = new float[lb * hd], dc0 = new float[lb * hd];
        Lstm.backward(
                lt, lb, in, hd, lx, 0, wih, 0, whh, 0, h, 0, c, 0, gates, gh, 0, null, 0, dGates, ldx, dWih, dWhh,
                dBias, dh0, dc0);
        out.add("lstm " + hash(h, c, gates, ldx, dWih, dWhh, dBias, dh0, dc0));

        // Optimizers and clipping's reductions
        int on = 1000 + 37;
        float[] w = data(r, on, 1), g = data(r, on, 1), m1 = new float[on], v1 = new float[on];
        float[] mb = new float[on], w2 = w.clone(), w3 = w.clone(), sq = new float[on];
        for (int step = 1; step <= 3; step++) {
            OptimKernels.adam(w, 0, g, 0, m1, 0, v1, 0, null, 0, on, 1e-2, 0.9, 0.999, 1e-8, 1e-2, true, step, false);
            OptimKernels.sgd(w2, 0, g, 0, mb, 0, on, 0.1, 5e-4, 0.9, 0, true, false, step == 1);
            OptimKernels.rmsprop(w3, 0, g, 0, sq, 0, null, 0, null, 0, on, 1e-2, 0.99, 1e-8, 0, 0, false);
        }
        double ss = OptimKernels.sumOfSquares(data(r, 5000, 1), 0, 5000);
        out.add("optim " + hash(w, m1, v1, w2, mb, w3, sq) + " " + Long.toHexString(Double.doubleToRawLongBits(ss)));

        // Elementwise with a tail, and BLAS-1
        float[] ex = data(r, 203, 2), ey = data(r, 203, 1), eo = new float[203];
        Elementwise.unary(UnaryOp.GELU, ex, 0, eo, 0, 203);
        Elementwise.axpy(203, 0.3f, ex, 0, ey, 0);
        out.add("elementwise " + hash(eo, ey));
        return out;
    }

    /** Digests on every thread count given, which must agree; printed by the children. */
    static List<String> digestsOn(int... threadCounts) {
        int saved = Parallel.threads();
        List<String> first = null;
        try {
            for (int t : threadCounts) {
                Parallel.setThreads(t);
                List<String> d = digests();
                if (first == null) {
                    first = d;
                } else {
                    for (int i = 0; i < d.size(); i++) {
                        if (!d.get(i).equals(first.get(i))) {
                            first.set(i, first.get(i) + "  [differs on " + t + " threads: " + d.get(i) + "]");
                        }
                    }
                }
            }
        } finally {
            Parallel.setThreads(saved);
        }
        return first;
    }

    /** Entry point of the child JVMs. */
    public static void main(String[] args) {
        System.out.println("species " + Lanes.SPECIES);
        for (String line : digestsOn(1, 3)) {
            System.out.println(line);
        }
    }

    @Test
    void sameBitsOnEveryThreadCount() {
        List<String> d = digestsOn(1, 2, 3);
        for (String line : d) {
            assertEquals(-1, line.indexOf("differs"), line);
        }
    }

    @Test
    void sameBitsOn256And128BitVectors() throws Exception {
        List<String> here = digestsOn(1, 3);
        for (String[] options : new String[][] {{"-XX:UseAVX=2"}, {"-XX:MaxVectorSize=16"}}) {
            ChildJvm.Result r = ChildJvm.start(true, List.of(options), WidthIndependenceTest.class)
                    .await(120);
            assertEquals(0, r.exit(), r.stderr());
            List<String> there = r.stdout().lines().toList();
            assertEquals(
                    String.join("\n", here),
                    String.join("\n", there.subList(1, there.size())),
                    "kernel digests differ between this JVM (" + Lanes.SPECIES + ", expected) and a child JVM with "
                            + options[0] + " (" + there.get(0) + ", actual)");
        }
    }
}
