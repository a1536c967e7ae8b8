package dev.nabla.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.autograd.Variable;
import dev.nabla.nn.testing.Goldens;
import dev.nabla.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each optimizer's parameter trajectory over 10 steps against PyTorch's (goldens from
 * {@code optim/src/test/python/goldens_optim.py}): the gradient g = c (p - t) + d (p - t)^3 is
 * computed here with the same float32 operations as there, so only the optimizers can differ.
 * The options of each case are read from the golden file by PyTorch's names and set through the
 * typed keys the optimizers declare under those names.
 */
class OptimizerGoldenTest {
    private static final double RTOL = 1e-5;
    private static final double ATOL = 1e-7;
    private static final int STEPS = 10;

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("optim_sgd", "plain"),
                Arguments.of("optim_sgd", "momentum"),
                Arguments.of("optim_sgd", "dampening"),
                Arguments.of("optim_sgd", "nesterov"),
                Arguments.of("optim_sgd", "weight_decay"),
                Arguments.of("optim_sgd", "all"),
                Arguments.of("optim_sgd", "maximize"),
                Arguments.of("optim_sgd", "groups"),
                Arguments.of("optim_adam", "default"),
                Arguments.of("optim_adam", "weight_decay"),
                Arguments.of("optim_adam", "amsgrad"),
                Arguments.of("optim_adam", "betas"),
                Arguments.of("optim_adam", "maximize"),
                Arguments.of("optim_adam", "groups"),
                Arguments.of("optim_adam", "onecycle_clip"),
                Arguments.of("optim_adamw", "default"),
                Arguments.of("optim_adamw", "weight_decay"),
                Arguments.of("optim_adamw", "amsgrad"),
                Arguments.of("optim_adamw", "groups"),
                Arguments.of("optim_rmsprop", "default"),
                Arguments.of("optim_rmsprop", "alpha"),
                Arguments.of("optim_rmsprop", "momentum"),
                Arguments.of("optim_rmsprop", "centered"),
                Arguments.of("optim_rmsprop", "all"),
                Arguments.of("optim_rmsprop", "maximize"),
                Arguments.of("optim_rmsprop", "groups"));
    }

    static Map<String, String> options(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        if (!text.equals("none")) {
            for (String kv : text.split(" ")) {
                int eq = kv.indexOf('=');
                out.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        return out;
    }

    static Optimizer create(String file, List<ParamGroup> groups, double lr) {
        return switch (file) {
            case "optim_sgd" -> new SGD(groups, lr);
            case "optim_adam" -> new Adam(groups, lr);
            case "optim_adamw" -> new AdamW(groups, lr);
            case "optim_rmsprop" -> new RMSprop(groups, lr);
            default -> throw new IllegalArgumentException(file);
        };
    }

    /** The option or flag an optimizer declares under {@code name}. */
    static <K> K named(List<K> keys, Function<K, String> name, String wanted) {
        return keys.stream()
                .filter(k -> name.apply(k).equals(wanted))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no option '" + wanted + "' among " + keys));
    }

    static Tensor grad(Tensor p, Tensor t, Tensor c, Tensor d) {
        Tensor diff = p.sub(t);
        return c.mul(diff).add(d.mul(diff.mul(diff).mul(diff)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void trajectoryMatchesPyTorch(String file, String name) {
        Goldens g = Goldens.load(file);
        Variable w = Variable.parameter(g.tensor("init.w").copy());
        Variable b = Variable.parameter(g.tensor("init.b").copy());
        Map<String, String> group1 = options(g.meta(name + ".group1"));
        List<ParamGroup> groups;
        ParamGroup second = ParamGroup.of(b);
        groups = group1.isEmpty() ? List.of(ParamGroup.of(w, b)) : List.of(ParamGroup.of(w), second);
        Optimizer opt = create(file, groups, g.metaDouble(name + ".lr"));
        group1.forEach((k, v) -> second.set(named(opt.options(), Optimizer.Option::name, k), Double.parseDouble(v)));
        Set<String> flags =
                Set.copyOf(opt.flags().stream().map(Optimizer.Flag::name).toList());
        options(g.meta(name + ".options")).forEach((k, v) -> {
            if (flags.contains(k)) {
                opt.setFlag(named(opt.flags(), Optimizer.Flag::name, k), Boolean.parseBoolean(v));
            } else {
                opt.setDefault(named(opt.options(), Optimizer.Option::name, k), Double.parseDouble(v));
            }
        });
        String nograd = g.meta(name + ".nograd");
        Set<String> skip = nograd.equals("none") ? Set.of() : Set.of(nograd.split(","));
        int oneCycle = g.metaInt(name + ".onecycle");
        LrScheduler sched = oneCycle > 0 ? new LrScheduler(opt, Schedule.oneCycle(oneCycle)) : null;
        double clip = g.metaDouble(name + ".clip");
        for (int step = 1; step <= STEPS; step++) {
            w.setGrad(grad(w.data(), g.tensor("target.w"), g.tensor("c.w"), g.tensor("d.w")));
            b.setGrad(
                    skip.contains(Integer.toString(step))
                            ? null
                            : grad(b.data(), g.tensor("target.b"), g.tensor("c.b"), g.tensor("d.b")));
            if (clip > 0) {
                GradClip.clipGradNorm(List.of(w, b), clip);
            }
            opt.step();
            if (sched != null) {
                sched.step();
            }
            g.assertClose(name + ".w." + step, w.data(), RTOL, ATOL);
            g.assertClose(name + ".b." + step, b.data(), RTOL, ATOL);
        }
        if (!skip.isEmpty()) {
            // A parameter without a gradient is skipped: its state did not advance on those steps.
            assertEquals(STEPS - skip.size(), opt.state(b).step());
            assertEquals(STEPS, opt.state(w).step());
        }
    }
}
