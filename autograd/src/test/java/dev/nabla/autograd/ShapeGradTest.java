package dev.nabla.autograd;

import static dev.nabla.autograd.TestVars.assertClose;
import static dev.nabla.autograd.TestVars.leaf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.nabla.tensor.Tensor;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Gradients of views and joins against finite differences. Each view is followed by a
 * non-linear op so that a gradient routed to the wrong element cannot cancel out, and most are
 * applied to non-contiguous inputs as well.
 */
class ShapeGradTest {

    private static void check(Function<Variable[], Variable> f, Variable... in) {
        GradCheck.check(f, in);
    }

    /** A position-dependent weighting, so that permuted gradients show up. */
    private static Variable weigh(Variable v) {
        Variable w =
                Variable.of(Tensor.arange(v.numel()).reshape(v.dims()).mul(0.1f).add(0.5f));
        return v.mul(w).tanh();
    }

    @Test
    void reshapeAndView() {
        check(v -> weigh(v[0].reshape(4, 6)), leaf(1, 2, 3, 4));
        check(v -> weigh(v[0].reshape(-1, 2)), leaf(2, 2, 3, 4));
        check(v -> weigh(v[0].view(3, 8)), leaf(3, 2, 3, 4));
        // reshape of a transposed (non-viewable) input copies; the gradient must still map back
        check(v -> weigh(v[0].transpose(0, 1).reshape(12)), leaf(4, 3, 4));
        check(v -> weigh(v[0].reshape(2, 2, 6).view(4, 6)), leaf(5, 2, 3, 4));
    }

    @Test
    void transposeAndT() {
        check(v -> weigh(v[0].transpose(0, 2)), leaf(1, 2, 3, 4));
        check(v -> weigh(v[0].transpose(-1, -2)), leaf(2, 2, 3, 4));
        check(v -> weigh(v[0].t()), leaf(3, 3, 5));
        Variable vec = leaf(4, 5);
        assertSame(vec, vec.t());
    }

    @Test
    void permute() {
        check(v -> weigh(v[0].permute(2, 0, 1)), leaf(1, 2, 3, 4));
        check(v -> weigh(v[0].permute(1, 2, 0)), leaf(2, 2, 3, 4));
        check(v -> weigh(v[0].permute(-1, 0, -2)), leaf(3, 2, 3, 4));
        check(v -> weigh(v[0].permute(3, 1, 0, 2)), leaf(4, 2, 3, 1, 2));
    }

    @Test
    void narrowSliceSelect() {
        check(v -> weigh(v[0].narrow(1, 1, 2)), leaf(1, 3, 4));
        check(v -> weigh(v[0].narrow(-1, -3, 2)), leaf(2, 3, 4));
        check(v -> weigh(v[0].slice(1, 0, 7, 2)), leaf(3, 3, 7));
        check(v -> weigh(v[0].slice(0, 1, 100, 3)), leaf(4, 8, 2));
        check(v -> weigh(v[0].slice(1, -5, -1, 2)), leaf(5, 2, 7));
        check(v -> weigh(v[0].select(0, 1)), leaf(6, 3, 4));
        check(v -> weigh(v[0].select(-1, -1)), leaf(7, 3, 4));
        // on a non-contiguous view, and two overlapping regions of the same input
        check(v -> weigh(v[0].t().narrow(0, 1, 2)), leaf(8, 3, 4));
        check(v -> weigh(v[0].narrow(1, 0, 3).add(v[0].narrow(1, 1, 3))), leaf(9, 2, 4));
    }

    @Test
    void expand() {
        check(v -> weigh(v[0].expand(3, 4)), leaf(1, 1, 4));
        check(v -> weigh(v[0].expand(2, 3, 4)), leaf(2, 3, 1));
        check(v -> weigh(v[0].expand(2, -1, 5)), leaf(3, 3, 1));
        check(v -> weigh(v[0].expand(2, 2)), leaf(4));
    }

    @Test
    void squeezeUnsqueezeFlatten() {
        check(v -> weigh(v[0].squeeze()), leaf(1, 1, 3, 1, 4));
        check(v -> weigh(v[0].squeeze(2)), leaf(2, 2, 3, 1));
        check(v -> weigh(v[0].squeeze(0)), leaf(3, 2, 3)); // not size 1: unchanged
        check(v -> weigh(v[0].unsqueeze(1)), leaf(4, 2, 3));
        check(v -> weigh(v[0].unsqueeze(-1)), leaf(5, 2, 3));
        check(v -> weigh(v[0].flatten()), leaf(6, 2, 3, 4));
        check(v -> weigh(v[0].flatten(1, 2)), leaf(7, 2, 3, 4));
        check(v -> weigh(v[0].permute(2, 0, 1).flatten(0, 1)), leaf(8, 2, 3, 4));
        assertArrayEquals(new int[] {2, 12}, leaf(9, 2, 3, 4).flatten(1, -1).dims());
    }

    @Test
    void contiguous() {
        check(v -> weigh(v[0].transpose(0, 1).contiguous()), leaf(1, 3, 4));
        Variable x = leaf(2, 3, 4);
        assertSame(x, x.contiguous(), "contiguous() of a contiguous variable adds no node");
    }

    @Test
    void split() {
        check(
                v -> {
                    Variable[] p = v[0].split(2, 1);
                    assertEquals(3, p.length);
                    return weigh(p[0]).sum().add(weigh(p[1]).mul(p[2].sum()).sum());
                },
                leaf(1, 3, 5));
        check(
                v -> {
                    Variable[] p = v[0].split(3, 0);
                    return p[1].exp().sum(0).mul(p[0].sum(0));
                },
                leaf(2, 6, 2));
    }

    @Test
    void splitPiecesThatAreNotUsedGetZeroGradient() {
        Variable x = leaf(1, 6);
        Variable[] p = x.split(2, 0);
        p[1].square().sum().backward();
        float[] xs = x.toArray();
        assertClose(new float[] {0, 0, 2 * xs[2], 2 * xs[3], 0, 0}, x.grad().toArray(), 1e-7);
    }

    @Test
    void cat() {
        check(v -> weigh(Variable.cat(1, v[0], v[1], v[2])), leaf(1, 2, 3), leaf(2, 2, 1), leaf(3, 2, 4));
        check(v -> weigh(Variable.cat(0, v[0], v[1].t())), leaf(4, 2, 3), leaf(5, 3, 4));
        check(v -> weigh(Variable.cat(-1, v[0], v[0].exp())), leaf(6, 2, 3));
        // a part that does not require grad
        Variable c = Variable.of(Tensor.ones(2, 2));
        check(v -> weigh(Variable.cat(1, c, v[0])), leaf(7, 2, 3));
        assertNull(c.grad());
    }

    @Test
    void stack() {
        check(v -> weigh(Variable.stack(0, v[0], v[1])), leaf(1, 2, 3), leaf(2, 2, 3));
        check(v -> weigh(Variable.stack(2, v[0], v[1], v[0])), leaf(3, 2, 3), leaf(4, 2, 3));
        check(v -> weigh(Variable.stack(-1, v[0], v[1])), leaf(5, 4), leaf(6, 4));
    }

    @Test
    void viewChains() {
        // A chain of views on the same storage: every backward must undo exactly its own view.
        check(
                v -> weigh(v[0].permute(1, 0, 2)
                        .narrow(0, 1, 2)
                        .reshape(2, 2, 3)
                        .select(1, 0)
                        .unsqueeze(0)
                        .expand(3, 2, 3)
                        .slice(2, 0, 3, 2)),
                leaf(1, 2, 3, 3));
    }
}
