package dev.nabla.nn.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.autograd.Variable;
import dev.nabla.nn.Module;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.ShapeMismatchException;
import dev.nabla.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelsTest {

    /** Parameter counts computed by hand from the layer sizes (and, for ResNet-20, the paper's 0.27 M). */
    @Test
    void parameterCountsMatchTheArchitectures() {
        Generator g = new Generator(0);
        assertEquals(62_006, new LeNet5(3, 32, 10, g).parameterCount());
        assertEquals(61_706, new LeNet5(1, 28, 10, g).parameterCount());
        assertEquals(1_116_970, VggCnn.create(3, 32, 10, false, g).parameterCount());
        assertEquals(
                1_116_970 + 2 * (32 + 32 + 64 + 64),
                VggCnn.create(3, 32, 10, true, g).parameterCount());
        assertEquals(269_722, new ResNet20(3, 10, g).parameterCount());
        // torch_fashion.py's model: 320 + 64 + 18,496 + 128 + 401,536 + 1,290
        assertEquals(421_834, SmallCnn.create(1, 28, 10, g).parameterCount());
    }

    @Test
    void everyModelMapsImagesToClassLogits() {
        for (String name : Models.NAMES) {
            for (int[] data : new int[][] {{1, 28}, {3, 32}}) {
                Module m = Models.create(name, data[0], data[1], 10, new Generator(1));
                Variable out = m.call(Variable.of(Tensor.randn(new Generator(2), 2, data[0], data[1], data[1])));
                assertArrayEquals(new int[] {2, 10}, out.dims(), name + " on " + data[1] + "x" + data[1]);
            }
        }
    }

    @Test
    void stateDictKeysFollowThePeerModels() {
        Map<String, Tensor> lenet = new LeNet5(3, 32, 10, new Generator(0)).stateDict();
        assertEquals(
                List.of(
                        "c1.weight",
                        "c1.bias",
                        "c2.weight",
                        "c2.bias",
                        "f1.weight",
                        "f1.bias",
                        "f2.weight",
                        "f2.bias",
                        "f3.weight",
                        "f3.bias"),
                List.copyOf(lenet.keySet()));
        Map<String, Tensor> vggBn =
                VggCnn.create(3, 32, 10, true, new Generator(0)).stateDict();
        // torch_cifar_subset.py's Sequential: conv(0) bn(1) relu(2) conv(3) bn(4) relu(5) pool(6) ...
        assertTrue(
                vggBn.containsKey("0.weight")
                        && vggBn.containsKey("1.running_mean")
                        && vggBn.containsKey("3.weight")
                        && vggBn.containsKey("7.weight")
                        && vggBn.containsKey("15.weight")
                        && vggBn.containsKey("17.weight"),
                vggBn.keySet().toString());
    }

    /** The names of akamaster/pytorch_resnet_cifar10's resnet20(), whose state dicts then load as they are. */
    @Test
    void resNet20KeysFollowThePyTorchCifarDefinition() {
        List<String> keys =
                List.copyOf(new ResNet20(3, 10, new Generator(0)).stateDict().keySet());
        List<String> want = new ArrayList<>();
        String[] bn = {"weight", "bias", "running_mean", "running_var", "num_batches_tracked"};
        want.add("conv1.weight");
        for (String b : bn) {
            want.add("bn1." + b);
        }
        for (int stage = 1; stage <= 3; stage++) {
            for (int block = 0; block < 3; block++) {
                String p = "layer" + stage + "." + block + ".";
                want.add(p + "conv1.weight");
                for (String b : bn) {
                    want.add(p + "bn1." + b);
                }
                want.add(p + "conv2.weight");
                for (String b : bn) {
                    want.add(p + "bn2." + b);
                }
            }
        }
        want.add("linear.weight");
        want.add("linear.bias");
        assertEquals(want, keys);
    }

    @Test
    void sameSeedSameModel() {
        float[] a = new ResNet20(3, 10, new Generator(7))
                .stateDict()
                .get("layer2.0.conv1.weight")
                .toArray();
        float[] b = new ResNet20(3, 10, new Generator(7))
                .stateDict()
                .get("layer2.0.conv1.weight")
                .toArray();
        assertArrayEquals(a, b);
    }

    @Test
    void trainingStepReachesEveryParameterOfResNet() {
        ResNet20 net = new ResNet20(3, 10, new Generator(3));
        Variable x = Variable.of(Tensor.randn(new Generator(4), 2, 3, 16, 16));
        net.call(x).sum().backward();
        net.namedParameters().forEach((k, p) -> assertTrue(p.gradTensor() != null, k + " got no gradient"));
    }

    @Test
    void wrongInputNamesTheModelAndShapes() {
        var e = assertThrows(
                ShapeMismatchException.class,
                () -> new LeNet5(1, 28, 10, new Generator(0)).call(Variable.zeros(2, 3, 28, 28)));
        assertTrue(e.getMessage().contains("LeNet5") && e.getMessage().contains("[2, 3, 28, 28]"), e.getMessage());
    }
}
