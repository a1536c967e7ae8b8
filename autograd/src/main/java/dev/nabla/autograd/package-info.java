/**
 * Reverse-mode automatic differentiation, define-by-run as in PyTorch.
 *
 * <p>{@link dev.nabla.autograd.Variable} is the one type to hold: it wraps a
 * {@link dev.nabla.tensor.Tensor} and records the operations applied to it when it requires grad.
 * {@link dev.nabla.autograd.Autograd} holds the engine and the no-grad scope;
 * {@link dev.nabla.autograd.GradCheck} compares gradients with finite differences.
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
