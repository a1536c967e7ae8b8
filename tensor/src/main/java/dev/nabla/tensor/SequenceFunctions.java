package dev.nabla.tensor;

import static dev.nabla.tensor.ConvFunctions.requireFloat;

import dev.nabla.tensor.kernel.Attention;
import dev.nabla.tensor.kernel.Dropout;
import dev.nabla.tensor.kernel.Lstm;

/**
 * A whole LSTM layer and multi-head attention for {@link TensorFunctional}, forward and backward,
 * over the kernels {@link Lstm} and {@link Attention}. The forward passes return, beside their
 * outputs, the buffers the backward passes read (hidden and cell states, activated gates; softmax
 * probabilities and dropout multipliers), so nothing is recomputed.
 */
final class SequenceFunctions {
    private SequenceFunctions() {}

    // =================================================================== LSTM

    /** T, B, in and H of an LSTM call, every shape checked. */
    private static int[] lstmLayout(
            String op, Tensor x, Tensor h0, Tensor c0, Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh) {
        requireFloat(op, "input", x);
        requireFloat(op, "h0", h0);
        requireFloat(op, "c0", c0);
        requireFloat(op, "W_ih", wIh);
        requireFloat(op, "W_hh", wHh);
        requireFloat(op, "b_ih", bIh);
        requireFloat(op, "b_hh", bHh);
        if (wIh.dim() != 2 || wHh.dim() != 2 || wHh.size(0) != 4 * wHh.size(1) || wIh.size(0) != wHh.size(0)) {
            throw new ShapeMismatchException(op + ": weights must be W_ih [4H, in] and W_hh [4H, H], got " + wIh.shape()
                    + " and " + wHh.shape());
        }
        int H = wHh.size(1);
        int in = wIh.size(1);
        if (x.dim() != 3 || x.size(2) != in || x.size(0) == 0) {
            throw new ShapeMismatchException(op + ": expected input [T, B, " + in + "] with T >= 1, got " + x.shape());
        }
        int T = x.size(0);
        int B = x.size(1);
        checkState(op, "h0", h0, B, H);
        checkState(op, "c0", c0, B, H);
        if ((bIh == null) != (bHh == null)) {
            throw new IllegalArgumentException(op + ": give both biases or neither");
        }
        if (bIh != null && (!bIh.shape().equals(Shape.of(4 * H)) || !bHh.shape().equals(Shape.of(4 * H)))) {
            throw new ShapeMismatchException(
                    op + ": biases must be [" + 4 * H + "], got " + bIh.shape() + " and " + bHh.shape());
        }
        return new int[] {T, B, in, H};
    }

    private static void checkState(String op, String name, Tensor s, int B, int H) {
        if (s != null && (s.dim() != 2 || s.size(0) != B || s.size(1) != H)) {
            throw new ShapeMismatchException(op + ": expected " + name + " [" + B + ", " + H + "], got " + s.shape());
        }
    }

    static TensorFunctional.LstmResult lstm(
            Tensor x, Tensor h0, Tensor c0, Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh) {
        int[] lay = lstmLayout("lstm", x, h0, c0, wIh, wHh, bIh, bHh);
        int T = lay[0];
        int B = lay[1];
        int in = lay[2];
        int H = lay[3];
        Tensor xs = x.contiguous();
        Tensor wi = wIh.contiguous();
        Tensor wh = wHh.contiguous();
        Tensor bias = bIh == null ? null : bIh.add(bHh);
        // Block 0 holds the initial state, block t the state after step t: the kernel's h and c buffers.
        Tensor hidden = Tensor.zeros(T + 1, B, H);
        Tensor cells = Tensor.zeros(T + 1, B, H);
        Tensor gates = Tensor.zeros(T, B, 4 * H);
        if (h0 != null) {
            hidden.select(0, 0).copyFrom(h0);
        }
        if (c0 != null) {
            cells.select(0, 0).copyFrom(c0);
        }
        Lstm.forward(
                T,
                B,
                in,
                H,
                xs.storage.data,
                xs.offset,
                wi.storage.data,
                wi.offset,
                wh.storage.data,
                wh.offset,
                bias == null ? null : bias.storage.data,
                bias == null ? 0 : bias.offset,
                hidden.storage.data,
                0,
                cells.storage.data,
                0,
                gates.storage.data);
        return new TensorFunctional.LstmResult(
                hidden.narrow(0, 1, T), hidden.select(0, T), cells.select(0, T), hidden, cells, gates);
    }

