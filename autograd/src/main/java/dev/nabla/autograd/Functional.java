package dev.nabla.autograd;

import static dev.nabla.autograd.Variable.constant;
import static dev.nabla.autograd.Variable.record;

import dev.nabla.tensor.Tensor;

/**
 * Neural-network functions over variables, the counterpart of {@code torch.nn.functional}: the
 * layers of {@code dev.nabla.nn} are thin modules around these. Each is a primitive with a fused
 * backward where that is measurably cheaper than composing smaller ops.
 *
 * <pre>{@code
 * Variable x = Variable.randn(new Generator(0), 64, 784);
 * Variable w = Variable.randn(new Generator(1), 10, 784).requiresGrad(true);
 * Variable y = Functional.linear(x, w, null);            // [64, 10]
 * }</pre>
 */
public final class Functional {
    private Functional() {
    }

    /**
     * {@code x W^T + b} over the last dimension of {@code x}; leading dimensions are folded into
     * one GEMM, so the weight gradient is a single {@code g^T x} however many there are.
     */
    public static Variable linear(Variable x, Variable weight, Variable bias) {
        int in = weight.size(1);
        int out = weight.size(0);
        if (x.dim() == 0 || x.size(-1) != in) {
            throw new dev.nabla.tensor.ShapeMismatchException("linear: input " + x.shape() + " and weight "
                    + weight.shape() + " do not fit (input's last dimension must be " + in + ")");
        }
        int[] outDims = x.dims();
        outDims[outDims.length - 1] = out;
        Tensor x2 = x.data().reshape(-1, in);
        Tensor y = x2.matmul(weight.data().t());
        if (bias != null) {
            y.add(bias.data(), y);
        }
        y = y.reshape(outDims);
        Variable[] inputs = bias == null ? new Variable[] {x, weight} : new Variable[] {x, weight, bias};
        if (!Autograd.needsGrad(inputs)) {
            return constant(y);
        }
        Saved sx = new Saved("linear", x2);
        Saved sw = new Saved("linear", weight.data());
        int[] xDims = x.dims();
        return record("linear", y, g -> {
            Tensor g2 = g.reshape(-1, out);
            Tensor gx = x.requiresGrad() ? g2.matmul(sw.get()).reshape(xDims) : null;
            Tensor gw = weight.requiresGrad() ? g2.t().matmul(sx.get()) : null;
            if (bias == null) {
                return new Tensor[] {gx, gw};
            }
            return new Tensor[] {gx, gw, bias.requiresGrad() ? g2.sum(0) : null};
        }, inputs);
    }

    // =================================================================== sequences

    /**
     * Result of {@link #lstm}: the hidden state of every step, {@code [T, B, H]}, and the final
     * hidden and cell states, {@code [B, H]} each.
     */
    public record LstmOutput(Variable output, Variable h, Variable c) {
    }

    /**
     * One LSTM layer over a time-major sequence {@code x} of shape {@code [T, B, in]}, with
     * PyTorch's parameters: {@code wIh [4H, in]} and {@code wHh [4H, H]} with the gates stacked
     * in the order input, forget, cell (g), output, and biases {@code [4H]} (both or neither).
     * {@code h0} and {@code c0} ({@code [B, H]}) may be null for a zero initial state.
     *
     * <p>One graph node for the whole sequence: the input projection of all steps is one GEMM,
     * each step one recurrent GEMM plus a fused pass over the gate nonlinearities, and the
     * backward (through time) is as fused: see {@code dev.nabla.tensor.kernel.Lstm}.
     *
     * <pre>{@code
     * Generator g = new Generator(0);
     * Variable x = Variable.randn(g, 7, 2, 3);                                // T=7, B=2, in=3
     * Variable wIh = Variable.randn(g, 16, 3).requiresGrad(true);             // H=4
     * Variable wHh = Variable.randn(g, 16, 4).requiresGrad(true);
     * Functional.LstmOutput r = Functional.lstm(x, null, null, wIh, wHh, null, null);
     * r.h().sum().backward();                                                 // BPTT into wIh, wHh
     * }</pre>
     */
    public static LstmOutput lstm(Variable x, Variable h0, Variable c0, Variable wIh, Variable wHh,
                                  Variable bIh, Variable bHh) {
        return SequenceOps.lstm(x, h0, c0, wIh, wHh, bIh, bHh);
    }

