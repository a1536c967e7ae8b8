package dev.nabla.autograd;

import static dev.nabla.autograd.TestVars.assertClose;
import static dev.nabla.autograd.TestVars.awayFromZero;
import static dev.nabla.autograd.TestVars.leaf;
import static dev.nabla.autograd.TestVars.uniform;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.util.Arrays;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Gradients of the elementwise ops against finite differences, including broadcasting in both
 * directions; non-differentiable points (ties, kinks, clamp bounds) against PyTorch's conventions.
 */
class PointwiseGradTest {

    private static void check(Function<Variable[], Variable> f, Variable... in) {
        GradCheck.check(f, in);
    }

    // ------------------------------------------------------------------ binary, same shapes

    @Test
    void add() {
        check(v -> v[0].add(v[1]), leaf(1, 3, 4), leaf(2, 3, 4));
    }

    @Test
    void sub() {
        check(v -> v[0].sub(v[1]), leaf(1, 3, 4), leaf(2, 3, 4));
    }

    @Test
    void mul() {
        check(v -> v[0].mul(v[1]), leaf(1, 3, 4), leaf(2, 3, 4));
    }

    @Test
    void div() {
        check(v -> v[0].div(v[1]), leaf(1, 3, 4), awayFromZero(2, 0.5, 2, 3, 4));
    }

    @Test
    void powWithATensorExponent() {
        check(v -> v[0].pow(v[1]), uniform(1, 0.5, 2, 3, 4), uniform(2, -2, 2, 3, 4));
    }

    @Test
    void scalarOperands() {
        check(v -> v[0].add(2f).mul(-1.5f).sub(0.25f).div(3f), leaf(1, 2, 5));
        check(v -> v[0].div(v[0].mul(0.5f).add(2f)), leaf(2, 7));
    }

    @Test
    void maximumAndMinimum() {
        // distinct values: the gradient goes wholly to the winner
        check(v -> v[0].maximum(v[1]), leaf(1, 4, 5), leaf(2, 4, 5));
        check(v -> v[0].minimum(v[1]), leaf(3, 4, 5), leaf(4, 4, 5));
    }

    @Test
    void maximumAndMinimumSplitTiesEvenly() {
        // At a tie a one-sided change moves the result by half the step on average: the central
        // difference is 1/2 for each input, which is also PyTorch's convention.
        Variable a = Variable.of(1f, 2f, 3f, -1f).requiresGrad(true);
        Variable b = Variable.of(1f, 5f, 3f, -2f).requiresGrad(true);
        check(v -> v[0].maximum(v[1]), a, b);
        check(v -> v[0].minimum(v[1]), a, b);
        a.setGrad(null);
        b.setGrad(null);
        a.maximum(b).sum().backward();
        assertClose(new float[] {0.5f, 0f, 0.5f, 1f}, a.grad().toArray(), 0);
        assertClose(new float[] {0.5f, 1f, 0.5f, 0f}, b.grad().toArray(), 0);
        a.setGrad(null);
        b.setGrad(null);
        a.minimum(b).sum().backward();
        assertClose(new float[] {0.5f, 1f, 0.5f, 0f}, a.grad().toArray(), 0);
        assertClose(new float[] {0.5f, 0f, 0.5f, 1f}, b.grad().toArray(), 0);
    }

    @Test
    void where() {
        Tensor cond = Tensor.ofBools(true, false, true, false, false, true).reshape(2, 3);
        check(v -> Variable.where(cond, v[0], v[1]), leaf(1, 2, 3), leaf(2, 2, 3));
        // condition broadcast over rows, b broadcast from a column
        Tensor row = Tensor.ofBools(false, true, true);
        check(v -> Variable.where(row, v[0], v[1]), leaf(3, 2, 3), leaf(4, 2, 1));
        // only one side requires grad
        Variable other = Variable.of(Tensor.ones(2, 3));
        Variable a = leaf(5, 2, 3);
        check(v -> Variable.where(cond, v[0], v[1]), a, other);
        assertNull(other.grad());
    }

