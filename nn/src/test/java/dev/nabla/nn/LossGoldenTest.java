package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.autograd.Variable;
import dev.nabla.nn.testing.Goldens;
import dev.nabla.tensor.Reduction;
import dev.nabla.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every loss against PyTorch 1.13 (goldens from {@code src/test/python/goldens_losses.py}): value
 * and gradients (input, and target where PyTorch gives one) under a random output-gradient
 * projection, to {@value LayerGoldenTest#RTOL} relative with an absolute floor of
 * {@value LayerGoldenTest#ATOL}. Covers weighted means, label smoothing, ignored targets, spatial
 * targets and every reduction.
 */
class LossGoldenTest {

    static Stream<String> cases() {
        return Arrays.stream(Goldens.load("losses_index").meta("cases").split(" "));
    }

    static Loss build(Goldens g) {
        Reduction r = Reduction.valueOf(g.meta("reduction").toUpperCase(Locale.ROOT));
        Tensor w = g.has("weight") ? g.tensor("weight") : null;
        return switch (g.meta("kind")) {
            case "CrossEntropyLoss" ->
                new CrossEntropyLoss(CrossEntropyLoss.options()
                        .weight(w)
                        .ignoreIndex(g.metaInt("ignore_index"))
                        .labelSmoothing(g.metaDouble("label_smoothing"))
                        .reduction(r));
            case "NLLLoss" ->
                new NLLLoss(NLLLoss.options()
                        .weight(w)
                        .ignoreIndex(g.metaInt("ignore_index"))
                        .reduction(r));
            case "MSELoss" -> new MSELoss(r);
            case "BCEWithLogitsLoss" ->
                new BCEWithLogitsLoss(BCEWithLogitsLoss.options()
                        .weight(w)
                        .posWeight(g.has("pos_weight") ? g.tensor("pos_weight") : null)
                        .reduction(r));
            case "KLDivLoss" -> new KLDivLoss(KLDivLoss.options().reduction(r).logTarget(g.metaBool("log_target")));
            default -> throw new IllegalStateException("no builder for golden kind " + g.meta("kind"));
        };
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesPyTorch(String name) {
        Goldens g = Goldens.load("loss_" + name);
        Loss loss = build(g);
        boolean targetGrad = g.has("grad.target");
        Variable x = Variable.of(g.tensor("input").copy()).requiresGrad(true);
        Variable t = Variable.of(g.tensor("target").copy()).requiresGrad(targetGrad);
        Variable y = loss.call(x, t);
        g.assertClose("output", y.data(), LayerGoldenTest.RTOL, LayerGoldenTest.ATOL);
        y.backward(g.tensor("proj"));
        g.assertClose("grad.input", x.gradTensor(), LayerGoldenTest.RTOL, LayerGoldenTest.ATOL);
        if (targetGrad) {
            g.assertClose("grad.target", t.gradTensor(), LayerGoldenTest.RTOL, LayerGoldenTest.ATOL);
        }
    }

    @Test
    void everyLossHasGoldens() {
        List<String> kinds = cases().map(c -> Goldens.load("loss_" + c).meta("kind"))
                .distinct()
                .sorted()
                .toList();
        assertEquals(List.of("BCEWithLogitsLoss", "CrossEntropyLoss", "KLDivLoss", "MSELoss", "NLLLoss"), kinds);
    }
}
