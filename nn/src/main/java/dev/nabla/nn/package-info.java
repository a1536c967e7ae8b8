/**
 * Layers, models and losses, shaped like PyTorch's {@code torch.nn}: {@link Module}
 * with parameters, buffers, children, hooks, train/eval modes and state dicts; the containers
 * {@link Sequential}, {@link ModuleList} and {@link ModuleDict};
 * the layer classes, whose optional arguments are {@code Options} values with PyTorch's keyword
 * names; and the losses. Data loading lives in {@code dev.nabla.nn.data}, the model zoo in
 * {@code dev.nabla.nn.models}.
 *
 * <p>A module is called with {@code module.call(x)} (PyTorch's {@code module(x)}); its
 * {@code forward} is protected. {@code Module} shares its simple name with {@code java.lang.Module},
 * so next to the wildcard import it needs its own single-type import:
 *
 * <pre>{@code
 * import dev.nabla.autograd.*;
 * import dev.nabla.nn.*;
 * import dev.nabla.nn.Module;
 *
 * Sequential mlp = new Sequential(new Linear(784, 128), new ReLU(), new Linear(128, 10));
 * Variable logits = mlp.call(Variable.zeros(1, 784));
 * Module conv = new Conv2d(3, 16, 3, Conv2d.options().stride(2).padding(1).bias(false));
 * Variable loss = new CrossEntropyLoss(CrossEntropyLoss.options().labelSmoothing(0.1))
 *         .call(logits, Variable.of(Tensor.of(3f)));
 * }</pre>
 */
package dev.nabla.nn;
