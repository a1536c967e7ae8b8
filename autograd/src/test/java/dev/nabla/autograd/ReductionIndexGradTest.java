package dev.nabla.autograd;

import static dev.nabla.autograd.TestVars.assertClose;
import static dev.nabla.autograd.TestVars.index;
import static dev.nabla.autograd.TestVars.leaf;

import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Gradients of reductions (sum, mean, max, min, var over axis subsets, with and without keepdim)
 * and of integer indexing (gather, indexSelect, repeated indices) against finite differences.
 */
class ReductionIndexGradTest {

    private static void check(Function<Variable[], Variable> f, Variable... in) {
        GradCheck.check(f, in);
    }

    private static final int[][] AXES = {{}, {0}, {1}, {2}, {-1}, {0, 2}, {1, 2}, {0, 1}, {0, 1, 2}, {2, 0}};

    @Test
    void sum() {
        for (int[] axes : AXES) {
            for (boolean keep : new boolean[] {false, true}) {
                check(v -> v[0].sum(axes, keep).tanh(), leaf(1, 2, 3, 4));
            }
        }
        check(v -> v[0].sum(), leaf(2, 3, 4));
        check(v -> v[0].sum(1), leaf(3, 3, 4));
        check(v -> v[0].sum(0, true), leaf(4, 3, 4));
        check(v -> v[0].t().sum(0), leaf(5, 3, 4));
    }

    @Test
    void mean() {
        for (int[] axes : AXES) {
            for (boolean keep : new boolean[] {false, true}) {
                check(v -> v[0].mean(axes, keep).exp(), leaf(1, 2, 3, 4));
            }
        }
        check(v -> v[0].mean(), leaf(2, 3, 4));
        check(v -> v[0].mean(-1), leaf(3, 3, 4));
        check(v -> v[0].mean(1, true), leaf(4, 3, 4));
    }

    @Test
    void maxAndMinOverAxisSubsets() {
        // Distinct values further apart than the finite-difference step: the extremum is
        // differentiable and a perturbation never changes which element wins.
        for (int[] axes : AXES) {
            for (boolean keep : new boolean[] {false, true}) {
                check(v -> v[0].max(axes, keep).tanh(), distinct(1, 2, 3, 4));
                check(v -> v[0].min(axes, keep).tanh(), distinct(2, 2, 3, 4));
            }
        }
        check(v -> v[0].max(), distinct(3, 3, 4));
        check(v -> v[0].min(), distinct(4, 3, 4));
        check(v -> v[0].max(1, false), distinct(5, 3, 4));
        check(v -> v[0].min(0, true), distinct(6, 3, 4));
        check(v -> v[0].t().max(0, false), distinct(7, 3, 4));
    }

    /** A random permutation of evenly spaced values in [-1, 1]: no two closer than 2 / numel. */
    private static Variable distinct(long seed, int... shape) {
        int n = Shape.of(shape).numel();
        Tensor perm = Tensor.randperm(new Generator(seed), n);
        return Variable.of(perm.mul(2f / n).sub(1f).reshape(shape)).requiresGrad(true);
    }

    @Test
    void maxAndMinShareTheGradientEvenlyAmongTies() {
        // PyTorch's amax/amin (and max()/min() without dim) distribute the gradient evenly.
        Variable x = Variable.of(new float[][] {{3, 1, 3, 3}, {2, 5, 5, 0}}).requiresGrad(true);
        x.max(1, false).mul(Variable.of(6f, 10f)).sum().backward();
        assertClose(new float[] {2, 0, 2, 2, 0, 5, 5, 0}, x.grad().toArray(), 1e-7);
        x.setGrad(null);
        x.max().backward();
        assertClose(new float[] {0, 0, 0, 0, 0, 0.5f, 0.5f, 0}, x.grad().toArray(), 1e-7);
        x.setGrad(null);
        x.min(new int[] {0}, true).sum().backward();
        assertClose(new float[] {0, 1, 1, 0, 1, 0, 0, 1}, x.grad().toArray(), 1e-7);
        x.setGrad(null);
        Variable y = Variable.of(4f, 4f, 4f).requiresGrad(true);
        y.min().backward();
        assertClose(new float[] {1f / 3, 1f / 3, 1f / 3}, y.grad().toArray(), 1e-7);
    }

    @Test
    void varianceWithCorrection() {
        for (int correction : new int[] {0, 1, 2}) {
            for (int[] axes : new int[][] {{}, {0}, {2}, {0, 2}, {1, 2}}) {
                for (boolean keep : new boolean[] {false, true}) {
                    check(v -> v[0].var(axes, keep, correction).sqrt(), leaf(1, 3, 4, 5));
                }
            }
        }
        check(v -> v[0].var(), leaf(2, 3, 4));
        check(v -> v[0].t().var(new int[] {0}, false, 1), leaf(3, 3, 4));
    }

    // ------------------------------------------------------------------ indexing

    @Test
    void gather() {
        Tensor rows = index(new int[] {2, 0, 1, 1, 0, 2, 2, 2}, 2, 4);
        check(v -> v[0].gather(0, rows).tanh(), leaf(1, 3, 4));
        Tensor cols = index(new int[] {3, 3, 0, 1, 0, 0}, 3, 2); // repeats accumulate
        check(v -> v[0].gather(1, cols).exp(), leaf(2, 3, 4));
        check(v -> v[0].gather(-1, cols).exp(), leaf(3, 3, 4));
        Tensor deep = index(new int[] {1, 0, 0, 1, 1, 1}, 1, 3, 2);
        check(v -> v[0].gather(2, deep).exp(), leaf(4, 2, 3, 2));
        check(v -> v[0].t().gather(1, cols).exp(), leaf(5, 4, 3));
    }

    @Test
    void gatherAccumulatesRepeatedIndices() {
        Variable x = Variable.of(new float[][] {{1, 2, 3}}).requiresGrad(true);
        x.gather(1, index(new int[] {2, 2, 0, 2}, 1, 4)).sum().backward();
        assertClose(new float[] {1, 0, 3}, x.grad().toArray(), 0);
    }

    @Test
    void indexSelectWithRepeatedIndices() {
        Tensor idx = index(new int[] {2, 0, 2, 2, 1}, 5);
        check(v -> v[0].indexSelect(0, idx).tanh(), leaf(1, 3, 4));
        check(v -> v[0].indexSelect(1, index(new int[] {3, 3, 0}, 3)).exp(), leaf(2, 3, 4));
        check(v -> v[0].indexSelect(-1, index(new int[] {-1, 0}, 2)).exp(), leaf(3, 2, 3));
        check(v -> v[0].t().indexSelect(0, idx).tanh(), leaf(4, 4, 3));
        // an embedding lookup: row 1 used three times gets three times the gradient
        Variable table = leaf(5, 4, 2);
        table.indexSelect(0, index(new int[] {1, 3, 1, 1}, 4)).sum().backward();
        assertClose(new float[] {0, 0, 3, 3, 0, 0, 1, 1}, table.grad().toArray(), 0);
    }
}
