package dev.nabla.nn;

import dev.nabla.autograd.Variable;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.ShapeMismatchException;
import dev.nabla.tensor.Tensor;
import java.util.Locale;
import java.util.Objects;

/**
 * One transformer encoder block, PyTorch's {@code nn.TransformerEncoderLayer}: self-attention and
 * a two-layer feed-forward network, each wrapped in a residual connection with layer
 * normalisation, after the sum (post-norm, the default) or before the sub-block
 * ({@code normFirst}):
 * <pre>
 *   post-norm:  x = norm1(x + sa(x));        x = norm2(x + ff(x))
 *   pre-norm:   x = x + sa(norm1(x));        x = x + ff(norm2(x))
 *   sa(x) = dropout1(self_attn(x, x, x))     ff(x) = dropout2(linear2(dropout(act(linear1(x)))))
 * </pre>
 * Children carry PyTorch's names ({@code self_attn}, {@code linear1}, {@code dropout},
 * {@code linear2}, {@code norm1}, {@code norm2}, {@code dropout1}, {@code dropout2}), so state
 * dicts are interchangeable with PyTorch's. Input {@code [L, B, dModel]} ({@code [B, L, dModel]}
 * batch first, {@code [L, dModel]} unbatched).
 *
 * <pre>{@code
 * var layer = new TransformerEncoderLayer(128, 4, TransformerEncoderLayer.options()
 *         .dimFeedforward(512)
 *         .activation(TransformerEncoderLayer.Activation.GELU)
 *         .batchFirst(true)
 *         .normFirst(true)
 *         .generator(new Generator(0)));
 * Variable x = Variable.randn(new Generator(1), 8, 20, 128);         // [B, L, E]
 * Variable y = layer.call(x, null, null, true);                      // causal, [8, 20, 128]
 * }</pre>
 */
public final class TransformerEncoderLayer extends Module {

    /** The feed-forward network's nonlinearity. */
    public enum Activation {
        RELU,
        GELU;

        Variable apply(Variable x) {
            return this == RELU ? x.relu() : x.gelu();
        }
    }

    private final int dModel;
    private final int nhead;
    private final int dimFeedforward;
    private final double dropoutP;
    private final Activation activation;
    private final boolean batchFirst;
    private final boolean normFirst;
    public final MultiheadAttention selfAttn;
    public final Linear linear1;
    public final Dropout dropout;
    public final Linear linear2;
    public final LayerNorm norm1;
    public final LayerNorm norm2;
    public final Dropout dropout1;
    public final Dropout dropout2;

    /**
     * The optional arguments of {@link TransformerEncoderLayer}, PyTorch's keyword arguments:
     * {@code dimFeedforward} (2048), {@code dropout} (0.1), {@code activation} (ReLU),
     * {@code layerNormEps} (1e-5), {@code batchFirst} (false), {@code normFirst} (false: post-norm),
     * and the {@link Generator} that draws the initial weights and the dropout masks (the default
     * generator). Immutable: each method returns a changed copy.
     *
     * <pre>{@code
     * new TransformerEncoderLayer(512, 8, TransformerEncoderLayer.options().dimFeedforward(1024).normFirst(true));
     * }</pre>
     */
    public static final class Options {
        private static final Options DEFAULTS = new Options(2048, 0.1, Activation.RELU, 1e-5, false, false, null);

        private final int dimFeedforward;
        private final double dropout;
        private final Activation activation;
        private final double layerNormEps;
        private final boolean batchFirst;
        private final boolean normFirst;
        private final Generator generator;

        private Options(
                int dimFeedforward,
                double dropout,
                Activation activation,
                double layerNormEps,
                boolean batchFirst,
                boolean normFirst,
                Generator generator) {
            this.dimFeedforward = dimFeedforward;
            this.dropout = dropout;
            this.activation = activation;
            this.layerNormEps = layerNormEps;
            this.batchFirst = batchFirst;
            this.normFirst = normFirst;
            this.generator = generator;
        }

        /** Width of the feed-forward network's hidden layer. */
        public Options dimFeedforward(int dimFeedforward) {
            return new Options(dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst, generator);
        }

        public Options dropout(double dropout) {
            return new Options(dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst, generator);
        }

        public Options activation(Activation activation) {
            return new Options(dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst, generator);
        }

        public Options layerNormEps(double layerNormEps) {
            return new Options(dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst, generator);
        }

        /** Input and output {@code [B, L, dModel]} instead of {@code [L, B, dModel]}. */
        public Options batchFirst(boolean batchFirst) {
            return new Options(dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst, generator);
        }

        /** Pre-norm: normalise before each sub-block instead of after the residual sum. */
        public Options normFirst(boolean normFirst) {
            return new Options(dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst, generator);
        }

        public Options generator(Generator generator) {
            return new Options(dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst, generator);
        }

