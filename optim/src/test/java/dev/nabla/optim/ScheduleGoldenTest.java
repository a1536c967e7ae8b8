package dev.nabla.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.autograd.Variable;
import dev.nabla.nn.testing.Goldens;
import dev.nabla.tensor.Tensor;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every schedule's sequence of rates (two groups, base rates 0.1 and 0.05) and, where it cycles
 * it, momentum, against PyTorch's schedulers driving a real optimizer (goldens from
 * {@code goldens_optim.py}, case names shared).
 *
 * <p>OneCycle is compared over the steps training uses ({@code 0 .. totalSteps - 1}); at
 * {@code totalSteps} PyTorch extrapolates past the schedule's end and Nabla holds the final value,
 * which is checked separately.
 */
class ScheduleGoldenTest {
    private static final double RTOL = 1e-5;
    private static final double ATOL = 1e-9;

    static Stream<Arguments> cases() {
        Schedule inverse = Schedule.inverseTime(0.5);
        return Stream.of(
                sgd("step", Schedule.step(3, 0.5)),
                sgd("multistep", Schedule.multiStep(0.3, 3, 7, 12)),
                sgd("exponential", Schedule.exponential(0.9)),
                sgd("cosine", Schedule.cosine(10, 0.001)),
                sgd("inverse_time", inverse),
                sgd("linear", Schedule.linear(0.1, 1.0, 5)),
                sgd("linear_decay", Schedule.linear(1.0, 0.05, 8)),
                sgd("warmup_cosine", Schedule.warmup(5, 0.1, Schedule.cosine(15, 0))),
                sgd("warmup_exponential", Schedule.warmup(4, 0.25, Schedule.exponential(0.9))),
                sgd("warmup_inverse_time", Schedule.warmup(3, 0.2, inverse)),
                sgd("warmup_step", Schedule.sequential(List.of(Schedule.linear(0.5, 1, 2), Schedule.step(3, 0.5)), 2)),
                sgd(
                        "chained_linear_exponential",
                        Schedule.chained(Schedule.linear(0.2, 1, 4), Schedule.exponential(0.9))),
                sgd("chained_step_exponential", Schedule.chained(Schedule.step(4, 0.5), Schedule.exponential(0.95))),
                sgd("onecycle", Schedule.oneCycle(20)),
                Arguments.of(
                        "onecycle_three_phase_linear",
                        Schedule.oneCycle(30)
                                .withPctStart(0.25)
                                .withAnneal(Schedule.Anneal.LINEAR)
                                .withThreePhase(true)
                                .withDivFactors(10, 100),
                        (Function<List<ParamGroup>, Optimizer>) gs -> new Adam(gs, 0.1)),
                sgd(
                        "onecycle_no_momentum",
                        Schedule.oneCycle(16).withPctStart(0.4).withoutMomentumCycling()));
    }

    private static Arguments sgd(String name, Schedule s) {
        return Arguments.of(name, s, (Function<List<ParamGroup>, Optimizer>) gs -> new SGD(gs, 0.1).momentum(0.9));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void ratesMatchPyTorch(String name, Schedule schedule, Function<List<ParamGroup>, Optimizer> make) {
        Goldens g = Goldens.load("optim_schedules");
        int n = g.metaInt(name + ".steps");
        List<ParamGroup> groups = List.of(
                ParamGroup.of(Variable.parameter(Tensor.zeros(1))),
                ParamGroup.of(Variable.parameter(Tensor.zeros(1))).setLr(0.05));
        Optimizer opt = make.apply(groups);
        LrScheduler sched = new LrScheduler(opt, schedule);
        float[] lr0 = new float[n + 1];
        float[] lr1 = new float[n + 1];
        float[] mom = new float[n + 1];
        Optimizer.Option momentumKey = opt.momentumOption();
        for (int t = 0; t <= n; t++) {
            if (t > 0) {
                opt.step();
                sched.step();
            }
            double[] last = sched.lastLr();
            lr0[t] = (float) opt.paramGroups().get(0).lr();
            lr1[t] = (float) opt.paramGroups().get(1).lr();
            mom[t] = (float) opt.paramGroups().get(0).get(momentumKey);
            assertEquals(last[0], opt.paramGroups().get(0).lr());
            assertEquals(last[1], sched.lastLr()[1]);
            assertEquals(last[0], sched.currentLr());
        }
        int compared = n + 1;
        if (schedule instanceof Schedule.OneCycle oc) {
            compared = n;
            assertEquals(0.1 / oc.divFactor() / oc.finalDivFactor(), lr0[n], 1e-9);
            assertEquals(oc.cycleMomentum() ? (float) oc.maxMomentum() : 0.9f, mom[n]);
        }
        assertPrefixClose(g, name + ".lr0", lr0, compared);
        assertPrefixClose(g, name + ".lr1", lr1, compared);
        assertPrefixClose(g, name + ".momentum", mom, compared);
    }

    private static void assertPrefixClose(Goldens g, String key, float[] actual, int count) {
        float[] expected = g.tensor(key).toArray();
        assertEquals(expected.length, actual.length, key + ": length");
        for (int i = 0; i < count; i++) {
            double tol = ATOL + RTOL * Math.abs(expected[i]);
            if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
                throw new AssertionError(key + ": step " + i + " is " + actual[i] + ", PyTorch gives " + expected[i]);
            }
        }
    }
}
