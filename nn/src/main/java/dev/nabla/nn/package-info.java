/**
 * Layers, models and losses, shaped like PyTorch's {@code torch.nn}: {@link dev.nabla.nn.Module}
 * with parameters, buffers, children, train/eval modes and state dicts, {@link dev.nabla.nn.Sequential},
 * and the layer classes. Data loading lives in {@code dev.nabla.nn.data}.
 *
 * <pre>{@code
 * import dev.nabla.nn.*;
 * import dev.nabla.autograd.*;
 *
 * Sequential mlp = new Sequential(new Linear(784, 128), new ReLU(), new Linear(128, 10));
 * Variable logits = mlp.forward(Variable.zeros(1, 784));
 * }</pre>
 */
package dev.nabla.nn;
