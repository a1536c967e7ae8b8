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

    private Lanes() {
    }

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
}
