package dev.nabla.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.autograd.Variable;
import dev.nabla.nn.Linear;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class OptimizerTest {

    private static Variable param(float... v) {
        return Variable.parameter(Tensor.of(v));
    }

    // =================================================================== groups and options

    @Test
    void groupsFallBackToTheOptimizersDefaultsUnlessTheySetTheirOwn() {
        Variable a = param(1), b = param(2);
        SGD opt = new SGD(List.of(ParamGroup.of(a), ParamGroup.of(b).setLr(0.01).set(SGD.MOMENTUM, 0.5)), 0.1);
        opt.momentum(0.9).weightDecay(1e-4);
        ParamGroup g0 = opt.paramGroups().get(0), g1 = opt.paramGroups().get(1);
        assertEquals(0.1, g0.lr());
        assertEquals(0.9, g0.get(SGD.MOMENTUM));
        assertEquals(0.01, g1.lr());
        assertEquals(0.5, g1.get(SGD.MOMENTUM));
        assertEquals(1e-4, g1.weightDecay());
        assertTrue(g1.overrides(Optimizer.LR));
        assertFalse(g1.overrides(Optimizer.WEIGHT_DECAY));
        assertEquals(
                Map.of(Optimizer.LR, 0.01, SGD.MOMENTUM, 0.5, SGD.DAMPENING, 0.0, Optimizer.WEIGHT_DECAY, 1e-4),
                g1.options());
        assertEquals(
                List.of("lr", "momentum", "dampening", "weight_decay"),
                opt.options().stream().map(Optimizer.Option::name).toList());
        assertEquals(List.of(a, b), opt.parameters());
    }

    @Test
    void splitWeightDecayPutsOneDimensionalParametersInANoDecayGroup() {
        Sequential model =
                new Sequential(new Linear(3, 4, new Generator(0)), new ReLU(), new Linear(4, 2, new Generator(1)));
        List<ParamGroup> groups = ParamGroup.splitWeightDecay(model.namedParameters(), (n, p) -> p.dim() <= 1);
        AdamW opt = new AdamW(groups, 1e-3).weightDecay(0.05);
        assertEquals(2, opt.paramGroups().size());
        assertEquals(
                List.of(
                        model.namedParameters().get("0.weight"),
                        model.namedParameters().get("2.weight")),
                opt.paramGroups().get(0).params());
        assertEquals(0.05, opt.paramGroups().get(0).weightDecay());
        assertEquals(0.0, opt.paramGroups().get(1).weightDecay());
    }

    @Test
    void unknownOptionsAndOutOfRangeValuesAreRejectedWithTheirNames() {
        Variable a = param(1);
        Adam adam = new Adam(List.of(a), 1e-3);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> adam.setDefault(SGD.MOMENTUM, 0.9));
        assertTrue(e.getMessage().contains("momentum") && e.getMessage().contains("beta1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> adam.betas(1.0, 0.999));
        assertThrows(IllegalArgumentException.class, () -> adam.lr(-1));
        assertThrows(IllegalArgumentException.class, () -> adam.eps(Double.NaN));
        assertThrows(
                IllegalArgumentException.class, () -> adam.paramGroups().get(0).set(Adam.BETA2, -0.1));
        assertThrows(IllegalArgumentException.class, () -> adam.setFlag(SGD.NESTEROV, true));
        assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(a), -0.1));
        assertThrows(IllegalArgumentException.class, () -> new RMSprop(List.of(a), 0.1).alpha(-1));
        // A group's own bad option is caught when it joins an optimizer.
        ParamGroup bad = ParamGroup.of(param(1)).set(RMSprop.ALPHA, 0.9);
        assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(bad), 0.1));
    }

    @Test
    void aParameterMayBelongToOnlyOneGroup() {
        Variable a = param(1), b = param(2);
        assertThrows(IllegalArgumentException.class, () -> ParamGroup.of(a, a));
        SGD opt = new SGD(List.of(a), 0.1);
        assertThrows(IllegalArgumentException.class, () -> opt.addParamGroup(ParamGroup.of(b, a)));
        opt.addParamGroup(ParamGroup.of(b).setLr(0.5));
        assertEquals(2, opt.paramGroups().size());
        ParamGroup used = opt.paramGroups().get(1);
        assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(used), 0.1));
        assertThrows(IllegalArgumentException.class, () -> new SGD(List.<Variable>of(), 0.1));
    }

    @Test
    void nonContiguousParametersAreRejected() {
        Variable t = Variable.parameter(Tensor.zeros(3, 2).t());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(t), 0.1));
        assertTrue(e.getMessage().contains("non-contiguous"), e.getMessage());
    }

    @Test
    void nesterovNeedsMomentumAndNoDampening() {
        Variable a = param(1);
        a.setGrad(Tensor.of(1));
        SGD opt = new SGD(List.of(a), 0.1).nesterov(true);
        IllegalStateException e = assertThrows(IllegalStateException.class, opt::step);
        assertTrue(e.getMessage().contains("Nesterov"), e.getMessage());
        opt.momentum(0.9).dampening(0.1);
        assertThrows(IllegalStateException.class, opt::step);
        opt.dampening(0);
        opt.step();
        // first step: buf = g = 1, d = g + 0.9 buf = 1.9, w = 1 - 0.1 d
        assertEquals(0.81f, a.data().get(0), 1e-7);
    }

    // =================================================================== stepping

    @Test
    void stepUpdatesInPlaceSkipsParametersWithoutGradientAndBumpsVersions() {
        Variable a = param(1, 2), b = param(3);
        Tensor storage = a.data();
        int version = storage.version();
        a.setGrad(Tensor.of(0.5f, -1));
        SGD opt = new SGD(List.of(a, b), 0.1);
        opt.step();
        assertArrayEquals(new float[] {0.95f, 2.1f}, a.toArray());
        assertEquals(3f, b.data().get(0));
        assertTrue(storage.version() > version);
        assertNull(opt.state(b));
        assertEquals(1, opt.state(a).step());
        assertEquals(1, opt.stepCount());
    }

    @Test
    void aGraphThatSavedAParameterRefusesBackwardAfterTheStep() {
        Variable w = param(1, 2);
        Variable loss = w.mul(w).sum();
        w.setGrad(Tensor.of(1, 1));
        new SGD(List.of(w), 0.1).step();
        assertThrows(RuntimeException.class, loss::backward);
    }

    @Test
    void zeroGradDropsGradientsByDefaultOrZeroesThemInPlace() {
        Variable a = param(1), b = param(2);
        a.setGrad(Tensor.of(3));
        b.setGrad(Tensor.of(4));
        Tensor buffer = a.gradTensor();
        SGD opt = new SGD(List.of(a, b), 0.1);
        opt.zeroGrad(false);
        assertEquals(0f, a.gradTensor().get(0));
        assertSame(buffer, a.gradTensor());
        opt.zeroGrad();
        assertNull(a.gradTensor());
        assertNull(b.gradTensor());
    }

    static Stream<Arguments> optimizersWithMomentumAndDecay() {
        return Stream.of(
                Arguments.of("SGD momentum + weight decay + Nesterov", (Function<List<Variable>, Optimizer>)
                        ps -> new SGD(ps, 0.05).momentum(0.9).nesterov(true).weightDecay(0.01)),
                Arguments.of(
                        "Adam + L2", (Function<List<Variable>, Optimizer>) ps -> new Adam(ps, 0.01).weightDecay(0.01)),
                Arguments.of("AdamW", (Function<List<Variable>, Optimizer>) ps -> new AdamW(ps, 0.01).weightDecay(0.1)),
                Arguments.of("RMSprop centered + momentum + weight decay", (Function<List<Variable>, Optimizer>)
                        ps -> new RMSprop(ps, 0.01).momentum(0.9).centered(true).weightDecay(0.01)));
    }

    /**
     * Fine-tuning: a layer trained for a while (so its momentum and moments are non-zero) is frozen
     * with requiresGrad(false). With gradients set to none it never gets one again, so every
     * optimizer skips it: its weights and its state stay bit for bit, for many steps, while the
     * rest trains. Zeroing in place instead (the old default) would let momentum and weight decay
     * move it, which the last part shows.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizersWithMomentumAndDecay")
    void aFrozenLayerStaysExactlyStill(String name, Function<List<Variable>, Optimizer> make) {
        for (boolean setToNone : new boolean[] {true, false}) {
            Generator g = new Generator(5);
            Linear body = new Linear(3, 8, g);
            Linear head = new Linear(8, 1, g);
            Sequential model = new Sequential(body, new ReLU(), head);
            Variable x = Variable.randn(g, 16, 3);
            Variable y = Variable.randn(g, 16, 1);
            Optimizer opt = make.apply(model.parameters());
            Runnable step = () -> {
                opt.zeroGrad(setToNone);
                model.call(x).sub(y).square().mean().backward();
                opt.step();
            };
            for (int i = 0; i < 5; i++) {
                step.run();
            }
            body.weight.requiresGrad(false);
            body.bias.requiresGrad(false);
            float[] frozenW = body.weight.toArray();
            float[] frozenB = body.bias.toArray();
            long frozenSteps = opt.state(body.weight).step();
            float[] headBefore = head.weight.toArray();
            for (int i = 0; i < 50; i++) {
                step.run();
            }
            if (setToNone) {
                assertArrayEquals(frozenW, body.weight.toArray(), name + ": frozen weight moved");
                assertArrayEquals(frozenB, body.bias.toArray(), name + ": frozen bias moved");
                assertEquals(frozenSteps, opt.state(body.weight).step(), name + ": frozen state advanced");
                assertNull(body.weight.gradTensor());
                assertFalse(Arrays.equals(headBefore, head.weight.toArray()), name + ": head trains");
            } else {
                assertFalse(
                        Arrays.equals(frozenW, body.weight.toArray()),
                        name + ": zeroed (not dropped) gradients still move the layer");
            }
        }
    }

    @Test
    void aModelWithTiedWeightsIsAcceptedAndTheSharedWeightUpdatedOnce() {
        Linear shared = new Linear(2, 2, new Generator(6));
        Sequential model = new Sequential(shared, new ReLU(), shared);
        assertEquals(2, model.parameters().size());
        SGD opt = new SGD(model.parameters(), 0.5);
        model.call(Variable.ones(1, 2)).sum().backward();
        Tensor expected = shared.weight.data().sub(shared.weight.gradTensor().mul(0.5f));
        opt.step();
        assertArrayEquals(expected.toArray(), shared.weight.toArray());
    }

    @Test
    void anEmptyParameterListSaysLayersMustBeRegistered() {
        var e = assertThrows(IllegalArgumentException.class, () -> new Adam(List.<Variable>of(), 1e-3));
        assertTrue(
                e.getMessage().contains("registerModule(\"name\", new Linear(...))")
                        && e.getMessage().contains("ModuleList"),
                e.getMessage());
    }

    @Test
    void trainsAModelThroughAutogradEndToEnd() {
        Generator g = new Generator(3);
        Linear fc = new Linear(2, 1, g);
        Variable x = Variable.randn(g, 32, 2);
        Variable y = x.matmul(Variable.of(new float[][] {{2}, {-1}})).add(0.5f);
        Adam opt = new Adam(fc.parameters(), 0.05);
        for (int i = 0; i < 400; i++) {
            opt.zeroGrad();
            Variable loss = fc.call(x).sub(y).square().mean();
            loss.backward();
            opt.step();
        }
        assertArrayEquals(new float[] {2, -1}, fc.weight.toArray(), 1e-3f);
        assertEquals(0.5f, fc.bias.get(0), 1e-3f);
    }

    // =================================================================== state dict

    static Stream<Arguments> optimizers() {
        return Stream.of(
                Arguments.of("SGD", (Function<List<ParamGroup>, Optimizer>)
                        gs -> new SGD(gs, 0.05).momentum(0.9).nesterov(true)),
                Arguments.of("Adam", (Function<List<ParamGroup>, Optimizer>)
                        gs -> new Adam(gs, 0.01).amsgrad(true).weightDecay(0.01)),
                Arguments.of("AdamW", (Function<List<ParamGroup>, Optimizer>) gs -> new AdamW(gs, 0.01)),
                Arguments.of("RMSprop", (Function<List<ParamGroup>, Optimizer>)
                        gs -> new RMSprop(gs, 0.01).momentum(0.5).centered(true)));
    }

    /** Two parameters in two groups; the gradient of sum(sin-ish) keeps every step different. */
    private static void fakeBackward(List<Variable> ps, int step) {
        for (Variable p : ps) {
            Tensor d = p.data();
            p.setGrad(d.mul(d).sub(d.mul(0.5f)).add((float) Math.cos(step)));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void stateDictRestoresTrainingExactly(String name, Function<List<ParamGroup>, Optimizer> make) {
        Generator gen = new Generator(11);
        Variable w = Variable.parameter(Tensor.randn(gen, 3, 4));
        Variable b = Variable.parameter(Tensor.randn(gen, 4));
        Optimizer a = make.apply(List.of(ParamGroup.of(w), ParamGroup.of(b).setLr(0.003)));
        for (int s = 0; s < 5; s++) {
            fakeBackward(List.of(w, b), s);
            a.step();
        }
        OptimizerState saved = a.stateDict();
        assertEquals(name, saved.metadata().get("type"));
        assertEquals("5", saved.metadata().get("step_count"));
        // A second model continues from copies, with a fresh optimizer loaded from the state.
        Variable w2 = Variable.parameter(w.data().copy());
        Variable b2 = Variable.parameter(b.data().copy());
        Optimizer resumed = make.apply(List.of(ParamGroup.of(w2), ParamGroup.of(b2)));
        Map<String, Tensor> copies = new LinkedHashMap<>();
        saved.tensors().forEach((k, t) -> copies.put(k, t.copy()));
        resumed.loadStateDict(new OptimizerState(copies, saved.metadata()));
        copies.values().forEach(t -> t.fill(Float.NaN)); // loading copied them
        assertEquals(0.003, resumed.paramGroups().get(1).lr());
        assertEquals(5, resumed.stepCount());
        for (int s = 5; s < 10; s++) {
            fakeBackward(List.of(w, b), s);
            a.step();
            fakeBackward(List.of(w2, b2), s);
            resumed.step();
        }
        assertArrayEquals(w.toArray(), w2.toArray());
        assertArrayEquals(b.toArray(), b2.toArray());
        assertEquals(a.stateDict().metadata(), resumed.stateDict().metadata());
    }

    @Test
    void stateDictRecordsOptionsFlagsAndPerParameterSteps() {
        Variable a = param(1, 2), b = param(3);
        Adam opt = new Adam(List.of(a, b), 0.01).amsgrad(true);
        a.setGrad(Tensor.of(1, 1));
        opt.step();
        OptimizerState s = opt.stateDict();
        assertEquals(
                Map.of("state.0.exp_avg", 2, "state.0.exp_avg_sq", 2, "state.0.max_exp_avg_sq", 2), sizes(s.tensors()));
        assertEquals("true", s.metadata().get("flag.amsgrad"));
        assertEquals("0.01", s.metadata().get("group.0.lr"));
        assertEquals("1", s.metadata().get("state.0.step"));
        assertNull(s.metadata().get("state.1.step"));
        assertThrows(UnsupportedOperationException.class, () -> s.metadata().put("x", "y"));
    }

    private static Map<String, Integer> sizes(Map<String, Tensor> m) {
        Map<String, Integer> out = new HashMap<>();
        m.forEach((k, t) -> out.put(k, t.numel()));
        return out;
    }

    @Test
    void loadStateDictRejectsMismatchesAndChangesNothing() {
        Variable a = param(1, 2), b = param(3);
        Adam src = new Adam(List.of(a, b), 0.01);
        a.setGrad(Tensor.of(1, 1));
        b.setGrad(Tensor.of(1));
        src.step();
        OptimizerState good = src.stateDict();

        Adam target = new Adam(List.of(param(0, 0), param(0)), 0.5);
        assertThrows(
                IllegalArgumentException.class, () -> new SGD(List.of(param(0, 0), param(0)), 0.1).loadStateDict(good));
        assertThrows(
                IllegalArgumentException.class,
                () -> new Adam(List.of(ParamGroup.of(param(0, 0)), ParamGroup.of(param(0))), 0.1).loadStateDict(good));

        Map<String, Tensor> t = new LinkedHashMap<>(good.tensors());
        t.put("state.1.exp_avg", Tensor.zeros(5));
        t.put("state.7.exp_avg", Tensor.zeros(1));
        Map<String, String> m = new LinkedHashMap<>(good.metadata());
        m.put("group.0.beta1", "1.5");
        m.remove("flag.maximize");
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> target.loadStateDict(new OptimizerState(t, m)));
        for (String part : List.of("state.1.exp_avg", "state.7.exp_avg", "group.0.beta1", "flag.maximize")) {
            assertTrue(e.getMessage().contains(part), e.getMessage());
        }
        assertEquals(0.5, target.paramGroups().get(0).lr());
        assertEquals(0, target.stepCount());
        assertNull(target.state(target.parameters().get(0)));

        target.loadStateDict(good);
        assertEquals(0.01, target.paramGroups().get(0).lr());
        assertNotSame(
                good.tensors().get("state.0.exp_avg"),
                target.stateDict().tensors().get("state.0.exp_avg"));
    }

    // =================================================================== schedulers

    @Test
    void schedulerStateRestoresTheRateSequence() {
        Schedule s = Schedule.warmup(3, 0.1, Schedule.cosine(10, 1e-4));
        SGD a = new SGD(List.of(param(1)), 0.2);
        LrScheduler sa = new LrScheduler(a, s);
        for (int i = 0; i < 6; i++) {
            sa.step();
        }
        Map<String, String> saved = sa.stateDict();
        SGD b = new SGD(List.of(param(1)), 99);
        LrScheduler sb = new LrScheduler(b, s);
        sb.loadStateDict(saved);
        assertEquals(6, sb.stepCount());
        assertArrayEquals(new double[] {0.2}, sb.baseLrs());
        assertEquals(sa.currentLr(), b.paramGroups().get(0).lr());
        for (int i = 0; i < 8; i++) {
            sa.step();
            sb.step();
            assertEquals(sa.currentLr(), sb.currentLr());
        }
        assertThrows(IllegalArgumentException.class, () -> sb.loadStateDict(Map.of("step", "1")));
        assertThrows(
                IllegalArgumentException.class, () -> sb.loadStateDict(Map.of("step", "1", "base_lrs", "0.1,0.2")));
        assertThrows(IllegalArgumentException.class, () -> sb.loadStateDict(Map.of("step", "x", "base_lrs", "0.1")));
    }

    @Test
    void anyLambdaIsASchedule() {
        SGD opt = new SGD(List.of(param(1)), 1.0);
        LrScheduler s = new LrScheduler(opt, (t, base) -> base / (t + 1));
        s.step();
        s.step();
        assertEquals(1.0 / 3, s.currentLr(), 1e-15);
        assertEquals(1.0 / 3, opt.paramGroups().get(0).lr(), 1e-15);
    }

    @Test
    void schedulesRejectBadArgumentsAndOneCycleStopsAtItsEnd() {
        assertThrows(IllegalArgumentException.class, () -> Schedule.step(0, 0.1));
        assertThrows(IllegalArgumentException.class, () -> Schedule.multiStep(0.1, 5, 3));
        assertThrows(IllegalArgumentException.class, () -> Schedule.cosine(0, 0));
        assertThrows(IllegalArgumentException.class, () -> Schedule.linear(0, 1, 5));
        assertThrows(IllegalArgumentException.class, () -> Schedule.sequential(List.of(Schedule.constant()), 3));
        assertThrows(IllegalArgumentException.class, () -> Schedule.oneCycle(10).withPctStart(0.1)); // empty phase
        SGD opt = new SGD(List.of(param(1)), 0.1);
        LrScheduler s = new LrScheduler(opt, Schedule.oneCycle(3));
        for (int i = 0; i < 3; i++) {
            s.step();
        }
        assertThrows(IllegalStateException.class, s::step);
        // OneCycle cycles momentum, which RMSprop has and a lambda schedule does not touch.
        assertEquals(0.95, momentumAfterOneCycle(new RMSprop(List.of(param(1)), 0.1)), 1e-12);
        SGD plain = new SGD(List.of(param(1)), 0.1).momentum(0.3);
        new LrScheduler(plain, Schedule.exponential(0.5));
        assertEquals(0.3, plain.paramGroups().get(0).get(SGD.MOMENTUM));
    }

    private static double momentumAfterOneCycle(Optimizer opt) {
        new LrScheduler(opt, Schedule.oneCycle(10));
        return opt.paramGroups().get(0).get(RMSprop.MOMENTUM);
    }

    @Test
    void schedulerRefusesRatesThatAreNotRates() {
        SGD opt = new SGD(List.of(param(1)), 0.1);
        assertThrows(IllegalStateException.class, () -> new LrScheduler(opt, (t, b) -> -b));
        LrScheduler s = new LrScheduler(opt, (t, b) -> t < 1 ? b : Double.NaN);
        IllegalStateException e = assertThrows(IllegalStateException.class, s::step);
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
    }
}
