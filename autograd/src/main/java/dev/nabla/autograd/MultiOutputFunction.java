package dev.nabla.autograd;

import dev.nabla.tensor.Tensor;

/**
 * An {@link AutogradFunction} with several outputs: {@link #forward} returns them as an array and
 * {@link #backward} receives one gradient per output. An output that received no gradient (it was
 * not used) comes as zeros of its shape; one marked with
 * {@link FunctionContext#markNonDifferentiable} (or of an integer or bool dtype) comes out as a
 * constant and gets null. All outputs belong to one recorded node.
 *
 * <pre>{@code
 * // The values and positions of each row's maximum: the positions (int64) carry no gradient.
 * final class MaxWithIndex extends MultiOutputFunction {
 *     @Override
 *     protected Tensor[] forward(FunctionContext ctx, Tensor... in) {
 *         Tensor idx = in[0].argmax(1, true);
 *         ctx.saveForBackward(idx);
 *         return new Tensor[] {in[0].gather(1, idx), idx};
 *     }
 *
 *     @Override
 *     protected Tensor[] backward(FunctionContext ctx, Tensor... grads) {
 *         Tensor gx = Tensor.zeros(ctx.inputShape(0)).scatterAdd(1, ctx.saved(0), grads[0]);
 *         return new Tensor[] {gx};
 *     }
 * }
 *
 * Variable[] r = new MaxWithIndex().apply(x);   // r[0] requires grad, r[1] does not
 * }</pre>
 */
public abstract class MultiOutputFunction {
    protected MultiOutputFunction() {}

    /** The outputs (at least one), computed from the inputs' tensors with recording off. */
    protected abstract Tensor[] forward(FunctionContext ctx, Tensor... inputs);

    /**
     * The gradient of each input (in order; null where none) given one gradient per output, in the
     * order {@link #forward} returned them.
     */
    protected abstract Tensor[] backward(FunctionContext ctx, Tensor... gradOutputs);

    /** The name of the recorded node: the class's simple name unless overridden. */
    protected String name() {
        return FunctionContext.defaultName(this, "MultiOutputFunction");
    }

    /** Runs {@link #forward} and records the call when an input requires grad; one variable per output. */
    public final Variable[] apply(Variable... inputs) {
        return FunctionContext.call(
                this, name(), inputs, 0, (ctx, in) -> forward(ctx, in), (ctx, grads) -> backward(ctx, grads));
    }
}
