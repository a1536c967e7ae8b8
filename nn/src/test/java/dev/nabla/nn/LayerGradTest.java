package dev.nabla.nn;

import dev.nabla.autograd.GradCheck;
import dev.nabla.autograd.Variable;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every layer gradchecked through its module on a small configuration: the input and all the
 * layer's parameters are perturbed in place (the module reads the same variables), so the check
 * covers the layer's wiring of the functional primitive as well as the primitive.
 */
class LayerGradTest {
    private static final GradCheck.Options SMALL_STEP =
            GradCheck.Options.defaults().withStep(1e-3);

    private static void check(Module m, Variable x) {
        check(m, x, GradCheck.Options.defaults());
    }

    private static void check(Module m, Variable x, GradCheck.Options o) {
        List<Variable> in = new ArrayList<>();
        in.add(x);
        in.addAll(m.parameters());
        GradCheck.check(v -> m.call(v[0]), o, in.toArray(new Variable[0]));
    }

    private static Variable randn(long seed, int... shape) {
        return Variable.randn(new Generator(seed), shape).requiresGrad(true);
    }

    /** Values a quarter apart, shuffled, so a finite-difference step never changes a window's maximum. */
    private static Variable distinct(long seed, int... shape) {
        Tensor p = Tensor.randperm(new Generator(seed), Tensor.zeros(shape).numel());
        return Variable.of(p.sub(p.numel() / 2f).mul(0.25f).reshape(shape)).requiresGrad(true);
    }

    @Test
    void conv2d() {
        check(
                new Conv2d(
                        4,
                        6,
                        new int[] {3, 2},
                        Conv2d.options()
                                .stride(2, 1)
                                .padding(1)
                                .dilation(1, 2)
                                .groups(2)
                                .generator(new Generator(1))),
                randn(2, 2, 4, 5, 6));
        check(new Conv2d(3, 2, 1, new Generator(3)), randn(4, 1, 3, 3, 3));
    }

    @Test
    void pools() {
        check(
                new MaxPool2d(3, MaxPool2d.options().stride(2).padding(1).ceilMode(true)),
                distinct(5, 2, 2, 5, 6),
                SMALL_STEP);
        check(
                new AvgPool2d(
                        3,
                        AvgPool2d.options().stride(2).padding(1).ceilMode(true).countIncludePad(false)),
                randn(6, 2, 2, 5, 6));
        check(new AdaptiveAvgPool2d(2, 3), randn(7, 1, 2, 5, 7));
    }

    @Test
    void normalisation() {
        BatchNorm2d bn = new BatchNorm2d(3);
        bn.weight.data().copyFrom(Tensor.of(0.5f, 1.5f, -1f));
        check(bn, randn(8, 3, 3, 2, 2));
        bn.eval();
        check(bn, randn(9, 3, 3, 2, 2));
        check(new BatchNorm1d(4), randn(10, 5, 4));
        check(new BatchNorm1d(2, BatchNorm.options().affine(false)), randn(11, 3, 2, 4));
        LayerNorm ln = new LayerNorm(3, 4);
        ln.weight.data().copyFrom(Tensor.randn(new Generator(12), 3, 4));
        check(ln, randn(13, 2, 3, 4));
    }

    @Test
    void shapeAndEmbeddingLayers() {
        check(new Flatten(), randn(14, 2, 3, 2));
        Embedding emb = new Embedding(6, 3, new Generator(15));
        Variable ids = Variable.of(Tensor.ofLongs(1, 5, 1, 0).reshape(2, 2));
        GradCheck.check(v -> emb.call(ids), emb.weight);
    }

    @Test
    void activationsAndDropout() {
        Variable x = randn(16, 3, 5);
        check(new LeakyReLU(0.2), x);
        check(new GELU(), x);
        check(new Tanh(), x);
        check(new Sigmoid(), x);
        check(new Softmax(0), x);
        check(new ReLU(), x);
        // A fresh generator per call gives the same mask each time, as the check needs.
        GradCheck.check(v -> new Dropout(0.3, new Generator(17)).call(v[0]), x);
    }
}
