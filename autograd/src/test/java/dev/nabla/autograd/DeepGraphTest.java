package dev.nabla.autograd;

import static dev.nabla.autograd.TestVars.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Graphs far deeper than any recursive traversal could handle. Both run on a thread with a
 * 512 KB stack, far less than a recursion over their depth would need (the test JVM's own
 * threads get 4 MB, which could hide a moderately recursive engine).
 */
@SuppressWarnings("try") // the no-grad scope is opened for its effect, not referenced
class DeepGraphTest {

    private static final long SMALL_STACK = 512 * 1024;

    private static void onSmallStack(Runnable body) throws Throwable {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(
                null,
                () -> {
                    try {
                        body.run();
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                },
                "small-stack",
                SMALL_STACK);
        t.start();
        t.join();
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    @Test
    void aChainOfOneHundredThousandOps() throws Throwable {
        onSmallStack(() -> {
            Variable x = Variable.of(1f, 2f).requiresGrad(true);
            Variable s = Variable.scalar(1f).requiresGrad(true);
            Variable y = x;
            for (int i = 0; i < 50_000; i++) {
                y = y.mul(s).add(0f);
            }
            y.sum().backward();
            // y = x * s^50000: dy/dx = s^50000 = 1, dy/ds = 50000 * s^49999 * x summed over x = 150000,
            // every partial sum an integer well below 2^24, so float32 is exact.
            assertClose(new float[] {1, 1}, x.grad().toArray(), 0);
            assertEquals(150_000f, s.grad().item());
        });
    }

    @Test
    void anLstmUnrolledOverOneThousandSteps() throws Throwable {
        onSmallStack(() -> {
            int steps = 1000;
            int batch = 2;
            int in = 3;
            int hidden = 8;
            Generator gen = new Generator(11);
            Tensor xs = Tensor.uniform(gen, -1, 1, steps, batch, in);
            Variable wIh =
                    Variable.of(Tensor.uniform(gen, -0.5, 0.5, 4 * hidden, in)).requiresGrad(true);
            Variable wHh = Variable.of(Tensor.uniform(gen, -0.5, 0.5, 4 * hidden, hidden))
                    .requiresGrad(true);
            Variable bIh =
                    Variable.of(Tensor.uniform(gen, -0.5, 0.5, 4 * hidden)).requiresGrad(true);
            Variable bHh =
                    Variable.of(Tensor.uniform(gen, -0.5, 0.5, 4 * hidden)).requiresGrad(true);
            Variable loss = unroll(xs, wIh, wHh, bIh, bHh, hidden);
            loss.backward();
            for (Variable p : new Variable[] {wIh, wHh, bIh, bHh}) {
                for (float g : p.grad().toArray()) {
                    assertTrue(Float.isFinite(g), "gradient not finite");
                }
            }
            // The directional derivative along a random direction d must match the central
            // difference of the whole 1000-step loss: (L(w + eps d) - L(w - eps d)) / 2 eps.
            Tensor d = Tensor.uniform(new Generator(12), -1, 1, 4 * hidden, hidden);
            double analytic = dot(wHh.grad().data(), d);
            float eps = 1e-2f;
            Tensor w0 = wHh.data().copy();
            double lossPlus;
            double lossMinus;
            try (Autograd.NoGrad off = Autograd.noGrad()) {
                wHh.data().copyFrom(w0.add(d.mul(eps)));
                lossPlus = unroll(xs, wIh, wHh, bIh, bHh, hidden).item();
                wHh.data().copyFrom(w0.sub(d.mul(eps)));
                lossMinus = unroll(xs, wIh, wHh, bIh, bHh, hidden).item();
                wHh.data().copyFrom(w0);
            }
            double numeric = (lossPlus - lossMinus) / (2 * eps);
            assertTrue(Math.abs(analytic) > 1e-2, "the check needs a gradient that is not negligible: " + analytic);
            assertEquals(numeric, analytic, 2e-3 + 1e-2 * Math.abs(numeric), "directional derivative");
        });
    }

    private static Variable unroll(Tensor xs, Variable wIh, Variable wHh, Variable bIh, Variable bHh, int hidden) {
        int batch = xs.size(1);
        Variable h = Variable.zeros(batch, hidden);
        Variable c = Variable.zeros(batch, hidden);
        for (int t = 0; t < xs.size(0); t++) {
            Variable[] hc = CompositionGradTest.lstmCell(Variable.of(xs.select(0, t)), h, c, wIh, wHh, bIh, bHh);
            h = hc[0];
            c = hc[1];
        }
        return h.sum().add(c.square().mean());
    }

    private static double dot(Tensor a, Tensor b) {
        float[] x = a.toArray();
        float[] y = b.toArray();
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += (double) x[i] * y[i];
        }
        return s;
    }
}
