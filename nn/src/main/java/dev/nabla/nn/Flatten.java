package dev.nabla.nn;

import dev.nabla.autograd.Variable;
import dev.nabla.tensor.ShapeMismatchException;

/**
 * Merges dimensions {@code start..end} (inclusive; negative counts from the end) into one, as
 * PyTorch's {@code nn.Flatten}; the default keeps the batch dimension: {@code [N, C, H, W] -> [N, C*H*W]}.
 * A view when the input is contiguous.
 *
 * <pre>{@code
 * Variable y = new Flatten().call(Variable.zeros(8, 64, 8, 8));   // [8, 4096]
 * }</pre>
 */
public final class Flatten extends Module {
    private final int start;
    private final int end;

    /** Flattens every dimension but the first. */
    public Flatten() {
        this(1, -1);
    }

    public Flatten(int start, int end) {
        this.start = start;
        this.end = end;
    }

    @Override
    protected Variable forward(Variable x) {
        int r = x.dim();
        int s = start < 0 ? start + r : start;
        int e = end < 0 ? end + r : end;
        if (s < 0 || s >= r || e < 0 || e >= r || s > e) {
            throw new ShapeMismatchException(describe() + ": expected an input with dimensions " + start + " to " + end
                    + " (start before end), got " + x.shape());
        }
        return x.flatten(s, e);
    }

    /** The first dimension merged (negative counts from the end). */
    public int startDim() {
        return start;
    }

    /** The last dimension merged, inclusive. */
    public int endDim() {
        return end;
    }

    @Override
    protected String describe() {
        return "Flatten(" + start + ", " + end + ")";
    }
}
