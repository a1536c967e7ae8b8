/**
 * Tensors, the tensor-level functional ops and the SIMD kernels they run on.
 *
 * <p>Only {@code dev.nabla.tensor} is exported: {@code Tensor}, {@code TensorFunctional},
 * {@code OptimizerUpdates} and the rest of the public API. The kernels ({@code dev.nabla.tensor.kernel},
 * loops over raw arrays) stay inside the module, so the arrays behind a tensor never cross it.
 */
module dev.nabla.tensor {
    requires jdk.incubator.vector;

    exports dev.nabla.tensor;
}
