package dev.nabla.autograd;

import static dev.nabla.autograd.TestVars.leaf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Gradients of matmul (every rank combination), softmax, log-softmax and {@link Functional#linear}. */
class LinalgNeuralGradTest {

    private static void check(Function<Variable[], Variable> f, Variable... in) {
        GradCheck.check(f, in);
    }

    private static void checkMatmul(int[] sa, int[] sb, int[] expected) {
        Variable a = leaf(sa.length * 10 + 1, sa);
        Variable b = leaf(sb.length * 10 + 2, sb);
        assertArrayEquals(expected, a.matmul(b).dims(), "result shape");
        check(v -> v[0].matmul(v[1]), a, b);
    }

    @Test
    void matmul2d() {
        checkMatmul(new int[] {3, 4}, new int[] {4, 5}, new int[] {3, 5});
        checkMatmul(new int[] {1, 4}, new int[] {4, 1}, new int[] {1, 1});
        // transposed (column-major) operands go to the GEMM without a copy
        check(v -> v[0].t().matmul(v[1].t()), leaf(1, 4, 3), leaf(2, 5, 4));
    }

    @Test
    void matmulWithVectors() {
        checkMatmul(new int[] {4}, new int[] {4, 5}, new int[] {5});
        checkMatmul(new int[] {3, 4}, new int[] {4}, new int[] {3});
        checkMatmul(new int[] {4}, new int[] {4}, new int[] {});
        checkMatmul(new int[] {4}, new int[] {2, 4, 3}, new int[] {2, 3});
        checkMatmul(new int[] {2, 3, 4}, new int[] {4}, new int[] {2, 3});
    }

    @Test
    void batchedMatmulBroadcastsOverBatchDimensions() {
        checkMatmul(new int[] {2, 3, 4}, new int[] {2, 4, 5}, new int[] {2, 3, 5});
        checkMatmul(new int[] {2, 3, 4}, new int[] {4, 5}, new int[] {2, 3, 5});
        checkMatmul(new int[] {3, 4}, new int[] {2, 4, 5}, new int[] {2, 3, 5});
        checkMatmul(new int[] {2, 1, 3, 4}, new int[] {3, 4, 2}, new int[] {2, 3, 3, 2});
        checkMatmul(new int[] {1, 2, 3, 4}, new int[] {3, 1, 4, 2}, new int[] {3, 2, 3, 2});
    }

    @Test
    void matmulWhereOnlyOneSideRequiresGrad() {
        Variable w = Variable.of(leaf(3, 4, 5).data());
        check(v -> v[0].matmul(w), leaf(1, 2, 3, 4));
        check(v -> w.t().matmul(v[0]), leaf(2, 4, 2));
        assertNull(w.grad());
    }

    @Test
    void softmaxAndLogSoftmaxAlongEveryDim() {
        for (int dim : new int[] {0, 1, 2, -1, -2}) {
            check(v -> v[0].mul(2f).softmax(dim), leaf(1, 3, 4, 5));
            check(v -> v[0].mul(2f).logSoftmax(dim), leaf(2, 3, 4, 5));
        }
        // a long row (SIMD body and tail) and a non-contiguous input
        check(v -> v[0].softmax(-1), leaf(3, 2, 19));
        check(v -> v[0].t().logSoftmax(1), leaf(4, 5, 3));
        check(v -> v[0].softmax(0), leaf(5, 6));
    }

    @Test
    void linear2d() {
        check(v -> Functional.linear(v[0], v[1], v[2]), leaf(1, 4, 3), leaf(2, 5, 3), leaf(3, 5));
        check(v -> Functional.linear(v[0], v[1], null), leaf(4, 4, 3), leaf(5, 5, 3));
    }

    @Test
    void linear3dAnd1d() {
        check(v -> Functional.linear(v[0], v[1], v[2]).tanh(), leaf(1, 2, 3, 4), leaf(2, 5, 4), leaf(3, 5));
        check(v -> Functional.linear(v[0], v[1], v[2]), leaf(4, 4), leaf(5, 3, 4), leaf(6, 3));
        // non-contiguous input and weight
        check(
                v -> Functional.linear(v[0].transpose(0, 1), v[1].t(), v[2]),
                leaf(7, 4, 2, 3),
                leaf(8, 3, 5),
                leaf(9, 5));
    }

    @Test
    void linearWithAConstantInputOrFrozenParameters() {
        Variable x = Variable.of(leaf(1, 4, 3).data());
        Variable b = Variable.of(leaf(2, 5).data());
        check(v -> Functional.linear(x, v[0], b), leaf(3, 5, 3));
        assertNull(x.grad());
        assertNull(b.grad());
        Variable w = Variable.of(leaf(4, 5, 3).data());
        check(v -> Functional.linear(v[0], w, v[1]), leaf(5, 2, 4, 3), leaf(6, 5));
        assertNull(w.grad());
    }
}
