package dev.nabla.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.tensor.AttentionSpec;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.ShapeMismatchException;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The fused LSTM and attention primitives against finite differences ({@link GradCheck}) and
 * against the same computations composed from elementary Variable ops (an independent forward
 * and, through the engine, an independent backward).
 */
class SequenceOpsTest {

    private static Variable param(Generator g, double bound, int... shape) {
        return Variable.uniform(g, -bound, bound, shape).requiresGrad(true);
    }

    /** The LSTM written out step by step with matmul, sigmoid, tanh and narrow. */
    private static Variable[] composedLstm(
            Variable x, Variable h0, Variable c0, Variable wIh, Variable wHh, Variable bIh, Variable bHh) {
        int T = x.size(0);
        int B = x.size(1);
        int H = wHh.size(1);
        Variable h = h0 == null ? Variable.zeros(B, H) : h0;
        Variable c = c0 == null ? Variable.zeros(B, H) : c0;
        Variable[] outs = new Variable[T];
        for (int t = 0; t < T; t++) {
            Variable gates = x.select(0, t).matmul(wIh.t()).add(h.matmul(wHh.t()));
            if (bIh != null) {
                gates = gates.add(bIh).add(bHh);
            }
            Variable i = gates.narrow(1, 0, H).sigmoid();
            Variable f = gates.narrow(1, H, H).sigmoid();
            Variable gg = gates.narrow(1, 2 * H, H).tanh();
            Variable o = gates.narrow(1, 3 * H, H).sigmoid();
            c = f.mul(c).add(i.mul(gg));
            h = o.mul(c.tanh());
            outs[t] = h;
        }
        return new Variable[] {Variable.stack(0, outs), h, c};
    }

    private static void assertClose(Tensor expected, Tensor actual, double tol, String what) {
        assertEquals(expected.shape(), actual.shape(), what + " shape");
        float[] e = expected.toArray();
        float[] a = actual.toArray();
        for (int i = 0; i < e.length; i++) {
            assertTrue(
                    Math.abs(e[i] - a[i]) <= tol * (1 + Math.abs(e[i])),
                    what + " element " + i + ": expected " + e[i] + ", got " + a[i]);
        }
    }

    @Test
    void lstmMatchesComposedOpsForwardAndBackward() {
        Generator g = new Generator(3);
        int T = 6, B = 3, in = 5, H = 19; // 19: whole SIMD vectors (8 or 16 lanes) plus a scalar tail
        double k = 1 / Math.sqrt(H);
        Variable x = Variable.randn(g, T, B, in).requiresGrad(true);
        Variable h0 = Variable.randn(g, B, H).requiresGrad(true);
        Variable c0 = Variable.randn(g, B, H).requiresGrad(true);
        Variable wIh = param(g, k, 4 * H, in);
        Variable wHh = param(g, k, 4 * H, H);
        Variable bIh = param(g, k, 4 * H);
        Variable bHh = param(g, k, 4 * H);
        Variable[] all = {x, h0, c0, wIh, wHh, bIh, bHh};
        Tensor r1 = Tensor.uniform(new Generator(9), -1, 1, T, B, H);
        Tensor r2 = Tensor.uniform(new Generator(10), -1, 1, B, H);
        Tensor r3 = Tensor.uniform(new Generator(11), -1, 1, B, H);

        Functional.LstmOutput fused = Functional.lstm(x, h0, c0, wIh, wHh, bIh, bHh);
        fused.output()
                .mul(Variable.of(r1))
                .sum()
                .add(fused.h().mul(Variable.of(r2)).sum())
                .add(fused.c().mul(Variable.of(r3)).sum())
                .backward();
        Tensor[] fusedGrads = new Tensor[all.length];
        for (int i = 0; i < all.length; i++) {
            fusedGrads[i] = all[i].gradTensor().copy();
            all[i].setGrad(null);
        }
        Variable[] ref = composedLstm(x, h0, c0, wIh, wHh, bIh, bHh);
        ref[0].mul(Variable.of(r1))
                .sum()
                .add(ref[1].mul(Variable.of(r2)).sum())
                .add(ref[2].mul(Variable.of(r3)).sum())
                .backward();

        assertClose(ref[0].data(), fused.output().data(), 1e-5, "output");
        assertClose(ref[1].data(), fused.h().data(), 1e-5, "h");
        assertClose(ref[2].data(), fused.c().data(), 1e-5, "c");
        String[] names = {"x", "h0", "c0", "w_ih", "w_hh", "b_ih", "b_hh"};
        for (int i = 0; i < all.length; i++) {
            assertClose(all[i].gradTensor(), fusedGrads[i], 1e-4, "grad " + names[i]);
        }
    }

