package dev.nabla.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CreationTest {

    private static float[] f(double... v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) v[i];
        }
        return out;
    }

    @Test
    void zerosOnesFull() {
        Tensor z = Tensor.zeros(2, 3);
        Ref.assertShape(new int[] {2, 3}, z, "zeros");
        assertArrayEquals(new float[6], z.toArray());
        assertArrayEquals(f(1, 1, 1, 1), Tensor.ones(4).toArray());
        assertArrayEquals(f(2.5, 2.5, 2.5), Tensor.full(2.5f, 3, 1).toArray());
        assertEquals(0, Tensor.zeros(0, 3).numel());
        assertEquals(1, Tensor.zeros().numel()); // rank 0
        assertEquals(0, Tensor.zeros().dim());
        Tensor zs = Tensor.zeros(Shape.of(3, 2));
        Ref.assertShape(new int[] {3, 2}, zs, "zeros(Shape)");
        assertTrue(z.isContiguous());
        assertTrue(Tensor.zeros(3, 0).isContiguous(), "a freshly made empty tensor is contiguous");
        assertTrue(Tensor.zeros(0, 5, 2).isContiguous());
        Tensor like = Tensor.onesLike(z.t());
        Ref.assertShape(new int[] {3, 2}, like, "onesLike");
        assertArrayEquals(f(1, 1, 1, 1, 1, 1), like.toArray());
        Ref.assertShape(new int[] {3, 2}, Tensor.zerosLike(z.t()), "zerosLike");
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, -3));
    }

    @Test
    void scalarAndOf() {
        Tensor s = Tensor.scalar(3.5f);
        assertEquals(0, s.dim());
        assertEquals(3.5f, s.item());
        assertEquals(3.5f, s.get());
        Tensor v = Tensor.of(1, 2, 3);
        Ref.assertShape(new int[] {3}, v, "of");
        assertArrayEquals(f(1, 2, 3), v.toArray());
        Tensor m = Tensor.of(new float[][] {{1, 2, 3}, {4, 5, 6}});
        Ref.assertShape(new int[] {2, 3}, m, "of rows");
        assertEquals(6f, m.get(1, 2));
        assertEquals(0, Tensor.of(new float[0][]).numel());
        ShapeMismatchException e =
                assertThrows(ShapeMismatchException.class, () -> Tensor.of(new float[][] {{1, 2}, {3}}));
        assertTrue(e.getMessage().contains("of:") && e.getMessage().contains("row 1"), e.getMessage());
    }

    @Test
    void fromArrayCopiesAndWrapShares() {
        float[] data = {1, 2, 3, 4, 5, 6};
        Tensor a = Tensor.fromArray(data, 2, 3);
        Tensor w = Tensor.wrap(data, 3, 2);
        data[0] = 9;
        assertEquals(1f, a.get(0, 0), "fromArray copies");
        assertEquals(9f, w.get(0, 0), "wrap shares");
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class, () -> Tensor.fromArray(data, 4, 2));
        assertTrue(
                e.getMessage().contains("fromArray")
                        && e.getMessage().contains("[4, 2]")
                        && e.getMessage().contains("6"),
                e.getMessage());
        e = assertThrows(ShapeMismatchException.class, () -> Tensor.wrap(data, 5));
        assertTrue(e.getMessage().contains("wrap") && e.getMessage().contains("[5]"), e.getMessage());
        assertEquals(7f, Tensor.fromArray(new float[] {7}).item()); // no dims: a scalar
    }

    @Test
    void arange() {
        assertArrayEquals(f(0, 1, 2, 3, 4), Tensor.arange(5).toArray());
        assertArrayEquals(f(1, 2, 3), Tensor.arange(1, 4).toArray());
        // torch.arange(1, 2.5, 0.5) -> tensor([1.0000, 1.5000, 2.0000])
        assertArrayEquals(f(1, 1.5, 2), Tensor.arange(1, 2.5, 0.5).toArray());
        // torch.arange(0, -3, -1) -> tensor([ 0, -1, -2])
        assertArrayEquals(f(0, -1, -2), Tensor.arange(0, -3, -1).toArray());
        Tensor t = Tensor.arange(0, 1, 0.1);
        assertEquals(10, t.numel()); // ceil((1 - 0) / 0.1) = 10, as in torch.arange(0, 1, 0.1)
        for (int i = 0; i < 10; i++) {
            assertEquals((float) (i * 0.1), t.get(i));
        }
        assertEquals(0, Tensor.arange(0).numel());
        assertThrows(IllegalArgumentException.class, () -> Tensor.arange(0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> Tensor.arange(0, Double.NaN, 1));
    }

    @Test
    void linspaceMatchesPyTorch() {
        // Outputs printed by PyTorch (torch.linspace docs and sessions).
        assertArrayEquals(f(3, 4.75, 6.5, 8.25, 10), Tensor.linspace(3, 10, 5).toArray());
        assertArrayEquals(f(-10, -5, 0, 5, 10), Tensor.linspace(-10, 10, 5).toArray());
        assertArrayEquals(f(-10), Tensor.linspace(-10, 10, 1).toArray());
        assertArrayEquals(f(0, 0.25, 0.5, 0.75, 1), Tensor.linspace(0, 1, 5).toArray());
        assertArrayEquals(f(0, 1), Tensor.linspace(0, 1, 2).toArray());
        assertEquals(0, Tensor.linspace(0, 1, 0).numel());
        assertThrows(IllegalArgumentException.class, () -> Tensor.linspace(0, 1, -1));
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 7, 10, 100, 1001})
    void linspaceEndpointsExactAndValuesWithinHalfUlp(int steps) {
        double start = -0.3;
        double end = 2.9;
        float[] v = Tensor.linspace(start, end, steps).toArray();
        assertEquals((float) start, v[0]);
        assertEquals((float) end, v[steps - 1], "last value is exactly end, as in PyTorch");
        for (int i = 0; i < steps; i++) {
            double exact = start + (end - start) * i / (steps - 1);
            assertTrue(Math.abs(v[i] - exact) <= Math.ulp((float) exact), "i=" + i + ": " + v[i] + " vs " + exact);
            if (i > 0) {
                assertTrue(v[i] > v[i - 1], "increasing at " + i);
            }
        }
        // Reversed direction gives the mirrored sequence.
        float[] back = Tensor.linspace(end, start, steps).toArray();
        for (int i = 0; i < steps; i++) {
            assertTrue(Math.abs(back[i] - v[steps - 1 - i]) <= Math.ulp(v[steps - 1 - i]), "mirror at " + i);
        }
    }

    @Test
    void eye() {
        assertArrayEquals(f(1, 0, 0, 0, 1, 0, 0, 0, 1), Tensor.eye(3).toArray());
        assertArrayEquals(f(1, 0, 0, 0, 1, 0), Tensor.eye(2, 3).toArray());
        assertArrayEquals(f(1, 0, 0, 1, 0, 0), Tensor.eye(3, 2).toArray());
        assertEquals(0, Tensor.eye(0).numel());
    }

    // ------------------------------------------------------------------ Generator

    /** xoshiro256** seeded by SplitMix64, written from the published reference code. */
    private static final class Xoshiro {
        long[] s = new long[4];

        Xoshiro(long seed) {
            long x = seed;
            for (int i = 0; i < 4; i++) {
                x += 0x9E3779B97F4A7C15L;
                long z = x;
                z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
                z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
                s[i] = z ^ (z >>> 31);
            }
        }

        long next() {
            long result = Long.rotateLeft(s[1] * 5, 7) * 9;
            long t = s[1] << 17;
            s[2] ^= s[0];
            s[3] ^= s[1];
            s[1] ^= s[2];
            s[0] ^= s[3];
            s[2] ^= t;
            s[3] = Long.rotateLeft(s[3], 45);
            return result;
        }
    }

    @Test
    void generatorIsXoshiro256StarStar() {
        for (long seed : new long[] {0, 1, 42, -7, Long.MAX_VALUE}) {
            Generator g = new Generator(seed);
            Xoshiro x = new Xoshiro(seed);
            for (int i = 0; i < 1000; i++) {
                assertEquals(x.next(), g.nextLong(), "seed " + seed + ", draw " + i);
            }
        }
    }

    @Test
    void seededFactoriesRepeatExactly() {
        for (int round = 0; round < 2; round++) {
            assertArrayEquals(
                    Tensor.randn(new Generator(42), 3, 5).toArray(),
                    Tensor.randn(new Generator(42), 3, 5).toArray());
            assertArrayEquals(
                    Tensor.rand(new Generator(7), 100).toArray(),
                    Tensor.rand(new Generator(7), 100).toArray());
            assertArrayEquals(
                    Tensor.uniform(new Generator(7), -3, 2, 9).toArray(),
                    Tensor.uniform(new Generator(7), -3, 2, 9).toArray());
            assertArrayEquals(
                    Tensor.normal(new Generator(7), 1, 3, 9).toArray(),
                    Tensor.normal(new Generator(7), 1, 3, 9).toArray());
            assertArrayEquals(
                    Tensor.randint(new Generator(3), -5, 5, 50).toArray(),
                    Tensor.randint(new Generator(3), -5, 5, 50).toArray());
            assertArrayEquals(
                    Tensor.randperm(new Generator(3), 50).toArray(),
                    Tensor.randperm(new Generator(3), 50).toArray());
        }
        assertFalse(Arrays.equals(
                Tensor.randn(new Generator(1), 8).toArray(),
                Tensor.randn(new Generator(2), 8).toArray()));
        // Reseeding resets.
        Generator g = new Generator(5);
        float[] a = Tensor.rand(g, 10).toArray();
        g.manualSeed(5);
        assertArrayEquals(a, Tensor.rand(g, 10).toArray());
        // The default generator can be reseeded for interactive use.
        Generator.defaultGenerator().manualSeed(99);
        float[] d1 = Tensor.randn(4).toArray();
        Generator.defaultGenerator().manualSeed(99);
        assertArrayEquals(d1, Tensor.randn(4).toArray());
        Generator.defaultGenerator().manualSeed(99);
        assertArrayEquals(
                Tensor.randn(new Generator(99), 4).toArray(), Tensor.randn(4).toArray());
        Generator.defaultGenerator().manualSeed(98);
        assertArrayEquals(
                Tensor.rand(new Generator(98), 4).toArray(), Tensor.rand(4).toArray());
    }

    @Test
    void stateSaveRestore() {
        Generator g = new Generator(123);
        Tensor.randn(g, 17); // advance
        long[] saved = g.state();
        float[] a = Tensor.randn(g, 33).toArray();
        float[] a2 = Tensor.randint(g, 0, 10, 5).toArray();
        g.setState(saved);
        assertArrayEquals(a, Tensor.randn(g, 33).toArray());
        assertArrayEquals(a2, Tensor.randint(g, 0, 10, 5).toArray());
        saved[0] ^= 1; // the returned state is a copy
        g.setState(g.state());
        assertThrows(IllegalArgumentException.class, () -> g.setState(new long[3]));
        assertThrows(IllegalArgumentException.class, () -> g.setState(null));
        assertThrows(IllegalArgumentException.class, () -> g.setState(new long[4]));
        Generator f = new Generator(1).fork();
        assertNotEquals(new Generator(1).nextLong(), f.nextLong());
    }

    @Test
    void normalMomentsAndShape() {
        Tensor t = Tensor.randn(new Generator(2024), 100_000);
        double[] m = moments(t.toArray());
        // Standard errors: mean 1/sqrt(n) = 0.0032, variance sqrt(2/n) = 0.0045; allow 5 of them.
        assertEquals(0, m[0], 0.016);
        assertEquals(1, m[1], 0.023);
        assertEquals(0, m[2], 0.04, "skewness"); // se sqrt(6/n) = 0.0077
        assertEquals(3, m[3], 0.08, "kurtosis"); // se sqrt(24/n) = 0.015
        Tensor n = Tensor.normal(new Generator(1), 5, 2, 100_000);
        double[] mn = moments(n.toArray());
        assertEquals(5, mn[0], 0.032);
        assertEquals(4, mn[1], 0.1);
        float[] v = t.toArray();
        int within1 = 0;
        for (float x : v) {
            if (Math.abs(x) < 1) {
                within1++;
            }
        }
        assertEquals(0.682689, within1 / 1e5, 0.008); // P(|Z| < 1)
        assertArrayEquals(new float[0], Tensor.normal(new Generator(1), 0, 0, 0).toArray());
        assertArrayEquals(
                new float[] {3, 3}, Tensor.normal(new Generator(1), 3, 0, 2).toArray());
        assertThrows(IllegalArgumentException.class, () -> Tensor.normal(new Generator(1), 0, -1, 2));
        assertThrows(NullPointerException.class, () -> Tensor.randn(null, 2));
    }

    private static double[] moments(float[] v) {
        double mean = 0;
        for (float x : v) {
            mean += x;
        }
        mean /= v.length;
        double m2 = 0;
        double m3 = 0;
        double m4 = 0;
        for (float x : v) {
            double d = x - mean;
            m2 += d * d;
            m3 += d * d * d;
            m4 += d * d * d * d;
        }
        m2 /= v.length;
        m3 /= v.length;
        m4 /= v.length;
        return new double[] {mean, m2, m3 / Math.pow(m2, 1.5), m4 / (m2 * m2)};
    }

    @Test
    void uniformRangeAndMoments() {
        float[] v = Tensor.rand(new Generator(9), 100_000).toArray();
        for (float x : v) {
            assertTrue(x >= 0 && x < 1, "rand in [0, 1): " + x);
        }
        double[] m = moments(v);
        assertEquals(0.5, m[0], 0.005);
        assertEquals(1.0 / 12, m[1], 0.002);
        float[] u = Tensor.uniform(new Generator(9), -3, 5, 100_000).toArray();
        for (float x : u) {
            assertTrue(x >= -3 && x < 5, "uniform in [-3, 5): " + x);
        }
        assertEquals(1, moments(u)[0], 0.04);
        assertThrows(IllegalArgumentException.class, () -> Tensor.uniform(new Generator(1), 2, 1, 3));
    }

    /** Inverse of an odd number modulo 2^64 (Newton's iteration). */
    private static long inverse(long a) {
        long x = a;
        for (int i = 0; i < 6; i++) {
            x *= 2 - a * x;
        }
        return x;
    }

    /** A generator whose next nextLong() returns {@code out} (the output depends on s1 only). */
    private static Generator generatorAbout(long out) {
        long s1 = Long.rotateRight(out * inverse(9), 7) * inverse(5);
        Generator g = new Generator(0);
        g.setState(new long[] {1, s1, 0, 0});
        return g;
    }

    @Test
    void uniformNeverReturnsHighEvenForTheLargestDraw() {
        assertEquals(-1L, generatorAbout(-1L).nextLong());
        assertEquals(Math.nextDown(1f), generatorAbout(-1L).nextFloat());
        // low + (high - low) * (1 - 2^-24) rounds up to high in float for these ranges.
        double[][] ranges = {{0.5, 1}, {-1, 3}, {1, 2}, {0, 1}, {-7, -3}};
        for (double[] r : ranges) {
            float x = Tensor.uniform(generatorAbout(-1L), r[0], r[1], 1).item();
            assertTrue(x >= r[0] && x < r[1], "uniform(" + r[0] + ", " + r[1] + ") gave " + x);
        }
        float lo = Tensor.uniform(generatorAbout(0L), -1, 3, 1).item();
        assertEquals(-1f, lo);
    }

    @Test
    void randintRangeAndUniformity() {
        int low = -3;
        int high = 7;
        float[] v = Tensor.randint(new Generator(77), low, high, 100_000).toArray();
        int[] counts = new int[high - low];
        for (float x : v) {
            assertEquals(Math.rint(x), x, "integer");
            assertTrue(x >= low && x < high, "in [low, high): " + x);
            counts[(int) x - low]++;
        }
        double expect = v.length / (double) counts.length;
        double chi2 = 0;
        for (int c : counts) {
            chi2 += (c - expect) * (c - expect) / expect;
        }
        // 9 degrees of freedom: P(chi2 > 27.9) = 0.001
        assertTrue(chi2 < 27.9, "chi-square " + chi2 + " for counts " + Arrays.toString(counts));
        assertArrayEquals(
                new float[] {4, 4, 4}, Tensor.randint(new Generator(1), 4, 5, 3).toArray());
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Tensor.randint(new Generator(1), 3, 3, 2));
        assertTrue(e.getMessage().contains("randint"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> Tensor.randint(new Generator(1), Integer.MIN_VALUE, Integer.MAX_VALUE, 2));
        assertTrue(e.getMessage().startsWith("randint:"), e.getMessage());
        float[] wide = Tensor.randint(new Generator(1), -(1 << 30), (1 << 30) - 1, 1000)
                .toArray();
        for (float x : wide) {
            assertTrue(x >= -(1 << 30) && x <= (1 << 30), "wide range " + x);
        }
    }

    @Test
    void generatorNextIntIsUnbiasedForAwkwardBounds() {
        Generator g = new Generator(3);
        int bound = (1 << 30) + (1 << 29); // 3/4 of 2^31: modulo would favour the low third
        int low = 0;
        int n = 60_000;
        for (int i = 0; i < n; i++) {
            int x = g.nextInt(bound);
            assertTrue(x >= 0 && x < bound);
            if (x < bound / 3) {
                low++;
            }
        }
        assertEquals(1.0 / 3, low / (double) n, 0.01);
        assertThrows(IllegalArgumentException.class, () -> g.nextInt(0));
    }

    @Test
    void randpermIsAPermutation() {
        Generator g = new Generator(8);
        for (int n : new int[] {0, 1, 2, 5, 64, 1000}) {
            float[] p = Tensor.randperm(g, n).toArray();
            assertEquals(n, p.length);
            boolean[] seen = new boolean[n];
            for (float x : p) {
                int i = (int) x;
                assertEquals(i, x);
                assertFalse(seen[i], "repeat " + i);
                seen[i] = true;
            }
        }
        // Every position is equally likely to hold 0 (first-order uniformity).
        int[] where = new int[5];
        for (int t = 0; t < 20_000; t++) {
            int[] p = Tensor.permutation(g, 5);
            for (int i = 0; i < 5; i++) {
                if (p[i] == 0) {
                    where[i]++;
                }
            }
        }
        for (int c : where) {
            assertEquals(4000, c, 250, Arrays.toString(where));
        }
        assertThrows(IllegalArgumentException.class, () -> Tensor.randperm(g, -1));
    }
}
