package dev.nabla.nn;

import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;

/**
 * A lookup table of {@code count} vectors of size {@code dim}, PyTorch's {@code nn.Embedding}:
 * int64 (or int32) indices of any shape {@code [...]} give {@code [..., dim]}. The weight
 * starts standard normal; the row {@code paddingIdx}, when given, starts at zero and receives no
 * gradient.
 *
 * <pre>{@code
 * Embedding emb = new Embedding(1000, 64, new Generator(0));
 * Variable tokens = Variable.of(Tensor.ofLongs(5, 17, 3, 9, 0, 0).reshape(2, 3));   // [2, 3]
 * Variable v = emb.call(tokens);                                                  // [2, 3, 64]
 * }</pre>
 */
public final class Embedding extends Module {
    private final int count;
    private final int dim;
    private final int paddingIdx;
    public final Variable weight;

    public Embedding(int count, int dim) {
        this(count, dim, Generator.defaultGenerator());
    }

    public Embedding(int count, int dim, Generator g) {
        this(count, dim, -1, false, g);
    }

    /** {@code paddingIdx} may be negative, counting from the end, as in PyTorch. */
    public Embedding(int count, int dim, int paddingIdx, Generator g) {
        this(count, dim, paddingIdx, true, g);
    }

    private Embedding(int count, int dim, int paddingIdx, boolean padded, Generator g) {
        if (count <= 0 || dim <= 0) {
            throw new IllegalArgumentException(
                    "Embedding: sizes must be positive, got count=" + count + ", dim=" + dim);
        }
        int p = -1;
        if (padded) {
            p = paddingIdx < 0 ? paddingIdx + count : paddingIdx;
            if (p < 0 || p >= count) {
                throw new IllegalArgumentException(
                        "Embedding: paddingIdx " + paddingIdx + " is out of range for " + count + " embeddings");
            }
        }
        this.count = count;
        this.dim = dim;
        this.paddingIdx = p;
        Tensor w = Tensor.randn(g, count, dim);
        if (p >= 0) {
            w.select(0, p).zero();
        }
        this.weight = registerParameter("weight", w);
    }

    @Override
    protected Variable forward(Variable indices) {
        return paddingIdx >= 0
                ? Functional.embedding(indices, weight, paddingIdx)
                : Functional.embedding(indices, weight);
    }

    @Override
    protected String describe() {
        return "Embedding(" + count + ", " + dim + (paddingIdx >= 0 ? ", padding " + paddingIdx : "") + ")";
    }
}
