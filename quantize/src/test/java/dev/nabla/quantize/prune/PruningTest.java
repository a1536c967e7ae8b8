package dev.nabla.quantize.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;
import dev.nabla.nn.Linear;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.models.LeNet5;
import dev.nabla.optim.Adam;
import dev.nabla.optim.AdamW;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.SGD;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PruningTest {

    static Sequential mlp(long seed) {
        Generator g = new Generator(seed);
        return new Sequential(new Linear(12, 32, g), new ReLU(), new Linear(32, 5, g));
    }

    static Variable input(long seed) {
        return Variable.randn(new Generator(seed), 16, 12);
    }

    static Variable labels(long seed) {
        return Variable.of(Tensor.randint(new Generator(seed), 0, 5, 16));
    }

    static Optimizer optimizer(String kind, Sequential net) {
        return switch (kind) {
            case "sgd-momentum-wd" ->
                new SGD(net.parameters(), 0.1).momentum(0.9).nesterov(true).weightDecay(1e-2);
            case "adam-wd" -> new Adam(net.parameters(), 1e-2).weightDecay(1e-2);
            case "adamw" -> new AdamW(net.parameters(), 1e-2).weightDecay(0.1);
            default -> throw new IllegalArgumentException(kind);
        };
    }

    static void train(Sequential net, Optimizer opt, int steps) {
        for (int i = 0; i < steps; i++) {
            opt.zeroGrad();
            Functional.crossEntropy(net.call(input(i)), labels(100 + i)).backward();
            opt.step();
        }
    }

    /**
     * Pruned entries stay exactly 0 through many steps, even when the optimizer already holds
     * momentum / moments for them (pruning in the middle of training), while the others train.
     */
    @ParameterizedTest
    @ValueSource(strings = {"sgd-momentum-wd", "adam-wd", "adamw"})
    void masksStayExactlyZeroThroughTraining(String kind) {
        Sequential net = mlp(1);
        Optimizer opt = optimizer(kind, net);
        train(net, opt, 5); // state for every entry exists before pruning
        Pruning p = Pruning.of(net).globalUnstructured(List.of("0.weight", "2.weight"), 0.8);
        p.attach(opt);
        float[] before = net.namedParameters().get("0.weight").data().toArray();
        Map<String, float[]> masks = new HashMap<>();
        p.pruned().forEach(n -> masks.put(n, p.mask(n).toArray()));
        for (int i = 0; i < 30; i++) {
            train(net, opt, 1);
            for (String n : p.pruned()) {
                float[] w = net.namedParameters().get(n).data().toArray();
                float[] m = masks.get(n);
                for (int j = 0; j < w.length; j++) {
                    if (m[j] == 0) {
                        assertEquals(0f, w[j], 0f, kind + ": " + n + "[" + j + "] revived at step " + i);
                    }
                }
                // the optimizer's own state for the pruned entries is zero too
                for (String b : opt.state(net.namedParameters().get(n)).names()) {
                    float[] s =
                            opt.state(net.namedParameters().get(n)).buffer(b).toArray();
                    for (int j = 0; j < s.length; j++) {
                        if (m[j] == 0) {
                            assertEquals(0f, s[j], 0f, kind + ": state " + b + " of " + n + "[" + j + "]");
                        }
                    }
                }
            }
        }
        float[] after = net.namedParameters().get("0.weight").data().toArray();
        float[] m = p.mask("0.weight").toArray();
        int moved = 0;
        for (int j = 0; j < after.length; j++) {
            if (m[j] != 0 && after[j] != before[j]) {
                moved++;
            }
        }
        assertTrue(moved > 0, "the unpruned weights must still train");
    }

    /** Without attach, the optimizer does revive weights: the test above can fail. */
    @Test
    void withoutAttachMomentumRevivesPrunedWeights() {
        Sequential net = mlp(1);
        Optimizer opt = optimizer("sgd-momentum-wd", net);
        train(net, opt, 5);
        Pruning p = Pruning.of(net).l1Unstructured("0.weight", 0.5);
        opt.zeroGrad();
        Functional.crossEntropy(net.call(input(7)), labels(7)).backward();
        opt.step();
        float[] w = net.namedParameters().get("0.weight").data().toArray();
        float[] m = p.mask("0.weight").toArray();
        boolean revived = false;
        for (int j = 0; j < w.length; j++) {
            revived |= m[j] == 0 && w[j] != 0;
        }
        assertTrue(revived);
        // ... but the forward pre-hook re-applies the mask before the next forward uses them
        net.call(input(8));
        w = net.namedParameters().get("0.weight").data().toArray();
        for (int j = 0; j < w.length; j++) {
            if (m[j] == 0) {
                assertEquals(0f, w[j], 0f);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, 0.1, 0.5, 0.9, 0.97, 0.999})
    void globalPruningReachesTheRequestedSparsityExactly(double sparsity) {
        LeNet5 net = new LeNet5(1, 28, 10, new Generator(3));
        List<String> names = Pruning.weights(net);
        Pruning p = Pruning.of(net).globalUnstructured(names, sparsity);
        long total = 0;
        long zeros = 0;
        for (String n : names) {
            for (float v : net.namedParameters().get(n).data().toArray()) {
                total++;
                zeros += v == 0 ? 1 : 0;
            }
        }
        assertEquals(Math.rint(sparsity * total), zeros);
        assertEquals(Math.rint(sparsity * total), p.prunedCount());
        // layers lose different fractions: the ranking is global
        if (sparsity == 0.9) {
            assertNotEquals(p.sparsity("c1.weight"), p.sparsity("f1.weight"), 1e-3);
        }
        // pruneTo an absolute target from there, globally and per layer
        p.pruneTo(names, 0.95, true);
        assertEquals(Math.max(Math.rint(sparsity * total), Math.rint(0.95 * total)), p.prunedCount());
        p.pruneTo(names, 0.96, false);
        for (String n : names) {
            int size = net.namedParameters().get(n).numel();
            assertTrue(p.sparsity(n) >= Math.rint(0.96 * size) / size - 1e-12, n);
        }
    }

    @Test
    void removeKeepsTheZerosAndDropsTheHooks() {
        Sequential net = mlp(2);
        Optimizer opt = optimizer("sgd-momentum-wd", net);
        Pruning p = Pruning.of(net).l1Unstructured("0.weight", 0.6).attach(opt);
        float[] m = p.mask("0.weight").toArray();
        p.remove();
        assertTrue(p.pruned().isEmpty());
        float[] w = net.namedParameters().get("0.weight").data().toArray();
        for (int j = 0; j < w.length; j++) {
            if (m[j] == 0) {
                assertEquals(0f, w[j], 0f);
            }
        }
        train(net, opt, 3); // weights are free again
        w = net.namedParameters().get("0.weight").data().toArray();
        boolean moved = false;
        for (int j = 0; j < w.length; j++) {
            moved |= m[j] == 0 && w[j] != 0;
        }
        assertTrue(moved);
    }

    @Test
    void badInputIsRefusedWithAClearMessage() {
        Sequential net = mlp(3);
        Pruning p = Pruning.of(net);
        Function<Runnable, String> message =
                r -> assertThrows(IllegalArgumentException.class, r::run).getMessage();
        assertTrue(message.apply(() -> p.l1Unstructured("0.weight", 1.0)).contains("[0, 1)"));
        assertTrue(message.apply(() -> p.l1Unstructured("0.weight", -0.1)).contains("got -0.1"));
        assertTrue(message.apply(() -> p.globalUnstructured(List.of("0.weight"), Double.NaN))
                .contains("[0, 1)"));
        String missing = message.apply(() -> p.l1Unstructured("1.weight", 0.5));
        assertTrue(missing.contains("no parameter '1.weight'") && missing.contains("0.weight"), missing);
        assertTrue(message.apply(() -> p.mask("0.weight")).contains("not pruned"));
    }
}