    @Test
    void lstmGradcheck() {
        Generator g = new Generator(5);
        int T = 3, B = 2, in = 3, H = 17;
        Variable x = Variable.randn(g, T, B, in).requiresGrad(true);
        Variable h0 = Variable.randn(g, B, H).mul(0.5f).detach().requiresGrad(true);
        Variable c0 = Variable.randn(g, B, H).mul(0.5f).detach().requiresGrad(true);
        Variable wIh = param(g, 0.5, 4 * H, in);
        Variable wHh = param(g, 0.5, 4 * H, H);
        Variable bIh = param(g, 0.5, 4 * H);
        Variable bHh = param(g, 0.5, 4 * H);
        // All three results through one output: output sequence, then h_T and c_T.
        GradCheck.check(
                v -> {
                    Functional.LstmOutput r = Functional.lstm(v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
                    return Variable.cat(0, r.output().flatten(), r.h().flatten(), r.c().flatten());
                },
                x,
                h0,
                c0,
                wIh,
                wHh,
                bIh,
                bHh);
    }

    @Test
    void lstmWithoutBiasOrStateAndWithoutGrad() {
        Generator g = new Generator(6);
        Variable x = Variable.randn(g, 3, 2, 4);
        Variable wIh = param(g, 0.4, 12, 4);
        Variable wHh = param(g, 0.4, 12, 3);
        GradCheck.check(
                v -> Functional.lstm(v[0], null, null, v[1], v[2], null, null).output(), x, wIh, wHh);
        try (var off = Autograd.noGrad()) {
            Functional.LstmOutput r = Functional.lstm(x, null, null, wIh, wHh, null, null);
            assertTrue(!r.output().requiresGrad());
            assertEquals(Shape.of(3, 2, 3), r.output().shape());
        }
    }

    @Test
    void lstmRejectsBadShapes() {
        Generator g = new Generator(7);
        Variable wIh = param(g, 0.4, 12, 4);
        Variable wHh = param(g, 0.4, 12, 3);
        var e = assertThrows(
                ShapeMismatchException.class,
                () -> Functional.lstm(Variable.zeros(3, 2, 5), null, null, wIh, wHh, null, null));
        assertTrue(e.getMessage().contains("[T, B, 4]") && e.getMessage().contains("[3, 2, 5]"), e.getMessage());
        var e2 = assertThrows(
                ShapeMismatchException.class,
                () -> Functional.lstm(Variable.zeros(3, 2, 4), Variable.zeros(2, 4), null, wIh, wHh, null, null));
        assertTrue(e2.getMessage().contains("h0 [2, 3]"), e2.getMessage());
    }

    // ------------------------------------------------------------------ attention

    /** Attention composed from matmul, softmax and where, per head. */
    private static Variable composedAttention(
            Variable q, Variable k, Variable v, int heads, Tensor mask, boolean causal) {
        int L = q.size(0), B = q.size(1), E = q.size(2), S = k.size(0);
        int d = E / heads;
        // [T, B, E] -> [B, heads, T, d]
        Variable qh = q.reshape(L, B, heads, d).permute(1, 2, 0, 3);
        Variable kh = k.reshape(S, B, heads, d).permute(1, 2, 0, 3);
        Variable vh = v.reshape(S, B, heads, d).permute(1, 2, 0, 3);
        Variable scores = qh.matmul(kh.transpose(2, 3)).mul((float) (1 / Math.sqrt(d)));
        Tensor blocked = Tensor.zeros(B, heads, L, S);
        if (mask != null) {
            blocked = blocked.add(mask.ne(Tensor.scalar(0)));
        }
        if (causal) {
            for (int l = 0; l < L; l++) {
                for (int s = l + 1; s < S; s++) {
                    blocked.select(2, l).select(2, s).fill(1);
                }
            }
        }
        scores = Variable.where(blocked.ne(0f), Variable.full(Float.NEGATIVE_INFINITY, 1), scores);
        Variable p = scores.softmax(3);
        Variable o = p.matmul(vh); // [B, heads, L, d]
        return o.permute(2, 0, 1, 3).reshape(L, B, E);
    }

    @Test
    void attentionMatchesComposedOpsWithMasks() {
        Generator g = new Generator(12);
        int L = 9, S = 19, B = 2, E = 12, heads = 3; // S = 19: SIMD rows with a tail
        Variable q = Variable.randn(g, L, B, E).requiresGrad(true);
        Variable k = Variable.randn(g, S, B, E).requiresGrad(true);
        Variable v = Variable.randn(g, S, B, E).requiresGrad(true);
        Tensor pad = Tensor.zeros(B, 1, 1, S);
        pad.set(1, 1, 0, 0, 5);
        pad.set(1, 0, 0, 0, 2);
        Tensor r = Tensor.uniform(new Generator(2), -1, 1, L, B, E);
        for (boolean causal : new boolean[] {false, true}) {
            Variable[] in = {q, k, v};
            for (Variable x : in) {
                x.setGrad(null);
            }
            var spec = AttentionSpec.of(heads).withMask(pad).withCausal(causal).withNeedWeights(true);
            Functional.AttentionOutput fused = Functional.attention(q, k, v, spec);
            fused.output().mul(Variable.of(r)).sum().backward();
            Tensor[] fg = {
                q.gradTensor().copy(), k.gradTensor().copy(), v.gradTensor().copy()
            };
            for (Variable x : in) {
                x.setGrad(null);
            }
            Variable ref = composedAttention(q, k, v, heads, pad, causal);
            ref.mul(Variable.of(r)).sum().backward();
            assertClose(ref.data(), fused.output().data(), 1e-5, "attention output (causal " + causal + ")");
            for (int i = 0; i < 3; i++) {
                assertClose(in[i].gradTensor(), fg[i], 1e-4, "attention grad " + "qkv".charAt(i));
            }
            assertEquals(Shape.of(B, L, S), fused.weights().shape());
            // Averaged weights: rows sum to 1 and blocked keys get 0.
            Tensor w = fused.weights().data();
            for (int b = 0; b < B; b++) {
                for (int l = 0; l < L; l++) {
                    assertEquals(1f, w.select(0, b).select(0, l).sum().item(), 1e-5);
                }
            }
            assertEquals(0f, w.get(1, 0, 5));
            assertEquals(0f, w.get(0, 3, 2));
        }
    }

    @Test
    void attentionGradcheckSeparateAndPacked() {
        Generator g = new Generator(13);
        int L = 4, S = 3, B = 2, E = 8, heads = 2;
        Variable q = Variable.randn(g, L, B, E).requiresGrad(true);
        Variable k = Variable.randn(g, S, B, E).requiresGrad(true);
        Variable v = Variable.randn(g, S, B, E).requiresGrad(true);
        Tensor pad = Tensor.zeros(B, 1, 1, S);
        pad.set(1, 0, 0, 0, 1);
        var spec = AttentionSpec.of(heads).withMask(pad).withNeedWeights(true);
        // The output and the averaged weights both carry gradient.
        GradCheck.check(
                in -> {
                    var r = Functional.attention(in[0], in[1], in[2], spec);
                    return Variable.cat(0, r.output().flatten(), r.weights().flatten());
                },
                q,
                k,
                v);

        Variable qkv = Variable.randn(g, 18, B, 3 * E).requiresGrad(true);
        var causal = AttentionSpec.of(heads).withCausal(true).withNeedWeights(true);
        GradCheck.check(
                in -> {
                    var r = Functional.attentionPacked(in[0], causal);
                    return Variable.cat(0, r.output().flatten(), r.weights().flatten());
                },
                qkv);
        Variable qkvBf = Variable.randn(g, B, L, 3 * E).requiresGrad(true);
        GradCheck.check(
                in -> Functional.attentionPacked(in[0], AttentionSpec.of(4).withBatchFirst(true))
                        .output(),
                qkvBf);
    }

    @Test
    void packedEqualsSeparateAndBatchFirstEqualsTimeMajor() {
        Generator g = new Generator(14);
        int T = 5, B = 3, E = 8;
        Variable qkv = Variable.randn(g, T, B, 3 * E);
        var spec = AttentionSpec.of(2).withCausal(true).withNeedWeights(true);
        var packed = Functional.attentionPacked(qkv, spec);
        var sep = Functional.attention(qkv.narrow(2, 0, E), qkv.narrow(2, E, E), qkv.narrow(2, 2 * E, E), spec);
        assertClose(sep.output().data(), packed.output().data(), 1e-6, "packed vs separate");
        assertClose(sep.weights().data(), packed.weights().data(), 1e-6, "packed vs separate weights");
        var bf = Functional.attentionPacked(qkv.transpose(0, 1).contiguous(), spec.withBatchFirst(true));
        assertClose(packed.output().data().transpose(0, 1), bf.output().data(), 1e-6, "batch first");
        assertNull(Functional.attentionPacked(qkv, AttentionSpec.of(2)).weights());
    }

    @Test
    void attentionDropoutZeroesAndRescales() {
        Generator g = new Generator(15);
        int T = 16, B = 2, E = 8;
        Variable qkv = Variable.randn(g, T, B, 3 * E).requiresGrad(true);
        var spec = AttentionSpec.of(2).withDropout(0.5, new Generator(1)).withNeedWeights(true);
        var r = Functional.attentionPacked(qkv, spec);
        Tensor w = r.weights().data();
        // Averaged over 2 heads, each kept weight is scaled by 2: row sums scatter around 1.
        float total = w.sum().item();
        assertTrue(Math.abs(total / (B * T) - 1) < 0.25, "mean row sum " + total / (B * T));
        // Same generator seed, same masks, same result; and the backward runs through the masks.
        var again = Functional.attentionPacked(qkv, spec.withDropout(0.5, new Generator(1)));
        assertClose(r.output().data(), again.output().data(), 0, "dropout determinism");
        GradCheck.check(
                in -> Functional.attentionPacked(in[0], spec.withDropout(0.5, new Generator(1)))
                        .output(),
                Variable.randn(g, 3, 1, 3 * E).requiresGrad(true));
    }

    @Test
    void attentionRejectsBadShapes() {
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> Functional.attentionPacked(Variable.zeros(3, 2, 30), AttentionSpec.of(4)));
        assertTrue(e.getMessage().contains("10") && e.getMessage().contains("4 heads"), e.getMessage());
        var e2 = assertThrows(
                ShapeMismatchException.class,
                () -> Functional.attention(
                        Variable.zeros(3, 2, 8),
                        Variable.zeros(4, 3, 8),
                        Variable.zeros(4, 3, 8),
                        AttentionSpec.of(2)));
        assertTrue(e2.getMessage().contains("[3, 2, 8]") && e2.getMessage().contains("[4, 3, 8]"), e2.getMessage());
        var e3 = assertThrows(
                ShapeMismatchException.class,
                () -> Functional.attentionPacked(
                        Variable.zeros(3, 2, 12), AttentionSpec.of(2).withMask(Tensor.zeros(5))));
        assertTrue(e3.getMessage().contains("[5]") && e3.getMessage().contains("[2, 2, 3, 3]"), e3.getMessage());
    }
}
