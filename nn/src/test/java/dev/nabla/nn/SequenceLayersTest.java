package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.autograd.Functional.AttentionOutput;
import dev.nabla.autograd.GradCheck;
import dev.nabla.autograd.Variable;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.ShapeMismatchException;
import dev.nabla.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sequence layers' own behaviour: layouts, states, masks, initialisation, errors, gradcheck. */
class SequenceLayersTest {

    static void assertClose(Tensor expected, Tensor actual, double tol, String what) {
        assertEquals(expected.shape(), actual.shape(), what + " shape");
        assertTrue(expected.allClose(actual, tol, tol), what + ": expected\n" + expected + "\ngot\n" + actual);
    }

    static void assertUniform(Tensor t, double bound, String what) {
        float max = t.abs().max().item();
        assertTrue(max <= bound, what + ": |value| " + max + " exceeds the bound " + bound);
        assertTrue(max > 0.8 * bound, what + ": largest |value| " + max + " is far below the bound " + bound);
        assertEquals(0, t.mean().item(), 0.2 * bound, what + " mean");
    }

    // ------------------------------------------------------------------ LSTM

    @Test
    void lstmParametersHavePytorchNamesShapesAndInit() {
        LSTM m = new LSTM(10, 20, LSTM.options().numLayers(2).batchFirst(true).generator(new Generator(1)));
        Map<String, Shape> want = new LinkedHashMap<>();
        want.put("weight_ih_l0", Shape.of(80, 10));
        want.put("weight_hh_l0", Shape.of(80, 20));
        want.put("bias_ih_l0", Shape.of(80));
        want.put("bias_hh_l0", Shape.of(80));
        want.put("weight_ih_l1", Shape.of(80, 20));
        want.put("weight_hh_l1", Shape.of(80, 20));
        want.put("bias_ih_l1", Shape.of(80));
        want.put("bias_hh_l1", Shape.of(80));
        Map<String, Shape> got = new LinkedHashMap<>();
        m.namedParameters().forEach((k, v) -> got.put(k, v.shape()));
        assertEquals(want, got);
        for (var e : m.namedParameters().entrySet()) {
            assertUniform(e.getValue().data(), 1 / Math.sqrt(20), e.getKey());
        }
        assertEquals(
                List.of("weight_ih_l0", "weight_hh_l0"),
                List.copyOf(
                        new LSTM(3, 4, LSTM.options().numLayers(1).bias(false).generator(new Generator(1)))
                                .namedParameters()
                                .keySet()));
    }

    @Test
    void lstmBatchFirstAndUnbatchedMatchTimeMajor() {
        LSTM tm = new LSTM(4, 6, LSTM.options().numLayers(2).generator(new Generator(2)));
        LSTM bf = new LSTM(4, 6, LSTM.options().numLayers(2).batchFirst(true).generator(new Generator(99)));
        bf.loadStateDict(tm.stateDict());
        Variable x = Variable.randn(new Generator(3), 5, 3, 4);
        Variable h0 = Variable.randn(new Generator(4), 2, 3, 6);
        Variable c0 = Variable.randn(new Generator(5), 2, 3, 6);
        LSTM.Output a = tm.call(x, h0, c0);
        LSTM.Output b = bf.call(x.transpose(0, 1), h0, c0);
        assertEquals(Shape.of(3, 5, 6), b.output().shape());
        assertClose(a.output().data().transpose(0, 1), b.output().data(), 1e-6, "batch-first output");
        assertClose(a.h().data(), b.h().data(), 1e-6, "h");
        assertClose(a.c().data(), b.c().data(), 1e-6, "c");
        // The last layer's final h is the last step of the output.
        assertClose(a.output().data().select(0, 4), a.h().data().select(0, 1), 0, "h_n vs output[-1]");

        LSTM.Output u = tm.call(x.select(1, 1), h0.select(1, 1), c0.select(1, 1));
        assertEquals(Shape.of(5, 6), u.output().shape());
        assertEquals(Shape.of(2, 6), u.h().shape());
        assertClose(a.output().data().select(1, 1), u.output().data(), 1e-6, "unbatched output");
        assertClose(a.c().data().select(1, 1), u.c().data(), 1e-6, "unbatched c");
    }

