/**
 * Float32 tensors: storage, shapes, strides and views, creation and seeded randomness, and the
 * operations (elementwise with broadcasting, reductions, softmax, matmul) that run on the SIMD
 * kernels of {@link dev.nabla.tensor.kernel}.
 *
 * <pre>{@code
 * import dev.nabla.tensor.*;
 *
 * Tensor x = Tensor.arange(6).reshape(2, 3);
 * x.sum(1, false);          // tensor([ 3., 12.], shape=[2])
 * x.t().matmul(x);          // [3, 3]
 * }</pre>
 */
package dev.nabla.tensor;
