package dev.nabla.quantize.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.autograd.Variable;
import dev.nabla.nn.Module;
import dev.nabla.nn.ModuleList;
import dev.nabla.nn.testing.Goldens;
import dev.nabla.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The same weights pruned as {@code torch.nn.utils.prune} prunes them (make_prune_goldens.py),
 * ties included: many cases are full of equal magnitudes, where PyTorch's choice follows
 * libstdc++'s partial_sort / nth_element.
 */
class PruningGoldenTest {

    /** A module with one parameter named "weight", like the Holder of the golden script. */
    static final class Holder extends Module {
        Holder(Tensor w) {
            registerParameter("weight", w.copy());
        }

        @Override
        protected Variable forward(Variable x) {
            return x;
        }
    }

    static Stream<String> l1Cases() {
        return Arrays.stream(Goldens.load("prune_index").meta("l1").split(" "));
    }

    static Stream<String> globalCases() {
        return Arrays.stream(Goldens.load("prune_index").meta("global").split(" "));
    }

    static double[] amounts(Goldens g) {
        return Arrays.stream(g.meta("amounts").split(" "))
                .mapToDouble(Double::parseDouble)
                .toArray();
    }

    @ParameterizedTest
    @MethodSource("l1Cases")
    void l1UnstructuredMatchesPyTorch(String name) {
        Goldens g = Goldens.load("prune_l1_" + name);
        Holder h = new Holder(g.tensor("weight"));
        Pruning p = Pruning.of(h);
        for (double a : amounts(g)) {
            p.l1Unstructured("weight", a);
        }
        assertArrayEquals(g.tensor("mask").toArray(), p.mask("weight").toArray(), name);
        float[] w = g.tensor("weight").toArray();
        float[] m = g.tensor("mask").toArray();
        float[] pruned = h.namedParameters().get("weight").data().toArray();
        for (int i = 0; i < w.length; i++) {
            assertEquals(w[i] * m[i], pruned[i], 0f, "weight " + i);
        }
    }

    @ParameterizedTest
    @MethodSource("globalCases")
    void globalUnstructuredMatchesPyTorch(String name) {
        Goldens g = Goldens.load("prune_global_" + name);
        int count = g.metaInt("count");
        List<Holder> holders = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            holders.add(new Holder(g.tensor("weight" + i)));
        }
        ModuleList<Holder> net = new ModuleList<>(holders);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            names.add(i + ".weight");
        }
        Pruning p = Pruning.of(net);
        for (double a : amounts(g)) {
            p.globalUnstructured(names, a);
        }
        for (int i = 0; i < count; i++) {
            assertArrayEquals(
                    g.tensor("mask" + i).toArray(), p.mask(i + ".weight").toArray(), name + " mask " + i);
        }
    }
}
