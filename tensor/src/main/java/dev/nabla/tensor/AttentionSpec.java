package dev.nabla.tensor;

/**
 * How multi-head attention runs, for {@link TensorFunctional#attention} and its autograd
 * counterpart: immutable, built from {@link #of(int)} and the {@code with...} methods.
 *
 * <pre>{@code
 * AttentionSpec spec = AttentionSpec.of(4).withCausal(true).withDropout(0.1, new Generator(0));
 * }</pre>
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
public record AttentionSpec(
        int heads,
        boolean batchFirst,
        Tensor mask,
        boolean causal,
        double dropout,
        Generator generator,
        boolean needWeights) {
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

    public AttentionSpec withDropout(double p, Generator g) {
        return new AttentionSpec(heads, batchFirst, mask, causal, p, g, needWeights);
    }

    public AttentionSpec withNeedWeights(boolean flag) {
        return new AttentionSpec(heads, batchFirst, mask, causal, dropout, generator, flag);
    }
}
