package dev.nabla.autograd;

import static dev.nabla.autograd.Variable.constant;
import static dev.nabla.autograd.Variable.record;

import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;
import dev.nabla.tensor.TensorFunctional;
import java.util.Arrays;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Elementwise primitives, each forward beside its backward. Binary ops broadcast, so their
 * gradients are summed back to each input's shape ({@link #sumTo}).
 */
final class PointwiseOps {
    private PointwiseOps() {}

    /** Sums a broadcast gradient back down to {@code shape}. */
    static Tensor sumTo(Tensor g, Shape shape) {
        if (g.shape().equals(shape)) {
            return g;
        }
        int lead = g.dim() - shape.rank();
        int[] axes = new int[g.dim()];
        int n = 0;
        for (int i = 0; i < g.dim(); i++) {
            if (i < lead || (shape.size(i - lead) == 1 && g.size(i) != 1)) {
                axes[n++] = i;
            }
        }
        Tensor s = n == 0 ? g : g.sum(Arrays.copyOf(axes, n), true);
        return s.reshape(shape.dims());
    }

    static Variable add(Variable a, Variable b) {
        Tensor out = a.data().add(b.data());
        if (!Autograd.needsGrad(a, b)) {
            return constant(out);
        }
        Shape sa = a.shape();
        Shape sb = b.shape();
        return record(
                "add",
                out,
                g -> new Tensor[] {a.requiresGrad() ? sumTo(g, sa) : null, b.requiresGrad() ? sumTo(g, sb) : null},
                a,
                b);
    }

    static Variable sub(Variable a, Variable b) {
        Tensor out = a.data().sub(b.data());
        if (!Autograd.needsGrad(a, b)) {
            return constant(out);
        }
        Shape sa = a.shape();
        Shape sb = b.shape();
        return record(
                "sub",
                out,
                g -> new Tensor[] {a.requiresGrad() ? sumTo(g, sa) : null, b.requiresGrad() ? sumTo(g.neg(), sb) : null
                },
                a,
                b);
    }

    static Variable mul(Variable a, Variable b) {
        Tensor out = a.data().mul(b.data());
        if (!Autograd.needsGrad(a, b)) {
            return constant(out);
        }
        Saved xa = new Saved("mul", a.data());
        Saved xb = new Saved("mul", b.data());
        return record(
                "mul",
                out,
                g -> new Tensor[] {
                    a.requiresGrad() ? sumTo(g.mul(xb.get()), a.shape()) : null,
                    b.requiresGrad() ? sumTo(g.mul(xa.get()), b.shape()) : null
                },
                a,
                b);
    }

    static Variable div(Variable a, Variable b) {
        Tensor out = a.data().div(b.data());
        if (!Autograd.needsGrad(a, b)) {
            return constant(out);
        }
        Saved xb = new Saved("div", b.data());
        Saved y = new Saved("div", out);
        // d(a/b)/da = 1/b ; d(a/b)/db = -a/b^2 = -y/b
        return record(
                "div",
                out,
                g -> {
                    Tensor gb = g.div(xb.get());
                    return new Tensor[] {
                        a.requiresGrad() ? sumTo(gb, a.shape()) : null,
                        b.requiresGrad() ? sumTo(gb.mul(y.get()).neg(), b.shape()) : null
                    };
                },
                a,
                b);
    }

