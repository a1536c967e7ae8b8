package dev.nabla.optim;

import dev.nabla.optim.Optimizer.Flag;
import dev.nabla.optim.Optimizer.Option;
import dev.nabla.tensor.OptimizerUpdates;
import dev.nabla.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What {@link Adam} and {@link AdamW} share: options and the update. */
final class AdamCore {
    static final Option BETA1 = new Option("beta1", Option.Range.UNIT_INTERVAL);
    static final Option BETA2 = new Option("beta2", Option.Range.UNIT_INTERVAL);
    static final Option EPS = new Option("eps", Option.Range.NON_NEGATIVE);
    static final Flag AMSGRAD = new Flag("amsgrad");
    static final List<Flag> FLAGS = List.of(AMSGRAD, Optimizer.MAXIMIZE);

    private AdamCore() {}

    static Map<Option, Double> defaults(double lr, double weightDecay) {
        Map<Option, Double> d = new LinkedHashMap<>();
        d.put(Optimizer.LR, lr);
        d.put(BETA1, 0.9);
        d.put(BETA2, 0.999);
        d.put(EPS, 1e-8);
        d.put(Optimizer.WEIGHT_DECAY, weightDecay);
        return d;
    }

    static void update(
            Optimizer opt, boolean decoupled, ParamGroup group, Tensor param, Tensor grad, Optimizer.State state) {
        Tensor m = state.zeros("exp_avg", param);
        Tensor v = state.zeros("exp_avg_sq", param);
        Tensor vmax = opt.flag(AMSGRAD) ? state.zeros("max_exp_avg_sq", param) : null;
        long step = state.advance();
        OptimizerUpdates.adam(
                param,
                grad,
                m,
                v,
                vmax,
                group.get(Optimizer.LR),
                group.get(BETA1),
                group.get(BETA2),
                group.get(EPS),
                group.get(Optimizer.WEIGHT_DECAY),
                decoupled,
                step,
                opt.flag(Optimizer.MAXIMIZE));
    }
}
