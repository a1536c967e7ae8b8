package dev.nabla.nn;

import dev.nabla.autograd.Variable;

/**
 * A loss function: compares a model's output with a target and gives a variable to call
 * {@code backward()} on (a scalar unless the reduction is {@code NONE}). The implementations
 * mirror PyTorch's loss modules; their configuration (weights, reduction, ...) is fixed at
 * construction. Called like a module, {@code lossFn.call(output, target)}, PyTorch's
 * {@code loss_fn(output, target)}.
 *
 * <pre>{@code
 * Loss lossFn = new CrossEntropyLoss();
 * Variable loss = lossFn.call(model.call(images), labels);
 * loss.backward();
 * }</pre>
 */
public interface Loss {
    Variable call(Variable input, Variable target);
}