    @Test
    void lstmCellStepsMatchLstm() {
        LSTM lstm = new LSTM(3, 5, new Generator(6));
        LSTMCell cell = new LSTMCell(3, 5, new Generator(7));
        Map<String, Tensor> renamed = new LinkedHashMap<>();
        lstm.stateDict().forEach((k, v) -> renamed.put(k.replace("_l0", ""), v));
        cell.loadStateDict(renamed);
        Variable x = Variable.randn(new Generator(8), 4, 2, 3);
        LSTM.Output seq = lstm.call(x, null, null);
        LSTMCell.State s = new LSTMCell.State(null, null);
        for (int t = 0; t < 4; t++) {
            s = cell.call(x.select(0, t), s.h(), s.c());
            assertClose(seq.output().data().select(0, t), s.h().data(), 1e-6, "step " + t);
        }
        assertClose(seq.c().data().select(0, 0), s.c().data(), 1e-6, "final c");
        Variable single = cell.call(x.select(0, 0).select(0, 1));
        assertClose(seq.output().data().select(0, 0).select(0, 1), single.data(), 1e-6, "unbatched cell");
    }

    @Test
    void lstmAndCellGradcheck() {
        LSTM m = new LSTM(3, 4, LSTM.options().numLayers(2).batchFirst(true).generator(new Generator(9)));
        Variable x = Variable.randn(new Generator(10), 2, 3, 3).requiresGrad(true);
        Variable h0 = Variable.randn(new Generator(11), 2, 2, 4).requiresGrad(true);
        Variable c0 = Variable.randn(new Generator(12), 2, 2, 4).requiresGrad(true);
        List<Variable> ps = m.parameters();
        Variable[] all = new Variable[3 + ps.size()];
        all[0] = x;
        all[1] = h0;
        all[2] = c0;
        for (int i = 0; i < ps.size(); i++) {
            all[3 + i] = ps.get(i);
        }
        GradCheck.check(
                in -> {
                    LSTM.Output r = m.call(in[0], in[1], in[2]);
                    return Variable.cat(0, r.output().flatten(), r.h().flatten(), r.c().flatten());
                },
                all);

        LSTMCell cell = new LSTMCell(3, 4, new Generator(13));
        Variable xc = Variable.randn(new Generator(14), 2, 3).requiresGrad(true);
        Variable hc = Variable.randn(new Generator(15), 2, 4).requiresGrad(true);
        Variable cc = Variable.randn(new Generator(16), 2, 4).requiresGrad(true);
        List<Variable> cp = cell.parameters();
        GradCheck.check(
                in -> {
                    LSTMCell.State s = cell.call(in[0], in[1], in[2]);
                    return Variable.cat(0, s.h().flatten(), s.c().flatten());
                },
                xc,
                hc,
                cc,
                cp.get(0),
                cp.get(1),
                cp.get(2),
                cp.get(3));
    }

    @Test
    void lstmDropoutActsBetweenLayersInTrainingOnly() {
        LSTM m = new LSTM(3, 8, LSTM.options().numLayers(2).dropout(0.5).generator(new Generator(17)));
        Variable x = Variable.randn(new Generator(18), 4, 2, 3);
        Tensor t1 = m.call(x).data();
        Tensor t2 = m.call(x).data();
        assertFalse(t1.allClose(t2, 1e-6, 1e-6), "training forwards draw different masks");
        m.eval();
        assertClose(m.call(x).data(), m.call(x).data(), 0, "eval is deterministic");
        LSTM noDrop = new LSTM(3, 8, LSTM.options().numLayers(2).generator(new Generator(19)));
        noDrop.loadStateDict(m.stateDict());
        assertClose(noDrop.call(x).data(), m.call(x).data(), 0, "eval ignores dropout");
    }

