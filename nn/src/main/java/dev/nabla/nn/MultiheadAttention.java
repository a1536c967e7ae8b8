package dev.nabla.nn;

import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Functional.AttentionOutput;
import dev.nabla.autograd.Variable;
import dev.nabla.tensor.AttentionSpec;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.ShapeMismatchException;
import dev.nabla.tensor.Tensor;
import java.util.Arrays;

/**
 * Multi-head attention, PyTorch's {@code nn.MultiheadAttention}: the query, key and value are
 * projected ({@code in_proj}), split into {@code numHeads} heads of {@code E / numHeads} columns,
 * attended per head with {@code softmax(Q K^T / sqrt(d)) V}, joined and projected again
 * ({@code out_proj}).
 *
 * <p>Layout as in PyTorch: query {@code [L, B, E]}, key and value {@code [S, B, E]} ({@code [B, L, E]}
 * etc. when {@code batchFirst}; {@code [L, E]} unbatched). Parameters have PyTorch's names, shapes
 * and initialisation: {@code in_proj_weight} {@code [3E, E]} (q, k, v blocks; Xavier-uniform),
 * {@code in_proj_bias} {@code [3E]} (zeros), {@code out_proj.weight} {@code [E, E]} (as
 * {@link Linear}) and {@code out_proj.bias} (zeros). Self-attention ({@code query == key == value},
 * the same object) projects with one GEMM and hands the packed result to the attention kernel
 * unsplit ({@link Functional#attentionPacked}).
 *
 * <p>Masks follow PyTorch's boolean convention: a non-zero entry blocks (a -inf entry of an
 * additive 0/-inf mask blocks too). {@code keyPaddingMask} is {@code [B, S]}, {@code attnMask}
 * {@code [L, S]} or {@code [B * numHeads, L, S]}; {@code causal} blocks keys after the query. A
 * query whose keys are all blocked gets NaN, as in PyTorch. Dropout on the attention weights
 * applies in training mode only. Key and value have the query's embedding size, and the weights
 * come averaged over heads (PyTorch's {@code kdim}/{@code vdim}, {@code add_bias_kv},
 * {@code add_zero_attn} and per-head weights are not provided).
 *
 * <pre>{@code
 * MultiheadAttention mha = new MultiheadAttention(128, 4, new Generator(0));
 * Variable x = Variable.randn(new Generator(1), 64, 32, 128);           // [L, B, E]
 * Variable y = mha.call(x);                                              // self-attention, [64, 32, 128]
 * AttentionOutput r = mha.call(x, x, x, null, null, true, true);         // causal, with weights
 * r.weights();                                                           // [32, 64, 64], averaged over heads
 * }</pre>
 */
public final class MultiheadAttention extends Module {
    private final int embedDim;
    private final int numHeads;
    private final double dropout;
    private final boolean batchFirst;
    private final Generator generator;
    public final Variable inProjWeight;
    public final Variable inProjBias;
    public final Linear outProj;

    /**
     * The optional arguments of {@link MultiheadAttention}, PyTorch's keyword arguments:
     * {@code dropout} (0: the probability of dropping an attention weight in training),
     * {@code bias} (true: the projections have biases), {@code batchFirst} (false), and the
     * {@link Generator} that draws the initial weights and the dropout masks (the default
     * generator). Immutable: each method returns a changed copy.
     *
     * <pre>{@code
     * new MultiheadAttention(256, 8, MultiheadAttention.options().dropout(0.1).batchFirst(true));
     * }</pre>
     */
    public static final class Options {
        private static final Options DEFAULTS = new Options(0, true, false, null);

        private final double dropout;
        private final boolean bias;
        private final boolean batchFirst;
        private final Generator generator;

        private Options(double dropout, boolean bias, boolean batchFirst, Generator generator) {
            this.dropout = dropout;
            this.bias = bias;
            this.batchFirst = batchFirst;
            this.generator = generator;
        }

        public Options dropout(double dropout) {
            return new Options(dropout, bias, batchFirst, generator);
        }

        public Options bias(boolean bias) {
            return new Options(dropout, bias, batchFirst, generator);
        }

