package dev.nabla.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.tensor.DType;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** User-defined differentiable functions: the worked examples of the Javadoc and ARCHITECTURE.md, and the contract. */
class AutogradFunctionTest {

    /** Swish (SiLU): x * sigmoid(x), derivative s * (1 + x * (1 - s)) from the saved sigmoid. */
    static final class Swish extends AutogradFunction {
        @Override
        protected Tensor forward(FunctionContext ctx, Tensor... in) {
            Tensor x = in[0];
            Tensor s = x.sigmoid();
            ctx.saveForBackward(x, s);
            return x.mul(s);
        }

        @Override
        protected Tensor[] backward(FunctionContext ctx, Tensor grad) {
            Tensor x = ctx.saved(0);
            Tensor s = ctx.saved(1);
            Tensor ds = s.mul(x.mul(s.neg().add(1f)).add(1f));
            return new Tensor[] {grad.mul(ds)};
        }
    }

    /** Clamp whose gradient passes straight through, also outside the range (a straight-through estimator). */
    static final class StraightThroughClamp extends AutogradFunction {
        private final float min;
        private final float max;

        StraightThroughClamp(float min, float max) {
            this.min = min;
            this.max = max;
        }

        @Override
        protected Tensor forward(FunctionContext ctx, Tensor... in) {
            return in[0].clamp(min, max);
        }

        @Override
        protected Tensor[] backward(FunctionContext ctx, Tensor grad) {
            return new Tensor[] {grad};
        }
    }

    /** {@code x * w + b} with a broadcast {@code w}, an optional {@code b}, and only the gradients asked for. */
    static final class ScaleShift extends AutogradFunction {
        final List<String> computed = new ArrayList<>();

        @Override
        protected Tensor forward(FunctionContext ctx, Tensor... in) {
            ctx.saveForBackward(in[0], in[1]);
            Tensor y = in[0].mul(in[1]);
            return in[2] == null ? y : y.add(in[2]);
        }

        @Override
        protected Tensor[] backward(FunctionContext ctx, Tensor grad) {
            Tensor gx = null;
            Tensor gw = null;
            if (ctx.needsInputGrad(0)) {
                computed.add("x");
                gx = grad.mul(ctx.saved(1));
            }
            if (ctx.needsInputGrad(1)) {
                computed.add("w");
                gw = grad.mul(ctx.saved(0))
                        .sum(0, true)
                        .reshape(ctx.inputShape(1).dims());
            }
            return new Tensor[] {gx, gw, ctx.inputShape(2) == null ? null : grad.sum(0)};
        }
    }

    /** Each row's maximum and its position (int64, never differentiable). */
    static final class MaxWithIndex extends MultiOutputFunction {
        @Override
        protected Tensor[] forward(FunctionContext ctx, Tensor... in) {
            Tensor idx = in[0].argmax(1, true);
            ctx.saveForBackward(idx);
            return new Tensor[] {in[0].gather(1, idx), idx};
        }

        @Override
        protected Tensor[] backward(FunctionContext ctx, Tensor... grads) {
            assertNull(grads[1], "an integer output gets no gradient");
            return new Tensor[] {Tensor.zeros(ctx.inputShape(0)).scatterAdd(1, ctx.saved(0), grads[0])};
        }
    }

    /** The two halves of a vector, and its sum marked non-differentiable. */
    static final class Halves extends MultiOutputFunction {
        Tensor[] lastGrads;

        @Override
        protected Tensor[] forward(FunctionContext ctx, Tensor... in) {
            int n = in[0].size(0) / 2;
            Tensor total = in[0].sum();
            ctx.markNonDifferentiable(total);
            return new Tensor[] {
                in[0].narrow(0, 0, n).copy(), in[0].narrow(0, n, n).copy(), total
            };
        }

        @Override
        protected Tensor[] backward(FunctionContext ctx, Tensor... grads) {
            lastGrads = grads;
            return new Tensor[] {Tensor.cat(0, grads[0], grads[1])};
        }
    }

    private static Variable leaf(long seed, int... dims) {
        return Variable.randn(new Generator(seed), dims).requiresGrad(true);
    }

    @Test
    void swishHasTheGradientOfItsComposition() {
        Variable x = leaf(1, 4, 3);
        Variable y = new Swish().apply(x);
        assertEquals("SwishBackward", y.gradFnName());
        Tensor r = Tensor.randn(new Generator(2), 4, 3);
        y.backward(r);
        Tensor mine = x.grad().data().copy();
        x.setGrad(null);
        x.mul(x.sigmoid()).backward(r);
        assertTrue(mine.allClose(x.grad().data(), 1e-5, 1e-6));
        assertTrue(y.data().allClose(x.data().mul(x.data().sigmoid()), 0, 0));
        GradCheck.check(in -> new Swish().apply(in[0]), x);
        GradCheck.check(in -> new Swish().apply(in[0].mul(in[0])).sum(1), x);
    }

    @Test
    void aStraightThroughGradientPassesWhereClampWouldStopIt() {
        Variable x = Variable.of(-2f, -0.5f, 0.5f, 2f).requiresGrad(true);
        Variable y = new StraightThroughClamp(-1, 1).apply(x);
        assertArrayEquals(new float[] {-1, -0.5f, 0.5f, 1}, y.toArray());
        y.mul(Variable.of(1f, 2f, 3f, 4f)).sum().backward();
        assertArrayEquals(new float[] {1, 2, 3, 4}, x.grad().toArray(), "every element, inside the range or not");
        x.setGrad(null);
        x.clamp(-1, 1).mul(Variable.of(1f, 2f, 3f, 4f)).sum().backward();
        assertArrayEquals(new float[] {0, 2, 3, 0}, x.grad().toArray(), "the built-in clamp's gradient stops outside");
    }