    /** Result of {@link #attention}: the attended values, and the head-averaged weights or null. */
    public record AttentionOutput(Variable output, Variable weights) {
    }

    /**
     * How {@link #attention} runs.
     *
     * @param heads       number of heads; the embedding size must be divisible by it
     * @param batchFirst  operands are {@code [B, T, E]} instead of {@code [T, B, E]}
     * @param mask        positions that may not be attended to: a tensor broadcastable to
     *                    {@code [B, heads, L, S]} whose non-zero entries block (1 in a boolean-style
     *                    mask, -inf in an additive one), or null
     * @param causal      also block every key after the query's own position
     * @param dropout     probability of zeroing an attention weight (the rest are scaled by
     *                    {@code 1/(1-p)}); 0 for none
     * @param generator   source of the dropout masks (unused when {@code dropout == 0})
     * @param needWeights also return the attention weights averaged over heads
     */
    public record AttentionSpec(int heads, boolean batchFirst, Tensor mask, boolean causal, double dropout,
                                dev.nabla.tensor.Generator generator, boolean needWeights) {
        public AttentionSpec {
            if (heads <= 0) {
                throw new IllegalArgumentException("attention: heads must be positive, got " + heads);
            }
            if (!(dropout >= 0 && dropout < 1)) {
                throw new IllegalArgumentException("attention: dropout must be in [0, 1), got " + dropout);
            }
            if (dropout > 0 && generator == null) {
                throw new IllegalArgumentException("attention: dropout needs a generator");
            }
        }

        /** Time-major, no mask, no dropout, no weights. */
        public static AttentionSpec of(int heads) {
            return new AttentionSpec(heads, false, null, false, 0, null, false);
        }

        public AttentionSpec withBatchFirst(boolean flag) {
            return new AttentionSpec(heads, flag, mask, causal, dropout, generator, needWeights);
        }

        public AttentionSpec withMask(Tensor m) {
            return new AttentionSpec(heads, batchFirst, m, causal, dropout, generator, needWeights);
        }

        public AttentionSpec withCausal(boolean flag) {
            return new AttentionSpec(heads, batchFirst, mask, flag, dropout, generator, needWeights);
        }

        public AttentionSpec withDropout(double p, dev.nabla.tensor.Generator g) {
            return new AttentionSpec(heads, batchFirst, mask, causal, p, g, needWeights);
        }

        public AttentionSpec withNeedWeights(boolean flag) {
            return new AttentionSpec(heads, batchFirst, mask, causal, dropout, generator, flag);
        }
    }

    /**
     * Multi-head scaled dot-product attention {@code softmax(Q K^T / sqrt(d)) V} per head, where
     * the heads are consecutive blocks of {@code d = E / heads} columns of the embeddings:
     * {@code q} is {@code [L, B, E]}, {@code k} and {@code v} are {@code [S, B, E]} (or batch-first).
     * The operands are read in place (strided views are fine when the last dimension is
     * contiguous); each head's products are GEMMs on those strided rows.
     *
     * <pre>{@code
     * Variable x = Variable.randn(new Generator(0), 10, 2, 16).requiresGrad(true);   // L=10, B=2, E=16
     * var r = Functional.attention(x, x, x, Functional.AttentionSpec.of(4).withCausal(true));
     * r.output().sum().backward();
     * }</pre>
     */
    public static AttentionOutput attention(Variable q, Variable k, Variable v, AttentionSpec spec) {
        return SequenceOps.attention(q, k, v, null, spec);
    }

    /**
     * {@link #attention} over q, k and v packed side by side in the last dimension of one tensor
     * ({@code [T, B, 3E]}), as a single in-projection produces them for self-attention; its
     * gradient comes back as one tensor.
     */
    public static AttentionOutput attentionPacked(Variable qkv, AttentionSpec spec) {
        return SequenceOps.attention(null, null, null, qkv, spec);
    }
}
