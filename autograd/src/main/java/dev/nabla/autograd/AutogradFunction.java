package dev.nabla.autograd;

import dev.nabla.tensor.Tensor;

/**
 * A differentiable operation with a forward and a backward of its own, PyTorch's
 * {@code torch.autograd.Function}: subclass it, write {@link #forward} on tensors and
 * {@link #backward} beside it, and {@link #apply} it to variables like any built-in operation.
 * For a function with several outputs, see {@link MultiOutputFunction}.
 *
 * <p>{@code forward} runs on the inputs' tensors with recording off; it keeps what the backward
 * needs in the {@link FunctionContext} ({@link FunctionContext#saveForBackward}), whose saved
 * tensors are version-checked as the built-in operations' are. {@code backward} receives the
 * gradient of the output and returns one gradient per input, in order, shaped like that input
 * (null where an input needs none: {@link FunctionContext#needsInputGrad}). The call is recorded as
 * one node named after the class ({@code SwishBackward} in {@link Variable#gradFnName()}). Check
 * a new function with {@link GradCheck}, which compares its backward with finite differences.
 *
 * <p>The built-in operations are the same thing written inline: a forward on tensors, a backward
 * closure beside it, saved tensors checked the same way, one node in the same graph.
 *
 * <pre>{@code
 * // Swish (SiLU): x * sigmoid(x), whose derivative s + x s (1 - s) reuses the saved sigmoid.
 * final class Swish extends AutogradFunction {
 *     @Override
 *     protected Tensor forward(FunctionContext ctx, Tensor... in) {
 *         Tensor x = in[0];
 *         Tensor s = x.sigmoid();
 *         ctx.saveForBackward(x, s);
 *         return x.mul(s);
 *     }
 *
 *     @Override
 *     protected Tensor[] backward(FunctionContext ctx, Tensor grad) {
 *         Tensor x = ctx.saved(0);
 *         Tensor s = ctx.saved(1);
 *         Tensor ds = s.mul(x.mul(s.neg().add(1f)).add(1f));     // s * (1 + x * (1 - s))
 *         return new Tensor[] {grad.mul(ds)};
 *     }
 * }
 *
 * Variable x = Variable.randn(new Generator(0), 4, 3).requiresGrad(true);
 * Variable y = new Swish().apply(x);                            // y.gradFnName(): "SwishBackward"
 * y.sum().backward();                                           // x.grad() = s + x s (1 - s)
 * GradCheck.check(in -> new Swish().apply(in[0]), x);           // throws if backward is wrong
 * }</pre>
 *
 * <p>Parameters of the function (a slope, a range) are fields set in its constructor; an instance
 * can be applied any number of times, each call with its own context.
 */
public abstract class AutogradFunction {
    protected AutogradFunction() {}

    /**
     * The output, computed from the inputs' tensors (null where a null input was passed).
     * Recording is off here; the inputs must not be modified.
     */
    protected abstract Tensor forward(FunctionContext ctx, Tensor... inputs);

    /**
     * The gradient of each input given {@code gradOutput}, the gradient of the output: an array as
     * long as the inputs, each entry shaped like its input or null (no gradient).
     */
    protected abstract Tensor[] backward(FunctionContext ctx, Tensor gradOutput);

    /** The name of the recorded node: the class's simple name unless overridden. */
    protected String name() {
        return FunctionContext.defaultName(this, "AutogradFunction");
    }

    /**
     * Runs {@link #forward} and, when an input requires grad (and recording is on), records the
     * call so that {@link Variable#backward()} reaches {@link #backward}.
     */
    public final Variable apply(Variable... inputs) {
        return FunctionContext.call(
                this,
                name(),
                inputs,
                1,
                (ctx, in) -> new Tensor[] {forward(ctx, in)},
                (ctx, grads) -> backward(ctx, grads[0]))[0];
    }
}