    static Variable pow(Variable a, Variable b) {
        Tensor out = a.data().pow(b.data());
        if (!Autograd.needsGrad(a, b)) {
            return constant(out);
        }
        Saved xa = new Saved("pow", a.data());
        Saved xb = new Saved("pow", b.data());
        Saved y = new Saved("pow", out);
        return record(
                "pow",
                out,
                g -> {
                    Tensor ga = null;
                    Tensor gb = null;
                    if (a.requiresGrad()) {
                        // b * a^(b-1), with 0 where b == 0 (PyTorch's convention: no 0 * inf = NaN)
                        Tensor e = xb.get();
                        Tensor d = e.mul(xa.get().pow(e.sub(1f)));
                        ga = sumTo(g.mul(Tensor.where(e.eq(0f), Tensor.scalar(0f), d)), a.shape());
                    }
                    if (b.requiresGrad()) {
                        // y * ln(a), with 0 where a == 0 and y == 0 (so 0^b contributes nothing)
                        Tensor base = xa.get();
                        Tensor d = y.get().mul(base.log());
                        gb = sumTo(g.mul(Tensor.where(base.eq(0f), Tensor.scalar(0f), d)), b.shape());
                    }
                    return new Tensor[] {ga, gb};
                },
                a,
                b);
    }

    static Variable powScalar(Variable a, float p) {
        Tensor out = a.data().pow(p);
        if (!Autograd.needsGrad(a)) {
            return constant(out);
        }
        Saved xa = new Saved("pow", a.data());
        return record(
                "pow",
                Map.of("exponent", p),
                out,
                g -> new Tensor[] {
                    p == 0f ? Tensor.zerosLike(g) : g.mul(xa.get().pow(p - 1f)).mul(p)
                },
                a);
    }

    /** Gradient flows to the larger input; on ties it is split evenly, as PyTorch does. */
    static Variable extremum(Variable a, Variable b, boolean max) {
        Tensor out = max ? a.data().maximum(b.data()) : a.data().minimum(b.data());
        String name = max ? "maximum" : "minimum";
        if (!Autograd.needsGrad(a, b)) {
            return constant(out);
        }
        Saved xa = new Saved(name, a.data());
        Saved xb = new Saved(name, b.data());
        return record(
                name,
                out,
                g -> {
                    Tensor av = xa.get();
                    Tensor bv = xb.get();
                    Tensor aWins = max ? av.gt(bv) : av.lt(bv);
                    Tensor tie = av.eq(bv).mul(0.5f);
                    Tensor wa = aWins.add(tie);
                    Tensor wb = Tensor.onesLike(wa).sub(wa);
                    return new Tensor[] {
                        a.requiresGrad() ? sumTo(g.mul(wa), a.shape()) : null,
                        b.requiresGrad() ? sumTo(g.mul(wb), b.shape()) : null
                    };
                },
                a,
                b);
    }

    static Variable where(Tensor condition, Variable a, Variable b) {
        Tensor out = Tensor.where(condition, a.data(), b.data());
        if (!Autograd.needsGrad(a, b)) {
            return constant(out);
        }
        Saved c = new Saved("where", condition);
        return record(
                "where",
                Map.of("condition", condition),
                out,
                g -> {
                    Tensor cv = c.get();
                    Tensor zero = Tensor.scalar(0f);
                    return new Tensor[] {
                        a.requiresGrad() ? sumTo(Tensor.where(cv, g, zero), a.shape()) : null,
                        b.requiresGrad() ? sumTo(Tensor.where(cv, zero, g), b.shape()) : null
                    };
                },
                a,
                b);
    }

    /** What a unary op's backward reads: nothing, its input, or its output. */
    private enum Keep {
        NOTHING,
        INPUT,
        OUTPUT
    }

    /** A unary op's gradient: {@code g * f'(x)}, from the input {@code x} or the output {@code y} (whichever it keeps). */
    @FunctionalInterface
    private interface UnaryBackward {
        Tensor apply(Tensor g, Tensor x, Tensor y);
    }

    /** A unary op: its forward, and a backward that saves only the tensor it reads. */
    private static Variable unary(
            String name, Variable a, UnaryOperator<Tensor> forward, Keep keep, UnaryBackward backward) {
        Tensor out = forward.apply(a.data());
        if (!Autograd.needsGrad(a)) {
            return constant(out);
        }
        Saved s = keep == Keep.NOTHING ? null : new Saved(name, keep == Keep.INPUT ? a.data() : out);
        return record(
                name,
                out,
                g -> {
                    Tensor kept = s == null ? null : s.get();
                    return new Tensor[] {
                        backward.apply(g, keep == Keep.INPUT ? kept : null, keep == Keep.OUTPUT ? kept : null)
                    };
                },
                a);
    }

