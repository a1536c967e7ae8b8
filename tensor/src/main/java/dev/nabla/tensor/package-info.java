/**
 * Tensors: storage, shapes, strides and views, creation and seeded randomness, and the operations
 * (elementwise with broadcasting, reductions, softmax, matmul) that run on the SIMD kernels of
 * {@link dev.nabla.tensor.kernel}. Tensors are float32 unless created otherwise; {@link DType}
 * names the others (int64 labels and indices, int32, int8 and uint8 storage, bool masks).
 *
 * <pre>{@code
 * import dev.nabla.tensor.*;
 *
 * Tensor x = Tensor.arange(6).reshape(2, 3);
 * x.sum(1, false);          // tensor([ 3., 12.], shape=[2])
 * x.t().matmul(x);          // [3, 3]
 * x.argmax(1, false);       // tensor([2, 2], shape=[2]), int64
 * x.gt(2f);                 // a bool mask
 * }</pre>
 */
package dev.nabla.tensor;
