package dev.nabla.quantize.observer;

/**
 * How quantization parameters are chosen, PyTorch's {@code torch.qscheme}: one scale and zero point
 * for the whole tensor or one per channel (along axis 0), and affine (the zero point follows the
 * range) or symmetric (the range is centred on 0, zero point 0 for int8 and 128 for uint8).
 *
 * <pre>{@code
 * new MinMaxObserver(ObserverConfig.activations().withQScheme(QScheme.PER_TENSOR_SYMMETRIC));
 * }</pre>
 */
public enum QScheme {
    PER_TENSOR_AFFINE,
    PER_TENSOR_SYMMETRIC,
    PER_CHANNEL_AFFINE,
    PER_CHANNEL_SYMMETRIC;

    /** True for the per-channel schemes. */
    public boolean isPerChannel() {
        return this == PER_CHANNEL_AFFINE || this == PER_CHANNEL_SYMMETRIC;
    }

    /** True for the symmetric schemes. */
    public boolean isSymmetric() {
        return this == PER_TENSOR_SYMMETRIC || this == PER_CHANNEL_SYMMETRIC;
    }
}