    static Variable neg(Variable a) {
        return unary("neg", a, Tensor::neg, Keep.NOTHING, (g, x, y) -> g.neg());
    }

    static Variable exp(Variable a) {
        return unary("exp", a, Tensor::exp, Keep.OUTPUT, (g, x, y) -> g.mul(y));
    }

    static Variable log(Variable a) {
        return unary("log", a, Tensor::log, Keep.INPUT, (g, x, y) -> g.div(x));
    }

    static Variable sqrt(Variable a) {
        return unary("sqrt", a, Tensor::sqrt, Keep.OUTPUT, (g, x, y) -> g.div(y).mul(0.5f));
    }

    /** {@code d x^(-1/2) = -x^(-3/2) / 2 = -y^3 / 2}. */
    static Variable rsqrt(Variable a) {
        return unary(
                "rsqrt",
                a,
                Tensor::rsqrt,
                Keep.OUTPUT,
                (g, x, y) -> g.mul(y.square().mul(y)).mul(-0.5f));
    }

    static Variable abs(Variable a) {
        return unary("abs", a, Tensor::abs, Keep.INPUT, (g, x, y) -> g.mul(x.sign()));
    }

    static Variable square(Variable a) {
        return unary(
                "square", a, Tensor::square, Keep.INPUT, (g, x, y) -> g.mul(x).mul(2f));
    }

    /** {@code d (1/x) = -1/x^2 = -y^2}. */
    static Variable reciprocal(Variable a) {
        return unary(
                "reciprocal",
                a,
                Tensor::reciprocal,
                Keep.OUTPUT,
                (g, x, y) -> g.mul(y.square()).neg());
    }

    // The activations' gradients are single fused kernel passes.

    static Variable tanh(Variable a) {
        return unary("tanh", a, Tensor::tanh, Keep.OUTPUT, (g, x, y) -> TensorFunctional.tanhBackward(g, y));
    }

    static Variable sigmoid(Variable a) {
        return unary("sigmoid", a, Tensor::sigmoid, Keep.OUTPUT, (g, x, y) -> TensorFunctional.sigmoidBackward(g, y));
    }

    static Variable relu(Variable a) {
        return unary("relu", a, Tensor::relu, Keep.INPUT, (g, x, y) -> TensorFunctional.reluBackward(g, x));
    }

    static Variable gelu(Variable a) {
        return unary("gelu", a, Tensor::gelu, Keep.INPUT, (g, x, y) -> TensorFunctional.geluBackward(g, x));
    }

    static Variable clamp(Variable a, float lo, float hi) {
        Tensor out = a.data().clamp(lo, hi);
        if (!Autograd.needsGrad(a)) {
            return constant(out);
        }
        Saved x = new Saved("clamp", a.data());
        // Gradient passes where the input lies inside [lo, hi] (boundaries included, as in PyTorch).
        return record(
                "clamp",
                Map.of("min", lo, "max", hi),
                out,
                g -> {
                    Tensor xv = x.get();
                    Tensor inside = xv.ge(Tensor.scalar(lo)).mul(xv.le(Tensor.scalar(hi)));
                    return new Tensor[] {g.mul(inside)};
                },
                a);
    }

    static Variable leakyRelu(Variable a, float slope) {
        Tensor x = a.data();
        Tensor out = Tensor.where(x.gt(0f), x, x.mul(slope));
        if (!Autograd.needsGrad(a)) {
            return constant(out);
        }
        Saved xs = new Saved("leakyRelu", x);
        return record(
                "leakyRelu",
                Map.of("slope", slope),
                out,
                g -> new Tensor[] {Tensor.where(xs.get().gt(0f), g, g.mul(slope))},
                a);
    }
}
