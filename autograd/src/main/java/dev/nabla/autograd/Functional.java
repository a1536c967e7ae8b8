package dev.nabla.autograd;

import static dev.nabla.autograd.Variable.constant;
import static dev.nabla.autograd.Variable.record;

import dev.nabla.tensor.AttentionSpec;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.PackedWeight;
import dev.nabla.tensor.Reduction;
import dev.nabla.tensor.Tensor;
import dev.nabla.tensor.TensorFunctional;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Neural-network functions over variables, the counterpart of {@code torch.nn.functional}: the
 * layers of {@code dev.nabla.nn} are thin modules around these. Each is a forward and a backward
 * over the tensor-level op of the same name in {@link TensorFunctional} (which inference can use
 * without any {@code Variable}), recorded in the graph when an input requires grad.
 *
 * <pre>{@code
 * Variable x = Variable.randn(new Generator(0), 64, 784);
 * Variable w = Variable.randn(new Generator(1), 10, 784).requiresGrad(true);
 * Variable y = Functional.linear(x, w, null);            // [64, 10]
 *
 * Variable img = Variable.randn(new Generator(2), 8, 3, 32, 32);
 * Variable k = Variable.randn(new Generator(3), 16, 3, 3, 3).requiresGrad(true);
 * Variable h = Functional.maxPool2d(Functional.conv2d(img, k, null, 1, 1).relu(), 2);   // [8, 16, 16, 16]
 * Variable fc = Variable.randn(new Generator(4), 10, 16 * 16 * 16).requiresGrad(true);
 * Variable labels = Variable.of(3, 1, 4, 1, 5, 9, 2, 6);
 * Variable loss = Functional.crossEntropy(Functional.linear(h.flatten(1, -1), fc, null), labels);
 * loss.backward();                                        // k.grad(), fc.grad()
 * }</pre>
 *
 * <p>Spatial arguments given as {@code int[]} are {@code {height, width}} pairs; the {@code int}
 * overloads use the same value for both, like PyTorch's single-int form.
 */
public final class Functional {
    private Functional() {}

    /**
     * {@code x W^T + b} over the last dimension of {@code x}; leading dimensions are folded into
     * one GEMM, so the weight gradient is a single {@code g^T x} however many there are.
     */
    public static Variable linear(Variable x, Variable weight, Variable bias) {
        return linear(x, weight, bias, null);
    }

    /**
     * {@link #linear(Variable, Variable, Variable)} that, when no gradient is recorded and there is
     * more than one row, multiplies by the weight kept packed in {@code packed} (may be null) instead
     * of packing it again; the bias is the GEMM's starting value, so y is written once.
     */
    public static Variable linear(Variable x, Variable weight, Variable bias, PackedWeight packed) {
        Variable[] inputs = bias == null ? new Variable[] {x, weight} : new Variable[] {x, weight, bias};
        boolean record = Autograd.needsGrad(inputs);
        Tensor y = TensorFunctional.linear(
                x.data(), weight.data(), bias == null ? null : bias.data(), record ? null : packed);
        if (!record) {
            return constant(y);
        }
        int in = weight.size(1);
        int out = weight.size(0);
        Saved sx = new Saved("linear", x.data().reshape(-1, in));
        Saved sw = new Saved("linear", weight.data());
        int[] xDims = x.dims();
        return record(
                "linear",
                y,
                g -> {
                    Tensor g2 = g.reshape(-1, out);
                    Tensor gx = x.requiresGrad() ? g2.matmul(sw.get()).reshape(xDims) : null;
                    Tensor gw = weight.requiresGrad() ? g2.t().matmul(sx.get()) : null;
                    if (bias == null) {
                        return new Tensor[] {gx, gw};
                    }
                    return new Tensor[] {gx, gw, bias.requiresGrad() ? g2.sum(0) : null};
                },
                inputs);
    }

    /**
     * {@code linear(x, weight, bias, packed).relu()}: when no gradient is recorded the bias and the
     * ReLU are applied in the GEMM's epilogue (one pass over the result, the same bits); when one
     * is, the two recorded steps.
     *
     * <pre>{@code
     * Variable w = Variable.randn(new Generator(0), 512, 784), b = Variable.zeros(512);
     * Variable h = Functional.linearRelu(Variable.randn(new Generator(1), 64, 784), w, b, null); // [64, 512]
     * }</pre>
     */
    public static Variable linearRelu(Variable x, Variable weight, Variable bias, PackedWeight packed) {
        if (Autograd.needsGrad(x, weight, bias)) {
            return linear(x, weight, bias, packed).relu();
        }
        return constant(
                TensorFunctional.linearRelu(x.data(), weight.data(), bias == null ? null : bias.data(), packed));
    }

