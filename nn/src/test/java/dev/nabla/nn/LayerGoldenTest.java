package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.autograd.Variable;
import dev.nabla.nn.testing.Goldens;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every layer against PyTorch 1.13 (goldens from {@code src/test/python/goldens_layers.py}): the
 * layer is built with the golden's options, PyTorch's state dict is loaded into it (so the state
 * dict keys must match PyTorch's), and the output, the input and parameter gradients under the
 * golden's random output-gradient projection, and the buffers after the pass (batch norm's running
 * statistics and step count) must agree to {@value #RTOL} relative, with an absolute floor of
 * {@value #ATOL} for values near zero (float32 sums of a few dozen terms differ by that much
 * between summation orders).
 */
class LayerGoldenTest {
    static final double RTOL = 1e-4;
    static final double ATOL = 1e-5;

    static Stream<String> cases() {
        return Arrays.stream(Goldens.load("layers_index").meta("cases").split(" "));
    }

    static int[] ints(Goldens g, String key) {
        return Arrays.stream(g.meta(key).split(" ")).mapToInt(Integer::parseInt).toArray();
    }

    static BatchNorm.Options batchNormOptions(Goldens g) {
        return BatchNorm.options()
                .eps(g.metaDouble("eps"))
                .momentum(g.metaDouble("momentum"))
                .affine(g.metaBool("affine"));
    }

    static Module build(Goldens g) {
        return switch (g.meta("kind")) {
            case "Conv2d" ->
                new Conv2d(
                        g.metaInt("in"),
                        g.metaInt("out"),
                        ints(g, "kernel"),
                        Conv2d.options()
                                .stride(ints(g, "stride")[0], ints(g, "stride")[1])
                                .padding(ints(g, "padding")[0], ints(g, "padding")[1])
                                .dilation(ints(g, "dilation")[0], ints(g, "dilation")[1])
                                .groups(g.metaInt("groups"))
                                .bias(g.metaBool("bias"))
                                .generator(new Generator(0)));
            case "MaxPool2d" ->
                new MaxPool2d(
                        ints(g, "kernel"),
                        MaxPool2d.options()
                                .stride(ints(g, "stride")[0], ints(g, "stride")[1])
                                .padding(ints(g, "padding")[0], ints(g, "padding")[1])
                                .dilation(ints(g, "dilation")[0], ints(g, "dilation")[1])
                                .ceilMode(g.metaBool("ceil")));
            case "AvgPool2d" ->
                new AvgPool2d(
                        ints(g, "kernel"),
                        AvgPool2d.options()
                                .stride(ints(g, "stride")[0], ints(g, "stride")[1])
                                .padding(ints(g, "padding")[0], ints(g, "padding")[1])
                                .ceilMode(g.metaBool("ceil"))
                                .countIncludePad(g.metaBool("count_include_pad")));
            case "AdaptiveAvgPool2d" -> new AdaptiveAvgPool2d(ints(g, "out")[0], ints(g, "out")[1]);
            case "Flatten" -> new Flatten(ints(g, "dims")[0], ints(g, "dims")[1]);
            case "BatchNorm2d" -> new BatchNorm2d(g.metaInt("features"), batchNormOptions(g));
            case "BatchNorm1d" -> new BatchNorm1d(g.metaInt("features"), batchNormOptions(g));
            case "LayerNorm" ->
                new LayerNorm(
                        ints(g, "shape"),
                        LayerNorm.options().eps(g.metaDouble("eps")).elementwiseAffine(g.metaBool("affine")));
            case "Embedding" ->
                hasMeta(g, "padding")
                        ? new Embedding(g.metaInt("count"), g.metaInt("dim"), g.metaInt("padding"), new Generator(0))
                        : new Embedding(g.metaInt("count"), g.metaInt("dim"), new Generator(0));
            case "ReLU" -> new ReLU();
            case "LeakyReLU" -> new LeakyReLU(g.metaDouble("slope"));
            case "GELU" -> new GELU();
            case "Tanh" -> new Tanh();
            case "Sigmoid" -> new Sigmoid();
            case "Softmax" -> new Softmax(g.metaInt("dim"));
            default -> throw new IllegalStateException("no builder for golden kind " + g.meta("kind"));
        };
    }

    static boolean hasMeta(Goldens g, String key) {
        try {
            g.meta(key);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesPyTorch(String name) {
        Goldens g = Goldens.load("layer_" + name);
        Module m = build(g);
        m.train(g.meta("mode").equals("train"));
        Map<String, Tensor> own = m.stateDict();
        List<String> keys = new ArrayList<>(own.keySet());
        List<String> expected =
                hasMeta(g, "state_keys") ? List.of(g.meta("state_keys").split(" ")) : List.of();
        assertEquals(expected, keys, name + ": state dict keys differ from PyTorch's");
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (String k : keys) {
            state.put(k, g.tensor("state." + k));
        }
        m.loadStateDict(state);

        boolean inputGrad = g.has("grad.input");
        Variable x = Variable.of(g.tensor("input").copy()).requiresGrad(inputGrad);
        Variable y = m.call(x);
        g.assertClose("output", y.data(), RTOL, ATOL);
        y.backward(g.tensor("proj"));
        if (inputGrad) {
            g.assertClose("grad.input", x.gradTensor(), RTOL, ATOL);
        }
        for (var e : m.namedParameters().entrySet()) {
            g.assertClose("grad." + e.getKey(), e.getValue().gradTensor(), RTOL, ATOL);
        }
        for (var e : m.namedBuffers().entrySet()) {
            g.assertClose("after." + e.getKey(), e.getValue(), RTOL, ATOL);
        }
    }

    @Test
    void everyLayerKindHasGoldens() {
        List<String> kinds = cases().map(c -> Goldens.load("layer_" + c).meta("kind"))
                .distinct()
                .sorted()
                .toList();
        assertEquals(
                List.of(
                        "AdaptiveAvgPool2d",
                        "AvgPool2d",
                        "BatchNorm1d",
                        "BatchNorm2d",
                        "Conv2d",
                        "Embedding",
                        "Flatten",
                        "GELU",
                        "LayerNorm",
                        "LeakyReLU",
                        "MaxPool2d",
                        "ReLU",
                        "Sigmoid",
                        "Softmax",
                        "Tanh"),
                kinds);
    }
}
