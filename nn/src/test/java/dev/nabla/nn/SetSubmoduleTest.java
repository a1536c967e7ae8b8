package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.autograd.Variable;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link Module#setSubmodule}: the tree and the state dict change as PyTorch's set_submodule
 * changes them, and the fields that held the old module keep working; {@link FloatFunctional}
 * runs its hooks and forwards to a replacement.
 */
class SetSubmoduleTest {

    /** A model that calls its layers through final fields. */
    static final class Net extends Module {
        final Linear fc1 = registerModule("fc1", new Linear(3, 4, new Generator(0)));
        final ReLU act = registerModule("act", new ReLU());
        final Linear fc2 = registerModule("fc2", new Linear(4, 2, new Generator(1)));
        final FloatFunctional skip = registerModule("skip", new FloatFunctional());

        @Override
        protected Variable forward(Variable x) {
            Variable h = act.call(fc1.call(x));
            return fc2.call(skip.add(h, h));
        }
    }

    @Test
    void fieldsForwardToTheReplacementAndTheStateDictFollowsTheTree() {
        Net net = new Net();
        Variable x = Variable.of(Tensor.randn(new Generator(2), 5, 3));
        Tensor before = net.call(x).data();
        Linear doubled = new Linear(3, 4, new Generator(0));
        doubled.weight.data().copyFrom(doubled.weight.data().mul(2f));
        doubled.bias.data().copyFrom(doubled.bias.data().mul(2f));
        net.setSubmodule("fc1", doubled);
        assertSame(doubled, net.getSubmodule("fc1"));
        assertEquals(
                List.of("fc1", "act", "fc2", "skip"), List.copyOf(net.children().keySet()), "same place, same name");
        // relu(2z) = 2 relu(z): the output of the last layer moves accordingly, through net.fc1's forwarding.
        Tensor after = net.call(x).data();
        Tensor bias = net.fc2.bias.data();
        assertTrue(after.sub(bias).allClose(before.sub(bias).mul(2f), 1e-5, 1e-6));
        assertSame(doubled.weight.data(), net.stateDict().get("fc1.weight"));

        net.setSubmodule("act", new Identity());
        assertTrue(net.fc1.call(x).data().allClose(doubled.call(x).data(), 0, 0));
        assertTrue(
                net.act.call(Variable.of(Tensor.of(-1f))).data().item() == -1f, "the ReLU field now runs the identity");
    }

    @Test
    void hooksRunOnTheNewModule() {
        Net net = new Net();
        Identity id = new Identity();
        net.setSubmodule("act", id);
        List<String> seen = new ArrayList<>();
        id.registerForwardHook((m, in, out) -> {
            seen.add("identity");
            return null;
        });
        net.call(Variable.of(Tensor.zeros(1, 3)));
        assertEquals(List.of("identity"), seen);
    }

    @Test
    void floatFunctionalRunsHooksAndForwardsToASubclass() {
        Net net = new Net();
        List<float[]> outs = new ArrayList<>();
        net.skip.registerForwardHook((m, in, out) -> {
            outs.add(out.data().toArray());
            return out.mul(0f);
        });
        Tensor y = net.call(Variable.of(Tensor.ones(1, 3))).data();
        assertEquals(1, outs.size());
        assertArrayEquals(
                net.fc2.bias.data().toArray(), y.reshape(2).toArray(), 1e-6f, "the hook's output replaced the sum");
        FloatFunctional minus = new FloatFunctional() {
            @Override
            protected Variable sum(Variable a, Variable b, boolean relu) {
                return a.sub(b);
            }
        };
        net.setSubmodule("skip", minus);
        Variable a = Variable.of(2f, 3f);
        assertArrayEquals(new float[] {0f, 0f}, net.skip.add(a, a).toArray());
        var e = assertThrows(UnsupportedOperationException.class, () -> new FloatFunctional().call(a));
        assertTrue(e.getMessage().contains("add(a, b)"), e.getMessage());
    }

    @Test
    void badPathsAndCyclesAreRefused() {
        Net net = new Net();
        var e = assertThrows(IllegalArgumentException.class, () -> net.setSubmodule("fc3", new ReLU()));
        assertTrue(
                e.getMessage().contains("no submodule 'fc3'") && e.getMessage().contains("[fc1, act, fc2, skip]"),
                e.getMessage());
        Sequential outer = new Sequential(new Sequential(new ReLU()));
        var c = assertThrows(IllegalArgumentException.class, () -> outer.setSubmodule("0.0", outer));
        assertTrue(c.getMessage().contains("its own descendant"), c.getMessage());
        assertThrows(IllegalArgumentException.class, () -> net.setSubmodule("", new ReLU()));
    }

    @Test
    void aSharedModuleForwardsOnlyOnceItIsReplacedEverywhere() {
        ReLU shared = new ReLU();
        Sequential net = new Sequential(shared, new Sequential(shared));
        Identity id = new Identity();
        net.setSubmodule("0", id);
        Variable minus = Variable.of(-1f);
        assertEquals(0f, shared.call(minus).item(), "still registered under 1.0: not yet replaced");
        net.setSubmodule("1.0", new Identity());
        assertEquals(-1f, shared.call(minus).item());
    }
}
