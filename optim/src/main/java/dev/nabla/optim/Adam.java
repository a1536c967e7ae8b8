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
 * Options (per group): {@code lr}, {@code beta1} (0.9), {@code beta2} (0.999), {@code eps}
 * (1e-8), {@code weight_decay} (0); flags: {@code amsgrad}, {@code maximize}. Per-parameter
 * state: {@code exp_avg}, {@code exp_avg_sq}, {@code max_exp_avg_sq} (AMSGrad) and the step count.
 *
 * <pre>{@code
 * Adam opt = new Adam(model.parameters(), 1e-3).betas(0.9, 0.98).eps(1e-9);
 * }</pre>
 */
public final class Adam extends Optimizer {

    public Adam(Iterable<Variable> params, double lr) {
        this(oneGroup(params), lr);
    }

    public Adam(List<ParamGroup> groups, double lr) {
        super("Adam", AdamCore.defaults(lr, 0.0), AdamCore.flags(), groups);
    }

    public Adam lr(double lr) {
        setDefault("lr", lr);
        return this;
    }

    public Adam betas(double beta1, double beta2) {
        setDefault("beta1", beta1);
        setDefault("beta2", beta2);
        return this;
    }

    public Adam eps(double eps) {
        setDefault("eps", eps);
        return this;
    }

    public Adam weightDecay(double weightDecay) {
        setDefault("weight_decay", weightDecay);
        return this;
    }

    /** AMSGrad: normalise by the running maximum of the second moment. */
    public Adam amsgrad(boolean amsgrad) {
        setFlag("amsgrad", amsgrad);
        return this;
    }

    public Adam maximize(boolean maximize) {
        setFlag("maximize", maximize);
        return this;
    }

    @Override
    protected void checkOption(String option, double value) {
        super.checkOption(option, value);
        AdamCore.checkOption("Adam", option, value);
    }

    @Override
    protected void update(ParamGroup group, Tensor param, Tensor grad, State state) {
        AdamCore.update(this, false, group, param, grad, state);
    }
}
