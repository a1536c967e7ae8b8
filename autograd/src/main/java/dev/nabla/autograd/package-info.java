/**
 * Reverse-mode automatic differentiation, define-by-run as in PyTorch.
 *
 * <p>{@link Variable} is the one type to hold: it wraps a
 * {@link Tensor} and records the operations applied to it when it requires grad.
 * {@link Functional} holds the neural-network functions (each a forward and a backward over
 * {@link TensorFunctional}); {@link AutogradFunction} defines a new operation with its own
 * forward and backward. {@link Autograd} holds the engine and the no-grad scope;
 * {@link GradCheck} compares gradients with finite differences.
 *
 * <pre>{@code
 * import dev.nabla.autograd.*;
 *
 * Variable x = Variable.of(1f, 2f, 3f).requiresGrad(true);
 * Variable y = x.pow(2).sum();
 * y.backward();
 * x.grad();      // tensor([2., 4., 6.], shape=[3])
 * }</pre>
 */
package dev.nabla.autograd;

import dev.nabla.tensor.Tensor;
import dev.nabla.tensor.TensorFunctional;
