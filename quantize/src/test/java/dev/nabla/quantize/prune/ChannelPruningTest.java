package dev.nabla.quantize.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.autograd.Autograd;
import dev.nabla.autograd.Variable;
import dev.nabla.nn.BatchNorm;
import dev.nabla.nn.Module;
import dev.nabla.nn.models.Models;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChannelPruningTest {

    static Module model(String name, long seed) {
        Module m = Models.create(name, 1, 28, 10, new Generator(seed));
        // non-trivial running statistics, so the BatchNorm slicing is exercised
        Generator g = new Generator(seed + 1);
        m.namedModules().values().forEach(x -> {
            if (x instanceof BatchNorm bn && bn.runningMean() != null) {
                bn.runningMean().copyFrom(Tensor.randn(g, bn.numFeatures()).mul(0.1f));
                bn.runningVar().copyFrom(Tensor.rand(g, bn.numFeatures()).add(0.5f));
                bn.weight.data().copyFrom(Tensor.rand(g, bn.numFeatures()).add(0.5f));
                bn.bias.data().copyFrom(Tensor.randn(g, bn.numFeatures()).mul(0.1f));
            }
        });
        return m;
    }

    static Tensor run(Module m, Variable x) {
        m.eval();
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            return m.call(x).data();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cnn", "cnn-bn", "lenet5"})
    void theShrunkModelEqualsTheMaskedModel(String name) {
        Variable sample = Variable.zeros(1, 1, 28, 28);
        Variable x = Variable.randn(new Generator(9), 4, 1, 28, 28);
        Module masked = model(name, 1);
        Module shrunk = model(name, 1);
        long before = shrunk.parameterCount();
        ChannelPruning.Plan plan = ChannelPruning.plan(shrunk, 0.5, sample);
        ChannelPruning.plan(masked, 0.5, sample).mask(masked);
        plan.shrink(shrunk);
        assertTrue(shrunk.parameterCount() < 0.45 * before, shrunk.parameterCount() + " of " + before);
        float[] want = run(masked, x).toArray();
        float[] got = run(shrunk, x).toArray();
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-4 + 1e-4 * Math.abs(want[i]), name + " logit " + i);
        }
        // half of each hidden layer's outputs are gone; the classifier keeps its 10
        plan.widths()
                .forEach((layer, w) -> assertEquals(
                        shrunk.getSubmodule(layer)
                                .namedParameters()
                                .get("weight")
                                .size(0),
                        (int) w));
        assertEquals(4 * 10, got.length);
        // a fresh model resized to the widths takes the shrunk model's state dict
        Module rebuilt = model(name, 2);
        ChannelPruning.resize(rebuilt, plan.widths(), sample);
        rebuilt.loadStateDict(shrunk.stateDict());
        assertArrayEquals(got, run(rebuilt, x).toArray(), 0f);
    }

    @Test
    void halfOfTheVggChannelsGo() {
        Module vgg = model("cnn", 3);
        ChannelPruning.Plan plan = ChannelPruning.plan(vgg, 0.5, Variable.zeros(1, 1, 28, 28));
        assertEquals(Map.of("0", 16, "2", 16, "5", 32, "7", 32, "11", 128), plan.widths());
    }

    @Test
    void residualNetworksAreRefusedNamingTheCoupledLayers() {
        Module resnet = Models.create("resnet20", 3, 32, 10, new Generator(0));
        String msg = assertThrows(
                        IllegalArgumentException.class,
                        () -> ChannelPruning.plan(resnet, 0.5, Variable.zeros(1, 3, 32, 32)))
                .getMessage();
        assertTrue(msg.contains("'layer1.0.conv2' with the input of 'layer1.0'"), msg);
        assertTrue(msg.contains("layer3.2.add_relu"), msg);
    }

    @Test
    void anAmountOutsideTheRangeIsRefused() {
        String msg = assertThrows(
                        IllegalArgumentException.class,
                        () -> ChannelPruning.plan(model("cnn", 0), 1.0, Variable.zeros(1, 1, 28, 28)))
                .getMessage();
        assertTrue(msg.contains("[0, 1)"), msg);
    }
}
