package dev.nabla.autograd;

import static dev.nabla.autograd.Variable.constant;
import static dev.nabla.autograd.Variable.record;

import dev.nabla.tensor.ShapeMismatchException;
import dev.nabla.tensor.Tensor;
import dev.nabla.tensor.kernel.Attention;
import dev.nabla.tensor.kernel.Dropout;
import dev.nabla.tensor.kernel.Lstm;

/**
 * Sequence primitives with hand-written backward passes: a whole LSTM layer and multi-head
 * attention are one graph node each, whose kernels ({@link Lstm}, {@link Attention}) do the work.
 *
 * <p>The engine gives a node one output, so a primitive with several results returns them packed
 * in one tensor and hands out views of it: the gradients of the views meet again in the packed
 * tensor's gradient.
 */
final class SequenceOps {
    private SequenceOps() {}

    // =================================================================== LSTM

    static Functional.LstmOutput lstm(
            Variable x, Variable h0, Variable c0, Variable wIh, Variable wHh, Variable bIh, Variable bHh) {
        Autograd.requireFloat("lstm", "input", x);
        Autograd.requireFloat("lstm", "h0", h0);
        Autograd.requireFloat("lstm", "c0", c0);
        Autograd.requireFloat("lstm", "W_ih", wIh);
        Autograd.requireFloat("lstm", "W_hh", wHh);
        Autograd.requireFloat("lstm", "b_ih", bIh);
        Autograd.requireFloat("lstm", "b_hh", bHh);
        if (wIh.dim() != 2 || wHh.dim() != 2 || wHh.size(0) != 4 * wHh.size(1) || wIh.size(0) != wHh.size(0)) {
            throw new ShapeMismatchException(
                    "lstm: weights must be W_ih [4H, in] and W_hh [4H, H], got " + wIh.shape() + " and " + wHh.shape());
        }
        int H = wHh.size(1);
        int in = wIh.size(1);
        if (x.dim() != 3 || x.size(2) != in || x.size(0) == 0) {
            throw new ShapeMismatchException("lstm: expected input [T, B, " + in + "] with T >= 1, got " + x.shape());
        }
        int T = x.size(0);
        int B = x.size(1);
        checkState("h0", h0, B, H);
        checkState("c0", c0, B, H);
        if ((bIh == null) != (bHh == null)) {
            throw new IllegalArgumentException("lstm: give both biases or neither");
        }
        if (bIh != null
                && (!bIh.shape().equals(dev.nabla.tensor.Shape.of(4 * H))
                        || !bHh.shape().equals(dev.nabla.tensor.Shape.of(4 * H)))) {
            throw new ShapeMismatchException(
                    "lstm: biases must be [" + 4 * H + "], got " + bIh.shape() + " and " + bHh.shape());
        }
        Tensor xs = x.data().contiguous();
        Tensor wi = wIh.data().contiguous();
        Tensor wh = wHh.data().contiguous();
        Tensor bias = bIh == null ? null : bIh.data().add(bHh.data());
        // packed: [h_0, h_1, ..., h_T, c_T]; the hidden states double as the kernel's h buffer.
        Tensor packed = Tensor.zeros(T + 2, B, H);
        Tensor cells = Tensor.zeros(T + 1, B, H);
        if (h0 != null) {
            packed.select(0, 0).copyFrom(h0.data());
        }
        if (c0 != null) {
            cells.select(0, 0).copyFrom(c0.data());
        }
        float[] gates = new float[T * B * 4 * H];
        float[] hp = packed.storageArray();
        float[] cs = cells.storageArray();
        Lstm.forward(
                T,
                B,
                in,
                H,
                xs.storageArray(),
                xs.storageOffset(),
                wi.storageArray(),
                wi.storageOffset(),
                wh.storageArray(),
                wh.storageOffset(),
                bias == null ? null : bias.storageArray(),
                0,
                hp,
                0,
                cs,
                0,
                gates);
        System.arraycopy(cs, T * B * H, hp, (T + 1) * B * H, B * H);
        packed.markModified();
        cells.markModified();

        Variable[] inputs = {x, h0, c0, wIh, wHh, bIh, bHh};
        Variable p;
        if (!Autograd.needsGrad(inputs)) {
            p = constant(packed);
        } else {
            Saved sx = new Saved("lstm", xs);
            Saved swi = new Saved("lstm", wi);
            Saved swh = new Saved("lstm", wh);
            Saved sp = new Saved("lstm", packed);
            p = record(
                    "lstm",
                    packed,
                    g -> {
                        Tensor gg = g.contiguous();
                        Tensor xv = sx.get();
                        Tensor wiv = swi.get();
                        Tensor whv = swh.get();
                        float[] hv = sp.get().storageArray();
                        Tensor dx = x.requiresGrad() ? Tensor.zeros(T, B, in) : null;
                        Tensor dwi = wIh.requiresGrad() ? Tensor.zeros(4 * H, in) : null;
                        Tensor dwh = wHh.requiresGrad() ? Tensor.zeros(4 * H, H) : null;
                        boolean biasGrad = bIh != null && (bIh.requiresGrad() || bHh.requiresGrad());
                        Tensor db = biasGrad ? Tensor.zeros(4 * H) : null;
                        Tensor dh0 = h0 != null && h0.requiresGrad() ? Tensor.zeros(B, H) : null;
                        Tensor dc0 = c0 != null && c0.requiresGrad() ? Tensor.zeros(B, H) : null;
                        float[] ga = gg.storageArray();
                        int go = gg.storageOffset();
                        Lstm.backward(
                                T,
                                B,
                                in,
                                H,
                                xv.storageArray(),
                                xv.storageOffset(),
                                wiv.storageArray(),
                                wiv.storageOffset(),
                                whv.storageArray(),
                                whv.storageOffset(),
                                hv,
                                0,
                                cs,
                                0,
                                gates,
                                ga,
                                go + B * H,
                                ga,
                                go + (T + 1) * B * H,
                                new float[T * B * 4 * H],
                                array(dx),
                                array(dwi),
                                array(dwh),
                                array(db),
                                array(dh0),
                                array(dc0));
                        return new Tensor[] {
                            dx,
                            dh0,
                            dc0,
                            dwi,
                            dwh,
                            bIh != null && bIh.requiresGrad() ? db : null,
                            bHh != null && bHh.requiresGrad() ? db : null
                        };
                    },
                    inputs);
        }
        return new Functional.LstmOutput(p.narrow(0, 1, T), p.select(0, T), p.select(0, T + 1));
    }