    @Test
    void lstmBadInputNamesLayerAndShapes() {
        LSTM m = new LSTM(3, 5, LSTM.options().numLayers(2).generator(new Generator(20)));
        var e = assertThrows(ShapeMismatchException.class, () -> m.call(Variable.zeros(4, 2, 7)));
        assertTrue(
                e.getMessage().contains("LSTM(3 -> 5, 2 layers)")
                        && e.getMessage().contains("[T, B, 3]")
                        && e.getMessage().contains("[4, 2, 7]"),
                e.getMessage());
        var e2 = assertThrows(
                ShapeMismatchException.class,
                () -> m.call(Variable.zeros(4, 2, 3), Variable.zeros(1, 2, 5), Variable.zeros(1, 2, 5)));
        assertTrue(e2.getMessage().contains("[2, 2, 5]") && e2.getMessage().contains("[1, 2, 5]"), e2.getMessage());
        assertThrows(
                IllegalArgumentException.class, () -> m.call(Variable.zeros(4, 2, 3), Variable.zeros(2, 2, 5), null));
        var e3 = assertThrows(
                ShapeMismatchException.class, () -> new LSTMCell(3, 5, new Generator(0)).call(Variable.zeros(2, 4)));
        assertTrue(
                e3.getMessage().contains("LSTMCell(3 -> 5)")
                        && e3.getMessage().contains("[B, 3]")
                        && e3.getMessage().contains("[2, 4]"),
                e3.getMessage());
    }

    // ------------------------------------------------------------------ attention

    @Test
    void attentionParametersHavePytorchNamesShapesAndInit() {
        MultiheadAttention m = new MultiheadAttention(64, 4, new Generator(21));
        Map<String, Shape> got = new LinkedHashMap<>();
        m.namedParameters().forEach((k, v) -> got.put(k, v.shape()));
        assertEquals(
                Map.of(
                        "in_proj_weight",
                        Shape.of(192, 64),
                        "in_proj_bias",
                        Shape.of(192),
                        "out_proj.weight",
                        Shape.of(64, 64),
                        "out_proj.bias",
                        Shape.of(64)),
                got);
        assertEquals(
                List.of("in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"),
                List.copyOf(m.namedParameters().keySet()));
        assertUniform(m.inProjWeight.data(), Math.sqrt(6.0 / (64 + 192)), "in_proj_weight (xavier)");
        assertUniform(m.outProj.weight.data(), 1 / Math.sqrt(64), "out_proj.weight (Linear)");
        assertEquals(0f, m.inProjBias.data().abs().max().item());
        assertEquals(0f, m.outProj.bias.data().abs().max().item());
        assertEquals(
                List.of("in_proj_weight", "out_proj.weight"),
                List.copyOf(new MultiheadAttention(
                                8, 2, MultiheadAttention.options().bias(false).generator(new Generator(0)))
                        .namedParameters()
                        .keySet()));
    }

    @Test
    void attentionMasksAgreeWithEachOther() {
        MultiheadAttention m = new MultiheadAttention(8, 2, new Generator(22));
        int L = 5, B = 3;
        Variable x = Variable.randn(new Generator(23), L, B, 8);
        Tensor causal = Tensor.zeros(DType.BOOL, L, L); // true blocks, as in PyTorch's boolean masks
        for (int i = 0; i < L; i++) {
            for (int j = i + 1; j < L; j++) {
                causal.set(1, i, j);
            }
        }
        AttentionOutput a = m.call(x, x, x, null, null, true, true);
        AttentionOutput b = m.call(x, x, x, null, causal, false, true);
        AttentionOutput c =
                m.call(x, x, x, null, causal.unsqueeze(0).expand(B * 2, L, L).contiguous(), false, true);
        assertClose(a.output().data(), b.output().data(), 1e-6, "causal flag vs [L, S] mask");
        assertClose(a.output().data(), c.output().data(), 1e-6, "causal flag vs [B*heads, L, S] mask");
        assertClose(a.weights().data(), b.weights().data(), 1e-6, "weights");
        // An additive 0/-inf mask blocks the same positions as a boolean one.
        Tensor additive = Tensor.where(causal, Tensor.scalar(Float.NEGATIVE_INFINITY), Tensor.scalar(0));
        assertClose(
                a.output().data(),
                m.call(x, x, x, null, additive, false, false).output().data(),
                1e-6,
                "additive mask");
        // Padding the last key of every batch element: its weight is 0 and it stops mattering.
        Tensor pad = Tensor.zeros(B, L);
        for (int i = 0; i < B; i++) {
            pad.set(1, i, L - 1);
        }
        AttentionOutput p = m.call(x, x, x, pad, null, false, true);
        assertEquals(0f, p.weights().data().narrow(2, L - 1, 1).abs().max().item());
        Variable k = x.narrow(0, 0, L - 1);
        AttentionOutput shorter = m.call(x, k, k, null, null, false, false);
        assertClose(shorter.output().data(), p.output().data(), 1e-5, "padding = dropping the key");
    }