        /** Inputs and output {@code [B, L, E]} instead of {@code [L, B, E]}. */
        public Options batchFirst(boolean batchFirst) {
            return new Options(dropout, bias, batchFirst, generator);
        }

        public Options generator(Generator generator) {
            return new Options(dropout, bias, batchFirst, generator);
        }

        @Override
        public String toString() {
            return "MultiheadAttention.Options(dropout=" + dropout + ", bias=" + bias + ", batch_first=" + batchFirst
                    + ")";
        }
    }

    /** PyTorch's defaults: no dropout, biases, time-major. */
    public static Options options() {
        return Options.DEFAULTS;
    }

    public MultiheadAttention(int embedDim, int numHeads) {
        this(embedDim, numHeads, options());
    }

    public MultiheadAttention(int embedDim, int numHeads, Generator g) {
        this(embedDim, numHeads, options().generator(g));
    }

    /** See {@link Options}. */
    public MultiheadAttention(int embedDim, int numHeads, Options options) {
        double dropout = options.dropout;
        boolean bias = options.bias;
        boolean batchFirst = options.batchFirst;
        Generator g = options.generator == null ? Generator.defaultGenerator() : options.generator;
        if (embedDim <= 0 || numHeads <= 0 || embedDim % numHeads != 0) {
            throw new IllegalArgumentException(
                    "MultiheadAttention: embedDim must be a positive multiple of numHeads, got " + embedDim + " and "
                            + numHeads);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("MultiheadAttention: dropout must be in [0, 1), got " + dropout);
        }
        this.embedDim = embedDim;
        this.numHeads = numHeads;
        this.dropout = dropout;
        this.batchFirst = batchFirst;
        this.generator = g;
        inProjWeight = registerParameter("in_proj_weight", Init.xavierUniform(g, 1.0, 3 * embedDim, embedDim));
        inProjBias = bias ? registerParameter("in_proj_bias", Tensor.zeros(3 * embedDim)) : null;
        outProj = registerModule("out_proj", new Linear(embedDim, embedDim, bias, g));
        if (bias) {
            outProj.bias.data().zero();
        }
    }

    public int embedDim() {
        return embedDim;
    }

    public int numHeads() {
        return numHeads;
    }

    public boolean batchFirst() {
        return batchFirst;
    }

    /**
     * Self-attention without masks, {@code call(x, x, x, null, null, false, false).output()};
     * {@link #call(Variable)} runs it with the hooks.
     */
    @Override
    protected Variable forward(Variable x) {
        return attend(x, x, x, null, null, false, false).output();
    }

    /**
     * Attention of {@code query} over {@code key}/{@code value}. Runs the hooks as
     * {@link #call(Variable)} does: they see (and may replace) the query and the attention output;
     * in self-attention ({@code query == key == value}, the same object) a replaced query is the
     * key and value too; the weights pass through.
     *
     * @param keyPaddingMask {@code [B, S]} ({@code [S]} unbatched), non-zero marks keys to ignore, or null
     * @param attnMask       {@code [L, S]} or {@code [B * numHeads, L, S]}, non-zero blocks, or null
     * @param causal         block each query from the keys after it
     * @param needWeights    also return the attention weights averaged over heads, {@code [B, L, S]}
     */
    public AttentionOutput call(
            Variable query,
            Variable key,
            Variable value,
            Tensor keyPaddingMask,
            Tensor attnMask,
            boolean causal,
            boolean needWeights) {
        boolean self = query == key && key == value;
        return callHooked(
                query,
                q -> attend(q, self ? q : key, self ? q : value, keyPaddingMask, attnMask, causal, needWeights),
                AttentionOutput::output,
                (r, out) -> new AttentionOutput(out, r.weights()));
    }

