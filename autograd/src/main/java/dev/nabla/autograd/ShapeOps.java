package dev.nabla.autograd;

import static dev.nabla.autograd.Variable.constant;
import static dev.nabla.autograd.Variable.record;

import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;
import java.util.Map;

/**
 * View and layout primitives. Forward passes are views where the tensor core can make them; the
 * gradient of a view is the output gradient put back into the input's layout.
 */
final class ShapeOps {
    private ShapeOps() {}

    static Variable reshape(Variable a, int... dims) {
        Tensor out = a.data().reshape(dims);
        if (!Autograd.needsGrad(a)) {
            return constant(out);
        }
        int[] back = a.data().dims();
        return record("reshape", Map.of("dims", out.dims()), out, g -> new Tensor[] {g.reshape(back)}, a);
    }

    static Variable view(Variable a, int... dims) {
        Tensor out = a.data().view(dims);
        if (!Autograd.needsGrad(a)) {
            return constant(out);
        }
        int[] back = a.data().dims();
        return record("view", Map.of("dims", out.dims()), out, g -> new Tensor[] {g.reshape(back)}, a);
    }

    static Variable permute(Variable a, int... perm) {
        Tensor out = a.data().permute(perm);
        if (!Autograd.needsGrad(a)) {
            return constant(out);
        }
        int[] inverse = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            inverse[Math.floorMod(perm[i], perm.length)] = i;
        }
        return record("permute", Map.of("perm", perm.clone()), out, g -> new Tensor[] {g.permute(inverse)}, a);
    }

    static Variable transpose(Variable a, int d0, int d1) {
        Tensor out = a.data().transpose(d0, d1);
        if (!Autograd.needsGrad(a)) {
            return constant(out);
        }
        return record("transpose", Map.of("dim0", d0, "dim1", d1), out, g -> new Tensor[] {g.transpose(d0, d1)}, a);
    }

    static Variable expand(Variable a, int... dims) {
        Tensor out = a.data().expand(dims);
        if (!Autograd.needsGrad(a)) {
            return constant(out);
        }
        Shape s = a.shape();
        return record("expand", Map.of("dims", out.dims()), out, g -> new Tensor[] {PointwiseOps.sumTo(g, s)}, a);
    }

    static Variable contiguous(Variable a) {
        Tensor out = a.data().contiguous();
        if (out == a.data() || !Autograd.needsGrad(a)) {
            return out == a.data() ? a : constant(out);
        }
        return record("contiguous", out, g -> new Tensor[] {g}, a);
    }

    /**
     * Any view that picks a sub-block of the input (narrow, slice, select): its gradient is zero
     * outside the block and the output gradient inside it.
     */
    interface Region {
        Tensor of(Tensor whole);
    }

    static Variable region(String name, Map<String, Object> attributes, Variable a, Region region) {
        Tensor out = region.of(a.data());
        if (!Autograd.needsGrad(a)) {
            return constant(out);
        }
        Shape s = a.shape();
        return record(
                name,
                attributes,
                out,
                g -> {
                    Tensor whole = Tensor.zeros(s);
                    region.of(whole).copyFrom(g);
                    return new Tensor[] {whole};
                },
                a);
    }

    /** Zero padding ({@link Tensor#pad}); the gradient is the output gradient's inner block. */
    static Variable pad(Variable a, int... padding) {
        Tensor out = a.data().pad(padding);
        if (!Autograd.needsGrad(a)) {
            return constant(out);
        }
        int[] dims = a.dims();
        int[] start = new int[dims.length];
        for (int i = 0; i < padding.length / 2; i++) {
            start[dims.length - 1 - i] = padding[2 * i];
        }
        return record(
                "pad",
                out,
                g -> {
                    Tensor inner = g;
                    for (int d = 0; d < dims.length; d++) {
                        inner = inner.narrow(d, start[d], dims[d]);
                    }
                    return new Tensor[] {inner};
                },
                a);
    }

    static Variable cat(int dim, Variable... parts) {
        Tensor[] ts = new Tensor[parts.length];
        for (int i = 0; i < parts.length; i++) {
            ts[i] = parts[i].data();
        }
        Tensor out = Tensor.cat(dim, ts);
        if (!Autograd.needsGrad(parts)) {
            return constant(out);
        }
        int d = out.shape().axis(dim);
        int[] sizes = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            sizes[i] = ts[i].size(d);
        }
        return record(
                "cat",
                Map.of("dim", d),
                out,
                g -> {
                    Tensor[] gs = new Tensor[sizes.length];
                    int at = 0;
                    for (int i = 0; i < sizes.length; i++) {
                        gs[i] = parts[i].requiresGrad() ? g.narrow(d, at, sizes[i]) : null;
                        at += sizes[i];
                    }
                    return gs;
                },
                parts);
    }
}
