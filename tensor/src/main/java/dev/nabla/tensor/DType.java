package dev.nabla.tensor;

/**
 * The element type of a {@link Tensor}, with PyTorch's names: {@code float32} (the default, and the
 * only type that autograd differentiates and the SIMD kernels compute in), {@code int64} (class
 * labels and indices, {@code argmax}, {@code sum} of integers), {@code int32}, {@code int8} and
 * {@code uint8} (quantized storage) and {@code bool} (masks, the result of comparisons).
 *
 * <p>Arithmetic between two dtypes computes in the type {@link #promote} gives, as PyTorch's
 * {@code torch.promote_types} does.
 *
 * <pre>{@code
 * Tensor labels = Tensor.ofLongs(3, 1, 4);
 * labels.dtype();                          // int64
 * labels.dtype().safetensorsName();        // "I64"
 * DType.promote(DType.INT32, DType.FLOAT32); // float32
 * }</pre>
 */
public enum DType {
    FLOAT32("float32", "F32", 4),
    INT64("int64", "I64", 8),
    INT32("int32", "I32", 4),
    INT8("int8", "I8", 1),
    UINT8("uint8", "U8", 1),
    BOOL("bool", "BOOL", 1);

    private final String name;
    private final String safetensors;
    private final int bytes;

    DType(String name, String safetensors, int bytes) {
        this.name = name;
        this.safetensors = safetensors;
        this.bytes = bytes;
    }

    /** True for {@link #FLOAT32}: the types that can carry gradients. */
    public boolean isFloatingPoint() {
        return this == FLOAT32;
    }

    /** True for the integer types (not {@link #BOOL}, not {@link #FLOAT32}). */
    public boolean isInteger() {
        return this == INT64 || this == INT32 || this == INT8 || this == UINT8;
    }

    /** Bytes per element. */
    public int byteSize() {
        return bytes;
    }

    /** The dtype code of the safetensors format: {@code F32, I64, I32, I8, U8, BOOL}. */
    public String safetensorsName() {
        return safetensors;
    }

    /** The type with the given safetensors code, or null when Nabla has no such tensor type. */
    public static DType fromSafetensorsName(String code) {
        for (DType d : values()) {
            if (d.safetensors.equals(code)) {
                return d;
            }
        }
        return null;
    }

    /**
     * The type two operands compute in: {@code bool} gives way to anything, any integer type to
     * {@code float32}, and a narrower integer type to a wider one. {@code int8} with {@code uint8}
     * gives {@code int32}: PyTorch gives {@code int16}, which Nabla lacks, and {@code int32} holds
     * every value either can.
     */
    public static DType promote(DType a, DType b) {
        if (a == b) {
            return a;
        }
        if (a == BOOL) {
            return b;
        }
        if (b == BOOL) {
            return a;
        }
        if (a == FLOAT32 || b == FLOAT32) {
            return FLOAT32;
        }
        if (a == INT64 || b == INT64) {
            return INT64;
        }
        return INT32; // int32 with a byte type, or int8 with uint8
    }

    /** PyTorch's name: {@code float32, int64, int32, int8, uint8, bool}. */
    @Override
    public String toString() {
        return name;
    }
}
