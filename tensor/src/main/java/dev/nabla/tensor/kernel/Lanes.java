package dev.nabla.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Horizontal sums in a fixed order.
 *
 * <p>{@code FloatVector.reduceLanes(ADD)} leaves the order of its additions unspecified, and
 * HotSpot uses a different order once C2 compiles the call than the interpreter does before: the
 * same kernel gives a sum that differs in the last bit depending on how warm the JVM is. Training
 * that must repeat bit for bit (a resumed run against an uninterrupted one) cannot have that, so
 * kernels sum lanes here: the upper half is folded onto the lower half until one lane is left, with
 * the same shuffles in compiled and interpreted code.
 *
 * <pre>{@code
 * FloatVector v = FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, data, 0);
 * float s = Lanes.sum(v);   // same bits on every run, warm or cold
 * }</pre>
 */
public final class Lanes {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** FOLDS[k] moves lane i + (L >> (k + 1)) to lane i. */
    private static final VectorShuffle<Float>[] FOLDS = folds();

    private Lanes() {}

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] folds() {
        int steps = Integer.numberOfTrailingZeros(S.length());
        VectorShuffle<Float>[] f = (VectorShuffle<Float>[]) new VectorShuffle<?>[steps];
        for (int k = 0; k < steps; k++) {
            int half = S.length() >> (k + 1);
            f[k] = VectorShuffle.fromOp(S, i -> (i + half) % S.length());
        }
        return f;
    }

    /**
     * The sum of the lanes of a {@code SPECIES_PREFERRED} vector, added pairwise in a fixed order
     * (for 8 lanes: {@code ((x0+x4)+(x2+x6)) + ((x1+x5)+(x3+x7))}).
     */
    public static float sum(FloatVector v) {
        if (v.species() != S) {
            throw new IllegalArgumentException("Lanes.sum: expects " + S + ", got " + v.species());
        }
        FloatVector acc = v;
        for (VectorShuffle<Float> fold : FOLDS) {
            acc = acc.add(acc.rearrange(fold));
        }
        return acc.lane(0);
    }

    /**
     * The same fixed-order sum over {@code L} floats that a vector stored at {@code lanes[off]}:
     * bit-identical to {@link #sum(FloatVector)} of that vector, and cheap where a call with a
     * vector argument is not (HotSpot inlines {@code sum(FloatVector)} only at hot call sites; at a
     * cold one, such as after a kernel's main loop, the call boxes the vector and runs the API's
     * slow Java fallback). May overwrite the {@code L} floats.
     */
    public static float sum(float[] lanes, int off) {
        // Unrolled for the common widths so the tree adds in registers, not through memory.
        if (S.length() == 16) {
            float a0 = lanes[off] + lanes[off + 8];
            float a1 = lanes[off + 1] + lanes[off + 9];
            float a2 = lanes[off + 2] + lanes[off + 10];
            float a3 = lanes[off + 3] + lanes[off + 11];
            float a4 = lanes[off + 4] + lanes[off + 12];
            float a5 = lanes[off + 5] + lanes[off + 13];
            float a6 = lanes[off + 6] + lanes[off + 14];
            float a7 = lanes[off + 7] + lanes[off + 15];
            return ((a0 + a4) + (a2 + a6)) + ((a1 + a5) + (a3 + a7));
        }
        if (S.length() == 8) {
            float a0 = lanes[off] + lanes[off + 4];
            float a1 = lanes[off + 1] + lanes[off + 5];
            float a2 = lanes[off + 2] + lanes[off + 6];
            float a3 = lanes[off + 3] + lanes[off + 7];
            return (a0 + a2) + (a1 + a3);
        }
        for (int w = S.length() >> 1; w >= 1; w >>= 1) {
            for (int i = 0; i < w; i++) {
                lanes[off + i] += lanes[off + i + w];
            }
        }
        return lanes[off];
    }
}
