package dev.nabla.nn;

import dev.nabla.autograd.Variable;

/**
 * A loss function: compares a model's output with a target and gives a variable to call
 * {@code backward()} on (a scalar unless the reduction is {@code NONE}). The implementations
 * mirror PyTorch's loss modules; their configuration (weights, reduction, ...) is fixed at
 * construction.
 *
 * <pre>{@code
 * Loss lossFn = new CrossEntropyLoss();
 * Variable loss = lossFn.forward(model.forward(images), labels);
 * loss.backward();
 * }</pre>
 */
public interface Loss {
    Variable forward(Variable input, Variable target);
}