    /** PyTorch's default {@code ignore_index}: no class index equals it. */
    public static final int DEFAULT_IGNORE_INDEX = TensorFunctional.DEFAULT_IGNORE_INDEX;

    private static int[] pair(String op, String what, int[] v) {
        if (v == null || v.length != 2) {
            throw new IllegalArgumentException(
                    op + ": " + what + " must be a {height, width} pair, got " + Arrays.toString(v));
        }
        return v.clone();
    }

    // =================================================================== convolution and pooling

    /** 2-D convolution, stride 1, no padding: {@code [N, Cin, H, W] -> [N, Cout, H-kH+1, W-kW+1]}. */
    public static Variable conv2d(Variable x, Variable weight, Variable bias) {
        return conv2d(x, weight, bias, 1, 0, 1, 1);
    }

    public static Variable conv2d(Variable x, Variable weight, Variable bias, int stride, int padding) {
        return conv2d(x, weight, bias, stride, padding, 1, 1);
    }

    public static Variable conv2d(
            Variable x, Variable weight, Variable bias, int stride, int padding, int dilation, int groups) {
        return conv2d(
                x,
                weight,
                bias,
                new int[] {stride, stride},
                new int[] {padding, padding},
                new int[] {dilation, dilation},
                groups);
    }

    /**
     * PyTorch's {@code conv2d} (cross-correlation, zero padding): x {@code [N, Cin, H, W]} or
     * {@code [Cin, H, W]}, weight {@code [Cout, Cin/groups, kH, kW]}, bias {@code [Cout]} or null.
     * The bias is added inside the convolution kernel (no separate pass).
     */
    public static Variable conv2d(
            Variable x, Variable weight, Variable bias, int[] stride, int[] padding, int[] dilation, int groups) {
        return ConvOps.conv2d(
                x,
                weight,
                bias,
                pair("conv2d", "stride", stride),
                pair("conv2d", "padding", padding),
                pair("conv2d", "dilation", dilation),
                groups);
    }

    /** Max pooling with stride equal to the kernel, no padding. */
    public static Variable maxPool2d(Variable x, int kernel) {
        return maxPool2d(x, kernel, kernel, 0, false);
    }

    public static Variable maxPool2d(Variable x, int kernel, int stride, int padding, boolean ceilMode) {
        return maxPool2d(
                x,
                new int[] {kernel, kernel},
                new int[] {stride, stride},
                new int[] {padding, padding},
                new int[] {1, 1},
                ceilMode);
    }

    /**
     * PyTorch's {@code max_pool2d} over {@code [N, C, H, W]} or {@code [C, H, W]}; padding at most
     * half the kernel. The gradient goes to the first maximum of each window.
     */
    public static Variable maxPool2d(
            Variable x, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        return ConvOps.maxPool2d(
                x,
                pair("maxPool2d", "kernel", kernel),
                pair("maxPool2d", "stride", stride),
                pair("maxPool2d", "padding", padding),
                pair("maxPool2d", "dilation", dilation),
                ceilMode);
    }

    /** Average pooling with stride equal to the kernel, no padding. */
    public static Variable avgPool2d(Variable x, int kernel) {
        return avgPool2d(x, kernel, kernel, 0, false, true);
    }

    public static Variable avgPool2d(
            Variable x, int kernel, int stride, int padding, boolean ceilMode, boolean countIncludePad) {
        return avgPool2d(
                x,
                new int[] {kernel, kernel},
                new int[] {stride, stride},
                new int[] {padding, padding},
                ceilMode,
                countIncludePad);
    }

    /**
     * PyTorch's {@code avg_pool2d}: with {@code countIncludePad} the divisor counts the padding
     * inside each window, otherwise only real input elements.
     */
    public static Variable avgPool2d(
            Variable x, int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        return ConvOps.avgPool2d(
                x,
                pair("avgPool2d", "kernel", kernel),
                pair("avgPool2d", "stride", stride),
                pair("avgPool2d", "padding", padding),
                ceilMode,
                countIncludePad);
    }

