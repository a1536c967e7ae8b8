package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.autograd.Functional.AttentionOutput;
import dev.nabla.autograd.Variable;
import dev.nabla.nn.models.LeNet5;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Module contract: one call path with hooks, containers, shared parameters, modes, registration. */
class ModuleTest {

    /** y = x + amount, parameter-free, to see hooks act on known numbers. */
    static final class AddConst extends Module {
        private final float amount;

        AddConst(float amount) {
            this.amount = amount;
        }

        @Override
        protected Variable forward(Variable x) {
            return x.add(amount);
        }
    }

    // ------------------------------------------------------------------ hooks

    @Test
    void hooksRunInRegistrationOrderAndMayReplaceInputAndOutput() {
        AddConst m = new AddConst(1);
        List<String> log = new ArrayList<>();
        m.registerForwardPreHook((mod, x) -> {
            log.add("pre1 " + x.item());
            return x.mul(10f); // 2 -> 20
        });
        m.registerForwardPreHook((mod, x) -> {
            log.add("pre2 " + x.item());
            return null; // keeps 20
        });
        m.registerForwardHook((mod, in, out) -> {
            log.add("post1 in " + in.item() + " out " + out.item());
            return out.neg(); // 21 -> -21
        });
        m.registerForwardHook((mod, in, out) -> {
            assertSame(m, mod);
            log.add("post2 out " + out.item());
            return null;
        });
        Variable y = m.call(Variable.scalar(2f));
        assertEquals(-21f, y.item());
        assertEquals(List.of("pre1 2.0", "pre2 20.0", "post1 in 20.0 out 21.0", "post2 out -21.0"), log);
    }

    @Test
    void removedHooksNoLongerRunAndHandlesCloseIdempotently() {
        AddConst m = new AddConst(1);
        int[] calls = new int[2];
        Module.HookHandle pre = m.registerForwardPreHook((mod, x) -> {
            calls[0]++;
            return null;
        });
        Module.HookHandle post;
        try (Module.HookHandle h = m.registerForwardHook((mod, in, out) -> {
            calls[1]++;
            return out.mul(2f);
        })) {
            post = h;
            assertEquals(8f, m.call(Variable.scalar(3f)).item());
        }
        assertEquals(4f, m.call(Variable.scalar(3f)).item(), "closed with the try block");
        pre.remove();
        pre.remove();
        post.remove();
        m.call(Variable.scalar(3f));
        assertArrayEquals(new int[] {2, 1}, calls);
    }

    @Test
    void aHookMayRemoveItselfWhileRunning() {
        AddConst m = new AddConst(0);
        int[] calls = new int[1];
        Module.HookHandle[] self = new Module.HookHandle[1];
        self[0] = m.registerForwardHook((mod, in, out) -> {
            calls[0]++;
            self[0].remove();
            return null;
        });
        m.call(Variable.scalar(1f));
        m.call(Variable.scalar(1f));
        assertEquals(1, calls[0]);
    }

    @Test
    void hooksOnChildrenFireInsideContainersAndCustomModels() {
        Linear first = new Linear(4, 3, new Generator(1));
        Sequential seq = new Sequential(first, new ReLU(), new Linear(3, 2, new Generator(2)));
        List<Shape> seen = new ArrayList<>();
        first.registerForwardHook((mod, in, out) -> {
            seen.add(out.shape());
            return Variable.zeros(out.dims()); // zero the first layer's output
        });
        Variable y = seq.call(Variable.ones(5, 4));
        assertEquals(List.of(Shape.of(5, 3)), seen);
        // relu(0) = 0, so the output is the last layer's bias in every row
        Linear last = (Linear) seq.get(-1);
        for (int r = 0; r < 5; r++) {
            assertArrayEquals(last.bias.toArray(), y.data().select(0, r).toArray());
        }

        LeNet5 net = new LeNet5(1, 28, 10, new Generator(3));
        Conv2d c1 = (Conv2d) net.getSubmodule("c1");
        List<Shape> inputs = new ArrayList<>();
        c1.registerForwardPreHook((mod, x) -> {
            inputs.add(x.shape());
            return null;
        });
        net.call(Variable.zeros(2, 1, 28, 28));
        assertEquals(List.of(Shape.of(2, 1, 28, 28)), inputs);
    }

