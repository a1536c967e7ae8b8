package dev.nabla.nn;

import dev.nabla.autograd.Variable;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.ShapeMismatchException;
import dev.nabla.tensor.Tensor;

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
 * var layer = new TransformerEncoderLayer(128, 4, 512, 0.1, TransformerEncoderLayer.Activation.GELU,
 *         1e-5, true, true, new Generator(0));                       // batch first, pre-norm
 * Variable x = Variable.randn(new Generator(1), 8, 20, 128);         // [B, L, E]
 * Variable y = layer.forward(x, null, null, true);                   // causal, [8, 20, 128]
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

    /** PyTorch's defaults: feed-forward 2048, dropout 0.1, ReLU, eps 1e-5, time-major, post-norm. */
    public TransformerEncoderLayer(int dModel, int nhead) {
        this(dModel, nhead, 2048, 0.1, Activation.RELU, 1e-5, false, false, Generator.defaultGenerator());
    }

    /**
     * The full configuration, PyTorch's arguments in PyTorch's order.
     *
     * @param g draws the initial weights and the dropout masks
     */
    public TransformerEncoderLayer(
            int dModel,
            int nhead,
            int dimFeedforward,
            double dropout,
            Activation activation,
            double layerNormEps,
            boolean batchFirst,
            boolean normFirst,
            Generator g) {
        if (dimFeedforward <= 0) {
            throw new IllegalArgumentException(
                    "TransformerEncoderLayer: dimFeedforward must be positive, got " + dimFeedforward);
        }
        this.dModel = dModel;
        this.nhead = nhead;
        this.dimFeedforward = dimFeedforward;
        this.dropoutP = dropout;
        this.activation = java.util.Objects.requireNonNull(activation, "activation");
        this.batchFirst = batchFirst;
        this.normFirst = normFirst;
        selfAttn = registerModule("self_attn", new MultiheadAttention(dModel, nhead, dropout, true, batchFirst, g));
        linear1 = registerModule("linear1", new Linear(dModel, dimFeedforward, g));
        this.dropout = registerModule("dropout", new Dropout(dropout, g));
        linear2 = registerModule("linear2", new Linear(dimFeedforward, dModel, g));
        norm1 = registerModule("norm1", new LayerNorm(new int[] {dModel}, layerNormEps, true));
        norm2 = registerModule("norm2", new LayerNorm(new int[] {dModel}, layerNormEps, true));
        dropout1 = registerModule("dropout1", new Dropout(dropout, g));
        dropout2 = registerModule("dropout2", new Dropout(dropout, g));
    }

    /** The block without masks. */
    @Override
    public Variable forward(Variable src) {
        return forward(src, null, null, false);
    }

    /**
     * The block with attention masks as {@link MultiheadAttention} takes them.
     *
     * @param srcMask           {@code [L, L]} or {@code [B * nhead, L, L]}, non-zero blocks, or null
     * @param srcKeyPaddingMask {@code [B, L]}, non-zero marks padding, or null
     * @param causal            each position attends only to itself and earlier ones
     */
    public Variable forward(Variable src, Tensor srcMask, Tensor srcKeyPaddingMask, boolean causal) {
        if ((src.dim() != 3 && src.dim() != 2) || src.size(-1) != dModel) {
            throw new ShapeMismatchException(describe() + ": expected src " + (batchFirst ? "[B, L, " : "[L, B, ")
                    + dModel + "] (or [L, " + dModel + "] unbatched), got " + src.shape());
        }
        Variable x = src;
        if (normFirst) {
            x = x.add(attentionBlock(norm1.forward(x), srcMask, srcKeyPaddingMask, causal));
            x = x.add(feedForwardBlock(norm2.forward(x)));
        } else {
            x = norm1.forward(x.add(attentionBlock(x, srcMask, srcKeyPaddingMask, causal)));
            x = norm2.forward(x.add(feedForwardBlock(x)));
        }
        return x;
    }

    private Variable attentionBlock(Variable x, Tensor mask, Tensor padding, boolean causal) {
        return dropout1.forward(
                selfAttn.forward(x, x, x, padding, mask, causal, false).output());
    }

    private Variable feedForwardBlock(Variable x) {
        return dropout2.forward(linear2.forward(dropout.forward(activation.apply(linear1.forward(x)))));
    }

    @Override
    protected String describe() {
        return "TransformerEncoderLayer(d " + dModel + ", " + nhead + " heads, ff " + dimFeedforward + ", "
                + activation.name().toLowerCase() + (dropoutP > 0 ? ", dropout " + dropoutP : "")
                + (normFirst ? ", norm first" : "") + (batchFirst ? ", batch first" : "") + ")";
    }
}
