package dev.nabla.optim;

import dev.nabla.autograd.Variable;
import dev.nabla.tensor.Tensor;
import java.util.List;

/**
 * Adam (Kingma and Ba), computing exactly what {@code torch.optim.Adam} computes, with weight
 * decay as an L2 term added to the gradient (see {@link AdamW} for the decoupled form):
 * <pre>
 * g = g + weight_decay * w
 * m = beta1 * m + (1 - beta1) * g;   v = beta2 * v + (1 - beta2) * g^2
 * v_hat = amsgrad ? max(v_hat, v) : v
 * w -= lr / (1 - beta1^t) * m / (sqrt(v_hat) / sqrt(1 - beta2^t) + eps)
 * </pre>
 * Options (per group): {@link #LR lr}, {@link #BETA1 beta1} (0.9), {@link #BETA2 beta2} (0.999), {@link #EPS eps}
 * (1e-8), {@code weight_decay} (0); flags: {@code amsgrad}, {@code maximize}. Per-parameter
 * state: {@code exp_avg}, {@code exp_avg_sq}, {@code max_exp_avg_sq} (AMSGrad) and the step count.
 *
 * <pre>{@code
 * Adam opt = new Adam(model.parameters(), 1e-3).betas(0.9, 0.98).eps(1e-9);
 * }</pre>
 */
public final class Adam extends Optimizer {
    /** Decay rate of the first moment, in [0, 1). */
    public static final Option BETA1 = AdamCore.BETA1;
    /** Decay rate of the second moment, in [0, 1). */
    public static final Option BETA2 = AdamCore.BETA2;
    /** Added to the denominator for numerical stability. */
    public static final Option EPS = AdamCore.EPS;
    /** AMSGrad: normalise by the running maximum of the second moment. */
    public static final Flag AMSGRAD = AdamCore.AMSGRAD;

    public Adam(Iterable<Variable> params, double lr) {
        this(oneGroup(params), lr);
    }

    public Adam(List<ParamGroup> groups, double lr) {
        super("Adam", AdamCore.defaults(lr, 0.0), AdamCore.FLAGS, groups);
    }

    public Adam lr(double lr) {
        setDefault(LR, lr);
        return this;
    }

    public Adam betas(double beta1, double beta2) {
        setDefault(BETA1, beta1);
        setDefault(BETA2, beta2);
        return this;
    }

    public Adam eps(double eps) {
        setDefault(EPS, eps);
        return this;
    }

    public Adam weightDecay(double weightDecay) {
        setDefault(WEIGHT_DECAY, weightDecay);
        return this;
    }

    /** AMSGrad: normalise by the running maximum of the second moment. */
    public Adam amsgrad(boolean amsgrad) {
        setFlag(AMSGRAD, amsgrad);
        return this;
    }

    public Adam maximize(boolean maximize) {
        setFlag(MAXIMIZE, maximize);
        return this;
    }

    @Override
    protected Option momentumOption() {
        return BETA1;
    }

    @Override
    protected void update(ParamGroup group, Tensor param, Tensor grad, State state) {
        AdamCore.update(this, false, group, param, grad, state);
    }
}
