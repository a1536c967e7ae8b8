package dev.nabla.optim;

import dev.nabla.autograd.Variable;
import dev.nabla.tensor.Tensor;
import java.util.List;

/**
 * AdamW (Loshchilov and Hutter): Adam with decoupled weight decay, computing exactly what
 * {@code torch.optim.AdamW} computes. The weights shrink by {@code 1 - lr * weight_decay} before
 * the Adam update, instead of the decay entering the gradient and its moments:
 * <pre>
 * w *= 1 - lr * weight_decay
 * m = beta1 * m + (1 - beta1) * g;   v = beta2 * v + (1 - beta2) * g^2
 * v_hat = amsgrad ? max(v_hat, v) : v
 * w -= lr / (1 - beta1^t) * m / (sqrt(v_hat) / sqrt(1 - beta2^t) + eps)
 * </pre>
 * Options (per group): {@code lr}, {@code beta1} (0.9), {@code beta2} (0.999), {@code eps}
 * (1e-8), {@code weight_decay} (0.01, as in PyTorch); flags: {@code amsgrad}, {@code maximize}.
 *
 * <pre>{@code
 * // decay the weight matrices but not biases and norm weights
 * AdamW opt = new AdamW(ParamGroup.splitWeightDecay(model.namedParameters(), (n, p) -> p.dim() <= 1), 3e-4)
 *         .weightDecay(0.1);
 * }</pre>
 */
public final class AdamW extends Optimizer {

    public AdamW(Iterable<Variable> params, double lr) {
        this(oneGroup(params), lr);
    }

    public AdamW(List<ParamGroup> groups, double lr) {
        super("AdamW", AdamCore.defaults(lr, 0.01), AdamCore.flags(), groups);
    }

    public AdamW lr(double lr) {
        setDefault("lr", lr);
        return this;
    }

    public AdamW betas(double beta1, double beta2) {
        setDefault("beta1", beta1);
        setDefault("beta2", beta2);
        return this;
    }

    public AdamW eps(double eps) {
        setDefault("eps", eps);
        return this;
    }

    public AdamW weightDecay(double weightDecay) {
        setDefault("weight_decay", weightDecay);
        return this;
    }

    /** AMSGrad: normalise by the running maximum of the second moment. */
    public AdamW amsgrad(boolean amsgrad) {
        setFlag("amsgrad", amsgrad);
        return this;
    }

    public AdamW maximize(boolean maximize) {
        setFlag("maximize", maximize);
        return this;
    }

    @Override
    protected void checkOption(String option, double value) {
        super.checkOption(option, value);
        AdamCore.checkOption("AdamW", option, value);
    }

    @Override
    protected void update(ParamGroup group, Tensor param, Tensor grad, State state) {
        AdamCore.update(this, true, group, param, grad, state);
    }
}
