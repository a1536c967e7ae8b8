/**
 * Int8 quantization of trained models, PyTorch's eager-mode {@code torch.ao.quantization}: start at
 * {@link dev.nabla.quantize.Quantization} (prepare, calibrate, convert; quantization-aware training;
 * dynamic quantization). The sub-packages hold the observers ({@code observer}), the fused float
 * modules ({@code fused}), the fake-quantized training layers ({@code qat}) and the int8 layers a
 * converted model is made of ({@code quantized}). Beside quantization: magnitude pruning
 * ({@code prune}, {@code Pruning}) and knowledge distillation ({@code distill}).
 *
 * <pre>{@code
 * QuantWrapper q = Quantization.prepare(net, QConfig.defaults(), firstBatch);
 * Quantization.calibrate(q, trainLoader, 32);
 * Quantization.convert(q);
 * }</pre>
 */
package dev.nabla.quantize;