    // =================================================================== attention

    /**
     * Multi-head attention over either separate {@code q, k, v} or one packed {@code qkv} whose last
     * dimension holds q, k and v side by side (the output of a single in-projection). Separate
     * inputs cost nothing extra in the forward; packed ones also get their gradient as one tensor
     * instead of three that the engine would have to widen and add.
     */
    static Functional.AttentionOutput attention(
            Variable q, Variable k, Variable v, Variable qkv, Functional.AttentionSpec spec) {
        Autograd.requireFloat("attention", "query", q);
        Autograd.requireFloat("attention", "key", k);
        Autograd.requireFloat("attention", "value", v);
        Autograd.requireFloat("attention", "packed qkv", qkv);
        boolean bf = spec.batchFirst();
        int heads = spec.heads();
        String layout = bf ? "[B, T, E]" : "[T, B, E]";
        Tensor qt;
        Tensor kt;
        Tensor vt;
        int E;
        if (qkv != null) {
            if (qkv.dim() != 3 || qkv.size(2) % 3 != 0) {
                throw new ShapeMismatchException(
                        "attention: packed qkv must be " + (bf ? "[B, T, 3E]" : "[T, B, 3E]") + ", got " + qkv.shape());
            }
            Tensor packed = unitColumns(qkv.data());
            E = qkv.size(2) / 3;
            qt = packed.narrow(2, 0, E);
            kt = packed.narrow(2, E, E);
            vt = packed.narrow(2, 2 * E, E);
        } else {
            if (q.dim() != 3 || k.dim() != 3 || v.dim() != 3) {
                throw new ShapeMismatchException("attention: query, key and value must be " + layout + ", got "
                        + q.shape() + ", " + k.shape() + ", " + v.shape());
            }
            qt = unitColumns(q.data());
            kt = unitColumns(k.data());
            vt = unitColumns(v.data());
            E = q.size(2);
            if (!k.shape().equals(v.shape()) || k.size(2) != E || k.size(bf ? 0 : 1) != q.size(bf ? 0 : 1)) {
                throw new ShapeMismatchException("attention: query " + q.shape() + ", key " + k.shape() + " and value "
                        + v.shape() + " do not fit " + layout + " (key and value alike, same batch and E)");
            }
        }
        if (E % heads != 0) {
            throw new IllegalArgumentException(
                    "attention: embedding size " + E + " is not divisible by " + heads + " heads");
        }
        int B = qt.size(bf ? 0 : 1);
        int L = qt.size(bf ? 1 : 0);
        int S = kt.size(bf ? 1 : 0);
        int d = E / heads;
        float scale = (float) (1.0 / Math.sqrt(d));
        Attention.Mask mask = mask(spec.mask(), B, heads, L, S);
        float[] keep = null;
        if (spec.dropout() > 0) {
            keep = new float[B * heads * L * S];
            Dropout.mask(spec.dropout(), spec.generator()::nextLong, keep, 0, keep.length);
        }
        int outN = B * L * E;
        int wN = spec.needWeights() ? B * L * S : 0;
        // The output and, when asked for, the head-averaged weights share one tensor (see the class note).
        Tensor result = Tensor.zeros(outN + wN);
        float[] res = result.storageArray();
        int outSeq = bf ? E : B * E;
        int outBatch = bf ? L * E : E;
        float[] probs = new float[B * heads * L * S];
        Attention.Operand qo = operand(qt, bf);
        Attention.Operand ko = operand(kt, bf);
        Attention.Operand vo = operand(vt, bf);
        Attention.forward(
                B,
                heads,
                L,
                S,
                d,
                scale,
                qo,
                ko,
                vo,
                mask,
                spec.causal(),
                keep,
                probs,
                new Attention.Operand(res, 0, outSeq, outBatch),
                wN > 0 ? res : null,
                outN);
        result.markModified();

        Variable[] inputs = qkv != null ? new Variable[] {qkv} : new Variable[] {q, k, v};
        int[] outDims = bf ? new int[] {B, L, E} : new int[] {L, B, E};
        Variable r;
        if (!Autograd.needsGrad(inputs)) {
            r = constant(result);
        } else {
            Saved sq = new Saved("attention", qt);
            Saved sk = new Saved("attention", kt);
            Saved sv = new Saved("attention", vt);
            float[] keepSaved = keep;
            r = record(
                    "attention",
                    result,
                    g -> {
                        Tensor gg = g.contiguous();
                        float[] ga = gg.storageArray();
                        int go = gg.storageOffset();
                        Attention.Operand gOut = new Attention.Operand(ga, go, outSeq, outBatch);
                        Attention.Operand q2 = operand(sq.get(), bf);
                        Attention.Operand k2 = operand(sk.get(), bf);
                        Attention.Operand v2 = operand(sv.get(), bf);
                        if (qkv != null) {
                            int[] pd = bf ? new int[] {B, L, 3 * E} : new int[] {L, B, 3 * E};
                            Tensor dqkv = Tensor.zeros(pd);
                            float[] da = dqkv.storageArray();
                            int seq = bf ? 3 * E : B * 3 * E;
                            int bat = bf ? L * 3 * E : 3 * E;
                            Attention.backward(
                                    B,
                                    heads,
                                    L,
                                    S,
                                    d,
                                    scale,
                                    q2,
                                    k2,
                                    v2,
                                    keepSaved,
                                    probs,
                                    gOut,
                                    wN > 0 ? ga : null,
                                    go + outN,
                                    new Attention.Operand(da, 0, seq, bat),
                                    new Attention.Operand(da, E, seq, bat),
                                    new Attention.Operand(da, 2 * E, seq, bat));
                            return new Tensor[] {dqkv};
                        }
                        Tensor dq = q.requiresGrad() ? Tensor.zeros(q.dims()) : null;
                        Tensor dk = k.requiresGrad() ? Tensor.zeros(k.dims()) : null;
                        Tensor dv = v.requiresGrad() ? Tensor.zeros(v.dims()) : null;
                        Attention.backward(
                                B,
                                heads,
                                L,
                                S,
                                d,
                                scale,
                                q2,
                                k2,
                                v2,
                                keepSaved,
                                probs,
                                gOut,
                                wN > 0 ? ga : null,
                                go + outN,
                                gradOperand(dq, bf),
                                gradOperand(dk, bf),
                                gradOperand(dv, bf));
                        return new Tensor[] {dq, dk, dv};
                    },
                    inputs);
        }
        Variable out = (wN > 0 ? r.narrow(0, 0, outN) : r).view(outDims);
        Variable w = wN > 0 ? r.narrow(0, outN, wN).view(B, L, S) : null;
        return new Functional.AttentionOutput(out, w);
    }

