package dev.nabla.autograd;

import static dev.nabla.autograd.TestVars.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.tensor.Generator;
import dev.nabla.tensor.ShapeMismatchException;
import dev.nabla.tensor.Tensor;
import java.lang.ref.WeakReference;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The engine's PyTorch semantics: recording, accumulation, scopes, flags, errors and buffer lifetime. */
@SuppressWarnings("try") // no-grad scopes are opened for their effect, not referenced
class EngineTest {

    // ------------------------------------------------------------------ recording and flags

    @Test
    void operationsOnTensorsThatRequireGradAreRecorded() {
        Variable x = Variable.of(1f, 2f, 3f).requiresGrad(true);
        Variable c = Variable.of(4f, 5f, 6f);
        Variable y = x.mul(c);
        assertTrue(y.requiresGrad());
        assertFalse(y.isLeaf());
        assertEquals("mulBackward", y.gradFnName());
        Variable z = c.add(c);
        assertFalse(z.requiresGrad(), "no input requires grad, so nothing is recorded");
        assertTrue(z.isLeaf());
        assertNull(z.gradFnName());
        assertTrue(x.isLeaf());
        assertTrue(Variable.parameter(Tensor.ones(2)).requiresGrad());
        assertTrue(y.toString().contains("gradFn=mulBackward"), y.toString());
        assertTrue(x.toString().contains("requiresGrad=true"), x.toString());
    }

    @Test
    void requiresGradPropagatesThroughEveryFamily() {
        Variable x = TestVars.leaf(1, 2, 3);
        Variable w = Variable.randn(new Generator(2), 3, 4);
        Variable[] results = {
            x.exp(),
            x.add(1f),
            x.transpose(0, 1),
            x.sum(0),
            x.matmul(w),
            x.softmax(1),
            x.gather(1, TestVars.index(new int[] {0, 2}, 2, 1)),
            Variable.cat(0, x, x.detach()),
            Functional.linear(x, w.t(), null),
            x.max(1, true),
            x.narrow(1, 0, 2)
        };
        for (Variable r : results) {
            assertTrue(r.requiresGrad(), r.gradFnName());
            assertFalse(r.isLeaf());
        }
        // A constant operand alone does not make the result require grad.
        assertFalse(w.matmul(w.t()).requiresGrad());
    }