    /** PyTorch's {@code adaptive_avg_pool2d}: any {@code H x W} averaged down (or up) to {@code outH x outW}. */
    public static Variable adaptiveAvgPool2d(Variable x, int outH, int outW) {
        return ConvOps.adaptiveAvgPool2d(x, outH, outW);
    }

    // =================================================================== normalisation, dropout, embedding

    /**
     * Batch normalisation over {@code [N, C, ...]} per channel C. With {@code training} (or without
     * running statistics) it normalises with the batch mean and biased variance and, when running
     * statistics are given, updates them in place:
     * {@code running = (1 - momentum) * running + momentum * batch}, using the unbiased variance.
     * Otherwise it normalises with the running statistics. {@code weight} and {@code bias}
     * ({@code [C]}) may be null.
     */
    public static Variable batchNorm(
            Variable x,
            Tensor runningMean,
            Tensor runningVar,
            Variable weight,
            Variable bias,
            boolean training,
            double momentum,
            double eps) {
        return NormOps.batchNorm(x, runningMean, runningVar, weight, bias, training, momentum, eps);
    }

    /**
     * Layer normalisation over the last {@code normalizedShape.length} dimensions (biased variance),
     * then {@code * weight + bias} elementwise when they are given (each of {@code normalizedShape}).
     */
    public static Variable layerNorm(Variable x, int[] normalizedShape, Variable weight, Variable bias, double eps) {
        return NormOps.layerNorm(x, normalizedShape.clone(), weight, bias, eps);
    }

    /**
     * Inverted dropout: zeroes each element with probability {@code p} (mask drawn from {@code g})
     * and scales the rest by {@code 1/(1-p)}; returns {@code x} itself when not training.
     */
    public static Variable dropout(Variable x, double p, boolean training, Generator g) {
        return NeuralOps.dropout(x, p, training, g);
    }

    /** Rows of {@code weight [num, dim]} at integer {@code indices} (any shape): {@code [...indices, dim]}. */
    public static Variable embedding(Variable indices, Variable weight) {
        return NeuralOps.embedding(indices, weight, null);
    }

    /**
     * As {@link #embedding(Variable, Variable)}; row {@code paddingIdx} (negative counts from the
     * end) receives no gradient.
     */
    public static Variable embedding(Variable indices, Variable weight, int paddingIdx) {
        return NeuralOps.embedding(indices, weight, paddingIdx);
    }

    // =================================================================== losses

    /** Cross entropy of logits {@code [N, C]} against class indices {@code [N]}, averaged. */
    public static Variable crossEntropy(Variable input, Variable target) {
        return crossEntropy(input, target, null, DEFAULT_IGNORE_INDEX, 0, Reduction.MEAN);
    }

    /**
     * PyTorch's {@code cross_entropy} with class-index targets: input {@code [C]}, {@code [N, C]} or
     * {@code [N, C, d1, ...]}, target {@code []}, {@code [N]} or {@code [N, d1, ...]} of int64 class indices.
     * {@code weight} ({@code [C]}, or null) weights each class; targets equal to {@code ignoreIndex}
     * count for nothing; {@code labelSmoothing} mixes the one-hot target with the uniform one. MEAN
     * divides by the summed weight of the non-ignored targets, as PyTorch does, for the smoothing term
     * too. The log-softmax is fused in: its backward is one kernel pass. A float32 target of the
     * input's shape holds class probabilities instead (soft labels, as in PyTorch): the loss is
     * {@code -sum_c weight[c] * target[c] * logSoftmax(input)[c]}, MEAN divides by the number of
     * samples, and the target gets a gradient when it requires one.
     */
    public static Variable crossEntropy(
            Variable input,
            Variable target,
            Tensor weight,
            int ignoreIndex,
            double labelSmoothing,
            Reduction reduction) {
        return LossOps.crossEntropy(input, target, weight, ignoreIndex, labelSmoothing, reduction);
    }

    /** Negative log likelihood of log-probabilities {@code [N, C]} at class indices {@code [N]}, averaged. */
    public static Variable nllLoss(Variable input, Variable target) {
        return nllLoss(input, target, null, DEFAULT_IGNORE_INDEX, Reduction.MEAN);
    }

