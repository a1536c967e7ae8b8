package dev.nabla.optim;

import dev.nabla.autograd.Variable;
import dev.nabla.tensor.Tensor;
import dev.nabla.tensor.kernel.OptimKernels;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and L2 weight
 * decay, computing exactly what {@code torch.optim.SGD} computes:
 * <pre>
 * d = g + weight_decay * w
 * buf = d on the first step, then momentum * buf + (1 - dampening) * d
 * d = nesterov ? d + momentum * buf : buf          (when momentum != 0)
 * w -= lr * d
 * </pre>
 * Options (per group): {@code lr}, {@code momentum} (0), {@code dampening} (0),
 * {@code weight_decay} (0); flags: {@code nesterov}, {@code maximize}. The per-parameter state is
 * {@code momentum_buffer}.
 *
 * <pre>{@code
 * SGD opt = new SGD(model.parameters(), 0.1).momentum(0.9).nesterov(true).weightDecay(5e-4);
 * }</pre>
 */
public final class SGD extends Optimizer {

    public SGD(Iterable<Variable> params, double lr) {
        this(oneGroup(params), lr);
    }

    public SGD(List<ParamGroup> groups, double lr) {
        super("SGD", defaults(lr), flags(), groups);
    }

    private static Map<String, Double> defaults(double lr) {
        Map<String, Double> d = new LinkedHashMap<>();
        d.put("lr", lr);
        d.put("momentum", 0.0);
        d.put("dampening", 0.0);
        d.put("weight_decay", 0.0);
        return d;
    }

    private static Map<String, Boolean> flags() {
        Map<String, Boolean> f = new LinkedHashMap<>();
        f.put("nesterov", false);
        f.put("maximize", false);
        return f;
    }

    public SGD lr(double lr) {
        setDefault("lr", lr);
        return this;
    }

    public SGD momentum(double momentum) {
        setDefault("momentum", momentum);
        return this;
    }

    public SGD dampening(double dampening) {
        setDefault("dampening", dampening);
        return this;
    }

    public SGD weightDecay(double weightDecay) {
        setDefault("weight_decay", weightDecay);
        return this;
    }

    /** Nesterov momentum; needs {@code momentum > 0} and {@code dampening == 0}. */
    public SGD nesterov(boolean nesterov) {
        setFlag("nesterov", nesterov);
        return this;
    }

    /** Ascends instead of descending (maximises the objective). */
    public SGD maximize(boolean maximize) {
        setFlag("maximize", maximize);
        return this;
    }

    @Override
    protected void checkOption(String option, double value) {
        super.checkOption(option, value);
        if ((option.equals("momentum") || option.equals("dampening")) && value < 0) {
            throw new IllegalArgumentException("SGD: option " + option + " must be >= 0, got " + value);
        }
    }

    @Override
    protected void checkGroup(ParamGroup group, int index) {
        if (flag("nesterov") && (group.get("momentum") <= 0 || group.get("dampening") != 0)) {
            throw new IllegalStateException("SGD: Nesterov momentum requires momentum > 0 and dampening = 0, but group "
                    + index + " has momentum " + group.get("momentum") + " and dampening " + group.get("dampening"));
        }
    }

    @Override
    protected void update(ParamGroup group, Tensor param, Tensor grad, State state) {
        double momentum = group.get("momentum");
        state.advance();
        Tensor buf = null;
        boolean first = false;
        if (momentum != 0) {
            buf = state.buffer("momentum_buffer");
            if (buf == null) {
                buf = Tensor.zerosLike(param);
                state.put("momentum_buffer", buf);
                first = true;
            }
        }
        OptimKernels.sgd(
                param.storageArray(),
                param.storageOffset(),
                grad.storageArray(),
                grad.storageOffset(),
                buf == null ? null : buf.storageArray(),
                buf == null ? 0 : buf.storageOffset(),
                param.numel(),
                group.get("lr"),
                group.get("weight_decay"),
                momentum,
                group.get("dampening"),
                flag("nesterov"),
                flag("maximize"),
                first);
        if (buf != null) {
            buf.markModified();
        }
    }
}
