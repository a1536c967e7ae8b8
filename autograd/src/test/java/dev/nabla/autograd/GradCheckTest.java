package dev.nabla.autograd;

import static dev.nabla.autograd.TestVars.leaf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * GradCheck itself: it must reject wrong backward functions (built here as tiny test-only ops
 * whose gradients are deliberately mis-specified), accept right ones, and honour its tolerances.
 */
class GradCheckTest {

    /** x^3 with the given derivative factor in place of 3 (3 is right). */
    private static Variable cube(Variable x, float factor) {
        Tensor xs = x.data();
        return Variable.record(
                "cube",
                xs.mul(xs).mul(xs),
                g -> new Tensor[] {g.mul(xs.square()).mul(factor)},
                x);
    }

    /** a @ b with a backward that forgets to transpose b for the gradient of a. */
    private static Variable matmulForgettingTranspose(Variable a, Variable b) {
        Tensor at = a.data();
        Tensor bt = b.data();
        return Variable.record(
                "badMatmul",
                at.matmul(bt),
                g -> new Tensor[] {g.matmul(bt), at.t().matmul(g)},
                a,
                b);
    }

    @Test
    void aCorrectCustomOpPasses() {
        assertDoesNotThrow(() -> GradCheck.check(v -> cube(v[0], 3f), leaf(1, 3, 4)));
    }

    @Test
    void aWrongFactorIsCaught() {
        GradCheck.Mismatch m = assertThrows(
                GradCheck.Mismatch.class,
                () -> GradCheck.check(v -> cube(v[0], 2f), TestVars.awayFromZero(1, 0.5, 1, 3, 4)));
        assertTrue(m.getMessage().contains("12 gradient element(s) disagree"), m.getMessage());
        assertTrue(m.getMessage().contains("input 0 [3, 4], element 0"), m.getMessage());
    }

    @Test
    void aMisplacedTransposeIsCaught() {
        // Square matrices keep the shapes right, so only the values can reveal the bug.
        GradCheck.Mismatch m = assertThrows(
                GradCheck.Mismatch.class,
                () -> GradCheck.check(v -> matmulForgettingTranspose(v[0], v[1]), leaf(1, 3, 3), leaf(2, 3, 3)));
        assertTrue(m.getMessage().contains("input 0"), m.getMessage());
        assertTrue(!m.getMessage().contains("input 1"), "the gradient of b is right: " + m.getMessage());
    }

    @Test
    void aMissingGradientIsCaught() {
        Variable a = leaf(1, 4);
        Variable b = leaf(2, 4);
        // a * b, but the backward claims b does not influence the result
        assertThrows(
                GradCheck.Mismatch.class,
                () -> GradCheck.check(
                        v -> Variable.record(
                                "forgetful",
                                v[0].data().mul(v[1].data()),
                                g -> new Tensor[] {g.mul(v[1].data()), null},
                                v[0],
                                v[1]),
                        a,
                        b));
    }

    @Test
    void aGradientOnTheWrongElementsIsCaught() {
        // reverse(x) * w whose backward forgets to reverse the gradient back
        Tensor w = Tensor.of(1f, 2f, 3f, 4f);
        assertThrows(
                GradCheck.Mismatch.class,
                () -> GradCheck.check(
                        v -> Variable.record(
                                "flip",
                                Tensor.of(v[0].get(3), v[0].get(2), v[0].get(1), v[0].get(0))
                                        .mul(w),
                                g -> new Tensor[] {g.mul(w)},
                                v[0]),
                        leaf(1, 4)));
    }

    @Test
    void tolerancesAreHonoured() {
        // 1% off: inside the default 2% relative tolerance, outside a 0.1% one.
        assertDoesNotThrow(() -> GradCheck.check(v -> cube(v[0], 3.03f), TestVars.uniform(1, 0.5, 1, 6)));
        GradCheck.Options tight = GradCheck.Options.defaults().withStep(1e-3).withTolerance(1e-5, 1e-3);
        assertThrows(
                GradCheck.Mismatch.class,
                () -> GradCheck.check(v -> cube(v[0], 3.03f), tight, TestVars.uniform(1, 0.5, 1, 6)));
        assertDoesNotThrow(() -> GradCheck.check(v -> cube(v[0], 3f), tight, TestVars.uniform(1, 0.5, 1, 6)));
    }

    @Test
    void inputsAreRestoredAndConstantsSkipped() {
        Variable x = leaf(1, 2, 3);
        Variable c = Variable.of(leaf(2, 2, 3).data());
        float[] before = x.toArray();
        float[] cBefore = c.toArray();
        GradCheck.check(v -> v[0].mul(v[1]).exp(), x, c);
        assertArrayEquals(before, x.toArray());
        assertArrayEquals(cBefore, c.toArray());
        assertNull(c.grad());
        assertEquals(2, x.grad().dim(), "the analytic gradient is left in place");
    }

    @Test
    void badArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new GradCheck.Options(0, 1e-3, 1e-3, 1));
        assertThrows(IllegalArgumentException.class, () -> new GradCheck.Options(1e-2, -1, 1e-3, 1));
        assertThrows(IllegalArgumentException.class, () -> new GradCheck.Options(1e-2, 1e-3, Double.NaN, 1));
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> GradCheck.check(v -> v[0].mul(2f), Variable.of(1f, 2f)));
        assertTrue(e.getMessage().contains("does not require grad"), e.getMessage());
        Variable nonContiguous = Variable.of(leaf(3, 3, 4).data().t()).requiresGrad(true);
        e = assertThrows(IllegalArgumentException.class, () -> GradCheck.check(v -> v[0].exp(), nonContiguous));
        assertTrue(e.getMessage().contains("contiguous"), e.getMessage());
    }
}