    // ------------------------------------------------------------------ broadcasting

    static Stream<Arguments> broadcastShapes() {
        return Stream.of(
                Arguments.of("rank-expanding right", new int[] {3, 4}, new int[] {4}),
                Arguments.of("rank-expanding left", new int[] {4}, new int[] {2, 3, 4}),
                Arguments.of("size-1 right", new int[] {3, 4}, new int[] {3, 1}),
                Arguments.of("size-1 left", new int[] {1, 4}, new int[] {3, 4}),
                Arguments.of("size-1 on both sides", new int[] {3, 1}, new int[] {1, 4}),
                Arguments.of("rank and size-1 together", new int[] {2, 1, 4}, new int[] {3, 1}),
                Arguments.of("scalar tensor", new int[] {}, new int[] {2, 3}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("broadcastShapes")
    void broadcastingBinaryOpsReduceGradientsToEachInputsShape(String name, int[] sa, int[] sb) {
        check(v -> v[0].add(v[1]), leaf(1, sa), leaf(2, sb));
        check(v -> v[0].sub(v[1]), leaf(3, sa), leaf(4, sb));
        check(v -> v[0].mul(v[1]), leaf(5, sa), leaf(6, sb));
        check(v -> v[0].div(v[1]), leaf(7, sa), awayFromZero(8, 0.5, 2, sb));
        check(v -> v[0].div(v[1]), awayFromZero(9, 0.5, 2, sa), uniform(10, 0.5, 2, sb));
        check(v -> v[0].pow(v[1]), uniform(11, 0.5, 2, sa), uniform(12, -1.5, 1.5, sb));
        check(v -> v[0].maximum(v[1]), leaf(13, sa), leaf(14, sb));
        check(v -> v[0].minimum(v[1]), leaf(15, sa), leaf(16, sb));
    }

    @Test
    void broadcastingWhenOnlyOneSideRequiresGrad() {
        Variable c = Variable.of(Tensor.uniform(new Generator(3), 1, 2, 3, 1));
        check(v -> v[0].mul(c).div(c).sub(c).add(c.pow(2f)), leaf(1, 4));
        check(v -> c.div(v[0]), awayFromZero(2, 0.5, 2, 1, 4));
        assertNull(c.grad());
    }

    // ------------------------------------------------------------------ pow with a scalar exponent

    @Test
    void powWithScalarExponents() {
        for (float p : new float[] {2f, 3f, -1f, -2f, 1f, 0f}) {
            check(v -> v[0].pow(p), awayFromZero(1, 0.5, 1.5, 3, 4));
        }
        for (float p : new float[] {0.5f, -0.5f, 1.5f, 2.5f}) {
            check(v -> v[0].pow(p), uniform(2, 0.3, 2, 3, 4));
        }
    }

    @Test
    void powAtZeroBase() {
        // d/dx x^2 at 0 is 0; d/dx x^1 at 0 is 1; x^0 has gradient 0 everywhere (PyTorch).
        Variable x = Variable.of(0f, 0f).requiresGrad(true);
        x.pow(2f).sum().backward();
        assertClose(new float[] {0, 0}, x.grad().toArray(), 0);
        x.setGrad(null);
        x.pow(1f).sum().backward();
        assertClose(new float[] {1, 1}, x.grad().toArray(), 0);
        x.setGrad(null);
        x.pow(0f).sum().backward();
        assertClose(new float[] {0, 0}, x.grad().toArray(), 0);
        // tensor exponent: at base 0 the exponent gets no gradient, and exponent 0 gives the base none
        Variable b = Variable.of(0f, 2f).requiresGrad(true);
        Variable e = Variable.of(2f, 0f).requiresGrad(true);
        b.pow(e).sum().backward();
        assertClose(new float[] {0, 0}, b.grad().toArray(), 0);
        assertClose(new float[] {0, (float) Math.log(2)}, e.grad().toArray(), 1e-7);
    }

    // ------------------------------------------------------------------ unary

    static Stream<Arguments> unaryOps() {
        return Stream.of(
                Arguments.of("neg", (UnaryOperator<Variable>) Variable::neg, -2.0, 2.0),
                Arguments.of("exp", (UnaryOperator<Variable>) Variable::exp, -2.0, 2.0),
                Arguments.of("log", (UnaryOperator<Variable>) Variable::log, 0.2, 3.0),
                Arguments.of("sqrt", (UnaryOperator<Variable>) Variable::sqrt, 0.2, 3.0),
                Arguments.of("rsqrt", (UnaryOperator<Variable>) Variable::rsqrt, 0.3, 3.0),
                Arguments.of("square", (UnaryOperator<Variable>) Variable::square, -2.0, 2.0),
                Arguments.of("reciprocal", (UnaryOperator<Variable>) Variable::reciprocal, 0.4, 2.0),
                Arguments.of("tanh", (UnaryOperator<Variable>) Variable::tanh, -3.0, 3.0),
                Arguments.of("sigmoid", (UnaryOperator<Variable>) Variable::sigmoid, -4.0, 4.0),
                Arguments.of("gelu", (UnaryOperator<Variable>) Variable::gelu, -3.0, 3.0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unaryOps")
    void smoothUnaryOps(String name, UnaryOperator<Variable> op, double low, double high) {
        // 37 elements: the SIMD body (8 lanes) and the scalar tail of the fused backward both run.
        check(v -> op.apply(v[0]), uniform(name.hashCode(), low, high, 37));
        check(v -> op.apply(v[0].transpose(0, 1)), uniform(name.hashCode() + 1, low, high, 3, 5));
    }

    @Test
    void kinkedUnaryOpsAwayFromTheKink() {
        check(v -> v[0].abs(), awayFromZero(1, 0.05, 2, 37));
        check(v -> v[0].relu(), awayFromZero(2, 0.05, 2, 37));
        check(v -> v[0].leakyRelu(0.1f), awayFromZero(3, 0.05, 2, 37));
        check(v -> v[0].leakyRelu(-0.5f), awayFromZero(4, 0.05, 2, 5, 3));
        check(v -> v[0].clamp(-0.5f, 0.7f), valuesAwayFrom(5, 37, -0.5f, 0.7f));
    }

    /** Uniform in [-2, 2) but at least 0.05 from each of the given points. */
    private static Variable valuesAwayFrom(long seed, int n, float... points) {
        float[] v = Tensor.uniform(new Generator(seed), -2, 2, n).toArray();
        for (int i = 0; i < n; i++) {
            for (float p : points) {
                if (Math.abs(v[i] - p) < 0.05f) {
                    v[i] = p + (v[i] < p ? -0.05f : 0.05f);
                }
            }
        }
        return Variable.of(v).requiresGrad(true);
    }

    @Test
    void kinksFollowPyTorchsConventions() {
        // relu'(0) = 0, abs'(0) = 0, leakyRelu'(0) = slope, clamp passes the gradient at both bounds.
        float[] xs = new float[17];
        xs[3] = 1f;
        xs[4] = -1f;
        Variable x = Variable.of(xs).requiresGrad(true);
        x.relu().sum().backward();
        float[] want = new float[17];
        want[3] = 1f;
        assertClose(want, x.grad().toArray(), 0);
        x.setGrad(null);
        x.abs().sum().backward();
        want[4] = -1f;
        assertClose(want, x.grad().toArray(), 0);
        x.setGrad(null);
        x.leakyRelu(0.25f).sum().backward();
        float[] leaky = new float[17];
        Arrays.fill(leaky, 0.25f);
        leaky[3] = 1f;
        assertClose(leaky, x.grad().toArray(), 0);

        Variable c = Variable.of(-1f, -0.5f, 0f, 0.5f, 1f).requiresGrad(true);
        c.clamp(-0.5f, 0.5f).sum().backward();
        assertClose(new float[] {0, 1, 1, 1, 0}, c.grad().toArray(), 0);
    }
}
