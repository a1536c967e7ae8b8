package dev.nabla.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * VMath against double-precision {@link Math} (accuracy, in float ulps of the correctly rounded
 * result) and against its own scalar twins (bit for bit: the property that makes results the same
 * interpreted or compiled, in a SIMD lane or a tail).
 */
class VMathTest {
    private static final int L = FloatVector.SPECIES_PREFERRED.length();

    interface F {
        float apply(float x);
    }

    interface V {
        FloatVector apply(FloatVector x);
    }

    /** Runs the vector form over {@code x} (length a multiple of L). */
    private static float[] vector(V f, float[] x) {
        float[] o = new float[x.length];
        for (int i = 0; i < x.length; i += L) {
            f.apply(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, x, i)).intoArray(o, i);
        }
        return o;
    }

    /** Error of {@code got} in ulps of the float nearest the exact value; 0 when both are the same non-finite. */
    private static double ulps(float got, double exact) {
        float ref = (float) exact;
        if (ref == 0 && got == 0 && Math.copySign(1f, ref) != Math.copySign(1f, got)) {
            return Double.POSITIVE_INFINITY; // the sign of zero counts
        }
        if (!Float.isFinite(ref) || !Float.isFinite(got)) {
            return Float.compare(got, ref) == 0 || (Float.isNaN(got) && Double.isNaN(exact))
                    ? 0
                    : Double.POSITIVE_INFINITY;
        }
        return Math.abs(got - exact) / Math.ulp(ref);
    }

    private static double check(String name, V v, F s, DoubleUnaryOperator exact, float[] values, double maxUlps) {
        float[] x = Arrays.copyOf(values, (values.length + L - 1) / L * L); // pad with zeros
        float[] got = vector(v, x);
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            float sc = s.apply(x[i]);
            assertEquals(
                    Float.floatToIntBits(sc),
                    Float.floatToIntBits(got[i]),
                    name + "(" + x[i] + "): vector " + got[i] + " but scalar twin " + sc);
            double u = ulps(got[i], exact.applyAsDouble(x[i]));
            assertTrue(
                    u <= maxUlps,
                    name + "(" + x[i] + ") = " + got[i] + ", exact " + exact.applyAsDouble(x[i]) + ": " + u + " ulps");
            worst = Math.max(worst, u);
        }
        return worst;
    }

    private static float[] grid(double lo, double hi, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (lo + (hi - lo) * i / (n - 1));
        }
        return x;
    }

    private static float[] logGrid(double lo, double hi, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * i / (n - 1));
        }
        return x;
    }

    private static final float[] SPECIALS = {
        Float.NaN,
        Float.POSITIVE_INFINITY,
        Float.NEGATIVE_INFINITY,
        0f,
        -0f,
        Float.MIN_VALUE,
        Float.MIN_NORMAL,
        Float.MAX_VALUE,
        -Float.MAX_VALUE,
        1f,
        -1f,
        88.72283f,
        88.72284f,
        -87.33655f,
        -103.97f,
        -103.98f,
        -104f,
        89f,
        0.625f,
        -0.625f,
        0.62499994f,
        1e-30f,
        -1e-30f,
        9f,
        -9f,
        44.4f
    };

    @Test
    void exp() {
        double worst = check("exp", VMath::exp, VMath::exp, Math::exp, grid(-104, 89, 200_000), 2);
        worst = Math.max(worst, check("exp", VMath::exp, VMath::exp, Math::exp, grid(-1, 1, 100_000), 2));
        check("exp", VMath::exp, VMath::exp, Math::exp, SPECIALS, 2);
        assertTrue(worst <= 1.5, "exp within 1.5 ulps, worst " + worst);
        assertEquals(Float.POSITIVE_INFINITY, VMath.exp(89f));
        assertEquals(0f, VMath.exp(-104f));
        assertEquals(1f, VMath.exp(0f));
        assertEquals(Float.NEGATIVE_INFINITY, 1 / VMath.exp(Float.NEGATIVE_INFINITY) * -1);
    }

    @Test
    void log() {
        double worst = check("log", VMath::log, VMath::log, Math::log, logGrid(1e-45, 3.4e38, 200_000), 2);
        worst = Math.max(worst, check("log", VMath::log, VMath::log, Math::log, grid(0.5, 2, 100_000), 2));
        check("log", VMath::log, VMath::log, Math::log, SPECIALS, 2);
        assertTrue(worst <= 1.5, "log within 1.5 ulps, worst " + worst);
        assertEquals(Float.NEGATIVE_INFINITY, VMath.log(0f));
        assertEquals(Float.NEGATIVE_INFINITY, VMath.log(-0f));
        assertTrue(Float.isNaN(VMath.log(-1f)));
        assertEquals(0f, VMath.log(1f));
    }

    @Test
    void tanh() {
        double worst = check("tanh", VMath::tanh, VMath::tanh, Math::tanh, grid(-12, 12, 200_000), 2);
        worst = Math.max(worst, check("tanh", VMath::tanh, VMath::tanh, Math::tanh, logGrid(1e-40, 0.7, 50_000), 2));
        check("tanh", VMath::tanh, VMath::tanh, Math::tanh, SPECIALS, 2);
        assertTrue(worst <= 2, "tanh within 2 ulps, worst " + worst);
        assertEquals(-0f, VMath.tanh(-0f));
        assertEquals(1f, VMath.tanh(Float.POSITIVE_INFINITY));
        assertEquals(-1f, VMath.tanh(-50f));
    }

    @Test
    void randomBitPatternsMatchTheScalarTwin() {
        SplittableRandom r = new SplittableRandom(1);
        float[] x = new float[L * 20_000];
        for (int i = 0; i < x.length; i++) {
            x[i] = Float.intBitsToFloat(r.nextInt()); // every exponent, subnormals, NaNs
        }
        for (int k = 0; k < 3; k++) {
            V v = k == 0 ? VMath::exp : k == 1 ? VMath::log : VMath::tanh;
            F s = k == 0 ? VMath::exp : k == 1 ? VMath::log : VMath::tanh;
            float[] got = vector(v, x);
            for (int i = 0; i < x.length; i++) {
                assertEquals(
                        Float.floatToIntBits(s.apply(x[i])), Float.floatToIntBits(got[i]), "op " + k + " at " + x[i]);
            }
        }
    }
}