    @Test
    void typedCallsOfMultiInputModulesRunTheHooks() {
        LSTM lstm = new LSTM(3, 4, new Generator(4));
        Variable x = Variable.randn(new Generator(5), 6, 2, 3);
        LSTM.Output plain = lstm.call(x, null, null);
        int[] pre = new int[1];
        lstm.registerForwardPreHook((m, in) -> {
            pre[0]++;
            return null;
        });
        lstm.registerForwardHook((m, in, out) -> out.mul(0f));
        LSTM.Output hooked = lstm.call(x, null, null);
        assertEquals(0f, hooked.output().abs().sum().item(), "the output sequence is the hooked value");
        assertArrayEquals(plain.h().toArray(), hooked.h().toArray(), "the states pass through");
        assertEquals(0f, lstm.call(x).abs().sum().item(), "the single-input form runs them too");
        assertEquals(2, pre[0]);

        MultiheadAttention mha = new MultiheadAttention(8, 2, new Generator(6));
        Variable q = Variable.randn(new Generator(7), 5, 1, 8);
        AttentionOutput ref = mha.call(q, q, q, null, null, false, true);
        // A pre-hook that replaces the query of a self-attention replaces key and value too.
        Variable twice = q.mul(2f);
        mha.registerForwardPreHook((m, in) -> twice);
        AttentionOutput r = mha.call(q, q, q, null, null, false, true);
        AttentionOutput direct =
                new MultiheadAttention(8, 2, new Generator(6)).call(twice, twice, twice, null, null, false, true);
        assertArrayEquals(direct.output().toArray(), r.output().toArray(), 1e-6f);
        assertFalse(ref.output().data().allClose(r.output().data(), 1e-4, 1e-4));
    }

    // ------------------------------------------------------------------ containers

    /** A model keeping its blocks in a ModuleList and its heads in a ModuleDict. */
    static final class Towers extends Module {
        final ModuleList<Linear> blocks = registerModule("blocks", new ModuleList<>());
        final ModuleDict<Linear> heads = registerModule("heads", new ModuleDict<>());

        Towers() {
            Generator g = new Generator(8);
            blocks.add(new Linear(4, 4, g)).add(new Linear(4, 4, g));
            heads.put("cls", new Linear(4, 3, g)).put("box", new Linear(4, 2, g));
        }

        @Override
        protected Variable forward(Variable x) {
            for (Linear l : blocks) {
                x = l.call(x).relu();
            }
            return heads.get("cls").call(x);
        }
    }

