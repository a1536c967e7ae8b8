package dev.nabla.autograd;

import static dev.nabla.autograd.Variable.constant;
import static dev.nabla.autograd.Variable.record;

import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;
import java.util.Map;

/** Reductions; each gradient is the output gradient broadcast back over the reduced axes. */
final class ReductionOps {
    private ReductionOps() {}

    /** The reduced axes as PyTorch would read them: empty means all. */
    private static int[] normalize(Shape s, int[] dims) {
        if (dims.length == 0) {
            int[] all = new int[s.rank()];
            for (int i = 0; i < all.length; i++) {
                all[i] = i;
            }
            return all;
        }
        int[] out = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            out[i] = s.axis(dims[i]);
        }
        return out;
    }

    /** The gradient {@code g} of a reduced result, reshaped to keepdim form and broadcast to {@code s}. */
    private static Tensor unreduce(Tensor g, Shape s, int[] axes) {
        int[] kd = s.dims();
        for (int a : axes) {
            kd[a] = 1;
        }
        return g.reshape(kd).expand(s.dims());
    }

    static Variable sum(Variable a, int[] dims, boolean keepdim) {
        Tensor out = a.data().sum(dims, keepdim);
        if (!Autograd.needsGrad(a)) {
            return constant(out);
        }
        Shape s = a.shape();
        int[] axes = normalize(s, dims);
        return record(
                "sum", Map.of("dims", axes, "keepdim", keepdim), out, g -> new Tensor[] {unreduce(g, s, axes)}, a);
    }

    static Variable mean(Variable a, int[] dims, boolean keepdim) {
        Tensor out = a.data().mean(dims, keepdim);
        if (!Autograd.needsGrad(a)) {
            return constant(out);
        }
        Shape s = a.shape();
        int[] axes = normalize(s, dims);
        int count = 1;
        for (int ax : axes) {
            count *= s.size(ax);
        }
        float scale = 1f / count;
        return record(
                "mean",
                Map.of("dims", axes, "keepdim", keepdim),
                out,
                g -> new Tensor[] {unreduce(g.mul(scale), s, axes)},
                a);
    }

    /** max/min over axes; the gradient is shared evenly by the positions that attain the extremum. */
    static Variable extremum(Variable a, int[] dims, boolean keepdim, boolean max) {
        Tensor out = max ? a.data().max(dims, keepdim) : a.data().min(dims, keepdim);
        String name = max ? "max" : "min";
        if (!Autograd.needsGrad(a)) {
            return constant(out);
        }
        Shape s = a.shape();
        int[] axes = normalize(s, dims);
        Saved x = new Saved(name, a.data());
        Saved y = new Saved(name, out);
        return record(
                name,
                Map.of("dims", axes, "keepdim", keepdim),
                out,
                g -> {
                    Tensor hit = x.get().eq(unreduce(y.get(), s, axes));
                    Tensor count = hit.sum(axes, true);
                    return new Tensor[] {hit.div(count).mul(unreduce(g, s, axes))};
                },
                a);
    }

    /** Variance: d var / dx = 2 (x - mean) / (N - correction). */
    static Variable var(Variable a, int[] dims, boolean keepdim, int correction) {
        Tensor out = a.data().var(dims, keepdim, correction);
        if (!Autograd.needsGrad(a)) {
            return constant(out);
        }
        Shape s = a.shape();
        int[] axes = normalize(s, dims);
        int count = 1;
        for (int ax : axes) {
            count *= s.size(ax);
        }
        float scale = 2f / (count - correction);
        Saved x = new Saved("var", a.data());
        return record(
                "var",
                Map.of("dims", axes, "keepdim", keepdim, "correction", correction),
                out,
                g -> {
                    Tensor xv = x.get();
                    Tensor centered = xv.sub(xv.mean(axes, true));
                    return new Tensor[] {centered.mul(unreduce(g, s, axes)).mul(scale)};
                },
                a);
    }
}
