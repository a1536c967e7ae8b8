package dev.nabla.quantize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.autograd.Variable;
import dev.nabla.nn.BatchNorm2d;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Identity;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Module;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.models.ResNet20;
import dev.nabla.nn.testing.Goldens;
import dev.nabla.quantize.fused.BatchNormFolding;
import dev.nabla.quantize.fused.ConvReLU2d;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Batch-norm folding against PyTorch's, fusion found by tracing, and a fusion that must be refused. */
class FusionTest {

    @Test
    void foldingEqualsPyTorchsFuseConvBnEval() {
        Goldens g = Goldens.load("quant_fold_conv_bn");
        Conv2d conv = new Conv2d(3, 4, 3, Conv2d.options().padding(1));
        BatchNorm2d bn = new BatchNorm2d(4);
        conv.loadStateDict(Map.of("weight", g.tensor("conv.weight"), "bias", g.tensor("conv.bias")));
        bn.loadStateDict(Map.of(
                "weight", g.tensor("bn.weight"),
                "bias", g.tensor("bn.bias"),
                "running_mean", g.tensor("bn.running_mean"),
                "running_var", g.tensor("bn.running_var"),
                "num_batches_tracked", g.tensor("bn.num_batches_tracked")));
        Conv2d folded = BatchNormFolding.fold(conv, bn);
        g.assertClose("fused.weight", folded.weight.data(), 1e-6, 1e-7);
        g.assertClose("fused.bias", folded.bias.data(), 1e-6, 1e-6);
        g.assertClose("output", folded.call(Variable.of(g.tensor("input"))).data(), 1e-5, 1e-5);
    }

    private static ResNet20 resNetWithStatistics() {
        ResNet20 net = new ResNet20(3, 10, new Generator(0));
        net.train();
        Generator g = new Generator(5);
        for (int i = 0; i < 3; i++) {
            TinyNets.logits(net, Tensor.randn(g, 8, 3, 32, 32));
        }
        return net.eval();
    }

    @Test
    void tracingFindsEveryConvBnReluOfResNet20AndFusionKeepsItsOutput() {
        ResNet20 net = resNetWithStatistics();
        Tensor x = Tensor.randn(new Generator(6), 4, 3, 32, 32);
        List<List<String>> groups = Fusion.find(net, x);
        assertEquals(19, groups.size());
        assertEquals(List.of("conv1", "bn1", "relu"), groups.get(0));
        assertEquals(List.of("layer1.0.conv1", "layer1.0.bn1", "layer1.0.relu1"), groups.get(1));
        assertEquals(List.of("layer1.0.conv2", "layer1.0.bn2"), groups.get(2));
        Tensor before = TinyNets.logits(net, x);
        Fusion.fuse(net, groups, x);
        assertTrue(net.getSubmodule("layer3.2.bn2") instanceof Identity);
        assertTrue(net.getSubmodule("layer3.2.conv1") instanceof ConvReLU2d);
        Tensor after = TinyNets.logits(net, x);
        assertTrue(after.allClose(before, 1e-4, 1e-5), "the fused ResNet-20 computes what the unfused one did");
        assertTrue(
                net.bn1.children().isEmpty()
                        && net.stateDict().keySet().stream().noneMatch(k -> k.contains("bn")),
                "the batch norms are gone from the state dict");
    }

    /** {@code bn(conv(x)) + conv(x)}: the convolution's output is used twice, once where hooks cannot see it. */
    static final class Reused extends Module {
        final Conv2d conv =
                registerModule("conv", new Conv2d(2, 2, 3, Conv2d.options().padding(1)));
        final BatchNorm2d bn = registerModule("bn", new BatchNorm2d(2));

        @Override
        protected Variable forward(Variable x) {
            Variable c = conv.call(x);
            return bn.call(c).add(c);
        }
    }

    @Test
    void aFusionThatChangesTheOutputIsUndone() {
        Reused net = new Reused();
        Generator g = new Generator(1);
        net.train();
        TinyNets.logits(net, Tensor.randn(g, 4, 2, 6, 6));
        net.eval();
        Tensor x = Tensor.randn(g, 4, 2, 6, 6);
        List<List<String>> groups = Fusion.find(net, x);
        assertEquals(List.of(List.of("conv", "bn")), groups);
        Tensor before = TinyNets.logits(net, x);
        var e = assertThrows(IllegalStateException.class, () -> Fusion.fuse(net, groups, x));
        assertTrue(
                e.getMessage().contains("changed the model's output")
                        && e.getMessage().contains("undone"),
                e.getMessage());
        assertSame(net.conv, net.getSubmodule("conv"));
        assertSame(net.bn, net.getSubmodule("bn"));
        assertArrayEquals(before.toArray(), TinyNets.logits(net, x).toArray());
    }

    @Test
    void unsupportedGroupsAreNamed() {
        Sequential net = new Sequential(new Linear(4, 4), new BatchNorm2d(4), new ReLU());
        var e = assertThrows(IllegalArgumentException.class, () -> Fusion.fuse(net, List.of(List.of("0", "1"))));
        assertTrue(e.getMessage().contains("[0, 1] ([Linear, BatchNorm2d])"), e.getMessage());
        assertTrue(e.getMessage().contains("supported: Conv2d+BatchNorm2d"), e.getMessage());
    }
}