    /** The tensor itself when its last dimension has unit stride (what the GEMM needs), else a copy. */
    private static Tensor unitColumns(Tensor t) {
        return t.strides()[t.dim() - 1] == 1 || t.size(-1) == 1 ? t : t.contiguous();
    }

    private static Attention.Operand operand(Tensor t, boolean bf) {
        int[] st = t.strides();
        return new Attention.Operand(t.storageArray(), t.storageOffset(), st[bf ? 1 : 0], st[bf ? 0 : 1]);
    }

    private static Attention.Operand gradOperand(Tensor t, boolean bf) {
        return t == null ? null : operand(t, bf);
    }

    /** A mask broadcastable to [B, heads, L, S] as the kernel reads it: strides, unit along S. */
    private static Attention.Mask mask(Tensor m, int B, int heads, int L, int S) {
        if (m == null) {
            return null;
        }
        Tensor e;
        try {
            // Unit stride along the keys, which the kernel reads as a row; bool and integer masks
            // become 1.0 / 0.0 (any non-zero entry blocks).
            Tensor mf = m.toFloat();
            Tensor mm = mf.dim() == 0 ? mf.reshape(1) : mf;
            int[] md = mm.dims();
            md[md.length - 1] = S;
            mm = mm.expand(md);
            if (S > 1 && mm.strides()[md.length - 1] != 1) {
                mm = mm.contiguous();
            }
            e = mm.expand(B, heads, L, S);
        } catch (ShapeMismatchException ex) {
            throw new ShapeMismatchException("attention: mask of shape " + m.shape()
                    + " does not broadcast to [batch, heads, query, key] = [" + B + ", " + heads + ", " + L + ", "
                    + S + "]");
        }
        int[] st = e.strides();
        return new Attention.Mask(e.storageArray(), e.storageOffset(), st[0], st[1], st[2]);
    }

    private static void checkState(String name, Variable s, int B, int H) {
        if (s != null && (s.dim() != 2 || s.size(0) != B || s.size(1) != H)) {
            throw new ShapeMismatchException("lstm: expected " + name + " [" + B + ", " + H + "], got " + s.shape());
        }
    }

    private static float[] array(Tensor t) {
        return t == null ? null : t.storageArray();
    }
}