    private static float[] array(Tensor t) {
        return t == null ? null : t.storage.data;
    }

    static Tensor[] lstmBackward(
            Tensor x,
            Tensor h0,
            Tensor c0,
            Tensor wIh,
            Tensor wHh,
            Tensor bIh,
            Tensor bHh,
            TensorFunctional.LstmResult forward,
            Tensor gradOutput,
            Tensor gradH,
            Tensor gradC,
            boolean[] need) {
        String op = "lstmBackward";
        int[] lay = lstmLayout(op, x, h0, c0, wIh, wHh, bIh, bHh);
        int T = lay[0];
        int B = lay[1];
        int in = lay[2];
        int H = lay[3];
        if (need.length != 7) {
            throw new IllegalArgumentException(
                    op + ": need one flag per input (x, h0, c0, W_ih, W_hh, b_ih, b_hh), got " + need.length);
        }
        Shape states = Shape.of(T + 1, B, H);
        if (!forward.hidden().shape().equals(states)
                || !forward.cells().shape().equals(states)
                || !forward.gates().shape().equals(Shape.of(T, B, 4 * H))) {
            throw new ShapeMismatchException(
                    op + ": the forward result (hidden " + forward.hidden().shape()
                            + ", cells " + forward.cells().shape() + ", gates "
                            + forward.gates().shape()
                            + ") is not that of this layer's input " + x.shape());
        }
        requireFloat(op, "output gradient", gradOutput);
        requireFloat(op, "h gradient", gradH);
        requireFloat(op, "c gradient", gradC);
        checkGrad(op, "output gradient", gradOutput, Shape.of(T, B, H));
        checkGrad(op, "h gradient", gradH, Shape.of(B, H));
        checkGrad(op, "c gradient", gradC, Shape.of(B, H));
        // Block t of gh is dL/dh_{t+1}: the output's gradient, the final state's added to the last block.
        Tensor gh;
        if (gradH == null) {
            gh = gradOutput == null ? Tensor.zeros(T, B, H) : gradOutput.contiguous();
        } else {
            gh = gradOutput == null ? Tensor.zeros(T, B, H) : gradOutput.copy();
            Tensor last = gh.select(0, T - 1);
            last.add(gradH, last);
        }
        Tensor gc = gradC == null ? null : gradC.contiguous();
        Tensor xs = x.contiguous();
        Tensor wi = wIh.contiguous();
        Tensor wh = wHh.contiguous();
        Tensor hidden = forward.hidden().contiguous();
        Tensor cells = forward.cells().contiguous();
        Tensor gates = forward.gates().contiguous();
        Tensor dx = need[0] ? Tensor.zeros(T, B, in) : null;
        Tensor dh0 = need[1] ? Tensor.zeros(B, H) : null;
        Tensor dc0 = need[2] ? Tensor.zeros(B, H) : null;
        Tensor dwi = need[3] ? Tensor.zeros(4 * H, in) : null;
        Tensor dwh = need[4] ? Tensor.zeros(4 * H, H) : null;
        boolean biasGrad = bIh != null && (need[5] || need[6]);
        Tensor db = biasGrad ? Tensor.zeros(4 * H) : null;
        if (hidden.offset != 0 || cells.offset != 0 || gates.offset != 0) {
            // The kernel reads these three from index 0.
            hidden = hidden.copy();
            cells = cells.copy();
            gates = gates.copy();
        }
        Lstm.backward(
                T,
                B,
                in,
                H,
                xs.storage.data,
                xs.offset,
                wi.storage.data,
                wi.offset,
                wh.storage.data,
                wh.offset,
                hidden.storage.data,
                0,
                cells.storage.data,
                0,
                gates.storage.data,
                gh.storage.data,
                gh.offset,
                gc == null ? null : gc.storage.data,
                gc == null ? 0 : gc.offset,
                new float[T * B * 4 * H],
                array(dx),
                array(dwi),
                array(dwh),
                array(db),
                array(dh0),
                array(dc0));
        return new Tensor[] {
            dx, dh0, dc0, dwi, dwh, bIh != null && need[5] ? db : null, bHh != null && need[6] ? db : null
        };
    }

    private static void checkGrad(String op, String what, Tensor g, Shape want) {
        if (g != null && !g.shape().equals(want)) {
            throw new ShapeMismatchException(op + ": " + what + " must be " + want + ", got " + g.shape());
        }
    }

