package dev.nabla.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.autograd.Variable;
import dev.nabla.nn.testing.Goldens;
import dev.nabla.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Clipping against {@code torch.nn.utils.clip_grad_norm_} / {@code clip_grad_value_} goldens. */
class GradClipTest {
    private final Goldens g = Goldens.load("optim_clip");

    private List<Variable> params() {
        Variable w = Variable.parameter(Tensor.zeros(4, 5));
        Variable b = Variable.parameter(Tensor.zeros(5));
        w.setGrad(g.tensor("grad.w").copy());
        b.setGrad(g.tensor("grad.b").copy());
        return List.of(w, b);
    }

    @Test
    void clipGradNormMatchesPyTorchForL2AndInfinity() {
        for (String name : List.of("l2", "inf", "l2_noop")) {
            List<Variable> ps = params();
            int version = ps.get(0).gradTensor().version();
            String type = g.meta(name + ".norm_type"); // Python's repr: "2.0" or "inf"
            double normType = type.equals("inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(type);
            double total = GradClip.clipGradNorm(ps, g.metaDouble(name + ".max_norm"), normType, false);
            g.assertClose(name + ".total", Tensor.scalar((float) total), 1e-6, 0);
            g.assertClose(name + ".w", ps.get(0).gradTensor(), 1e-6, 1e-7);
            g.assertClose(name + ".b", ps.get(1).gradTensor(), 1e-6, 1e-7);
            if (!name.equals("l2_noop")) {
                assertTrue(ps.get(0).gradTensor().version() > version, "clipping must bump the gradient's version");
            }
        }
    }

    @Test
    void clipGradValueMatchesPyTorch() {
        List<Variable> ps = params();
        GradClip.clipGradValue(ps, 0.8);
        g.assertClose("value.w", ps.get(0).gradTensor(), 0, 0);
        g.assertClose("value.b", ps.get(1).gradTensor(), 0, 0);
    }

    @Test
    void parametersWithoutGradientsAreIgnored() {
        Variable a = Variable.parameter(Tensor.zeros(3));
        Variable b = Variable.parameter(Tensor.zeros(2));
        b.setGrad(Tensor.of(3, 4));
        assertEquals(5.0, GradClip.clipGradNorm(List.of(a, b), 1.0), 1e-12);
        assertNull(a.gradTensor());
        assertEquals(0.6f, b.gradTensor().get(0), 1e-6);
        assertEquals(0.0, GradClip.clipGradNorm(List.of(a), 1.0));
    }

    @Test
    void nonContiguousGradientsAreClippedToo() {
        Variable w = Variable.parameter(Tensor.zeros(3, 2));
        w.setGrad(Tensor.of(new float[][] {{3, 0, 0}, {4, 0, 0}}).t());
        assertEquals(5.0, GradClip.clipGradNorm(List.of(w), 0.5), 1e-6);
        assertEquals(0.3f, w.gradTensor().get(0, 0), 1e-6);
        assertEquals(0.4f, w.gradTensor().get(0, 1), 1e-6);
    }

    @Test
    void nonFiniteNormsAreReportedOrPropagated() {
        Variable w = Variable.parameter(Tensor.zeros(2));
        w.setGrad(Tensor.of(1, Float.NaN));
        assertThrows(IllegalStateException.class, () -> GradClip.clipGradNorm(List.of(w), 1.0, 2.0, true));
        assertTrue(Double.isNaN(GradClip.clipGradNorm(List.of(w), 1.0, 2.0, false)));
        assertTrue(Float.isNaN(w.gradTensor().get(0)), "PyTorch scales by a NaN coefficient too");
    }

    @Test
    void badArgumentsAreRejected() {
        List<Variable> ps = params();
        assertThrows(IllegalArgumentException.class, () -> GradClip.clipGradNorm(ps, -1));
        assertThrows(IllegalArgumentException.class, () -> GradClip.clipGradNorm(ps, 1, 1.0, false));
        assertThrows(IllegalArgumentException.class, () -> GradClip.clipGradValue(ps, Double.NaN));
    }
}
