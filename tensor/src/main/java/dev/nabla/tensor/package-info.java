/**
 * Tensors: storage, shapes, strides and views, creation and seeded randomness, the operations
 * (elementwise with broadcasting, reductions, softmax, matmul, indexing) as {@link Tensor}
 * methods, and the neural-network functions with their gradients as {@link TensorFunctional}
 * (PyTorch's {@code torch.nn.functional}, without autograd). {@link OptimizerUpdates} holds the
 * optimizers' fused steps, {@link Threads} the size of the thread pool. All of it runs on the
 * module's SIMD kernels, which are not part of the API. Tensors are float32 unless created
 * otherwise; {@link DType} names the others (int64 labels and indices, int32, int8 and uint8
 * storage, bool masks).
 *
 * <pre>{@code
 * import dev.nabla.tensor.*;
 *
 * Tensor x = Tensor.arange(6).reshape(2, 3);
 * x.sum(1, false);          // tensor([ 3., 12.], shape=[2])
 * x.t().matmul(x);          // [3, 3]
 * x.argmax(1, false);       // tensor([2, 2], shape=[2]), int64
 * x.gt(2f);                 // a bool mask
 * TensorFunctional.crossEntropy(x.toFloat(), Tensor.ofLongs(2, 0));   // a loss, no autograd involved
 * }</pre>
 */
package dev.nabla.tensor;