    @Test
    void attentionSelfEqualsCrossAndUnbatchedEqualsBatched() {
        MultiheadAttention m = new MultiheadAttention(
                8, 4, MultiheadAttention.options().batchFirst(true).generator(new Generator(24)));
        Variable x = Variable.randn(new Generator(25), 2, 6, 8);
        Variable same = m.call(x); // packed in-projection
        Variable copy = Variable.of(x.data().copy());
        Variable cross = m.call(x, copy, copy, null, null, false, false).output(); // three projections
        assertClose(same.data(), cross.data(), 1e-6, "self vs cross path");
        AttentionOutput u = m.call(x.select(0, 1), x.select(0, 1), x.select(0, 1), null, null, true, true);
        AttentionOutput bt = m.call(x, x, x, null, null, true, true);
        assertEquals(Shape.of(6, 8), u.output().shape());
        assertEquals(Shape.of(6, 6), u.weights().shape());
        assertClose(bt.output().data().select(0, 1), u.output().data(), 1e-6, "unbatched");
        assertClose(bt.weights().data().select(0, 1), u.weights().data(), 1e-6, "unbatched weights");
    }

    @Test
    void attentionGradcheckWithMasks() {
        MultiheadAttention m = new MultiheadAttention(6, 3, new Generator(26));
        Variable q = Variable.randn(new Generator(27), 3, 2, 6).requiresGrad(true);
        Variable kv = Variable.randn(new Generator(28), 4, 2, 6).requiresGrad(true);
        Tensor pad = Tensor.zeros(2, 4);
        pad.set(1, 1, 2); // not key 0: with the causal mask that would block all of query 0
        List<Variable> ps = m.parameters();
        GradCheck.check(
                in -> {
                    AttentionOutput r = m.call(in[0], in[1], in[1], pad, null, true, true);
                    return Variable.cat(0, r.output().flatten(), r.weights().flatten());
                },
                q,
                kv,
                ps.get(0),
                ps.get(1),
                ps.get(2),
                ps.get(3));
    }

    @Test
    void attentionDropoutOnlyInTraining() {
        MultiheadAttention m = new MultiheadAttention(
                8, 2, MultiheadAttention.options().dropout(0.5).generator(new Generator(29)));
        Variable x = Variable.randn(new Generator(30), 6, 2, 8);
        assertFalse(m.call(x).data().allClose(m.call(x).data(), 1e-6, 1e-6));
        m.eval();
        assertClose(m.call(x).data(), m.call(x).data(), 0, "eval");
        AttentionOutput r = m.call(x, x, x, null, null, false, false);
        assertNull(r.weights());
    }

    @Test
    void attentionBadInputNamesLayerAndShapes() {
        MultiheadAttention m = new MultiheadAttention(8, 2, new Generator(31));
        var e = assertThrows(ShapeMismatchException.class, () -> m.call(Variable.zeros(5, 2, 6)));
        assertTrue(
                e.getMessage().contains("MultiheadAttention(embed 8, 2 heads)")
                        && e.getMessage().contains("[T, B, 8]")
                        && e.getMessage().contains("[5, 2, 6]"),
                e.getMessage());
        Variable x = Variable.zeros(5, 2, 8);
        var e2 = assertThrows(
                ShapeMismatchException.class, () -> m.call(x, x, x, Tensor.zeros(2, 4), null, false, false));
        assertTrue(
                e2.getMessage().contains("keyPaddingMask [2, 5]")
                        && e2.getMessage().contains("[2, 4]"),
                e2.getMessage());
        var e3 = assertThrows(
                ShapeMismatchException.class, () -> m.call(x, x, x, null, Tensor.zeros(5, 4), false, false));
        assertTrue(e3.getMessage().contains("attnMask [5, 5] or [4, 5, 5]"), e3.getMessage());
        var e4 = assertThrows(
                ShapeMismatchException.class,
                () -> m.call(x, Variable.zeros(4, 3, 8), Variable.zeros(4, 3, 8), null, null, false, false));
        assertTrue(e4.getMessage().contains("[4, 3, 8]") && e4.getMessage().contains("[5, 2, 8]"), e4.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new MultiheadAttention(10, 4));
    }

