package dev.nabla.autograd;

import dev.nabla.tensor.Tensor;
import dev.nabla.tensor.kernel.Gemm;

/**
 * A linear layer's weight {@code W} ({@code [out, in]}) kept packed as {@code W^T} in the GEMM
 * kernel's panel layout, so inference stops repacking it on every call: for a batch of 64 rows the
 * packing cost a third as much as the arithmetic. It is repacked only when the weight changed: a
 * different tensor, another layout, or an in-place write since the last pack, which the storage's
 * version counter records ({@link Tensor#version()}; code writing through
 * {@link Tensor#storageArray()} calls {@link Tensor#markModified()}, as the optimizers do).
 *
 * <p>{@code dev.nabla.nn.Linear} owns one and passes it to {@link Functional#linear(Variable,
 * Variable, Variable, PackedWeight)}, which uses it only when no gradient is being recorded (in
 * training the weight changes every step, and the GEMM packs its operands anyway). Not
 * thread-safe: one per layer, as a layer is not run from two threads at once.
 *
 * <pre>{@code
 * Variable w = Variable.randn(new Generator(0), 10, 784);
 * PackedWeight cache = new PackedWeight();
 * try (Autograd.NoGrad ignored = Autograd.noGrad()) {
 *     Variable y = Functional.linear(Variable.randn(new Generator(1), 64, 784), w, null, cache); // packs
 *     Variable z = Functional.linear(Variable.randn(new Generator(2), 64, 784), w, null, cache); // reuses
 * }
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
        int[] st = w.strides();
        if (packed == null
                || array != w.storageArray()
                || offset != w.storageOffset()
                || version != w.version()
                || rows != w.size(0)
                || cols != w.size(1)
                || rowStride != st[0]
                || colStride != st[1]) {
            array = w.storageArray();
            offset = w.storageOffset();
            version = w.version();
            rows = w.size(0);
            cols = w.size(1);
            rowStride = st[0];
            colStride = st[1];
            boolean rowMajor = colStride == 1 && rowStride >= cols;
            Tensor src = rowMajor ? w : w.contiguous();
            // op(B) = W^T (k = in = cols, n = out = rows), stored as W: transposed, pitch = row stride
            packed = Gemm.packB(true, cols, rows, src.storageArray(), src.storageOffset(), rowMajor ? rowStride : cols);
        }
        return packed;
    }

    /** Whether a pack is held (for tests and diagnostics). */
    boolean isPacked() {
        return packed != null;
    }
}
