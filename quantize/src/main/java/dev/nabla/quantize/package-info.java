/**
 * Int8 quantization, pruning and knowledge distillation for trained models.
 *
 * <p>Reserved for the quantization issue; the module builds so that the module map is complete.
 */
package dev.nabla.quantize;