    @Test
    void moduleListAndDictUsePyTorchDottedKeys() {
        Towers t = new Towers();
        assertEquals(
                List.of(
                        "blocks.0.weight",
                        "blocks.0.bias",
                        "blocks.1.weight",
                        "blocks.1.bias",
                        "heads.cls.weight",
                        "heads.cls.bias",
                        "heads.box.weight",
                        "heads.box.bias"),
                List.copyOf(t.stateDict().keySet()));
        assertSame(t.blocks.get(1), t.blocks.get(-1));
        assertSame(t.heads.get("box"), t.getSubmodule("heads.box"));
        assertEquals(Shape.of(2, 3), t.call(Variable.ones(2, 4)).shape());
        t.eval();
        assertFalse(t.blocks.get(0).isTraining(), "eval reaches list members");
        assertFalse(t.heads.get("box").isTraining(), "and dict members");

        var e = assertThrows(IllegalArgumentException.class, () -> t.heads.get("mask"));
        assertTrue(e.getMessage().contains("'mask'") && e.getMessage().contains("[cls, box]"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> t.blocks.get(2));
        assertThrows(IllegalArgumentException.class, () -> t.heads.put("a.b", new Linear(1, 1)));
        assertThrows(IllegalArgumentException.class, () -> t.heads.put("cls", new Linear(1, 1)));
        var noForward = assertThrows(UnsupportedOperationException.class, () -> t.blocks.call(Variable.ones(1, 4)));
        assertTrue(noForward.getMessage().contains("ModuleList has no forward"), noForward.getMessage());
    }

    @Test
    void submodulesByPathAndErrorsNamingTheMissingStep() {
        Towers t = new Towers();
        assertEquals(
                List.of("", "blocks", "blocks.0", "blocks.1", "heads", "heads.cls", "heads.box"),
                List.copyOf(t.namedModules().keySet()));
        assertSame(t, t.getSubmodule(""));
        var e = assertThrows(IllegalArgumentException.class, () -> t.getSubmodule("blocks.7.weight"));
        assertTrue(
                e.getMessage().contains("'blocks' has no child '7'")
                        && e.getMessage().contains("[0, 1]"),
                e.getMessage());
    }

    // ------------------------------------------------------------------ shared parameters

    /** An encoder used twice and a decoder tied to the encoder's weight. */
    static final class Tied extends Module {
        final Linear encoder = registerModule("encoder", new Linear(4, 4, new Generator(9)));
        final Linear again = registerModule("again", encoder);
        final Variable decoderWeight = registerParameter("decoder_weight", encoder.weight);
        final Variable scale = registerParameter("scale", Tensor.ones(1));

        @Override
        protected Variable forward(Variable x) {
            return again.call(encoder.call(x)).matmul(decoderWeight.t()).mul(scale);
        }
    }

    @Test
    void sharedParametersAreListedOnceButSavedUnderEveryName() {
        Tied m = new Tied();
        // PyTorch's order: a module's own parameters, then its children's; a repeat keeps its first name.
        assertEquals(
                List.of("decoder_weight", "scale", "encoder.bias"),
                List.copyOf(m.namedParameters().keySet()));
        assertEquals(3, m.parameters().size());
        assertEquals(16 + 4 + 1, m.parameterCount());
        assertEquals(
                List.of("decoder_weight", "scale", "encoder.weight", "encoder.bias", "again.weight", "again.bias"),
                List.copyOf(m.stateDict().keySet()));
        assertSame(m.stateDict().get("again.weight"), m.stateDict().get("decoder_weight"));
        assertEquals(List.of("", "encoder"), List.copyOf(m.namedModules().keySet()));
        // One backward accumulates every use into the one gradient.
        m.call(Variable.ones(2, 4)).sum().backward();
        assertNotNull(m.encoder.weight.grad());
        // A state dict saved with every name loads back.
        Tied other = new Tied();
        other.loadStateDict(m.stateDict());
        assertArrayEquals(m.encoder.weight.toArray(), other.encoder.weight.toArray());
    }

    @Test
    void aParameterMustBeALeafAndAModuleCannotContainItself() {
        var e = assertThrows(IllegalArgumentException.class, () -> new Module() {
            final Variable w =
                    registerParameter("w", Variable.ones(2).requiresGrad(true).mul(2f));

            @Override
            protected Variable forward(Variable x) {
                return x;
            }
        });
        assertTrue(e.getMessage().contains("must be a leaf"), e.getMessage());
        Sequential outer = new Sequential(new ReLU());
        Sequential inner = new Sequential(outer);
        var cycle = assertThrows(IllegalArgumentException.class, () -> outer.add(inner));
        assertTrue(cycle.getMessage().contains("its own descendant"), cycle.getMessage());
        assertThrows(IllegalArgumentException.class, () -> outer.add(outer));
    }

    // ------------------------------------------------------------------ registration check

    /** The classic mistake: a layer in a field without registerModule. */
    static final class Forgetful extends Module {
        final Linear fc = new Linear(4, 2);
        final ReLU relu = new ReLU(); // parameter-free: harmless

        @Override
        protected Variable forward(Variable x) {
            return fc.call(relu.call(x));
        }
    }

    @Test
    void callingAnUnregisteredLayerFromForwardNamesBothClassesAndTheFix() {
        Forgetful f = new Forgetful();
        assertTrue(f.parameters().isEmpty());
        var e = assertThrows(IllegalStateException.class, () -> f.call(Variable.ones(1, 4)));
        assertTrue(
                e.getMessage().contains("Forgetful called Linear(4 -> 2)")
                        && e.getMessage().contains("registerModule(\"name\", new Linear(...))")
                        && e.getMessage().contains("ModuleList"),
                e.getMessage());
        // The layer itself still works when called directly, and the check does not leak state.
        assertEquals(Shape.of(1, 2), f.fc.call(Variable.ones(1, 4)).shape());
        // A registered grandchild called directly by its grandparent is fine.
        class Deep extends Module {
            final Sequential inner = registerModule("inner", new Sequential(new Linear(4, 2)));

            @Override
            protected Variable forward(Variable x) {
                return inner.get(0).call(x);
            }
        }
        assertEquals(Shape.of(3, 2), new Deep().call(Variable.ones(3, 4)).shape());
    }

    // ------------------------------------------------------------------ modes, summary, gradients

    @Test
    void trainAndEvalKeepTheCallersType() {
        LeNet5 net = new LeNet5(1, 28, 10, new Generator(10)).eval();
        assertFalse(net.isTraining());
        Sequential s = new Sequential(new Dropout(0.5)).train();
        assertTrue(s.get(0).isTraining());
        Module asModule = net.train(false);
        assertSame(net, asModule);
    }

    @Test
    void summaryRestoresEveryModulesOwnModeAndShowsEveryShape() {
        Dropout frozenDropout = new Dropout(0.5);
        BatchNorm1d bn = new BatchNorm1d(3);
        Sequential inner = new Sequential(new Linear(4, 3, new Generator(11)), bn);
        Sequential net = new Sequential(inner, frozenDropout, new Linear(3, 2, new Generator(12)));
        frozenDropout.eval(); // a deliberate per-layer choice that summary must not undo
        Tensor before = bn.runningMean().copy();
        assertEquals(Shape.of(5, 2), net.summary(5, 4));
        assertTrue(net.isTraining() && inner.isTraining() && bn.isTraining());
        assertFalse(frozenDropout.isTraining());
        assertArrayEquals(before.toArray(), bn.runningMean().toArray(), "summary ran in eval mode");
        String table = net.toString();
        assertFalse(table.contains(" - "), "every layer ran, so every row has a shape:\n" + table);
        assertTrue(table.contains("[5, 3]") && table.contains("[5, 2]"), table);
    }

    @Test
    void zeroGradDropsGradientsByDefaultAndZeroesThemOnRequest() {
        Linear l = new Linear(3, 2, new Generator(13));
        l.call(Variable.ones(1, 3)).sum().backward();
        Tensor buffer = l.weight.gradTensor();
        l.zeroGrad(false);
        assertSame(buffer, l.weight.gradTensor(), "in place keeps the buffer");
        assertEquals(0f, buffer.abs().sum().item());
        l.zeroGrad();
        assertNull(l.weight.gradTensor());
        assertNull(l.bias.gradTensor());
    }

    @Test
    void aNullInputOrResultIsNamed() {
        var e = assertThrows(NullPointerException.class, () -> new Linear(2, 2).call(null));
        assertTrue(e.getMessage().contains("Linear(2 -> 2)"), e.getMessage());
        Module broken = new Module() {
            @Override
            protected Variable forward(Variable x) {
                return null;
            }
        };
        var r = assertThrows(IllegalStateException.class, () -> broken.call(Variable.ones(1)));
        assertTrue(r.getMessage().contains("forward returned null"), r.getMessage());
        assertEquals(Map.of(), broken.stateDict());
    }

    /**
     * Sequential runs a Linear and the ReLU after it as one fused step in inference: the output has
     * the bits of the two calls apart (forced by a hook on the ReLU, which turns the fusion off),
     * both modules record their output shape, and in training the gradient still flows.
     */
    @Test
    void sequentialFusesLinearAndReluWithTheSameBits() {
        Generator g = new Generator(5);
        Sequential mlp = new Sequential(new Linear(40, 48, g), new ReLU(), new Linear(48, 7, g));
        mlp.eval();
        Variable x = Variable.of(Tensor.randn(new Generator(6), 19, 40));
        float[] fused;
        try (var ignored = dev.nabla.autograd.Autograd.noGrad()) {
            fused = mlp.call(x).data().toArray();
            assertTrue(mlp.toString().contains("[19, 48]"), mlp.toString());
            List<String> seen = new ArrayList<>();
            try (var h = mlp.get(1).registerForwardHook((m, in, out) -> {
                seen.add(out.shape().toString());
                return null;
            })) {
                assertArrayEquals(fused, mlp.call(x).data().toArray(), "fused against Linear, then ReLU");
            }
            assertEquals(List.of("[19, 48]"), seen, "the hook ran: no fusion while it is registered");
        }
        mlp.train();
        Variable loss = mlp.call(x).sum();
        loss.backward();
        assertNotNull(((Linear) mlp.get(0)).weight.grad(), "training through the pair records the gradient");
    }
}
