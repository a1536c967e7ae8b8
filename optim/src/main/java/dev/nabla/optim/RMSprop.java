package dev.nabla.optim;

import dev.nabla.autograd.Variable;
import dev.nabla.tensor.OptimizerUpdates;
import dev.nabla.tensor.Tensor;
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
 * Options (per group): {@link #LR lr} (PyTorch's default is 0.01), {@link #ALPHA alpha} (0.99),
 * {@link #EPS eps} (1e-8), {@link #WEIGHT_DECAY weight_decay} (0), {@link #MOMENTUM momentum} (0);
 * flags: {@link #CENTERED centered}, {@link #MAXIMIZE maximize}. Per-parameter state:
 * {@code square_avg}, {@code grad_avg} (centered), {@code momentum_buffer} (momentum) and the step
 * count.
 *
 * <pre>{@code
 * RMSprop opt = new RMSprop(model.parameters(), 0.01).alpha(0.9).momentum(0.9).centered(true);
 * }</pre>
 */
public final class RMSprop extends Optimizer {
    /** Smoothing constant of the squared-gradient average. */
    public static final Option ALPHA = new Option("alpha", Option.Range.NON_NEGATIVE);
    /** Added to the denominator for numerical stability. */
    public static final Option EPS = new Option("eps", Option.Range.NON_NEGATIVE);
    /** The momentum factor (0: none). */
    public static final Option MOMENTUM = new Option("momentum", Option.Range.NON_NEGATIVE);
    /** Normalise by an estimate of the gradient's variance instead of its second moment. */
    public static final Flag CENTERED = new Flag("centered");

    public RMSprop(Iterable<Variable> params, double lr) {
        this(oneGroup(params), lr);
    }

    public RMSprop(List<ParamGroup> groups, double lr) {
        super("RMSprop", defaults(lr), List.of(CENTERED, MAXIMIZE), groups);
    }

    private static Map<Option, Double> defaults(double lr) {
        Map<Option, Double> d = new LinkedHashMap<>();
        d.put(LR, lr);
        d.put(ALPHA, 0.99);
        d.put(EPS, 1e-8);
        d.put(WEIGHT_DECAY, 0.0);
        d.put(MOMENTUM, 0.0);
        return d;
    }

    public RMSprop lr(double lr) {
        setDefault(LR, lr);
        return this;
    }

    /** Smoothing constant of the squared-gradient average. */
    public RMSprop alpha(double alpha) {
        setDefault(ALPHA, alpha);
        return this;
    }

    public RMSprop eps(double eps) {
        setDefault(EPS, eps);
        return this;
    }

    public RMSprop weightDecay(double weightDecay) {
        setDefault(WEIGHT_DECAY, weightDecay);
        return this;
    }

    public RMSprop momentum(double momentum) {
        setDefault(MOMENTUM, momentum);
        return this;
    }

    /** Normalise by an estimate of the gradient's variance instead of its second moment. */
    public RMSprop centered(boolean centered) {
        setFlag(CENTERED, centered);
        return this;
    }

    public RMSprop maximize(boolean maximize) {
        setFlag(MAXIMIZE, maximize);
        return this;
    }

    @Override
    protected Option momentumOption() {
        return MOMENTUM;
    }

    @Override
    protected void update(ParamGroup group, Tensor param, Tensor grad, State state) {
        double momentum = group.get(MOMENTUM);
        Tensor sq = state.zeros("square_avg", param);
        Tensor ga = flag(CENTERED) ? state.zeros("grad_avg", param) : null;
        Tensor buf = momentum > 0 ? state.zeros("momentum_buffer", param) : null;
        state.advance();
        OptimizerUpdates.rmsprop(
                param,
                grad,
                sq,
                ga,
                buf,
                group.get(LR),
                group.get(ALPHA),
                group.get(EPS),
                group.get(WEIGHT_DECAY),
                momentum,
                flag(MAXIMIZE));
    }
}
