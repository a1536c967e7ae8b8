package dev.nabla.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.autograd.Autograd;
import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.Tanh;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The optimizers reach known optima: L2-regularised logistic regression against a Newton's-method
 * solution computed here in double precision, and an over-parameterised MLP fitting a teacher
 * network exactly (optimum loss 0).
 */
class ConvergenceTest {
    private static final int N = 200;
    private static final double LAMBDA = 0.01;

    // =================================================================== logistic regression

    private record Data(Tensor x, Tensor y) {}

    private static Data logisticData() {
        Generator g = new Generator(7);
        Tensor x = Tensor.randn(g, N, 3);
        float[] w = {1.5f, -2f, 0.5f};
        float b = 0.3f;
        float[] y = new float[N];
        for (int i = 0; i < N; i++) {
            double z = b;
            for (int j = 0; j < 3; j++) {
                z += w[j] * x.get(i, j);
            }
            y[i] = g.nextDouble() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
        }
        return new Data(x, Tensor.of(y));
    }

    /** mean(softplus(z) - y z) + lambda/2 |w|^2 and its minimiser (w0, w1, w2, b), by Newton's method in double. */
    private static double[] newtonOptimum(Data d) {
        double[] theta = new double[4];
        for (int it = 0; it < 50; it++) {
            double[] grad = new double[4];
            double[][] h = new double[4][4];
            for (int i = 0; i < N; i++) {
                double[] xi = {d.x.get(i, 0), d.x.get(i, 1), d.x.get(i, 2), 1};
                double z = 0;
                for (int j = 0; j < 4; j++) {
                    z += theta[j] * xi[j];
                }
                double p = 1 / (1 + Math.exp(-z));
                for (int j = 0; j < 4; j++) {
                    grad[j] += (p - d.y.get(i)) * xi[j] / N;
                    for (int k = 0; k < 4; k++) {
                        h[j][k] += p * (1 - p) * xi[j] * xi[k] / N;
                    }
                }
            }
            for (int j = 0; j < 3; j++) {
                grad[j] += LAMBDA * theta[j];
                h[j][j] += LAMBDA;
            }
            double[] step = solve(h, grad);
            for (int j = 0; j < 4; j++) {
                theta[j] -= step[j];
            }
        }
        return theta;
    }

    /** Gaussian elimination with partial pivoting. */
    private static double[] solve(double[][] a, double[] b) {
        int n = b.length;
        double[][] m = new double[n][];
        for (int i = 0; i < n; i++) {
            m[i] = Arrays.copyOf(a[i], n + 1);
            m[i][n] = b[i];
        }
        for (int c = 0; c < n; c++) {
            int p = c;
            for (int r = c + 1; r < n; r++) {
                if (Math.abs(m[r][c]) > Math.abs(m[p][c])) {
                    p = r;
                }
            }
            double[] t = m[c];
            m[c] = m[p];
            m[p] = t;
            for (int r = c + 1; r < n; r++) {
                double f = m[r][c] / m[c][c];
                for (int k = c; k <= n; k++) {
                    m[r][k] -= f * m[c][k];
                }
            }
        }
        double[] x = new double[n];
        for (int r = n - 1; r >= 0; r--) {
            double s = m[r][n];
            for (int k = r + 1; k < n; k++) {
                s -= m[r][k] * x[k];
            }
            x[r] = s / m[r][r];
        }
        return x;
    }