    private AttentionOutput attend(
            Variable query,
            Variable key,
            Variable value,
            Tensor keyPaddingMask,
            Tensor attnMask,
            boolean causal,
            boolean needWeights) {
        boolean unbatched = query.dim() == 2;
        int rank = unbatched ? 2 : 3;
        String layout = unbatched
                ? "[T, " + embedDim + "]"
                : batchFirst ? "[B, T, " + embedDim + "]" : "[T, B, " + embedDim + "]";
        for (Variable v : new Variable[] {query, key, value}) {
            if (v.dim() != rank || v.size(-1) != embedDim) {
                throw new ShapeMismatchException(describe() + ": expected query, key and value " + layout + ", got "
                        + query.shape() + ", " + key.shape() + ", " + value.shape());
            }
        }
        boolean self = query == key && key == value;
        int bDim = batchFirst ? 0 : 1;
        Variable q = unbatched ? query.unsqueeze(bDim) : query;
        Variable k = unbatched ? key.unsqueeze(bDim) : key;
        Variable v = unbatched ? value.unsqueeze(bDim) : value;
        if (!k.shape().equals(v.shape()) || k.size(bDim) != q.size(bDim)) {
            throw new ShapeMismatchException(describe() + ": key " + key.shape() + " and value " + value.shape()
                    + " must match each other and the batch of query " + query.shape());
        }
        int B = q.size(bDim);
        int L = q.size(1 - bDim);
        int S = k.size(1 - bDim);
        AttentionSpec spec = AttentionSpec.of(numHeads)
                .withBatchFirst(batchFirst)
                .withCausal(causal)
                .withNeedWeights(needWeights)
                .withMask(mask(keyPaddingMask, attnMask, unbatched, B, L, S));
        if (dropout > 0 && isTraining()) {
            spec = spec.withDropout(dropout, generator);
        }
        AttentionOutput r;
        if (self) {
            r = Functional.attentionPacked(Functional.linear(q, inProjWeight, inProjBias), spec);
        } else {
            r = Functional.attention(project(q, 0), project(k, 1), project(v, 2), spec);
        }
        Variable out = outProj.call(r.output());
        Variable w = r.weights();
        if (unbatched) {
            out = out.squeeze(bDim);
            w = w == null ? null : w.squeeze(0);
        }
        return new AttentionOutput(out, w);
    }

    /** Projection by block {@code part} (0 = q, 1 = k, 2 = v) of the packed in-projection. */
    private Variable project(Variable x, int part) {
        Variable w = inProjWeight.narrow(0, part * embedDim, embedDim);
        Variable b = inProjBias == null ? null : inProjBias.narrow(0, part * embedDim, embedDim);
        return Functional.linear(x, w, b);
    }

    /** Both masks as one blocking mask broadcastable to {@code [B, numHeads, L, S]}. */
    private Tensor mask(Tensor keyPadding, Tensor attn, boolean unbatched, int B, int L, int S) {
        Tensor m = null;
        if (keyPadding != null) {
            int[] want = unbatched ? new int[] {S} : new int[] {B, S};
            if (!Arrays.equals(keyPadding.dims(), want)) {
                throw new ShapeMismatchException(describe() + ": expected keyPaddingMask " + Arrays.toString(want)
                        + ", got " + keyPadding.shape());
            }
            m = keyPadding.ne(Tensor.scalar(0)).reshape(B, 1, 1, S);
        }
        if (attn != null) {
            Tensor a;
            if (attn.dim() == 2 && attn.size(0) == L && attn.size(1) == S) {
                a = attn.reshape(1, 1, L, S);
            } else if (attn.dim() == 3 && attn.size(0) == B * numHeads && attn.size(1) == L && attn.size(2) == S) {
                a = attn.reshape(B, numHeads, L, S);
            } else {
                throw new ShapeMismatchException(describe() + ": expected attnMask [" + L + ", " + S + "] or ["
                        + B * numHeads + ", " + L + ", " + S + "], got " + attn.shape());
            }
            a = a.ne(Tensor.scalar(0));
            m = m == null ? a : m.maximum(a);
        }
        return m;
    }

    @Override
    protected String describe() {
        return "MultiheadAttention(embed " + embedDim + ", " + numHeads + " heads"
                + (dropout > 0 ? ", dropout " + dropout : "") + (inProjBias == null ? ", no bias" : "")
                + (batchFirst ? ", batch first" : "") + ")";
    }
}