    /** PyTorch's {@code nll_loss}: shapes, weights, ignore index and MEAN as in {@link #crossEntropy}. */
    public static Variable nllLoss(
            Variable input, Variable target, Tensor weight, int ignoreIndex, Reduction reduction) {
        return LossOps.nllLoss(input, target, weight, ignoreIndex, reduction);
    }

    /** Mean squared error. */
    public static Variable mseLoss(Variable input, Variable target) {
        return mseLoss(input, target, Reduction.MEAN);
    }

    /** {@code (input - target)^2}, reduced; the shapes must match (no silent broadcasting). */
    public static Variable mseLoss(Variable input, Variable target, Reduction reduction) {
        return LossOps.mseLoss(input, target, reduction);
    }

    /** Binary cross entropy on logits, averaged. */
    public static Variable bceWithLogits(Variable input, Variable target) {
        return bceWithLogits(input, target, null, null, Reduction.MEAN);
    }

    /**
     * PyTorch's {@code binary_cross_entropy_with_logits}, in the stable form
     * {@code (1 - t) x + (1 + (pw - 1) t) softplus(-x)} (times {@code weight}); {@code weight} and
     * {@code posWeight} broadcast to the input (pos_weight typically {@code [C]} for the last
     * dimension) and may be null.
     */
    public static Variable bceWithLogits(
            Variable input, Variable target, Tensor weight, Tensor posWeight, Reduction reduction) {
        return LossOps.bceWithLogits(input, target, weight, posWeight, reduction);
    }

    /**
     * PyTorch's {@code kl_div}: {@code input} holds log-probabilities, {@code target} probabilities
     * (log-probabilities with {@code logTarget}); pointwise {@code t (log t - x)} with
     * {@code 0 log 0 = 0}. Use {@link Reduction#BATCHMEAN} for the true KL divergence per sample;
     * MEAN averages over every element, as PyTorch's 'mean' does.
     */
    public static Variable klDiv(Variable input, Variable target, Reduction reduction, boolean logTarget) {
        return LossOps.klDiv(input, target, reduction, logTarget);
    }