    // ------------------------------------------------------------------ transformer encoder layer

    @Test
    void encoderLayerHasPytorchStructure() {
        var m = new TransformerEncoderLayer(
                16,
                4,
                TransformerEncoderLayer.options()
                        .dimFeedforward(32)
                        .activation(TransformerEncoderLayer.Activation.GELU)
                        .generator(new Generator(32)));
        assertEquals(
                List.of("self_attn", "linear1", "dropout", "linear2", "norm1", "norm2", "dropout1", "dropout2"),
                List.copyOf(m.children().keySet()));
        assertEquals(
                List.of(
                        "self_attn.in_proj_weight",
                        "self_attn.in_proj_bias",
                        "self_attn.out_proj.weight",
                        "self_attn.out_proj.bias",
                        "linear1.weight",
                        "linear1.bias",
                        "linear2.weight",
                        "linear2.bias",
                        "norm1.weight",
                        "norm1.bias",
                        "norm2.weight",
                        "norm2.bias"),
                List.copyOf(m.stateDict().keySet()));
        assertEquals(Shape.of(32, 16), m.linear1.weight.shape());
        assertTrue(
                m.toString().contains("TransformerEncoderLayer(d 16, 4 heads, ff 32, gelu, dropout 0.1)"),
                m.toString());
    }

    @Test
    void encoderLayerGradcheckBothNormPlacements() {
        for (boolean normFirst : new boolean[] {false, true}) {
            var m = new TransformerEncoderLayer(
                    4,
                    2,
                    TransformerEncoderLayer.options()
                            .dimFeedforward(6)
                            .dropout(0)
                            .activation(TransformerEncoderLayer.Activation.GELU)
                            .batchFirst(true)
                            .normFirst(normFirst)
                            .generator(new Generator(33)));
            Variable src = Variable.randn(new Generator(34), 2, 3, 4).requiresGrad(true);
            Tensor pad = Tensor.zeros(2, 3);
            pad.set(1, 1, 2);
            List<Variable> ps = m.parameters();
            Variable[] all = new Variable[1 + ps.size()];
            all[0] = src;
            for (int i = 0; i < ps.size(); i++) {
                all[1 + i] = ps.get(i);
            }
            GradCheck.check(in -> m.call(in[0], null, pad, true), all);
        }
    }

    @Test
    void encoderLayerDropoutTrainVsEvalAndUnbatched() {
        var m = new TransformerEncoderLayer(
                8,
                2,
                TransformerEncoderLayer.options()
                        .dimFeedforward(16)
                        .dropout(0.3)
                        .normFirst(true)
                        .generator(new Generator(35)));
        Variable x = Variable.randn(new Generator(36), 5, 2, 8);
        assertFalse(m.call(x).data().allClose(m.call(x).data(), 1e-6, 1e-6), "training drops at random");
        m.eval();
        Tensor full = m.call(x).data();
        assertClose(full, m.call(x).data(), 0, "eval");
        assertClose(full.select(1, 1), m.call(x.select(1, 1)).data(), 1e-6, "unbatched");
    }

    @Test
    void encoderLayerBadInputNamesLayerAndShapes() {
        var m = new TransformerEncoderLayer(
                8,
                2,
                TransformerEncoderLayer.options()
                        .dimFeedforward(16)
                        .dropout(0)
                        .batchFirst(true)
                        .generator(new Generator(37)));
        var e = assertThrows(ShapeMismatchException.class, () -> m.call(Variable.zeros(2, 5, 6)));
        assertTrue(
                e.getMessage().contains("TransformerEncoderLayer(d 8, 2 heads, ff 16, relu, batch first)")
                        && e.getMessage().contains("[B, L, 8]")
                        && e.getMessage().contains("[2, 5, 6]"),
                e.getMessage());
    }
}