    @Test
    void needsInputGradSkipsGradientsAndNullInputsAreAllowed() {
        Variable x = leaf(3, 5, 3);
        Variable w = Variable.randn(new Generator(4), 1, 3);
        ScaleShift f = new ScaleShift();
        f.apply(x, w, null).sum().backward();
        assertEquals(List.of("x"), f.computed, "w does not require grad: its gradient is not computed");
        assertTrue(x.grad().data().allClose(w.data().expand(5, 3), 0, 0));
        w.requiresGrad(true);
        Variable b = leaf(5, 3);
        GradCheck.check(in -> new ScaleShift().apply(in[0], in[1], in[2]), x, w, b);
    }

    @Test
    void severalOutputsIntegerOutputsAndOutputsWithoutAGradient() {
        // Values 0.1 apart, so no finite-difference step changes which one is a row's maximum.
        Variable x = Variable.of(Tensor.randperm(new Generator(6), 12)
                        .toFloat()
                        .mul(0.1f)
                        .reshape(3, 4))
                .requiresGrad(true);
        Variable[] r = new MaxWithIndex().apply(x);
        assertTrue(r[0].requiresGrad());
        assertFalse(r[1].requiresGrad(), "int64 positions are constants");
        assertEquals(DType.INT64, r[1].dtype());
        assertEquals("MaxWithIndexBackward", r[0].gradFnName());
        GradCheck.check(in -> new MaxWithIndex().apply(in[0])[0], x);

        Variable v = leaf(7, 6);
        Halves h = new Halves();
        Variable[] parts = h.apply(v);
        assertFalse(parts[2].requiresGrad(), "marked non-differentiable");
        assertEquals(v.data().sum().item(), parts[2].item(), 1e-6);
        parts[1].mul(3f).sum().backward();
        assertArrayEquals(new float[3], h.lastGrads[0].toArray(), "an unused output's gradient comes as zeros");
        assertArrayEquals(new float[] {0, 0, 0, 3, 3, 3}, v.grad().toArray());
        GradCheck.check(
                in -> {
                    Variable[] p = new Halves().apply(in[0]);
                    return p[0].mul(p[1]);
                },
                v);
    }

    @Test
    void savedTensorsAreVersionCheckedLikeTheBuiltIns() {
        Variable x = leaf(8, 3);
        Variable y = new Swish().apply(x).sum();
        x.data().fill(1f);
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("'Swish'") && e.getMessage().contains("modified in place"), e.getMessage());
    }

    @Test
    void nothingIsRecordedWithoutAnInputThatRequiresGrad() {
        Variable c = Variable.randn(new Generator(9), 3);
        assertFalse(new Swish().apply(c).requiresGrad());
        Variable x = leaf(10, 3);
        try (var off = Autograd.noGrad()) {
            assertFalse(new Swish().apply(x).requiresGrad(), "inside noGrad");
        }
        Variable y = new Swish().apply(x).sum();
        y.backward(Tensor.scalar(1f), true);
        Tensor once = x.grad().data().copy();
        y.backward(Tensor.scalar(1f), true);
        assertTrue(x.grad().data().allClose(once.mul(2f), 1e-6, 0), "a retained graph runs the backward again");
    }

    @Test
    void contractViolationsNameTheFunction() {
        Variable x = leaf(11, 3);
        AutogradFunction twoGrads = new AutogradFunction() {
            @Override
            protected Tensor forward(FunctionContext ctx, Tensor... in) {
                return in[0].copy();
            }

            @Override
            protected Tensor[] backward(FunctionContext ctx, Tensor g) {
                return new Tensor[] {g, g};
            }

            @Override
            protected String name() {
                return "TwoGrads";
            }
        };
        IllegalStateException e = assertThrows(
                IllegalStateException.class, () -> twoGrads.apply(x).sum().backward());
        assertTrue(e.getMessage().contains("TwoGradsBackward"), e.getMessage());

        AutogradFunction saveLate = new AutogradFunction() {
            @Override
            protected Tensor forward(FunctionContext ctx, Tensor... in) {
                return in[0].copy();
            }

            @Override
            protected Tensor[] backward(FunctionContext ctx, Tensor g) {
                ctx.saveForBackward(g);
                return new Tensor[] {g};
            }
        };
        e = assertThrows(
                IllegalStateException.class, () -> saveLate.apply(x).sum().backward());
        assertTrue(e.getMessage().contains("AutogradFunction: saveForBackward is for forward"), e.getMessage());

        Variable wrongShape = new AutogradFunction() {
            @Override
            protected Tensor forward(FunctionContext ctx, Tensor... in) {
                return in[0].copy();
            }

            @Override
            protected Tensor[] backward(FunctionContext ctx, Tensor g) {
                return new Tensor[] {Tensor.zeros(4)};
            }
        }.apply(x);
        e = assertThrows(IllegalStateException.class, () -> wrongShape.sum().backward());
        assertTrue(e.getMessage().contains("[4]") && e.getMessage().contains("[3]"), e.getMessage());
    }
}
