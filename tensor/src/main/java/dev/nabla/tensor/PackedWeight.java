package dev.nabla.tensor;

import dev.nabla.tensor.kernel.Gemm;

/**
 * A linear layer's weight {@code W} ({@code [out, in]}) kept packed as {@code W^T} in the GEMM
 * kernel's panel layout, so inference stops repacking it on every call: for a batch of 64 rows the
 * packing cost a third as much as the arithmetic. It is repacked only when the weight changed: a
 * different tensor, another layout, or an in-place write since the last pack, which the storage's
 * version counter records ({@link Tensor#version()}; every in-place tensor operation, the
 * optimizers' {@link OptimizerUpdates} included, advances it).
 *
 * <p>{@code dev.nabla.nn.Linear} owns one and passes it to
 * {@link TensorFunctional#linear(Tensor, Tensor, Tensor, PackedWeight)} (through autograd's
 * {@code Functional.linear}, which passes it only when no gradient is being recorded: in training
 * the weight changes every step, and the GEMM packs its operands anyway). Not thread-safe: one per
 * layer, as a layer is not run from two threads at once.
 *
 * <pre>{@code
 * Tensor w = Tensor.randn(new Generator(0), 10, 784);
 * PackedWeight cache = new PackedWeight();
 * Tensor y = TensorFunctional.linear(Tensor.randn(new Generator(1), 64, 784), w, null, cache); // packs
 * Tensor z = TensorFunctional.linear(Tensor.randn(new Generator(2), 64, 784), w, null, cache); // reuses
 * }</pre>
 */
public final class PackedWeight {
    private Gemm.PackedB packed;
    private float[] array;
    private int offset = -1;
    private int version;
    private int rows;
    private int cols;
    private int rowStride;
    private int colStride;

    public PackedWeight() {}

    /** {@code W^T} packed, reusing the last pack while {@code w} is the same, unchanged matrix. */
    Gemm.PackedB transposed(Tensor w) {
        int[] st = w.strides;
        if (packed == null
                || array != w.storage.data
                || offset != w.offset
                || version != w.version()
                || rows != w.size(0)
                || cols != w.size(1)
                || rowStride != st[0]
                || colStride != st[1]) {
            array = w.storage.data;
            offset = w.offset;
            version = w.version();
            rows = w.size(0);
            cols = w.size(1);
            rowStride = st[0];
            colStride = st[1];
            boolean rowMajor = colStride == 1 && rowStride >= cols;
            Tensor src = rowMajor ? w : w.contiguous();
            // op(B) = W^T (k = in = cols, n = out = rows), stored as W: transposed, pitch = row stride
            packed = Gemm.packB(true, cols, rows, src.storage.data, src.offset, rowMajor ? rowStride : cols);
        }
        return packed;
    }

    /** Whether a pack is held: false until an inference call used it (for tests and diagnostics). */
    public boolean isPacked() {
        return packed != null;
    }
}
