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
 * Options (per group): {@link #LR lr}, {@link #BETA1 beta1} (0.9), {@link #BETA2 beta2} (0.999), {@link #EPS eps}
 * (1e-8), {@code weight_decay} (0.01, as in PyTorch); flags: {@code amsgrad}, {@code maximize}.
 *
 * <pre>{@code
 * // decay the weight matrices but not biases and norm weights
 * AdamW opt = new AdamW(ParamGroup.splitWeightDecay(model.namedParameters(), (n, p) -> p.dim() <= 1), 3e-4)
 *         .weightDecay(0.1);
 * }</pre>
 */
public final class AdamW extends Optimizer {
    /** Decay rate of the first moment, in [0, 1). */
    public static final Option BETA1 = AdamCore.BETA1;
    /** Decay rate of the second moment, in [0, 1). */
    public static final Option BETA2 = AdamCore.BETA2;
    /** Added to the denominator for numerical stability. */
    public static final Option EPS = AdamCore.EPS;
    /** AMSGrad: normalise by the running maximum of the second moment. */
    public static final Flag AMSGRAD = AdamCore.AMSGRAD;

    public AdamW(Iterable<Variable> params, double lr) {
        this(oneGroup(params), lr);
    }

    public AdamW(List<ParamGroup> groups, double lr) {
        super("AdamW", AdamCore.defaults(lr, 0.01), AdamCore.FLAGS, groups);
    }

    public AdamW lr(double lr) {
        setDefault(LR, lr);
        return this;
    }

    public AdamW betas(double beta1, double beta2) {
        setDefault(BETA1, beta1);
        setDefault(BETA2, beta2);
        return this;
    }

    public AdamW eps(double eps) {
        setDefault(EPS, eps);
        return this;
    }

    public AdamW weightDecay(double weightDecay) {
        setDefault(WEIGHT_DECAY, weightDecay);
        return this;
    }

    /** AMSGrad: normalise by the running maximum of the second moment. */
    public AdamW amsgrad(boolean amsgrad) {
        setFlag(AMSGRAD, amsgrad);
        return this;
    }

    public AdamW maximize(boolean maximize) {
        setFlag(MAXIMIZE, maximize);
        return this;
    }

    @Override
    protected Option momentumOption() {
        return BETA1;
    }

    @Override
    protected void update(ParamGroup group, Tensor param, Tensor grad, State state) {
        AdamCore.update(this, true, group, param, grad, state);
    }
}
