package dev.nabla.tensor;

/**
 * erf and erfc in double, independent of the kernel's approximation: the Maclaurin series below 3
 * (terms stay under e^9, so about 12 correct digits survive the cancellation) and the Laplace
 * continued fraction for erfc above, evaluated bottom-up.
 */
final class ErfOracle {
    private static final double TWO_OVER_SQRT_PI = 1.1283791670955126;
    private static final double SQRT_PI = 1.7724538509055159;

    private ErfOracle() {}

    static double erf(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        double ax = Math.abs(x);
        if (ax < 3) {
            double term = x;
            double sum = x;
            double x2 = x * x;
            for (int n = 1; n < 200; n++) {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
                    break;
                }
            }
            return TWO_OVER_SQRT_PI * sum;
        }
        double c = erfcLarge(ax);
        return x > 0 ? 1 - c : c - 1;
    }

    /** 1 - erf(x), accurate also where erf is near 1. */
    static double erfc(double x) {
        if (x >= 3) {
            return erfcLarge(x);
        }
        if (x <= -3) {
            return 2 - erfcLarge(-x);
        }
        return 1 - erf(x);
    }

    /** erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))), x >= 3. */
    private static double erfcLarge(double x) {
        if (x == Double.POSITIVE_INFINITY) {
            return 0;
        }
        double f = x;
        for (int k = 120; k >= 1; k--) {
            f = x + (k / 2.0) / f;
        }
        return Math.exp(-x * x) / SQRT_PI / f;
    }

    /** Standard normal CDF. */
    static double phi(double x) {
        return 0.5 * erfc(-x / Math.sqrt(2));
    }

    static double gelu(double x) {
        return x * phi(x);
    }

    /** d gelu / dx = Phi(x) + x * pdf(x). */
    static double geluDerivative(double x) {
        return phi(x) + x * Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
    }
}