    @Test
    void onlyLeavesCanChangeTheFlag() {
        Variable x = TestVars.leaf(1, 3);
        Variable y = x.mul(2f);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> y.requiresGrad(false));
        assertTrue(e.getMessage().contains("mulBackward"), e.getMessage());
        assertFalse(x.requiresGrad(false).requiresGrad());
        assertFalse(x.mul(2f).requiresGrad());
    }

    // ------------------------------------------------------------------ backward and accumulation

    @Test
    void backwardOnAScalarFillsTheGradOfEveryLeaf() {
        Variable x = Variable.of(1f, 2f, 3f).requiresGrad(true);
        Variable w = Variable.of(0.5f, -1f, 2f).requiresGrad(true);
        Variable loss = x.mul(w).sum().add(x.square().sum());
        loss.backward();
        // d/dx = w + 2x, d/dw = x
        assertClose(new float[] {2.5f, 3f, 8f}, x.grad().toArray(), 0);
        assertClose(new float[] {1f, 2f, 3f}, w.grad().toArray(), 0);
        assertNull(loss.grad(), "a non-leaf keeps no gradient unless retainGrad was called");
    }

    @Test
    void backwardWithAnExplicitOutputGradient() {
        Variable x = Variable.of(new float[][] {{1, 2}, {3, 4}}).requiresGrad(true);
        Variable y = x.mul(x);
        y.backward(Tensor.of(new float[][] {{1, 0}, {0.5f, -1}}));
        assertClose(new float[] {2, 0, 3, -8}, x.grad().toArray(), 0);
    }

    @Test
    void backwardOnALeafAccumulatesTheOutputGradient() {
        Variable x = Variable.of(1f, 2f).requiresGrad(true);
        Tensor g = Tensor.of(3f, 4f);
        x.backward(g);
        assertClose(new float[] {3, 4}, x.grad().toArray(), 0);
        g.fill(0f);
        assertClose(new float[] {3, 4}, x.grad().toArray(), 0);
    }

    @Test
    void gradientsAccumulateAcrossCallsUntilZeroedAndTheBufferIsReused() {
        Variable x = Variable.of(1f, 2f, 3f).requiresGrad(true);
        x.mul(3f).sum().backward();
        Tensor buffer = x.gradTensor();
        x.mul(3f).sum().backward();
        assertClose(new float[] {6, 6, 6}, x.grad().toArray(), 0);
        assertSame(buffer, x.gradTensor(), "accumulation reuses the gradient buffer");
        x.zeroGrad();
        assertSame(buffer, x.gradTensor(), "zeroGrad keeps the buffer");
        assertClose(new float[] {0, 0, 0}, x.grad().toArray(), 0);
        x.square().sum().backward();
        assertSame(buffer, x.gradTensor());
        assertClose(new float[] {2, 4, 6}, x.grad().toArray(), 0);
        x.setGrad(null);
        assertNull(x.grad());
        assertThrows(ShapeMismatchException.class, () -> x.setGrad(Tensor.zeros(2)));
    }

    @Test
    void theLeafGradientIsACopyNotAnAliasOfTheOutputGradient() {
        // contiguous() of a contiguous variable is the variable itself, reshape's backward is a
        // view of the incoming gradient: the leaf must still own its buffer.
        Variable x = Variable.of(1f, 2f, 3f, 4f).requiresGrad(true);
        Tensor g = Tensor.of(new float[][] {{1, 2}, {3, 4}});
        x.reshape(2, 2).backward(g);
        g.fill(100f);
        assertClose(new float[] {1, 2, 3, 4}, x.grad().toArray(), 0);
        assertFalse(x.gradTensor().sharesStorage(g));
    }

    @Test
    void retainGraphAllowsASecondPassThatAccumulates() {
        Variable x = Variable.of(1f, 2f).requiresGrad(true);
        Variable y = x.exp().sum();
        y.backward(null, true);
        y.backward(null, true);
        float[] e = {(float) Math.exp(1), (float) Math.exp(2)};
        assertClose(new float[] {2 * e[0], 2 * e[1]}, x.grad().toArray(), 1e-6);
        y.backward(); // the last pass may free the graph
        assertClose(new float[] {3 * e[0], 3 * e[1]}, x.grad().toArray(), 1e-6);
        IllegalStateException err = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(
                err.getMessage().contains("second time") && err.getMessage().contains("retainGraph"), err.getMessage());
    }

    @Test
    void backwardTwiceWithoutRetainGraphIsAClearError() {
        Variable x = Variable.of(1f, 2f).requiresGrad(true);
        Variable h = x.tanh();
        Variable y = h.sum();
        y.backward();
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("second time"), e.getMessage());
        assertTrue(e.getMessage().contains("retainGraph"), e.getMessage());
        // A new head on the freed part of the graph hits the same error, naming the freed node.
        IllegalStateException e2 =
                assertThrows(IllegalStateException.class, () -> h.mul(2f).sum().backward());
        assertTrue(e2.getMessage().contains("tanhBackward"), e2.getMessage());
    }

    @Test
    void detachGivesALeafSharingStorageThatStopsGradients() {
        Variable x = Variable.of(1f, 2f).requiresGrad(true);
        Variable y = x.mul(x);
        Variable d = y.detach();
        assertTrue(d.isLeaf());
        assertFalse(d.requiresGrad());
        assertTrue(d.data().sharesStorage(y.data()));
        // x * detach(x * x): only the first factor is differentiated.
        x.mul(d).sum().backward();
        assertClose(new float[] {1, 4}, x.grad().toArray(), 0);
    }

    @Test
    void retainGradKeepsTheGradientOfANonLeaf() {
        Variable x = Variable.of(1f, 2f, 3f).requiresGrad(true);
        Variable h = x.mul(2f).retainGrad();
        Variable other = x.mul(3f);
        Variable y = h.square().sum().retainGrad();
        y.add(other.sum()).backward();
        assertClose(new float[] {4, 8, 12}, h.grad().toArray(), 0); // 2h
        assertNull(other.grad());
        assertClose(new float[] {1}, y.grad().toArray(), 0);
        assertClose(new float[] {11, 19, 27}, x.grad().toArray(), 0); // 2 * 2h + 3
    }

    @Test
    void retainGradOnTheRootOfBackward() {
        // PyTorch: y.retain_grad(); y.backward(g) leaves y.grad == g.
        Variable x = Variable.of(1f, 2f).requiresGrad(true);
        Variable y = x.mul(x).retainGrad();
        y.backward(Tensor.of(0.5f, 2f));
        assertNotNull(y.grad(), "the root's own gradient must be kept when it retains grad");
        assertClose(new float[] {0.5f, 2f}, y.grad().toArray(), 0);
        Variable s = x.sum().retainGrad();
        s.backward();
        assertClose(new float[] {1f}, s.grad().toArray(), 0);
    }

    // ------------------------------------------------------------------ graph shapes

    @Test
    void diamondGraphsAccumulateEveryPath() {
        // a = x^2 feeds three consumers; y = a*b + exp(a) + a, b = a + x.
        Variable x = Variable.of(0.5f, -1f, 1.5f).requiresGrad(true);
        Variable a = x.square();
        Variable b = a.add(x);
        Variable y = a.mul(b).add(a.exp()).add(a).sum();
        y.backward();
        float[] xs = {0.5f, -1f, 1.5f};
        float[] want = new float[3];
        for (int i = 0; i < 3; i++) {
            double xv = xs[i];
            double av = xv * xv;
            double bv = av + xv;
            // dy/da = b + a + exp(a) + 1 (a appears in b as well), da/dx = 2x, db/dx (direct) = 1
            double dyda = bv + av + Math.exp(av) + 1;
            want[i] = (float) (dyda * 2 * xv + av);
        }
        assertClose(want, x.grad().toArray(), 1e-6);
    }

    @Test
    void gradientsAreSummedWithoutWritingIntoTensorsTheEngineDoesNotOwn() {
        // add hands the very tensor it receives to both inputs, so h's first contribution (from
        // the last add) is the caller's output gradient itself: summing the other three in place
        // into it would corrupt it.
        Variable x = Variable.of(0.5f, 1f, 2f).requiresGrad(true);
        Variable h = x.exp();
        Variable y = h.mul(2f).add(h.add(h)).add(h);
        Tensor gOut = Tensor.of(1f, 2f, 3f);
        y.backward(gOut);
        assertClose(new float[] {1, 2, 3}, gOut.toArray(), 0);
        float[] want = new float[3];
        for (int i = 0; i < 3; i++) {
            want[i] = (float) (5 * gOut.get(i) * Math.exp(x.get(i)));
        }
        assertClose(want, x.grad().toArray(), 1e-6);
        Variable r = h.detach().requiresGrad(true);
        Variable z = r.add(r).add(r.mul(3f));
        z.backward(gOut, true);
        z.backward(gOut);
        assertClose(new float[] {1, 2, 3}, gOut.toArray(), 0);
        assertClose(new float[] {10, 20, 30}, r.grad().toArray(), 0);
    }

    @Test
    void aValueUsedTwiceInOneOperation() {
        Variable x = Variable.of(3f, -2f).requiresGrad(true);
        x.mul(x).add(x).sum().backward();
        assertClose(new float[] {7, -3}, x.grad().toArray(), 0);
        Variable h = x.add(1f);
        x.setGrad(null);
        h.mul(h).sum().backward(); // the shared input is a non-leaf: its node receives both gradients
        assertClose(new float[] {8, -2}, x.grad().toArray(), 0);
    }

    @Test
    void inputsThatDoNotRequireGradGetNoGradient() {
        Variable x = Variable.of(1f, 2f).requiresGrad(true);
        Variable c = Variable.of(3f, 4f);
        x.mul(c).div(c.add(1f)).sum().backward();
        assertNull(c.grad());
        assertClose(new float[] {0.75f, 0.8f}, x.grad().toArray(), 1e-7);
    }

    @Test
    void aBranchThatReceivesNoGradientIsStillReleased() {
        Variable x = Variable.of(1f, 2f).requiresGrad(true);
        Variable z = Variable.of(3f, 4f).requiresGrad(true);
        Variable branch = z.exp().mul(2f); // requires grad, but gets none below
        Variable y = firstOnly(x.tanh(), branch).sum();
        y.backward();
        assertNotNull(x.grad());
        assertNull(z.grad(), "no gradient reached z");
        assertTrue(branch.gradFn().released(), "the dead branch's node must be freed");
        assertTrue(branch.gradFn() != null);
        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> branch.sum().backward());
        assertTrue(e.getMessage().contains("second time"), e.getMessage());
    }

    /** {@code a + 0 * b} whose backward sends nothing to {@code b}: models ops with gradient-free inputs. */
    private static Variable firstOnly(Variable a, Variable b) {
        return Variable.record("firstOnly", a.data().copy(), g -> new Tensor[] {g, null}, a, b);
    }

    @Test
    void backwardFreesSavedTensorsAsSoonAsTheirNodeHasRun() {
        // Chain x -> exp -> probe -> exp -> sum. When the probe's backward runs, the upper exp has
        // already run, so the tensors only it saved (its input, the probe's output, and its
        // output) must be collectable while the engine is still working.
        Variable x = Variable.of(Tensor.rand(new Generator(3), 1000)).requiresGrad(true);
        Variable lower = x.exp();
        AtomicBoolean probed = new AtomicBoolean();
        AtomicReference<WeakReference<Tensor>> upperOut = new AtomicReference<>();
        AtomicReference<WeakReference<Tensor>> probeOut = new AtomicReference<>();
        AtomicReference<WeakReference<Tensor>> lowerOut = new AtomicReference<>(new WeakReference<>(lower.data()));
        AtomicBoolean freedInTime = new AtomicBoolean();
        AtomicBoolean lowerStillAlive = new AtomicBoolean();
        Variable probe = Variable.record(
                "probe",
                lower.data().copy(),
                g -> {
                    probed.set(true);
                    freedInTime.set(collected(upperOut.get()) && collected(probeOut.get()));
                    // The lower exp has not run yet: its saved output must still be alive.
                    lowerStillAlive.set(lowerOut.get().get() != null);
                    return new Tensor[] {g};
                },
                lower);
        probeOut.set(new WeakReference<>(probe.data()));
        Variable upper = probe.exp();
        upperOut.set(new WeakReference<>(upper.data()));
        Variable loss = upper.sum();
        lower = null;
        probe = null;
        upper = null;
        loss.backward();
        assertTrue(probed.get());
        assertTrue(lowerStillAlive.get());
        assertTrue(freedInTime.get(), "saved tensors of a node that already ran were still reachable");
        assertTrue(collected(lowerOut.get()), "after backward the whole graph must be collectable");
    }

    private static boolean collected(WeakReference<Tensor> ref) {
        for (int i = 0; i < 10 && ref.get() != null; i++) {
            System.gc();
        }
        return ref.get() == null;
    }

    @Test
    void aGraphThatIsNeverBackpropagatedIsCollectable() {
        Variable x = TestVars.leaf(1, 64, 64);
        Variable h = x.tanh();
        WeakReference<Tensor> saved = new WeakReference<>(h.data());
        Variable y = h.mul(x).sum();
        h = null;
        y = null;
        assertTrue(collected(saved));
    }

    // ------------------------------------------------------------------ no-grad scope

    @Test
    void noGradScopeStopsRecordingAndRestoresTheMode() {
        Variable x = Variable.of(1f, 2f).requiresGrad(true);
        assertTrue(Autograd.isGradEnabled());
        Variable y;
        try (Autograd.NoGrad off = Autograd.noGrad()) {
            assertFalse(Autograd.isGradEnabled());
            y = x.mul(2f).exp();
        }
        assertTrue(Autograd.isGradEnabled());
        assertFalse(y.requiresGrad());
        assertTrue(y.isLeaf());
        assertTrue(x.mul(2f).requiresGrad());
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("does not require grad"), e.getMessage());
    }

    @Test
    void noGradScopesNest() {
        try (Autograd.NoGrad outer = Autograd.noGrad()) {
            try (Autograd.NoGrad inner = Autograd.noGrad()) {
                assertFalse(Autograd.isGradEnabled());
            }
            assertFalse(Autograd.isGradEnabled(), "closing the inner scope must not re-enable grad");
            outer.close();
            outer.close(); // idempotent: a second close must not unbalance the depth
            assertTrue(Autograd.isGradEnabled());
        }
        assertTrue(Autograd.isGradEnabled());
    }

    @Test
    void anExceptionInsideTheScopeRestoresTheMode() {
        Variable x = Variable.of(1f).requiresGrad(true);
        assertThrows(ArithmeticException.class, () -> {
            try (Autograd.NoGrad off = Autograd.noGrad()) {
                try (Autograd.NoGrad again = Autograd.noGrad()) {
                    throw new ArithmeticException("boom");
                }
            }
        });
        assertTrue(Autograd.isGradEnabled());
        assertTrue(x.exp().requiresGrad());
    }

    @Test
    void theScopeIsPerThread() throws Exception {
        try (Autograd.NoGrad off = Autograd.noGrad()) {
            AtomicBoolean other = new AtomicBoolean();
            Thread t = new Thread(() -> other.set(Autograd.isGradEnabled()
                    && Variable.of(1f).requiresGrad(true).exp().requiresGrad()));
            t.start();
            t.join();
            assertTrue(other.get(), "another thread must still record");
        }
    }

    @Test
    void backwardFunctionsRunWithoutRecording() {
        AtomicBoolean enabledInside = new AtomicBoolean(true);
        Variable x = Variable.of(1f, 2f).requiresGrad(true);
        Variable y = Variable.record(
                "spy",
                x.data().copy(),
                g -> {
                    enabledInside.set(Autograd.isGradEnabled());
                    return new Tensor[] {g};
                },
                x);
        y.sum().backward();
        assertFalse(enabledInside.get());
        assertTrue(Autograd.isGradEnabled(), "grad mode is restored after backward");
    }

    // ------------------------------------------------------------------ errors

    @Test
    void backwardOnANonScalarNeedsAGradient() {
        Variable y = Variable.of(1f, 2f).requiresGrad(true).mul(2f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, y::backward);
        assertTrue(e.getMessage().contains("scalar") && e.getMessage().contains("[2]"), e.getMessage());
        ShapeMismatchException s = assertThrows(ShapeMismatchException.class, () -> y.backward(Tensor.ones(3)));
        assertTrue(s.getMessage().contains("[3]") && s.getMessage().contains("[2]"), s.getMessage());
        // A one-element non-scalar counts as a scalar, as in PyTorch.
        Variable x = Variable.of(4f).requiresGrad(true);
        x.mul(x).backward();
        assertClose(new float[] {8}, x.grad().toArray(), 0);
    }

    @Test
    void modifyingASavedTensorInPlaceIsAnErrorNamingTheOp() {
        Variable x = Variable.of(1f, 2f).requiresGrad(true);
        Variable w = Variable.of(3f, 4f);
        Variable y = x.mul(w).sum();
        w.data().fill(0f);
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("'mul'"), e.getMessage());
        assertTrue(e.getMessage().contains("modified in place"), e.getMessage());

        // The output of exp is saved: writing into it (even through a view) is caught too.
        Variable a = Variable.of(1f, 2f, 3f, 4f).requiresGrad(true);
        Variable b = a.exp();
        Variable loss = b.sum();
        b.data().reshape(2, 2).set(0f, 1, 1);
        IllegalStateException e2 = assertThrows(IllegalStateException.class, loss::backward);
        assertTrue(e2.getMessage().contains("'exp'"), e2.getMessage());

        // A bulk write from an array counts too.
        Variable p = Variable.of(new float[][] {{1, 2}, {3, 4}}).requiresGrad(true);
        Variable q = Variable.of(new float[][] {{1, 0}, {0, 1}});
        Variable r = p.matmul(q).sum();
        q.data().copyFrom(new float[] {5, 0, 0, 1}, 0);
        IllegalStateException e3 = assertThrows(IllegalStateException.class, r::backward);
        assertTrue(e3.getMessage().contains("'matmul'"), e3.getMessage());
    }

    @Test
    void inPlaceChangesToInputsAnOpDoesNotSaveAreAllowed() {
        // add saves nothing, so modifying its input afterwards is harmless (as in PyTorch).
        Variable x = Variable.of(1f, 2f).requiresGrad(true);
        Variable c = Variable.of(3f, 4f);
        Variable y = x.add(c).sum();
        c.data().fill(7f);
        y.backward();
        assertClose(new float[] {1, 1}, x.grad().toArray(), 0);
    }

    @Test
    void indexAndConditionTensorsAreVersionChecked() {
        // The backward of where/gather/indexSelect/embedding reads the condition or index tensor: changing
        // it in place between forward and backward would route gradients to the wrong elements.
        Variable x = Variable.of(1f, 2f, 3f).requiresGrad(true);
        Tensor cond = Tensor.ofBools(true, false, true);
        Variable w = Variable.where(cond, x, Variable.zeros(3)).sum();
        cond.fill(0f);
        IllegalStateException e = assertThrows(IllegalStateException.class, w::backward);
        assertTrue(e.getMessage().contains("'where'"), e.getMessage());

        Tensor idx = TestVars.index(new int[] {0, 2}, 2);
        Variable s = x.indexSelect(0, idx).sum();
        idx.set(1f, 0);
        e = assertThrows(IllegalStateException.class, s::backward);
        assertTrue(e.getMessage().contains("'indexSelect'"), e.getMessage());

        Variable m = Variable.of(new float[][] {{1, 2}, {3, 4}}).requiresGrad(true);
        Tensor gi = TestVars.index(new int[] {1, 0}, 2, 1);
        Variable gsum = m.gather(1, gi).sum();
        gi.set(0f, 0, 0);
        e = assertThrows(IllegalStateException.class, gsum::backward);
        assertTrue(e.getMessage().contains("'gather'"), e.getMessage());

        Variable table = Variable.of(new float[][] {{1, 2}, {3, 4}, {5, 6}}).requiresGrad(true);
        Variable ids = Variable.of(Tensor.ofLongs(0, 2));
        Variable esum = Functional.embedding(ids, table).sum();
        ids.data().set(1f, 1);
        e = assertThrows(IllegalStateException.class, esum::backward);
        assertTrue(e.getMessage().contains("'embedding'"), e.getMessage());
    }

    @Test
    void aBackwardThatReturnsAWronglyShapedGradientIsReported() {
        Variable x = Variable.of(1f, 2f).requiresGrad(true);
        Variable y = Variable.record("broken", x.data().copy(), g -> new Tensor[] {Tensor.zeros(3)}, x);
        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> y.sum().backward());
        assertTrue(e.getMessage().contains("brokenBackward") && e.getMessage().contains("[3]"), e.getMessage());
        Variable z = Variable.record("wrongCount", x.data().copy(), g -> new Tensor[] {g, g}, x);
        IllegalStateException e2 =
                assertThrows(IllegalStateException.class, () -> z.sum().backward());
        assertTrue(e2.getMessage().contains("wrongCountBackward"), e2.getMessage());
        assertTrue(Autograd.isGradEnabled(), "a failing backward restores the grad mode");
    }
}
