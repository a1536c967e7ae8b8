package dev.nabla.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Lanes} must give the bits of its documented order, computed here in plain scalar code
 * (16 lanes dealt element by element, the tail into the first lanes, the pairwise fold), for every
 * length around the block boundaries, and keep giving them once C2 has compiled it: enough calls
 * are made for that to happen part-way through.
 */
class LanesTest {

    /** The fixed fold: lane i += lane i + w for w = 8, 4, 2, 1. */
    private static float fold(float[] lane) {
        float[] l = lane.clone();
        for (int w = 8; w >= 1; w /= 2) {
            for (int i = 0; i < w; i++) {
                l[i] += l[i + w];
            }
        }
        return l[0];
    }

    static float referenceSum(float[] x, int off, int n) {
        float[] lane = new float[16];
        int full = n - n % 16;
        for (int i = 0; i < full; i++) {
            lane[i % 16] += x[off + i];
        }
        for (int i = full; i < n; i++) {
            lane[i - full] += x[off + i];
        }
        return fold(lane);
    }

    static float referenceDot(float[] a, int ao, float[] b, int bo, int n) {
        float[] lane = new float[16];
        int full = n - n % 16;
        for (int i = 0; i < n; i++) {
            int l = i < full ? i % 16 : i - full;
            lane[l] = Math.fma(a[ao + i], b[bo + i], lane[l]);
        }
        return fold(lane);
    }

    private static float[] mixed(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            // Mixed magnitudes make the order of the additions show in the last bits.
            x[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(8) - 4));
        }
        return x;
    }

    @Test
    void sumAndDotFollowTheDocumentedOrderColdAndWarm() {
        Random r = new Random(42);
        float[] lanes = new float[Lanes.WIDTH];
        for (int t = 0; t < 40_000; t++) {
            int n = t % 80;
            int off = t % 3;
            float[] a = mixed(r, n + off);
            float[] b = mixed(r, n + off);
            float got = Lanes.sum(a, off, n, lanes);
            float want = referenceSum(a, off, n);
            if (Float.floatToIntBits(got) != Float.floatToIntBits(want)) {
                throw new AssertionError("sum, call " + t + ", n=" + n + ": " + got + " but the order gives " + want);
            }
            got = Lanes.dot(a, off, b, off, n, lanes);
            want = referenceDot(a, off, b, off, n);
            if (Float.floatToIntBits(got) != Float.floatToIntBits(want)) {
                throw new AssertionError("dot, call " + t + ", n=" + n + ": " + got + " but the order gives " + want);
            }
        }
    }

    @Test
    void foldOfSixteenLanes() {
        float[] x = new float[20];
        for (int i = 0; i < 16; i++) {
            x[i + 4] = i + 1;
        }
        assertEquals(136f, Lanes.sum(x, 4));
        Random r = new Random(7);
        for (int trial = 0; trial < 1000; trial++) {
            float[] l = mixed(r, 16);
            assertEquals(Float.floatToIntBits(fold(l)), Float.floatToIntBits(Lanes.sum(l, 0)), "trial " + trial);
        }
    }

    @Test
    void emptyAndShortRuns() {
        float[] lanes = new float[Lanes.WIDTH];
        assertEquals(0f, Lanes.sum(new float[0], 0, 0, lanes));
        assertEquals(6f, Lanes.sum(new float[] {1, 2, 3}, 0, 3, lanes));
        assertEquals(32f, Lanes.dot(new float[] {1, 2, 3}, 0, new float[] {4, 5, 6}, 0, 3, lanes));
        // -0 never survives: lanes start at +0, as the documented order says
        assertEquals(Float.floatToIntBits(0f), Float.floatToIntBits(Lanes.sum(new float[] {-0f}, 0, 1, lanes)));
    }
}