    static Stream<Arguments> logisticOptimizers() {
        return Stream.of(
                Arguments.of(
                        "SGD momentum, cosine",
                        300,
                        (Function<List<ParamGroup>, Optimizer>) gs -> new SGD(gs, 1.0).momentum(0.9),
                        Schedule.cosine(300, 0)),
                Arguments.of(
                        "SGD Nesterov, step decay",
                        300,
                        (Function<List<ParamGroup>, Optimizer>)
                                gs -> new SGD(gs, 1.0).momentum(0.8).nesterov(true),
                        Schedule.step(100, 0.5)),
                Arguments.of(
                        "Adam, warm-up + cosine",
                        600,
                        (Function<List<ParamGroup>, Optimizer>) gs -> new Adam(gs, 0.1),
                        Schedule.warmup(20, 0.1, Schedule.cosine(580, 0))),
                Arguments.of(
                        "RMSprop, inverse time",
                        600,
                        (Function<List<ParamGroup>, Optimizer>) gs -> new RMSprop(gs, 0.02),
                        Schedule.inverseTime(0.02)),
                Arguments.of(
                        "Adam AMSGrad, one-cycle",
                        600,
                        (Function<List<ParamGroup>, Optimizer>) gs -> new Adam(gs, 0.1).amsgrad(true),
                        Schedule.oneCycle(600)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("logisticOptimizers")
    void logisticRegressionReachesTheNewtonOptimum(
            String name, int steps, Function<List<ParamGroup>, Optimizer> make, Schedule schedule) {
        Data d = logisticData();
        double[] opt = newtonOptimum(d);
        Variable w = Variable.parameter(Tensor.zeros(3));
        Variable b = Variable.parameter(Tensor.zeros(1));
        // The L2 penalty is the optimizer's weight decay, on the weights only.
        Optimizer optimizer = make.apply(List.of(ParamGroup.of(w).setWeightDecay(LAMBDA), ParamGroup.of(b)));
        LrScheduler sched = new LrScheduler(optimizer, schedule);
        Variable x = Variable.of(d.x);
        Variable y = Variable.of(d.y);
        for (int s = 0; s < steps; s++) {
            optimizer.zeroGrad();
            Variable loss = Functional.bceWithLogits(x.matmul(w).add(b), y);
            loss.backward();
            optimizer.step();
            sched.step();
        }
        for (int j = 0; j < 3; j++) {
            assertEquals(opt[j], w.get(j), 2e-3, name + ": weight " + j);
        }
        assertEquals(opt[3], b.get(0), 2e-3, name + ": bias");
    }

    // =================================================================== MLP

    @ParameterizedTest(name = "{0}")
    @MethodSource("mlpOptimizers")
    void overParameterisedMlpFitsATeacherNetwork(String name, Function<List<Variable>, Optimizer> make, int steps) {
        Generator g = new Generator(21);
        // Tanh, a smooth activation: the teacher's function is fitted exactly rather than kink by kink.
        Sequential teacher = new Sequential(new Linear(3, 6, g), new Tanh(), new Linear(6, 1, g));
        Sequential student = new Sequential(new Linear(3, 32, g), new Tanh(), new Linear(32, 1, g));
        Variable x = Variable.randn(g, 64, 3);
        Variable y;
        try (var off = Autograd.noGrad()) {
            y = teacher.call(x);
        }
        double variance = y.data().var().item();
        Optimizer opt = make.apply(student.parameters());
        LrScheduler sched = new LrScheduler(opt, Schedule.cosine(steps, 0));
        double first = Double.NaN;
        double last = Double.NaN;
        for (int s = 0; s < steps; s++) {
            opt.zeroGrad();
            Variable loss = student.call(x).sub(y).square().mean();
            loss.backward();
            GradClip.clipGradNorm(student.parameters(), 10.0);
            opt.step();
            sched.step();
            last = loss.item();
            if (s == 0) {
                first = last;
            }
        }
        // The teacher is representable, so the optimum is 0; we require 1e-3 of the target's variance.
        assertTrue(
                last < 1e-3 * variance,
                name + ": loss went from " + first + " to " + last + " (target variance " + variance + ")");
    }

    static Stream<Arguments> mlpOptimizers() {
        return Stream.of(
                Arguments.of("Adam", (Function<List<Variable>, Optimizer>) ps -> new Adam(ps, 0.02), 400),
                Arguments.of(
                        "AdamW",
                        (Function<List<Variable>, Optimizer>) ps -> new AdamW(ps, 0.02).weightDecay(1e-4),
                        400),
                Arguments.of(
                        "SGD momentum",
                        (Function<List<Variable>, Optimizer>) ps -> new SGD(ps, 0.3).momentum(0.9),
                        600),
                Arguments.of(
                        "RMSprop", (Function<List<Variable>, Optimizer>) ps -> new RMSprop(ps, 0.01).alpha(0.9), 500));
    }
}
