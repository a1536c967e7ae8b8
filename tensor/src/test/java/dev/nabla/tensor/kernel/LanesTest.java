package dev.nabla.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * {@link Lanes#sum} must give the bits of one fixed pairwise order whether the JVM runs it
 * interpreted or compiled: enough calls are made here for C2 to compile it part-way through, and
 * every result is compared with the same order computed in scalar code.
 */
class LanesTest {

    private static float pairwise(float[] x, int from, int n) {
        if (n == 1) {
            return x[from];
        }
        // fold: lane i gets x[i] + x[i + n/2], then recurse on the lower half
        float[] folded = new float[n / 2];
        for (int i = 0; i < n / 2; i++) {
            folded[i] = x[from + i] + x[from + i + n / 2];
        }
        return pairwise(folded, 0, n / 2);
    }

    @Test
    void sumHasTheSameBitsColdAndWarm() {
        int lanes = FloatVector.SPECIES_PREFERRED.length();
        Random r = new Random(42);
        float[] x = new float[lanes];
        for (int t = 0; t < 300_000; t++) {
            for (int i = 0; i < lanes; i++) {
                x[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(8)));
            }
            float got = Lanes.sum(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, x, 0));
            float want = pairwise(x, 0, lanes);
            if (Float.floatToIntBits(got) != Float.floatToIntBits(want)) {
                throw new AssertionError("call " + t + ": " + got + " but the fixed order gives " + want);
            }
        }
    }

    @Test
    void sumOfSimpleValues() {
        float[] x = new float[FloatVector.SPECIES_PREFERRED.length()];
        for (int i = 0; i < x.length; i++) {
            x[i] = i + 1;
        }
        assertEquals(
                x.length * (x.length + 1) / 2f, Lanes.sum(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, x, 0)));
    }

    /** The array form is what kernels use after their loops; it must add in the vector form's order. */
    @Test
    void arrayFormHasTheVectorFormsBits() {
        int lanes = FloatVector.SPECIES_PREFERRED.length();
        Random r = new Random(7);
        float[] x = new float[lanes + 3];
        for (int trial = 0; trial < 10_000; trial++) {
            for (int i = 0; i < x.length; i++) {
                // Mixed magnitudes make the order of the additions show in the last bits.
                x[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(8) - 4));
            }
            float expected = Lanes.sum(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, x, 3));
            assertEquals(
                    Float.floatToIntBits(expected), Float.floatToIntBits(Lanes.sum(x.clone(), 3)), "trial " + trial);
        }
    }
}
