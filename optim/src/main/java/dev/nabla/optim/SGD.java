package dev.nabla.optim;

import dev.nabla.autograd.Variable;
import dev.nabla.tensor.OptimizerUpdates;
import dev.nabla.tensor.Tensor;
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
 * Options (per group): {@link #LR lr}, {@link #MOMENTUM momentum} (0), {@link #DAMPENING dampening}
 * (0), {@link #WEIGHT_DECAY weight_decay} (0); flags: {@link #NESTEROV nesterov},
 * {@link #MAXIMIZE maximize}. The per-parameter state is {@code momentum_buffer}.
 *
 * <pre>{@code
 * SGD opt = new SGD(model.parameters(), 0.1).momentum(0.9).nesterov(true).weightDecay(5e-4);
 * opt.paramGroups().get(0).set(SGD.MOMENTUM, 0.8);   // one group's own momentum
 * }</pre>
 */
public final class SGD extends Optimizer {
    /** The momentum factor (0: plain SGD). */
    public static final Option MOMENTUM = new Option("momentum", Option.Range.NON_NEGATIVE);
    /** Dampening of the momentum's new gradient. */
    public static final Option DAMPENING = new Option("dampening", Option.Range.NON_NEGATIVE);
    /** Nesterov momentum; needs momentum > 0 and dampening 0. */
    public static final Flag NESTEROV = new Flag("nesterov");

    public SGD(Iterable<Variable> params, double lr) {
        this(oneGroup(params), lr);
    }

    public SGD(List<ParamGroup> groups, double lr) {
        super("SGD", defaults(lr), List.of(NESTEROV, MAXIMIZE), groups);
    }

    private static Map<Option, Double> defaults(double lr) {
        Map<Option, Double> d = new LinkedHashMap<>();
        d.put(LR, lr);
        d.put(MOMENTUM, 0.0);
        d.put(DAMPENING, 0.0);
        d.put(WEIGHT_DECAY, 0.0);
        return d;
    }

    public SGD lr(double lr) {
        setDefault(LR, lr);
        return this;
    }

    public SGD momentum(double momentum) {
        setDefault(MOMENTUM, momentum);
        return this;
    }

    public SGD dampening(double dampening) {
        setDefault(DAMPENING, dampening);
        return this;
    }

    public SGD weightDecay(double weightDecay) {
        setDefault(WEIGHT_DECAY, weightDecay);
        return this;
    }

    /** Nesterov momentum; needs {@code momentum > 0} and {@code dampening == 0}. */
    public SGD nesterov(boolean nesterov) {
        setFlag(NESTEROV, nesterov);
        return this;
    }

    /** Ascends instead of descending (maximises the objective). */
    public SGD maximize(boolean maximize) {
        setFlag(MAXIMIZE, maximize);
        return this;
    }

    @Override
    protected Option momentumOption() {
        return MOMENTUM;
    }

    @Override
    protected void checkGroup(ParamGroup group, int index) {
        if (flag(NESTEROV) && (group.get(MOMENTUM) <= 0 || group.get(DAMPENING) != 0)) {
            throw new IllegalStateException("SGD: Nesterov momentum requires momentum > 0 and dampening = 0, but group "
                    + index + " has momentum " + group.get(MOMENTUM) + " and dampening " + group.get(DAMPENING));
        }
    }

    @Override
    protected void update(ParamGroup group, Tensor param, Tensor grad, State state) {
        double momentum = group.get(MOMENTUM);
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
        OptimizerUpdates.sgd(
                param,
                grad,
                buf,
                group.get(LR),
                group.get(WEIGHT_DECAY),
                momentum,
                group.get(DAMPENING),
                flag(NESTEROV),
                flag(MAXIMIZE),
                first);
    }
}
