/**
 * Int8 quantization of trained float models: post-training static and dynamic quantization and
 * quantization-aware training ({@code dev.nabla.quantize.Quantization}), the observers that choose
 * scales, the fused float modules, the fake-quantized training layers and the int8 layers. The
 * int8 arithmetic itself is in {@code dev.nabla.tensor} ({@code QuantizedOps}, {@code QuantizedWeight}).
 */
module dev.nabla.quantize {
    requires transitive dev.nabla.nn;

    exports dev.nabla.quantize;
    exports dev.nabla.quantize.fused;
    exports dev.nabla.quantize.observer;
    exports dev.nabla.quantize.qat;
    exports dev.nabla.quantize.quantized;
}