    /**
     * Knowledge-distillation loss of Hinton et al. 2015:
     * {@code alpha * T^2 * KL(softmax(teacher / T) || softmax(student / T)) + (1 - alpha) *
     * crossEntropy(student, target)}, the KL divergence averaged over the batch (PyTorch's
     * {@code kl_div(..., reduction='batchmean')}) and the {@code T^2} keeping its gradient on the
     * scale of the hard-label term. The teacher's logits get no gradient (they are detached).
     *
     * <pre>{@code
     * Variable loss = Functional.distillationLoss(student.call(x), teacherLogits, y, 4.0, 0.7);
     * loss.backward();
     * }</pre>
     *
     * @param student     the student's logits {@code [N, C]}
     * @param teacher     the teacher's logits {@code [N, C]}
     * @param target      class indices {@code [N]} (int64)
     * @param temperature {@code T > 0}; higher softens both distributions
     * @param alpha       weight of the soft (teacher) term, in [0, 1]
     */
    public static Variable distillationLoss(
            Variable student, Variable teacher, Variable target, double temperature, double alpha) {
        if (!(temperature > 0) || !Double.isFinite(temperature)) {
            throw new IllegalArgumentException(
                    "distillationLoss: the temperature must be a positive number, got " + temperature);
        }
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("distillationLoss: alpha must be in [0, 1], got " + alpha);
        }
        if (student.dim() == 2 && teacher.dim() == 2 && student.size(1) != teacher.size(1)) {
            throw new IllegalArgumentException("distillationLoss: the teacher predicts " + teacher.size(1)
                    + " classes but the student " + student.size(1) + " (teacher " + teacher.shape() + ", student "
                    + student.shape() + "); both must be trained on the same classes");
        }
        if (student.dim() != 2 || !student.shape().equals(teacher.shape())) {
            throw new IllegalArgumentException("distillationLoss: student and teacher logits must both be [N, C]"
                    + " with the same class count, got student " + student.shape() + " and teacher "
                    + teacher.shape());
        }
        float invT = (float) (1 / temperature);
        Variable soft = klDiv(
                        student.mul(invT).logSoftmax(1),
                        teacher.detach().mul(invT).logSoftmax(1),
                        Reduction.BATCHMEAN,
                        true)
                .mul((float) (alpha * temperature * temperature));
        return soft.add(crossEntropy(student, target).mul((float) (1 - alpha)));
    }

    // =================================================================== sequences

    /**
     * Result of {@link #lstm}: the hidden state of every step, {@code [T, B, H]}, and the final
     * hidden and cell states, {@code [B, H]} each.
     */
    public record LstmOutput(Variable output, Variable h, Variable c) {}

    /**
     * One LSTM layer over a time-major sequence {@code x} of shape {@code [T, B, in]}, with
     * PyTorch's parameters: {@code wIh [4H, in]} and {@code wHh [4H, H]} with the gates stacked
     * in the order input, forget, cell (g), output, and biases {@code [4H]} (both or neither).
     * {@code h0} and {@code c0} ({@code [B, H]}) may be null for a zero initial state.
     *
     * <p>One graph node for the whole sequence: the input projection of all steps is one GEMM,
     * each step one recurrent GEMM plus a fused pass over the gate nonlinearities, and the
     * backward (through time) is as fused: see {@link TensorFunctional#lstm}.
     *
     * <pre>{@code
     * Generator g = new Generator(0);
     * Variable x = Variable.randn(g, 7, 2, 3);                                // T=7, B=2, in=3
     * Variable wIh = Variable.randn(g, 16, 3).requiresGrad(true);             // H=4
     * Variable wHh = Variable.randn(g, 16, 4).requiresGrad(true);
     * Functional.LstmOutput r = Functional.lstm(x, null, null, wIh, wHh, null, null);
     * r.h().sum().backward();                                                 // BPTT into wIh, wHh
     * }</pre>
     */
    public static LstmOutput lstm(
            Variable x, Variable h0, Variable c0, Variable wIh, Variable wHh, Variable bIh, Variable bHh) {
        return Tracing.fused(
                "lstm",
                Map.of(),
                new Variable[] {x, h0, c0, wIh, wHh, bIh, bHh},
                () -> SequenceOps.lstm(x, h0, c0, wIh, wHh, bIh, bHh),
                r -> List.of(r.output(), r.h(), r.c()));
    }

    /** Result of {@link #attention}: the attended values, and the head-averaged weights or null. */
    public record AttentionOutput(Variable output, Variable weights) {}

    /**
     * Multi-head scaled dot-product attention {@code softmax(Q K^T / sqrt(d)) V} per head, where
     * the heads are consecutive blocks of {@code d = E / heads} columns of the embeddings:
     * {@code q} is {@code [L, B, E]}, {@code k} and {@code v} are {@code [S, B, E]} (or batch-first).
     * The operands are read in place (strided views are fine when the last dimension is
     * contiguous); each head's products are GEMMs on those strided rows.
     *
     * <pre>{@code
     * Variable x = Variable.randn(new Generator(0), 10, 2, 16).requiresGrad(true);   // L=10, B=2, E=16
     * var r = Functional.attention(x, x, x, AttentionSpec.of(4).withCausal(true));
     * r.output().sum().backward();
     * }</pre>
     */
    public static AttentionOutput attention(Variable q, Variable k, Variable v, AttentionSpec spec) {
        return Tracing.fused(
                "attention",
                attentionAttributes(spec),
                new Variable[] {q, k, v},
                () -> SequenceOps.attention(q, k, v, null, spec),
                Functional::attentionOutputs);
    }

    /**
     * {@link #attention} over q, k and v packed side by side in the last dimension of one tensor
     * ({@code [T, B, 3E]}), as a single in-projection produces them for self-attention; its
     * gradient comes back as one tensor.
     */
    public static AttentionOutput attentionPacked(Variable qkv, AttentionSpec spec) {
        return Tracing.fused(
                "attentionPacked",
                attentionAttributes(spec),
                new Variable[] {qkv},
                () -> SequenceOps.attention(null, null, null, qkv, spec),
                Functional::attentionOutputs);
    }

    private static Map<String, Object> attentionAttributes(AttentionSpec spec) {
        return Tracing.attrs(
                "heads", spec.heads(),
                "batchFirst", spec.batchFirst(),
                "mask", spec.mask(),
                "causal", spec.causal(),
                "dropout", spec.dropout(),
                "needWeights", spec.needWeights());
    }

    private static List<Variable> attentionOutputs(AttentionOutput r) {
        return r.weights() == null ? List.of(r.output()) : List.of(r.output(), r.weights());
    }
}
