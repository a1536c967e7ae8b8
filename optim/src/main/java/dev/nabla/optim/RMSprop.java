package dev.nabla.optim;

import dev.nabla.autograd.Variable;
import dev.nabla.tensor.Tensor;
import dev.nabla.tensor.kernel.OptimKernels;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * RMSprop (Hinton), computing exactly what {@code torch.optim.RMSprop} computes:
 * <pre>
 * g = g + weight_decay * w
 * sq = alpha * sq + (1 - alpha) * g^2
 * centered: ga = alpha * ga + (1 - alpha) * g;  avg = sqrt(sq - ga^2) + eps
 * else:     avg = sqrt(sq) + eps
 * momentum > 0: buf = momentum * buf + g / avg;  w -= lr * buf
 * else:         w -= lr * g / avg
 * </pre>
 * Options (per group): {@code lr} (PyTorch's default is 0.01), {@code alpha} (0.99), {@code eps}
 * (1e-8), {@code weight_decay} (0), {@code momentum} (0); flags: {@code centered},
 * {@code maximize}. Per-parameter state: {@code square_avg}, {@code grad_avg} (centered),
 * {@code momentum_buffer} (momentum) and the step count.
 *
 * <pre>{@code
 * RMSprop opt = new RMSprop(model.parameters(), 0.01).alpha(0.9).momentum(0.9).centered(true);
 * }</pre>
 */
public final class RMSprop extends Optimizer {

    public RMSprop(Iterable<Variable> params, double lr) {
        this(oneGroup(params), lr);
    }

    public RMSprop(List<ParamGroup> groups, double lr) {
        super("RMSprop", defaults(lr), flags(), groups);
    }

    private static Map<String, Double> defaults(double lr) {
        Map<String, Double> d = new LinkedHashMap<>();
        d.put("lr", lr);
        d.put("alpha", 0.99);
        d.put("eps", 1e-8);
        d.put("weight_decay", 0.0);
        d.put("momentum", 0.0);
        return d;
    }

    private static Map<String, Boolean> flags() {
        Map<String, Boolean> f = new LinkedHashMap<>();
        f.put("centered", false);
        f.put("maximize", false);
        return f;
    }

    public RMSprop lr(double lr) {
        setDefault("lr", lr);
        return this;
    }

    /** Smoothing constant of the squared-gradient average. */
    public RMSprop alpha(double alpha) {
        setDefault("alpha", alpha);
        return this;
    }

    public RMSprop eps(double eps) {
        setDefault("eps", eps);
        return this;
    }

    public RMSprop weightDecay(double weightDecay) {
        setDefault("weight_decay", weightDecay);
        return this;
    }

    public RMSprop momentum(double momentum) {
        setDefault("momentum", momentum);
        return this;
    }

    /** Normalise by an estimate of the gradient's variance instead of its second moment. */
    public RMSprop centered(boolean centered) {
        setFlag("centered", centered);
        return this;
    }

    public RMSprop maximize(boolean maximize) {
        setFlag("maximize", maximize);
        return this;
    }

    @Override
    protected void checkOption(String option, double value) {
        super.checkOption(option, value);
        if ((option.equals("alpha") || option.equals("eps") || option.equals("momentum")) && value < 0) {
            throw new IllegalArgumentException("RMSprop: option " + option + " must be >= 0, got " + value);
        }
    }

    @Override
    protected void update(ParamGroup group, Tensor param, Tensor grad, State state) {
        double momentum = group.get("momentum");
        Tensor sq = state.zeros("square_avg", param);
        Tensor ga = flag("centered") ? state.zeros("grad_avg", param) : null;
        Tensor buf = momentum > 0 ? state.zeros("momentum_buffer", param) : null;
        state.advance();
        OptimKernels.rmsprop(
                param.storageArray(),
                param.storageOffset(),
                grad.storageArray(),
                grad.storageOffset(),
                sq.storageArray(),
                sq.storageOffset(),
                ga == null ? null : ga.storageArray(),
                ga == null ? 0 : ga.storageOffset(),
                buf == null ? null : buf.storageArray(),
                buf == null ? 0 : buf.storageOffset(),
                param.numel(),
                group.get("lr"),
                group.get("alpha"),
                group.get("eps"),
                group.get("weight_decay"),
                momentum,
                flag("maximize"));
        sq.markModified();
        if (ga != null) {
            ga.markModified();
        }
        if (buf != null) {
            buf.markModified();
        }
    }
}
