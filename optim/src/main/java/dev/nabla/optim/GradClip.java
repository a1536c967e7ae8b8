package dev.nabla.optim;

import dev.nabla.autograd.Variable;
import dev.nabla.tensor.OptimizerUpdates;
import dev.nabla.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Gradient clipping, as {@code torch.nn.utils.clip_grad_norm_} and {@code clip_grad_value_}:
 * call it between {@code backward()} and {@code optimizer.step()}. Parameters without a gradient
 * are ignored. The norm is accumulated in double over fixed blocks, so it is the same on any number
 * of threads.
 *
 * <pre>{@code
 * loss.backward();
 * double norm = GradClip.clipGradNorm(model.parameters(), 1.0);   // total norm before clipping
 * optimizer.step();
 * }</pre>
 */
public final class GradClip {
    private GradClip() {}

    /** {@link #clipGradNorm(Iterable, double, double, boolean)} with the 2-norm. */
    public static double clipGradNorm(Iterable<Variable> params, double maxNorm) {
        return clipGradNorm(params, maxNorm, 2.0, false);
    }

    /**
     * Scales all gradients together so that their total norm (the norm of the concatenation of
     * every gradient) is at most {@code maxNorm}: each is multiplied by
     * {@code min(1, maxNorm / (norm + 1e-6))}. Returns the total norm before clipping.
     *
     * @param normType          2 or {@code Double.POSITIVE_INFINITY} (the largest absolute value)
     * @param errorIfNonfinite  throw instead of scaling when the norm is NaN or infinite
     */
    public static double clipGradNorm(
            Iterable<Variable> params, double maxNorm, double normType, boolean errorIfNonfinite) {
        if (!(maxNorm >= 0) || Double.isInfinite(maxNorm)) {
            throw new IllegalArgumentException("clipGradNorm: maxNorm must be finite and >= 0, got " + maxNorm);
        }
        boolean inf = normType == Double.POSITIVE_INFINITY;
        if (normType != 2.0 && !inf) {
            throw new IllegalArgumentException("clipGradNorm: normType must be 2 or infinity, got " + normType);
        }
        List<Tensor> grads = grads(params);
        if (grads.isEmpty()) {
            return 0.0;
        }
        double total;
        if (inf) {
            float m = 0f;
            for (Tensor g : grads) {
                m = Math.max(m, OptimizerUpdates.maxAbs(g));
            }
            total = m;
        } else {
            double sum = 0;
            for (Tensor g : grads) {
                sum += OptimizerUpdates.sumOfSquares(g);
            }
            total = Math.sqrt(sum);
        }
        if (errorIfNonfinite && !Double.isFinite(total)) {
            throw new IllegalStateException(
                    "clipGradNorm: the total norm of order " + normType + " of the gradients is " + total
                            + ", so they cannot be clipped (pass errorIfNonfinite = false to scale anyway)");
        }
        // PyTorch's arithmetic: a float32 norm, coefficient max_norm / (norm + 1e-6) clamped at 1.
        float norm = (float) total;
        float coef = Math.min(1f, (float) maxNorm / (norm + 1e-6f));
        if (coef < 1f || Float.isNaN(coef)) {
            Tensor c = Tensor.scalar(coef);
            for (Tensor g : grads) {
                g.mul(c, g);
            }
        }
        return total;
    }

    /** Clamps every gradient element into {@code [-clipValue, clipValue]}. */
    public static void clipGradValue(Iterable<Variable> params, double clipValue) {
        if (!(clipValue >= 0) || Double.isInfinite(clipValue)) {
            throw new IllegalArgumentException("clipGradValue: clipValue must be finite and >= 0, got " + clipValue);
        }
        float c = (float) clipValue;
        for (Tensor g : grads(params)) {
            g.clamp(-c, c, g);
        }
    }

    /** The gradients, made contiguous in place (a parameter's gradient is replaced by a contiguous copy if needed). */
    private static List<Tensor> grads(Iterable<Variable> params) {
        List<Tensor> out = new ArrayList<>();
        for (Variable p : params) {
            Tensor g = p.gradTensor();
            if (g == null) {
                continue;
            }
            if (!g.isContiguous()) {
                g = g.contiguous();
                p.setGrad(g);
            }
            out.add(g);
        }
        return out;
    }
}