    // =================================================================== attention

    /** Sizes and operands of one attention call, every shape checked. */
    private record Geometry(
            int B, int heads, int L, int S, int E, int d, boolean bf, float scale, Tensor q, Tensor k, Tensor v) {
        int[] outDims() {
            return bf ? new int[] {B, L, E} : new int[] {L, B, E};
        }

        /** Where element (t, b, e) of the output lies: {@code t * seqStride + b * batchStride + e}. */
        int outSeq() {
            return bf ? E : B * E;
        }

        int outBatch() {
            return bf ? L * E : E;
        }
    }

    private static Geometry geometry(String op, Tensor q, Tensor k, Tensor v, Tensor qkv, AttentionSpec spec) {
        requireFloat(op, "query", q);
        requireFloat(op, "key", k);
        requireFloat(op, "value", v);
        requireFloat(op, "packed qkv", qkv);
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
                        op + ": packed qkv must be " + (bf ? "[B, T, 3E]" : "[T, B, 3E]") + ", got " + qkv.shape());
            }
            Tensor packed = unitColumns(qkv);
            E = qkv.size(2) / 3;
            qt = packed.narrow(2, 0, E);
            kt = packed.narrow(2, E, E);
            vt = packed.narrow(2, 2 * E, E);
        } else {
            if (q.dim() != 3 || k.dim() != 3 || v.dim() != 3) {
                throw new ShapeMismatchException(op + ": query, key and value must be " + layout + ", got " + q.shape()
                        + ", " + k.shape() + ", " + v.shape());
            }
            qt = unitColumns(q);
            kt = unitColumns(k);
            vt = unitColumns(v);
            E = q.size(2);
            if (!k.shape().equals(v.shape()) || k.size(2) != E || k.size(bf ? 0 : 1) != q.size(bf ? 0 : 1)) {
                throw new ShapeMismatchException(op + ": query " + q.shape() + ", key " + k.shape() + " and value "
                        + v.shape() + " do not fit " + layout + " (key and value alike, same batch and E)");
            }
        }
        if (E % heads != 0) {
            throw new IllegalArgumentException(
                    op + ": embedding size " + E + " is not divisible by " + heads + " heads");
        }
        int B = qt.size(bf ? 0 : 1);
        int L = qt.size(bf ? 1 : 0);
        int S = kt.size(bf ? 1 : 0);
        int d = E / heads;
        float scale = (float) (1.0 / Math.sqrt(d));
        return new Geometry(B, heads, L, S, E, d, bf, scale, qt, kt, vt);
    }

    /** The tensor itself when its last dimension has unit stride (what the GEMM needs), else a copy. */
    private static Tensor unitColumns(Tensor t) {
        return t.strides[t.dim() - 1] == 1 || t.size(-1) == 1 ? t : t.contiguous();
    }

    private static Attention.Operand operand(Tensor t, boolean bf) {
        return new Attention.Operand(t.storage.data, t.offset, t.strides[bf ? 1 : 0], t.strides[bf ? 0 : 1]);
    }

    private static Attention.Operand gradOperand(Tensor t, boolean bf) {
        return t == null ? null : operand(t, bf);
    }

    /** A mask broadcastable to [B, heads, L, S] as the kernel reads it: strides, unit along S. */
    private static Attention.Mask mask(String op, Tensor m, int B, int heads, int L, int S) {
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
            if (S > 1 && mm.strides[md.length - 1] != 1) {
                mm = mm.contiguous();
            }
            e = mm.expand(B, heads, L, S);
        } catch (ShapeMismatchException ex) {
            throw new ShapeMismatchException(op + ": mask of shape " + m.shape()
                    + " does not broadcast to [batch, heads, query, key] = [" + B + ", " + heads + ", " + L + ", "
                    + S + "]");
        }
        int[] st = e.strides;
        return new Attention.Mask(e.storage.data, e.offset, st[0], st[1], st[2]);
    }

    static TensorFunctional.AttentionResult attention(Tensor q, Tensor k, Tensor v, Tensor qkv, AttentionSpec spec) {
        Geometry g = geometry("attention", q, k, v, qkv, spec);
        int B = g.B();
        int heads = g.heads();
        int L = g.L();
        int S = g.S();
        Attention.Mask mask = mask("attention", spec.mask(), B, heads, L, S);
        Tensor keep = null;
        if (spec.dropout() > 0) {
            keep = Tensor.zeros(B, heads, L, S);
            Dropout.mask(spec.dropout(), spec.generator()::nextLong, keep.storage.data, 0, keep.numel());
        }
        Tensor out = Tensor.zeros(g.outDims());
        Tensor weights = spec.needWeights() ? Tensor.zeros(B, L, S) : null;
        Tensor probs = Tensor.zeros(B, heads, L, S);
        Attention.forward(
                B,
                heads,
                L,
                S,
                g.d(),
                g.scale(),
                operand(g.q(), g.bf()),
                operand(g.k(), g.bf()),
                operand(g.v(), g.bf()),
                mask,
                spec.causal(),
                keep == null ? null : keep.storage.data,
                probs.storage.data,
                new Attention.Operand(out.storage.data, 0, g.outSeq(), g.outBatch()),
                array(weights),
                0);
        return new TensorFunctional.AttentionResult(out, weights, probs, keep);
    }

    static Tensor[] attentionBackward(
            Tensor q,
            Tensor k,
            Tensor v,
            Tensor qkv,
            AttentionSpec spec,
            TensorFunctional.AttentionResult forward,
            Tensor gradOutput,
            Tensor gradWeights,
            boolean[] need) {
        String op = "attentionBackward";
        Geometry g = geometry(op, q, k, v, qkv, spec);
        int B = g.B();
        int heads = g.heads();
        int L = g.L();
        int S = g.S();
        int E = g.E();
        boolean bf = g.bf();
        Shape probsShape = Shape.of(B, heads, L, S);
        if (!forward.probs().shape().equals(probsShape)
                || (forward.keep() != null && !forward.keep().shape().equals(probsShape))) {
            throw new ShapeMismatchException(op + ": the forward result (probabilities "
                    + forward.probs().shape() + ") is not that of these operands " + probsShape);
        }
        requireFloat(op, "output gradient", gradOutput);
        requireFloat(op, "weights gradient", gradWeights);
        checkGrad(op, "output gradient", gradOutput, Shape.of(g.outDims()));
        checkGrad(op, "weights gradient", gradWeights, Shape.of(B, L, S));
        Tensor go = gradOutput == null ? Tensor.zeros(g.outDims()) : gradOutput.contiguous();
        Tensor gw = gradWeights == null ? null : gradWeights.contiguous();
        Tensor probs = forward.probs().contiguous();
        Tensor keep = forward.keep() == null ? null : forward.keep().contiguous();
        if (probs.offset != 0 || (keep != null && keep.offset != 0)) {
            // The kernel reads these from index 0.
            probs = probs.copy();
            keep = keep == null ? null : keep.copy();
        }
        Attention.Operand gOut = new Attention.Operand(go.storage.data, go.offset, g.outSeq(), g.outBatch());
        Attention.Operand q2 = operand(g.q(), bf);
        Attention.Operand k2 = operand(g.k(), bf);
        Attention.Operand v2 = operand(g.v(), bf);
        if (qkv != null) {
            int[] pd = bf ? new int[] {B, L, 3 * E} : new int[] {L, B, 3 * E};
            Tensor dqkv = Tensor.zeros(pd);
            float[] da = dqkv.storage.data;
            int seq = bf ? 3 * E : B * 3 * E;
            int bat = bf ? L * 3 * E : 3 * E;
            Attention.backward(
                    B,
                    heads,
                    L,
                    S,
                    g.d(),
                    g.scale(),
                    q2,
                    k2,
                    v2,
                    array(keep),
                    probs.storage.data,
                    gOut,
                    array(gw),
                    gw == null ? 0 : gw.offset,
                    new Attention.Operand(da, 0, seq, bat),
                    new Attention.Operand(da, E, seq, bat),
                    new Attention.Operand(da, 2 * E, seq, bat));
            return new Tensor[] {dqkv};
        }
        Tensor dq = need[0] ? Tensor.zeros(q.dims) : null;
        Tensor dk = need[1] ? Tensor.zeros(k.dims) : null;
        Tensor dv = need[2] ? Tensor.zeros(v.dims) : null;
        Attention.backward(
                B,
                heads,
                L,
                S,
                g.d(),
                g.scale(),
                q2,
                k2,
                v2,
                array(keep),
                probs.storage.data,
                gOut,
                array(gw),
                gw == null ? 0 : gw.offset,
                gradOperand(dq, bf),
                gradOperand(dk, bf),
                gradOperand(dv, bf));
        return new Tensor[] {dq, dk, dv};
    }
}