        @Override
        public String toString() {
            return "TransformerEncoderLayer.Options(dim_feedforward=" + dimFeedforward + ", dropout=" + dropout
                    + ", activation=" + activation.name().toLowerCase(Locale.ROOT) + ", layer_norm_eps="
                    + layerNormEps + ", batch_first=" + batchFirst + ", norm_first=" + normFirst + ")";
        }
    }

    /** PyTorch's defaults: feed-forward 2048, dropout 0.1, ReLU, eps 1e-5, time-major, post-norm. */
    public static Options options() {
        return Options.DEFAULTS;
    }

    /** PyTorch's defaults (see {@link Options}). */
    public TransformerEncoderLayer(int dModel, int nhead) {
        this(dModel, nhead, options());
    }

    /** See {@link Options}. */
    public TransformerEncoderLayer(int dModel, int nhead, Options options) {
        int dimFeedforward = options.dimFeedforward;
        double dropout = options.dropout;
        Activation activation = options.activation;
        double layerNormEps = options.layerNormEps;
        boolean batchFirst = options.batchFirst;
        boolean normFirst = options.normFirst;
        Generator g = options.generator == null ? Generator.defaultGenerator() : options.generator;
        if (dimFeedforward <= 0) {
            throw new IllegalArgumentException(
                    "TransformerEncoderLayer: dimFeedforward must be positive, got " + dimFeedforward);
        }
        this.dModel = dModel;
        this.nhead = nhead;
        this.dimFeedforward = dimFeedforward;
        this.dropoutP = dropout;
        this.activation = Objects.requireNonNull(activation, "activation");
        this.batchFirst = batchFirst;
        this.normFirst = normFirst;
        selfAttn = registerModule(
                "self_attn",
                new MultiheadAttention(
                        dModel,
                        nhead,
                        MultiheadAttention.options()
                                .dropout(dropout)
                                .batchFirst(batchFirst)
                                .generator(g)));
        linear1 = registerModule("linear1", new Linear(dModel, dimFeedforward, g));
        this.dropout = registerModule("dropout", new Dropout(dropout, g));
        linear2 = registerModule("linear2", new Linear(dimFeedforward, dModel, g));
        norm1 = registerModule(
                "norm1", new LayerNorm(new int[] {dModel}, LayerNorm.options().eps(layerNormEps)));
        norm2 = registerModule(
                "norm2", new LayerNorm(new int[] {dModel}, LayerNorm.options().eps(layerNormEps)));
        dropout1 = registerModule("dropout1", new Dropout(dropout, g));
        dropout2 = registerModule("dropout2", new Dropout(dropout, g));
    }

    /** The block without masks; {@link #call(Variable)} runs it with the hooks. */
    @Override
    protected Variable forward(Variable src) {
        return run(src, null, null, false);
    }

    /**
     * The block with attention masks as {@link MultiheadAttention} takes them. Runs the hooks as
     * {@link #call(Variable)} does (they see the source and the output).
     *
     * @param srcMask           {@code [L, L]} or {@code [B * nhead, L, L]}, non-zero blocks, or null
     * @param srcKeyPaddingMask {@code [B, L]}, non-zero marks padding, or null
     * @param causal            each position attends only to itself and earlier ones
     */
    public Variable call(Variable src, Tensor srcMask, Tensor srcKeyPaddingMask, boolean causal) {
        return callHooked(src, s -> run(s, srcMask, srcKeyPaddingMask, causal), y -> y, (y, out) -> out);
    }

    private Variable run(Variable src, Tensor srcMask, Tensor srcKeyPaddingMask, boolean causal) {
        if ((src.dim() != 3 && src.dim() != 2) || src.size(-1) != dModel) {
            throw new ShapeMismatchException(describe() + ": expected src " + (batchFirst ? "[B, L, " : "[L, B, ")
                    + dModel + "] (or [L, " + dModel + "] unbatched), got " + src.shape());
        }
        Variable x = src;
        if (normFirst) {
            x = x.add(attentionBlock(norm1.call(x), srcMask, srcKeyPaddingMask, causal));
            x = x.add(feedForwardBlock(norm2.call(x)));
        } else {
            x = norm1.call(x.add(attentionBlock(x, srcMask, srcKeyPaddingMask, causal)));
            x = norm2.call(x.add(feedForwardBlock(x)));
        }
        return x;
    }

    private Variable attentionBlock(Variable x, Tensor mask, Tensor padding, boolean causal) {
        return dropout1.call(
                selfAttn.call(x, x, x, padding, mask, causal, false).output());
    }

    private Variable feedForwardBlock(Variable x) {
        return dropout2.call(linear2.call(dropout.call(activation.apply(linear1.call(x)))));
    }

    @Override
    protected String describe() {
        return "TransformerEncoderLayer(d " + dModel + ", " + nhead + " heads, ff " + dimFeedforward + ", "
                + activation.name().toLowerCase() + (dropoutP > 0 ? ", dropout " + dropoutP : "")
                + (normFirst ? ", norm first" : "") + (batchFirst ? ", batch first" : "") + ")";
    }
}
