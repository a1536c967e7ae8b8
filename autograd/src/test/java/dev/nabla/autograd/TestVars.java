package dev.nabla.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.util.Arrays;

/** Test inputs: seeded leaves that require grad, in value ranges chosen to keep away from kinks. */
final class TestVars {
    private TestVars() {}

    /** Uniform in [-1, 1), requires grad. */
    static Variable leaf(long seed, int... shape) {
        return uniform(seed, -1, 1, shape);
    }

    static Variable uniform(long seed, double low, double high, int... shape) {
        return Variable.of(Tensor.uniform(new Generator(seed), low, high, shape))
                .requiresGrad(true);
    }

    /** Values whose magnitude lies in [low, high), with random signs: away from 0 and from each other. */
    static Variable awayFromZero(long seed, double low, double high, int... shape) {
        Generator g = new Generator(seed);
        Tensor t = Tensor.uniform(g, low, high, shape);
        float[] v = t.toArray();
        for (int i = 0; i < v.length; i++) {
            v[i] = g.nextFloat() < 0.5f ? -v[i] : v[i];
        }
        return Variable.fromArray(v, shape).requiresGrad(true);
    }

    /** A constant index tensor from ints. */
    static Tensor index(int[] values, int... shape) {
        long[] l = new long[values.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = values[i];
        }
        return Tensor.fromArray(l, shape);
    }

    static void assertClose(float[] expected, float[] actual, double tol) {
        assertEquals(expected.length, actual.length, "length");
        for (int i = 0; i < expected.length; i++) {
            if (!(Math.abs(expected[i] - actual[i]) <= tol * Math.max(1, Math.abs(expected[i])))) {
                fail("element " + i + ": expected " + expected[i] + " but was "
                        + actual[i] + "\nexpected " + Arrays.toString(expected) + "\nactual   "
                        + Arrays.toString(actual));
            }
        }
    }
}
