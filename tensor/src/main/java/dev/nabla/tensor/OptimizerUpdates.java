package dev.nabla.tensor;

import dev.nabla.tensor.kernel.OptimKernels;

/**
 * The optimizers' in-place parameter updates as fused tensor operations, and the two reductions
 * gradient clipping needs: what {@code torch.optim}'s single-tensor implementations compute, each
 * one pass that reads a parameter, its gradient and its state once and writes them once (an
 * optimizer step is memory traffic, not arithmetic). Hyperparameters are PyTorch's, in its names.
 *
 * <p>Every tensor is float32 and contiguous with the parameter's shape; the parameter and the state
 * tensors are updated in place (their {@link Tensor#version()} advances). Updates are elementwise,
 * so they give the same bits on any number of threads; the reductions add fixed blocks in double
 * for the same reason.
 *
 * <pre>{@code
 * Tensor w = Tensor.of(1, 2), g = Tensor.of(0.5f, -1);
 * Tensor m = Tensor.zeros(2), v = Tensor.zeros(2);
 * OptimizerUpdates.adam(w, g, m, v, null, 0.1, 0.9, 0.999, 1e-8, 0, false, 1, false);
 * // the first Adam step moves each weight by about lr against its gradient's sign: w is about [0.9, 2.1]
 * double norm = Math.sqrt(OptimizerUpdates.sumOfSquares(g));   // 1.118
 * }</pre>
 */
public final class OptimizerUpdates {
    private OptimizerUpdates() {}

    private static void check(String op, String what, Tensor t, Tensor param) {
        if (t == null) {
            return;
        }
        if (t.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException(op + ": " + what + " must be float32, got " + t.dtype() + " of shape "
                    + t.shape() + "; convert with toFloat()");
        }
        if (param != null && !t.shape().equals(param.shape())) {
            throw new ShapeMismatchException(
                    op + ": " + what + " " + t.shape() + " does not match the parameter's shape " + param.shape());
        }
        if (!t.isContiguous()) {
            throw new IllegalArgumentException(op + ": " + what + " of shape " + t.shape()
                    + " must be contiguous (an update writes it in place); pass contiguous()");
        }
    }

    private static float[] data(Tensor t) {
        return t == null ? null : t.storage.data;
    }

    private static int offset(Tensor t) {
        return t == null ? 0 : t.offset;
    }

    private static void bump(Tensor... written) {
        for (Tensor t : written) {
            if (t != null) {
                t.storage.bump();
            }
        }
    }

    /**
     * One SGD step, as {@code torch.optim.SGD}: {@code d = ±grad + weightDecay * param}; with
     * momentum {@code buf = momentum * buf + (1 - dampening) * d} ({@code buf = d} on the
     * {@code firstStep}), {@code d = nesterov ? d + momentum * buf : buf}; then
     * {@code param -= lr * d}. {@code momentumBuffer} may be null when {@code momentum == 0};
     * {@code maximize} negates the gradient.
     */
    public static void sgd(
            Tensor param,
            Tensor grad,
            Tensor momentumBuffer,
            double lr,
            double weightDecay,
            double momentum,
            double dampening,
            boolean nesterov,
            boolean maximize,
            boolean firstStep) {
        check("sgd", "parameter", param, null);
        check("sgd", "gradient", grad, param);
        check("sgd", "momentum buffer", momentumBuffer, param);
        if (momentum != 0 && momentumBuffer == null) {
            throw new IllegalArgumentException("sgd: momentum " + momentum + " needs a momentum buffer");
        }
        OptimKernels.sgd(
                data(param),
                param.offset,
                data(grad),
                grad.offset,
                data(momentumBuffer),
                offset(momentumBuffer),
                param.numel(),
                lr,
                weightDecay,
                momentum,
                dampening,
                nesterov,
                maximize,
                firstStep);
        bump(param, momentum != 0 ? momentumBuffer : null);
    }

    /**
     * One Adam or AdamW step, as {@code torch.optim.Adam} and {@code AdamW}, with {@code step}
     * counting from 1 (for the bias corrections): the moving averages {@code expAvg} and
     * {@code expAvgSq} are updated, and with AMSGrad {@code maxExpAvgSq} (null without). With
     * {@code decoupled} (AdamW) the weight decay shrinks the parameter directly instead of adding
     * {@code weightDecay * param} to the gradient.
     */
    public static void adam(
            Tensor param,
            Tensor grad,
            Tensor expAvg,
            Tensor expAvgSq,
            Tensor maxExpAvgSq,
            double lr,
            double beta1,
            double beta2,
            double eps,
            double weightDecay,
            boolean decoupled,
            long step,
            boolean maximize) {
        check("adam", "parameter", param, null);
        check("adam", "gradient", grad, param);
        check("adam", "exp_avg", expAvg, param);
        check("adam", "exp_avg_sq", expAvgSq, param);
        check("adam", "max_exp_avg_sq", maxExpAvgSq, param);
        OptimKernels.adam(
                data(param),
                param.offset,
                data(grad),
                grad.offset,
                data(expAvg),
                expAvg.offset,
                data(expAvgSq),
                expAvgSq.offset,
                data(maxExpAvgSq),
                offset(maxExpAvgSq),
                param.numel(),
                lr,
                beta1,
                beta2,
                eps,
                weightDecay,
                decoupled,
                step,
                maximize);
        bump(param, expAvg, expAvgSq, maxExpAvgSq);
    }

    /**
     * One RMSprop step, as {@code torch.optim.RMSprop}: {@code squareAvg} is updated; centered
     * when {@code gradAvg} is given, with momentum when {@code momentumBuffer} is (each may be
     * null).
     */
    public static void rmsprop(
            Tensor param,
            Tensor grad,
            Tensor squareAvg,
            Tensor gradAvg,
            Tensor momentumBuffer,
            double lr,
            double alpha,
            double eps,
            double weightDecay,
            double momentum,
            boolean maximize) {
        check("rmsprop", "parameter", param, null);
        check("rmsprop", "gradient", grad, param);
        check("rmsprop", "square_avg", squareAvg, param);
        check("rmsprop", "grad_avg", gradAvg, param);
        check("rmsprop", "momentum buffer", momentumBuffer, param);
        OptimKernels.rmsprop(
                data(param),
                param.offset,
                data(grad),
                grad.offset,
                data(squareAvg),
                squareAvg.offset,
                data(gradAvg),
                offset(gradAvg),
                data(momentumBuffer),
                offset(momentumBuffer),
                param.numel(),
                lr,
                alpha,
                eps,
                weightDecay,
                momentum,
                maximize);
        bump(param, squareAvg, gradAvg, momentumBuffer);
    }

    /**
     * The sum of the squared elements, in double (float partial sums over fixed blocks added in
     * double: accurate, and the same on any number of threads). Its square root is the 2-norm.
     */
    public static double sumOfSquares(Tensor x) {
        check("sumOfSquares", "input", x, null);
        return OptimKernels.sumOfSquares(data(x), x.offset, x.numel());
    }

    /** The largest absolute value (0 when empty; NaN if any element is NaN): the infinity-norm. */
    public static float maxAbs(Tensor x) {
        check("maxAbs", "input", x, null);
        return OptimKernels.maxAbs(data(x), x.offset, x.numel());
    }
}
