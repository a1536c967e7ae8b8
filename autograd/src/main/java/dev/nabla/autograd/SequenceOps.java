package dev.nabla.autograd;

import static dev.nabla.autograd.Variable.constant;

import dev.nabla.tensor.AttentionSpec;
import dev.nabla.tensor.Tensor;
import dev.nabla.tensor.TensorFunctional;

/**
 * Sequence primitives with hand-written backward passes: a whole LSTM layer and multi-head
 * attention are one graph node each, with several outputs, over the forward and backward of
 * {@link TensorFunctional#lstm} and {@link TensorFunctional#attention}.
 */
final class SequenceOps {
    private SequenceOps() {}

    private static Tensor data(Variable v) {
        return v == null ? null : v.data();
    }

    private static boolean needs(Variable v) {
        return v != null && v.requiresGrad();
    }

    static Functional.LstmOutput lstm(
            Variable x, Variable h0, Variable c0, Variable wIh, Variable wHh, Variable bIh, Variable bHh) {
        Autograd.requireFloat("lstm", "input", x);
        TensorFunctional.LstmResult r =
                TensorFunctional.lstm(x.data(), data(h0), data(c0), wIh.data(), wHh.data(), data(bIh), data(bHh));
        Variable[] inputs = {x, h0, c0, wIh, wHh, bIh, bHh};
        if (!Autograd.needsGrad(inputs)) {
            return new Functional.LstmOutput(constant(r.output()), constant(r.h()), constant(r.c()));
        }
        boolean[] need = new boolean[inputs.length];
        for (int i = 0; i < need.length; i++) {
            need[i] = needs(inputs[i]);
        }
        // The backward reads the input, the weights and the states (which output and h are views of).
        Saved sx = new Saved("lstm", x.data());
        Saved swi = new Saved("lstm", wIh.data());
        Saved swh = new Saved("lstm", wHh.data());
        Saved sHidden = new Saved("lstm", r.hidden());
        Saved sCells = new Saved("lstm", r.cells());
        Tensor h0d = data(h0);
        Tensor c0d = data(c0);
        Tensor bi = data(bIh);
        Tensor bh = data(bHh);
        Variable[] out = Variable.recordMulti(
                "lstm",
                new Tensor[] {r.output(), r.h(), r.c()},
                new boolean[] {true, true, true},
                g -> {
                    sHidden.get();
                    sCells.get();
                    return TensorFunctional.lstmBackward(
                            sx.get(), h0d, c0d, swi.get(), swh.get(), bi, bh, r, g[0], g[1], g[2], need);
                },
                inputs);
        return new Functional.LstmOutput(out[0], out[1], out[2]);
    }

    /**
     * Multi-head attention over either separate {@code q, k, v} or one packed {@code qkv} whose last
     * dimension holds q, k and v side by side (the output of a single in-projection). Packed inputs
     * get their gradient as one tensor instead of three that the engine would have to widen and add.
     */
    static Functional.AttentionOutput attention(Variable q, Variable k, Variable v, Variable qkv, AttentionSpec spec) {
        TensorFunctional.AttentionResult r = qkv != null
                ? TensorFunctional.attentionPacked(qkv.data(), spec)
                : TensorFunctional.attention(q.data(), k.data(), v.data(), spec);
        Variable[] inputs = qkv != null ? new Variable[] {qkv} : new Variable[] {q, k, v};
        boolean weights = r.weights() != null;
        if (!Autograd.needsGrad(inputs)) {
            return new Functional.AttentionOutput(constant(r.output()), weights ? constant(r.weights()) : null);
        }
        Saved[] saved = new Saved[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            saved[i] = new Saved("attention", inputs[i].data());
        }
        boolean[] need = {needs(inputs[0]), inputs.length > 1 && needs(k), inputs.length > 1 && needs(v)};
        Tensor[] outputs = weights ? new Tensor[] {r.output(), r.weights()} : new Tensor[] {r.output()};
        boolean[] differentiable = weights ? new boolean[] {true, true} : new boolean[] {true};
        Variable[] out = Variable.recordMulti(
                "attention",
                outputs,
                differentiable,
                g -> {
                    Tensor gw = g.length > 1 ? g[1] : null;
                    if (qkv != null) {
                        return new Tensor[] {TensorFunctional.attentionPackedBackward(saved[0].get(), spec, r, g[0], gw)
                        };
                    }
                    return TensorFunctional.attentionBackward(
                            saved[0].get(), saved[1].get(), saved[2].get(), spec, r, g[0], gw, need);
                },
                inputs);
        return new Functional.AttentionOutput(out[0], weights ? out[1] : null);
    }
}
