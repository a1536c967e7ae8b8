/**
 * Making trained models smaller: int8 quantization (post-training static and dynamic, and
 * quantization-aware training: {@code dev.nabla.quantize.Quantization}, with its observers, fused
 * float modules, fake-quantized training layers and int8 layers), magnitude pruning with masks
 * that survive the optimizer's steps ({@code prune}) and knowledge distillation ({@code distill}).
 * The int8 arithmetic itself is in {@code dev.nabla.tensor} ({@code QuantizedOps},
 * {@code QuantizedWeight}).
 */
module dev.nabla.quantize {
    requires transitive dev.nabla.nn;
    // Pruning hooks into Optimizer's step (in its public API); sparse checkpoints are safetensors files.
    requires transitive dev.nabla.optim;
    requires dev.nabla.export;

    exports dev.nabla.quantize;
    exports dev.nabla.quantize.distill;
    exports dev.nabla.quantize.fused;
    exports dev.nabla.quantize.observer;
    exports dev.nabla.quantize.prune;
    exports dev.nabla.quantize.qat;
    exports dev.nabla.quantize.quantized;
}
