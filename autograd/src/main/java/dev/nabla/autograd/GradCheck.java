package dev.nabla.autograd;

import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.util.Locale;
import java.util.function.Function;

/**
 * Checks analytic gradients against central finite differences.
 *
 * <p>The function's output is projected onto a fixed random direction {@code r}, giving the
 * scalar {@code L = sum(f(x) * r)} (accumulated in double precision); backward with output
 * gradient {@code r} gives the analytic {@code dL/dx}, and each input element is perturbed by
 * {@code ±h} to estimate it numerically as {@code (L(x+h) - L(x-h)) / (2h)}, where {@code 2h} is
 * the difference of the two float32 values actually stored, not the nominal step. Nabla computes
 * in float32, so the default tolerances are those of a float32 gradcheck (PyTorch's own float32
 * checks use similar ones): the step balances truncation error (O(h^2)) against rounding
 * (O(eps_float / h)).
 *
 * <pre>{@code
 * Variable x = Variable.randn(new Generator(1), 3, 4).requiresGrad(true);
 * GradCheck.check(in -> in[0].tanh().mul(in[0]).sum(1, false), x);   // throws if they disagree
 * }</pre>
 */
public final class GradCheck {

    /** Step and tolerances: element passes when {@code |analytic - numeric| <= atol + rtol * |numeric|}. */
    public record Options(double step, double atol, double rtol, long seed) {
        public Options {
            if (!(step > 0) || !(atol >= 0) || !(rtol >= 0)) {
                throw new IllegalArgumentException("gradcheck: need step > 0 and non-negative tolerances, got " + step
                        + ", " + atol + ", " + rtol);
            }
        }

        public static Options defaults() {
            return new Options(1e-2, 2e-3, 2e-2, 1234);
        }

        public Options withTolerance(double atol, double rtol) {
            return new Options(step, atol, rtol, seed);
        }

        public Options withStep(double step) {
            return new Options(step, atol, rtol, seed);
        }
    }

    /** Thrown when an analytic gradient disagrees with the numeric one; the message lists where. */
    public static final class Mismatch extends AssertionError {
        Mismatch(String message) {
            super(message);
        }
    }

    private GradCheck() {}

    public static void check(Function<Variable[], Variable> f, Variable... inputs) {
        check(f, Options.defaults(), inputs);
    }

    /**
     * Compares gradients for every input that requires grad; throws {@link Mismatch} describing
     * the worst elements when any is out of tolerance.
     */
    public static void check(Function<Variable[], Variable> f, Options o, Variable... inputs) {
        for (Variable v : inputs) {
            v.setGrad(null);
        }
        Variable out = f.apply(inputs);
        if (!out.requiresGrad()) {
            throw new IllegalArgumentException("gradcheck: the function's output does not require grad");
        }
        Tensor r = Tensor.uniform(new Generator(o.seed()), -1, 1, out.dims());
        out.backward(r);
        StringBuilder failures = new StringBuilder();
        int bad = 0;
        for (int i = 0; i < inputs.length; i++) {
            Variable v = inputs[i];
            if (!v.requiresGrad()) {
                continue;
            }
            Tensor analytic = v.gradTensor() == null
                    ? Tensor.zerosLike(v.data())
                    : v.gradTensor().contiguous();
            Tensor x = v.data();
            if (!x.isContiguous()) {
                throw new IllegalArgumentException("gradcheck: input " + i + " must be contiguous");
            }
            // Each element is perturbed in place through a flat view (each write advances the version).
            Tensor flat = x.reshape(-1);
            float[] ga = analytic.toArray();
            for (int j = 0; j < x.numel(); j++) {
                float orig = flat.get(j);
                double h = o.step() * Math.max(1.0, Math.abs(orig));
                float plus = (float) (orig + h);
                float minus = (float) (orig - h);
                double lp = project(f, inputs, flat, j, plus, r);
                double lm = project(f, inputs, flat, j, minus, r);
                flat.set(orig, j);
                double numeric = (lp - lm) / ((double) plus - (double) minus);
                double diff = Math.abs(ga[j] - numeric);
                if (!(diff <= o.atol() + o.rtol() * Math.abs(numeric))) {
                    if (bad < 10) {
                        failures.append(String.format(
                                Locale.ROOT,
                                "%n  input %d %s, element %d: analytic %.6g, numeric %.6g (diff %.3g)",
                                i,
                                x.shape(),
                                j,
                                ga[j],
                                numeric,
                                diff));
                    }
                    bad++;
                }
            }
        }
        if (bad > 0) {
            throw new Mismatch("gradcheck: " + bad + " gradient element(s) disagree with finite differences" + " (atol "
                    + o.atol() + ", rtol " + o.rtol() + ", step " + o.step() + "):" + failures);
        }
    }

    private static double project(
            Function<Variable[], Variable> f, Variable[] inputs, Tensor flat, int at, float value, Tensor r) {
        flat.set(value, at); // advances the version: caches keyed on it (packed weights) see the change
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            float[] y = f.apply(inputs).data().toArray();
            float[] w = r.toArray();
            double acc = 0;
            for (int k = 0; k < y.length; k++) {
                acc += (double) y[k] * w[k];
            }
            return acc;
        }
    }
}
