package dev.nabla.optim;

import dev.nabla.tensor.Tensor;
import dev.nabla.tensor.kernel.OptimKernels;
import java.util.LinkedHashMap;
import java.util.Map;

/** What {@link Adam} and {@link AdamW} share: options, their checks and the update. */
final class AdamCore {
    private AdamCore() {}

    static Map<String, Double> defaults(double lr, double weightDecay) {
        Map<String, Double> d = new LinkedHashMap<>();
        d.put("lr", lr);
        d.put("beta1", 0.9);
        d.put("beta2", 0.999);
        d.put("eps", 1e-8);
        d.put("weight_decay", weightDecay);
        return d;
    }

    static Map<String, Boolean> flags() {
        Map<String, Boolean> f = new LinkedHashMap<>();
        f.put("amsgrad", false);
        f.put("maximize", false);
        return f;
    }

    static void checkOption(String kind, String option, double value) {
        switch (option) {
            case "beta1", "beta2" -> {
                if (value < 0 || value >= 1) {
                    throw new IllegalArgumentException(
                            kind + ": option " + option + " must be in [0, 1), got " + value);
                }
            }
            case "eps" -> {
                if (value < 0) {
                    throw new IllegalArgumentException(kind + ": option eps must be >= 0, got " + value);
                }
            }
            default -> {}
        }
    }

    static void update(
            Optimizer opt, boolean decoupled, ParamGroup group, Tensor param, Tensor grad, Optimizer.State state) {
        Tensor m = state.zeros("exp_avg", param);
        Tensor v = state.zeros("exp_avg_sq", param);
        Tensor vmax = opt.flag("amsgrad") ? state.zeros("max_exp_avg_sq", param) : null;
        long step = state.advance();
        OptimKernels.adam(
                param.storageArray(),
                param.storageOffset(),
                grad.storageArray(),
                grad.storageOffset(),
                m.storageArray(),
                m.storageOffset(),
                v.storageArray(),
                v.storageOffset(),
                vmax == null ? null : vmax.storageArray(),
                vmax == null ? 0 : vmax.storageOffset(),
                param.numel(),
                group.get("lr"),
                group.get("beta1"),
                group.get("beta2"),
                group.get("eps"),
                group.get("weight_decay"),
                decoupled,
                step,
                opt.flag("maximize"));
        m.markModified();
        v.markModified();
        if (vmax != null) {
            vmax.markModified();
        }
    }
}
