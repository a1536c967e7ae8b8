package dev.nabla.autograd;

import static dev.nabla.autograd.Variable.constant;
import static dev.nabla.autograd.Variable.record;

import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

/** Matrix products. */
final class LinalgOps {
    private LinalgOps() {}

    /**
     * {@code matmul} with PyTorch's rules (1-D operands, broadcast batch dimensions). Backward:
     * {@code dA = dC B^T}, {@code dB = A^T dC}, each summed over the batch dimensions its operand
     * was broadcast along. The transposes are views; the GEMM reads them in place.
     */
    static Variable matmul(Variable a, Variable b) {
        Tensor out = a.data().matmul(b.data());
        if (!Autograd.needsGrad(a, b)) {
            return constant(out);
        }
        Saved xa = new Saved("matmul", a.data());
        Saved xb = new Saved("matmul", b.data());
        Shape sa = a.shape();
        Shape sb = b.shape();
        return record(
                "matmul",
                out,
                g -> {
                    Tensor a2 = sa.rank() == 1 ? xa.get().unsqueeze(0) : xa.get();
                    Tensor b2 = sb.rank() == 1 ? xb.get().unsqueeze(1) : xb.get();
                    Tensor g2 = g;
                    if (sa.rank() == 1) {
                        g2 = g2.unsqueeze(sb.rank() == 1 ? 0 : -2);
                    }
                    if (sb.rank() == 1) {
                        g2 = g2.unsqueeze(-1);
                    }
                    Tensor ga = null;
                    Tensor gb = null;
                    if (a.requiresGrad()) {
                        ga = PointwiseOps.sumTo(g2.matmul(b2.transpose(-1, -2)), a2.shape())
                                .reshape(sa.dims());
                    }
                    if (b.requiresGrad()) {
                        gb = PointwiseOps.sumTo(a2.transpose(-1, -2).matmul(g2), b2.shape())
                                .reshape(sb.dims());
                    }
                    return new Tensor[] {ga, gb};
                },
                a,
                b);
    }
}
