package dev.nabla.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Dropout masks: values, keep rate within binomial bounds, determinism and the edge probabilities. */
class DropoutTest {

    @Test
    void keepRateAndScale() {
        for (double p : new double[] {0.1, 0.5, 0.9}) {
            SplittableRandom r = new SplittableRandom(7);
            int n = 200_001;
            float[] m = new float[n];
            Dropout.mask(p, r::nextLong, m, 0, n);
            float keep = (float) (1 / (1 - p));
            int kept = 0;
            for (float v : m) {
                assertTrue(v == 0f || v == keep, "mask value " + v);
                kept += v != 0f ? 1 : 0;
            }
            double expect = n * (1 - p);
            double sd = Math.sqrt(n * p * (1 - p));
            assertEquals(expect, kept, 5 * sd, "kept elements for p=" + p);
        }
    }

    @Test
    void sameBitsSameMask() {
        float[] a = new float[37], b = new float[37];
        Dropout.mask(0.3, new SplittableRandom(1)::nextLong, a, 0, 37);
        Dropout.mask(0.3, new SplittableRandom(1)::nextLong, b, 0, 37);
        assertArrayEquals(a, b);
    }

    @Test
    void edgeProbabilities() {
        float[] m = new float[9];
        Dropout.mask(0, new SplittableRandom(1)::nextLong, m, 0, 9);
        for (float v : m) {
            assertEquals(1f, v);
        }
        Dropout.mask(1, new SplittableRandom(1)::nextLong, m, 0, 9);
        for (float v : m) {
            assertEquals(0f, v);
        }
        assertThrows(IllegalArgumentException.class, () -> Dropout.mask(1.5, () -> 0L, m, 0, 9));
    }
}
