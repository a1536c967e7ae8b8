package dev.nabla.tensor;

import static dev.nabla.tensor.ConvFunctions.pair;

import dev.nabla.tensor.kernel.UnaryOp;

/**
 * Neural-network functions on plain tensors, PyTorch's {@code torch.nn.functional} without
 * autograd: convolution, pooling, normalisation, dropout, embedding, the losses, an LSTM layer and
 * multi-head attention, each with the gradient functions its backward pass needs. Inference needs
 * nothing else; {@code dev.nabla.autograd.Functional} (the same functions on {@code Variable}s,
 * recorded for backward) is a thin forward/backward pair over each of these.
 *
 * <pre>{@code
 * Generator g = new Generator(0);
 * Tensor img = Tensor.randn(g, 8, 3, 32, 32);
 * Tensor k = Tensor.randn(g, 16, 3, 3, 3);
 * Tensor h = TensorFunctional.maxPool2d(TensorFunctional.conv2d(img, k, null, 1, 1).relu(), 2);  // [8, 16, 16, 16]
 * Tensor logits = h.flatten(1, -1).matmul(Tensor.randn(g, 16 * 16 * 16, 10));
 * Tensor labels = Tensor.ofLongs(3, 1, 4, 1, 5, 9, 2, 6);
 * Tensor loss = TensorFunctional.crossEntropy(logits, labels);                // inference: a scalar
 *
 * // The forward/backward pair autograd records, usable by hand:
 * int ignore = TensorFunctional.DEFAULT_IGNORE_INDEX;
 * var ce = TensorFunctional.crossEntropyForward(logits, labels, null, ignore, 0, Reduction.MEAN);
 * Tensor dLogits = TensorFunctional.crossEntropyBackward(
 *         Tensor.scalar(1), logits, labels, null, ignore, 0, Reduction.MEAN, ce.logSumExp());   // [8, 10]
 * }</pre>
 *
 * <p>Conventions, as in PyTorch: images are {@code [N, C, H, W]} (or unbatched {@code [C, H, W]});
 * spatial arguments given as {@code int[]} are {@code {height, width}} pairs and the {@code int}
 * overloads use one value for both. The floating-point arguments must be float32 (an error says
 * how to convert), class-index targets int64 or int32. A gradient function {@code xBackward} (or
 * {@code xInputGrad}, ...) takes the gradient of {@code x}'s output and returns the gradient of
 * the input(s) it names; where a backward needs what its forward computed (pooling indices,
 * normalisation statistics, the LSTM's states), the {@code xForward} or {@code xWithIndices}
 * variant returns it beside the output. Functions that return several gradients return them in
 * the order of the forward's tensor arguments, null where not asked for.
 */
public final class TensorFunctional {
    private TensorFunctional() {}

    /** PyTorch's default {@code ignore_index}: no class index equals it. */
    public static final int DEFAULT_IGNORE_INDEX = -100;

    private static int[] two(int v) {
        return new int[] {v, v};
    }

    // =================================================================== linear

    /**
     * PyTorch's {@code linear}: {@code x W^T + b} over the last dimension of {@code x}
     * ({@code [..., in]} by a weight {@code [out, in]} and a bias {@code [out]} or null, giving
     * {@code [..., out]}). Its gradients are matrix products: {@code g W} for the input,
     * {@code g^T x} for the weight, the sum of {@code g} over rows for the bias.
     *
     * <pre>{@code
     * Tensor y = TensorFunctional.linear(Tensor.ones(2, 3), Tensor.ones(4, 3), Tensor.zeros(4));  // [2, 4] of 3s
     * }</pre>
     */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        return NeuralFunctions.linear(x, weight, bias, null, false);
    }

    /**
     * {@link #linear(Tensor, Tensor, Tensor)} multiplying by the weight kept packed in {@code packed}
     * (null: pack it for this call only) when there is more than one row, instead of packing it
     * again: inference through a layer whose weight does not change between calls.
     */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias, PackedWeight packed) {
        return NeuralFunctions.linear(x, weight, bias, packed, false);
    }

    /**
     * {@code relu(linear(x, weight, bias, packed))} in one pass over the result: with a packed
     * weight and more than one row, the bias and the ReLU are the GEMM tile's epilogue. The same
     * bits as the two steps apart.
     *
     * <pre>{@code
     * Tensor w = Tensor.randn(new Generator(0), 512, 784), b = Tensor.zeros(512);
     * PackedWeight cache = new PackedWeight();
     * Tensor h = TensorFunctional.linearRelu(Tensor.randn(new Generator(1), 64, 784), w, b, cache); // [64, 512]
     * }</pre>
     */
    public static Tensor linearRelu(Tensor x, Tensor weight, Tensor bias, PackedWeight packed) {
        return NeuralFunctions.linear(x, weight, bias, packed, true);
    }

    // =================================================================== convolution

    /** 2-D convolution, stride 1, no padding: {@code [N, Cin, H, W] -> [N, Cout, H-kH+1, W-kW+1]}. */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias) {
        return conv2d(x, weight, bias, 1, 0, 1, 1);
    }

    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int stride, int padding) {
        return conv2d(x, weight, bias, stride, padding, 1, 1);
    }

    public static Tensor conv2d(
            Tensor x, Tensor weight, Tensor bias, int stride, int padding, int dilation, int groups) {
        return conv2d(x, weight, bias, two(stride), two(padding), two(dilation), groups);
    }

    /**
     * PyTorch's {@code conv2d} (cross-correlation, zero padding): x {@code [N, Cin, H, W]} or
     * {@code [Cin, H, W]}, weight {@code [Cout, Cin/groups, kH, kW]}, bias {@code [Cout]} or null
     * (added inside the convolution kernel, no separate pass).
     */
    public static Tensor conv2d(
            Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        return ConvFunctions.conv2d(
                x,
                weight,
                bias,
                pair("conv2d", "stride", stride),
                pair("conv2d", "padding", padding),
                pair("conv2d", "dilation", dilation),
                groups);
    }

    /**
     * The gradient of {@link #conv2d} with respect to its input of shape {@code input}, from the
     * output gradient {@code grad} (PyTorch's {@code torch.nn.grad.conv2d_input}).
     */
    public static Tensor conv2dInputGrad(
            Tensor grad, Tensor weight, Shape input, int[] stride, int[] padding, int[] dilation, int groups) {
        return ConvFunctions.conv2dInputGrad(
                grad,
                weight,
                input,
                pair("conv2dInputGrad", "stride", stride),
                pair("conv2dInputGrad", "padding", padding),
                pair("conv2dInputGrad", "dilation", dilation),
                groups);
    }

    /**
     * The gradient of {@link #conv2d} with respect to its weight of shape {@code weight}, from the
     * input and the output gradient (PyTorch's {@code torch.nn.grad.conv2d_weight}).
     */
    public static Tensor conv2dWeightGrad(
            Tensor grad, Tensor x, Shape weight, int[] stride, int[] padding, int[] dilation, int groups) {
        return ConvFunctions.conv2dWeightGrad(
                grad,
                x,
                weight,
                pair("conv2dWeightGrad", "stride", stride),
                pair("conv2dWeightGrad", "padding", padding),
                pair("conv2dWeightGrad", "dilation", dilation),
                groups);
    }

    /** The gradient of {@link #conv2d}'s bias: the output gradient summed over all but the channel dimension. */
    public static Tensor conv2dBiasGrad(Tensor grad) {
        return ConvFunctions.conv2dBiasGrad(grad);
    }

    // =================================================================== pooling

    /** Max pooling with stride equal to the kernel, no padding. */
    public static Tensor maxPool2d(Tensor x, int kernel) {
        return maxPool2d(x, kernel, kernel, 0, false);
    }

    public static Tensor maxPool2d(Tensor x, int kernel, int stride, int padding, boolean ceilMode) {
        return maxPool2d(x, two(kernel), two(stride), two(padding), two(1), ceilMode);
    }

    /**
     * PyTorch's {@code max_pool2d} over {@code [N, C, H, W]} or {@code [C, H, W]}; padding at most
     * half the kernel.
     */
    public static Tensor maxPool2d(
            Tensor x, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        return maxPool2dWithIndices(x, kernel, stride, padding, dilation, ceilMode, false)
                .output();
    }

    /** The result of {@link #maxPool2dWithIndices}: the pooled values and where each came from. */
    public record MaxPool2dResult(Tensor output, Tensor indices) {}

    /**
     * {@link #maxPool2d} that also returns, per output, the index of the chosen input within its
     * plane ({@code h * W + w}, PyTorch's {@code return_indices}; int32 here); the first maximum of
     * a window wins, and {@link #maxPool2dBackward} sends the gradient there.
     */
    public static MaxPool2dResult maxPool2dWithIndices(
            Tensor x, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        return maxPool2dWithIndices(x, kernel, stride, padding, dilation, ceilMode, true);
    }

    private static MaxPool2dResult maxPool2dWithIndices(
            Tensor x, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode, boolean indices) {
        return ConvFunctions.maxPool2d(
                x,
                pair("maxPool2d", "kernel", kernel),
                pair("maxPool2d", "stride", stride),
                pair("maxPool2d", "padding", padding),
                pair("maxPool2d", "dilation", dilation),
                ceilMode,
                indices);
    }

    /**
     * The gradient of {@link #maxPool2d} with respect to its input of shape {@code input}: each
     * output's gradient added at the position its {@code indices} (from
     * {@link #maxPool2dWithIndices}, int32 or int64) name. The geometry is the forward's.
     */
    public static Tensor maxPool2dBackward(
            Tensor grad,
            Tensor indices,
            Shape input,
            int[] kernel,
            int[] stride,
            int[] padding,
            int[] dilation,
            boolean ceilMode) {
        return ConvFunctions.maxPool2dBackward(
                grad,
                indices,
                input,
                pair("maxPool2dBackward", "kernel", kernel),
                pair("maxPool2dBackward", "stride", stride),
                pair("maxPool2dBackward", "padding", padding),
                pair("maxPool2dBackward", "dilation", dilation),
                ceilMode);
    }

    /** Average pooling with stride equal to the kernel, no padding. */
    public static Tensor avgPool2d(Tensor x, int kernel) {
        return avgPool2d(x, kernel, kernel, 0, false, true);
    }

    public static Tensor avgPool2d(
            Tensor x, int kernel, int stride, int padding, boolean ceilMode, boolean countIncludePad) {
        return avgPool2d(x, two(kernel), two(stride), two(padding), ceilMode, countIncludePad);
    }

    /**
     * PyTorch's {@code avg_pool2d}: with {@code countIncludePad} the divisor counts the padding
     * inside each window, otherwise only real input elements.
     */
    public static Tensor avgPool2d(
            Tensor x, int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        return ConvFunctions.avgPool2d(
                x,
                pair("avgPool2d", "kernel", kernel),
                pair("avgPool2d", "stride", stride),
                pair("avgPool2d", "padding", padding),
                ceilMode,
                countIncludePad);
    }

    /** The gradient of {@link #avgPool2d} with respect to its input of shape {@code input}. */
    public static Tensor avgPool2dBackward(
            Tensor grad,
            Shape input,
            int[] kernel,
            int[] stride,
            int[] padding,
            boolean ceilMode,
            boolean countIncludePad) {
        return ConvFunctions.avgPool2dBackward(
                grad,
                input,
                pair("avgPool2dBackward", "kernel", kernel),
                pair("avgPool2dBackward", "stride", stride),
                pair("avgPool2dBackward", "padding", padding),
                ceilMode,
                countIncludePad);
    }

    /** PyTorch's {@code adaptive_avg_pool2d}: any {@code H x W} averaged down (or up) to {@code outH x outW}. */
    public static Tensor adaptiveAvgPool2d(Tensor x, int outH, int outW) {
        return ConvFunctions.adaptiveAvgPool2d(x, outH, outW);
    }

    /** The gradient of {@link #adaptiveAvgPool2d} with respect to its input of shape {@code input}. */
    public static Tensor adaptiveAvgPool2dBackward(Tensor grad, Shape input) {
        return ConvFunctions.adaptiveAvgPool2dBackward(grad, input);
    }

    // =================================================================== normalisation

    /**
     * Batch normalisation over {@code [N, C, ...]} per channel C. With {@code training} (or without
     * running statistics) it normalises with the batch mean and biased variance and, when running
     * statistics are given, updates them in place:
     * {@code running = (1 - momentum) * running + momentum * batch}, using the unbiased variance.
     * Otherwise it normalises with the running statistics. {@code weight} and {@code bias}
     * ({@code [C]}) may be null.
     */
    public static Tensor batchNorm(
            Tensor x,
            Tensor runningMean,
            Tensor runningVar,
            Tensor weight,
            Tensor bias,
            boolean training,
            double momentum,
            double eps) {
        return batchNormForward(x, runningMean, runningVar, weight, bias, training, momentum, eps)
                .output();
    }

    /**
     * The result of {@link #batchNormForward}: the output and the per-channel statistics it
     * normalised with ({@code [C]}: the batch's or the running mean, and {@code 1 / sqrt(var + eps)}).
     */
    public record BatchNormResult(Tensor output, Tensor mean, Tensor invstd) {}

    /** {@link #batchNorm}, returning the statistics {@link #batchNormBackward} needs (PyTorch's {@code native_batch_norm}). */
    public static BatchNormResult batchNormForward(
            Tensor x,
            Tensor runningMean,
            Tensor runningVar,
            Tensor weight,
            Tensor bias,
            boolean training,
            double momentum,
            double eps) {
        return NormFunctions.batchNorm(x, runningMean, runningVar, weight, bias, training, momentum, eps);
    }

    /**
     * The gradients of {@link #batchNormForward} with respect to {@code x}, {@code weight} and
     * {@code bias}, each computed only when asked for (null otherwise). {@code batchStats} says the
     * forward normalised with the batch's statistics (training, or no running statistics), whose
     * dependence on {@code x} then enters the input gradient.
     */
    public static Tensor[] batchNormBackward(
            Tensor grad,
            Tensor x,
            Tensor weight,
            BatchNormResult forward,
            boolean batchStats,
            boolean inputGrad,
            boolean weightGrad,
            boolean biasGrad) {
        return NormFunctions.batchNormBackward(
                grad, x, weight, forward.mean(), forward.invstd(), batchStats, inputGrad, weightGrad, biasGrad);
    }

    /**
     * Layer normalisation over the last {@code normalizedShape.length} dimensions (biased variance),
     * then {@code * weight + bias} elementwise when they are given (each of {@code normalizedShape}).
     */
    public static Tensor layerNorm(Tensor x, int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        return layerNormForward(x, normalizedShape, weight, bias, eps).output();
    }

    /**
     * The result of {@link #layerNormForward}: the output and each row's mean and {@code 1 / std},
     * shaped as the input with the normalised dimensions of size 1 (as PyTorch's).
     */
    public record LayerNormResult(Tensor output, Tensor mean, Tensor rstd) {}

    /** {@link #layerNorm}, returning the statistics {@link #layerNormBackward} needs (PyTorch's {@code native_layer_norm}). */
    public static LayerNormResult layerNormForward(
            Tensor x, int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        return NormFunctions.layerNorm(x, normalizedShape.clone(), weight, bias, eps);
    }

    /** The gradients of {@link #layerNormForward} with respect to {@code x}, {@code weight} and {@code bias}, each when asked for. */
    public static Tensor[] layerNormBackward(
            Tensor grad,
            Tensor x,
            int[] normalizedShape,
            Tensor weight,
            LayerNormResult forward,
            boolean inputGrad,
            boolean weightGrad,
            boolean biasGrad) {
        return NormFunctions.layerNormBackward(
                grad,
                x,
                normalizedShape.clone(),
                weight,
                forward.mean(),
                forward.rstd(),
                inputGrad,
                weightGrad,
                biasGrad);
    }

    // =================================================================== dropout and embedding

    /**
     * Inverted dropout: zeroes each element with probability {@code p} (mask drawn from {@code g})
     * and scales the rest by {@code 1/(1-p)}; returns {@code x} itself when not training.
     */
    public static Tensor dropout(Tensor x, double p, boolean training, Generator g) {
        return NeuralFunctions.dropout(x, p, training, g);
    }

    /**
     * The multipliers of inverted dropout for a tensor of shape {@code dims}: 0 with probability
     * {@code p}, {@code 1/(1-p)} otherwise, drawn from {@code g}. {@code x.mul(mask)} is the
     * dropout, {@code grad.mul(mask)} its gradient.
     */
    public static Tensor dropoutMask(double p, Generator g, int... dims) {
        return NeuralFunctions.dropoutMask(p, g, dims);
    }

    /** Rows of {@code weight [num, dim]} at integer {@code indices} (any shape): {@code [...indices, dim]}. */
    public static Tensor embedding(Tensor indices, Tensor weight) {
        return NeuralFunctions.embedding(indices, weight);
    }

    /**
     * {@link #embedding(Tensor, Tensor)} for a table whose row {@code paddingIdx} (negative counts
     * from the end) is padding: the same rows, and the index is checked here, where PyTorch checks
     * it; {@link #embeddingBackward(Tensor, Tensor, int, int)} gives that row no gradient.
     */
    public static Tensor embedding(Tensor indices, Tensor weight, int paddingIdx) {
        Tensor out = NeuralFunctions.embedding(indices, weight);
        NeuralFunctions.paddingRow(paddingIdx, weight.size(0));
        return out;
    }

    /**
     * The gradient of {@link #embedding} with respect to its weight {@code [numEmbeddings, dim]}:
     * each output row's gradient added into the row it was read from.
     */
    public static Tensor embeddingBackward(Tensor grad, Tensor indices, int numEmbeddings) {
        return NeuralFunctions.embeddingBackward(grad, indices, numEmbeddings, -1);
    }

    /** As {@link #embeddingBackward(Tensor, Tensor, int)}; row {@code paddingIdx} (negative counts from the end) gets none. */
    public static Tensor embeddingBackward(Tensor grad, Tensor indices, int numEmbeddings, int paddingIdx) {
        return NeuralFunctions.embeddingBackward(
                grad, indices, numEmbeddings, NeuralFunctions.paddingRow(paddingIdx, numEmbeddings));
    }

    // =================================================================== activation gradients

    /** {@code grad * (x > 0)}: the gradient of {@link Tensor#relu()} (1 where the input is NaN, as in PyTorch). */
    public static Tensor reluBackward(Tensor grad, Tensor x) {
        return NeuralFunctions.activationBackward(UnaryOp.RELU, grad, x, null);
    }

    /** {@code grad * y * (1 - y)} from the output {@code y} of {@link Tensor#sigmoid()}. */
    public static Tensor sigmoidBackward(Tensor grad, Tensor y) {
        return NeuralFunctions.activationBackward(UnaryOp.SIGMOID, grad, null, y);
    }

    /** {@code grad * (1 - y^2)} from the output {@code y} of {@link Tensor#tanh()}. */
    public static Tensor tanhBackward(Tensor grad, Tensor y) {
        return NeuralFunctions.activationBackward(UnaryOp.TANH, grad, null, y);
    }

    /** The gradient of the exact (erf) {@link Tensor#gelu()} at its input {@code x}. */
    public static Tensor geluBackward(Tensor grad, Tensor x) {
        return NeuralFunctions.activationBackward(UnaryOp.GELU, grad, x, null);
    }

    /** The gradient of {@link Tensor#softmax(int)} along {@code dim}, from its output {@code y}. */
    public static Tensor softmaxBackward(Tensor grad, Tensor y, int dim) {
        return y.softmaxBackward(false, dim, grad);
    }

    /** The gradient of {@link Tensor#logSoftmax(int)} along {@code dim}, from its output {@code y}. */
    public static Tensor logSoftmaxBackward(Tensor grad, Tensor y, int dim) {
        return y.softmaxBackward(true, dim, grad);
    }

    // =================================================================== losses

    /** Cross entropy of logits {@code [N, C]} against class indices {@code [N]}, averaged. */
    public static Tensor crossEntropy(Tensor input, Tensor target) {
        return crossEntropy(input, target, null, DEFAULT_IGNORE_INDEX, 0, Reduction.MEAN);
    }

    /**
     * PyTorch's {@code cross_entropy} with class-index targets: input {@code [C]}, {@code [N, C]} or
     * {@code [N, C, d1, ...]}, target {@code []}, {@code [N]} or {@code [N, d1, ...]} of int64 class
     * indices. {@code weight} ({@code [C]}, or null) weights each class; targets equal to
     * {@code ignoreIndex} count for nothing; {@code labelSmoothing} mixes the one-hot target with
     * the uniform one. MEAN divides by the summed weight of the non-ignored targets, as PyTorch
     * does. A float32 target of the input's shape holds class probabilities instead (soft labels):
     * the loss is {@code -sum_c weight[c] * target[c] * logSoftmax(input)[c]} and MEAN divides by
     * the number of samples.
     */
    public static Tensor crossEntropy(
            Tensor input, Tensor target, Tensor weight, int ignoreIndex, double labelSmoothing, Reduction reduction) {
        if (target.dtype() == DType.FLOAT32 && target.shape().equals(input.shape())) {
            return LossFunctions.crossEntropyProbabilities(
                    input, target, weight, ignoreIndex, labelSmoothing, reduction);
        }
        return crossEntropyForward(input, target, weight, ignoreIndex, labelSmoothing, reduction)
                .loss();
    }

    /**
     * The result of {@link #crossEntropyForward}: the loss, and each sample's log-sum-exp of the
     * logits (shaped as the targets), which {@link #crossEntropyBackward} reuses.
     */
    public record CrossEntropyResult(Tensor loss, Tensor logSumExp) {}

    /** {@link #crossEntropy} with class-index targets, one fused log-softmax + NLL kernel pass, returning what its backward reuses. */
    public static CrossEntropyResult crossEntropyForward(
            Tensor input, Tensor target, Tensor weight, int ignoreIndex, double labelSmoothing, Reduction reduction) {
        return LossFunctions.crossEntropy(input, target, weight, ignoreIndex, labelSmoothing, reduction);
    }

    /**
     * The gradient of {@link #crossEntropyForward} (class-index targets) with respect to the input,
     * one fused kernel pass: the arguments are the forward's, plus the output gradient and the
     * forward's log-sum-exp.
     */
    public static Tensor crossEntropyBackward(
            Tensor grad,
            Tensor input,
            Tensor target,
            Tensor weight,
            int ignoreIndex,
            double labelSmoothing,
            Reduction reduction,
            Tensor logSumExp) {
        return LossFunctions.crossEntropyBackward(
                grad, input, target, weight, ignoreIndex, labelSmoothing, reduction, logSumExp);
    }

    /** Negative log likelihood of log-probabilities {@code [N, C]} at class indices {@code [N]}, averaged. */
    public static Tensor nllLoss(Tensor input, Tensor target) {
        return nllLoss(input, target, null, DEFAULT_IGNORE_INDEX, Reduction.MEAN);
    }

    /** PyTorch's {@code nll_loss}: shapes, weights, ignore index and MEAN as in {@link #crossEntropy}. */
    public static Tensor nllLoss(Tensor input, Tensor target, Tensor weight, int ignoreIndex, Reduction reduction) {
        return LossFunctions.nllLoss(input, target, weight, ignoreIndex, reduction);
    }

    /** The gradient of {@link #nllLoss} with respect to the input. */
    public static Tensor nllLossBackward(
            Tensor grad, Tensor input, Tensor target, Tensor weight, int ignoreIndex, Reduction reduction) {
        return LossFunctions.nllLossBackward(grad, input, target, weight, ignoreIndex, reduction);
    }

    /** Mean squared error. */
    public static Tensor mseLoss(Tensor input, Tensor target) {
        return mseLoss(input, target, Reduction.MEAN);
    }

    /** {@code (input - target)^2}, reduced; the shapes must match (no silent broadcasting). */
    public static Tensor mseLoss(Tensor input, Tensor target, Reduction reduction) {
        return LossFunctions.mseLoss(input, target, reduction);
    }

    /** The gradient of {@link #mseLoss} with respect to the input (the target's is its negation). */
    public static Tensor mseLossBackward(Tensor grad, Tensor input, Tensor target, Reduction reduction) {
        return LossFunctions.mseLossBackward(grad, input, target, reduction);
    }

    /** Binary cross entropy on logits, averaged. */
    public static Tensor bceWithLogits(Tensor input, Tensor target) {
        return bceWithLogits(input, target, null, null, Reduction.MEAN);
    }

    /**
     * PyTorch's {@code binary_cross_entropy_with_logits}, in the stable form
     * {@code (1 - t) x + (1 + (pw - 1) t) softplus(-x)} (times {@code weight}); {@code weight} and
     * {@code posWeight} broadcast to the input (pos_weight typically {@code [C]} for the last
     * dimension) and may be null.
     */
    public static Tensor bceWithLogits(
            Tensor input, Tensor target, Tensor weight, Tensor posWeight, Reduction reduction) {
        return LossFunctions.bceWithLogits(input, target, weight, posWeight, reduction);
    }

    /** The gradients of {@link #bceWithLogits} with respect to the input and the target, each when asked for. */
    public static Tensor[] bceWithLogitsBackward(
            Tensor grad,
            Tensor input,
            Tensor target,
            Tensor weight,
            Tensor posWeight,
            Reduction reduction,
            boolean inputGrad,
            boolean targetGrad) {
        return LossFunctions.bceWithLogitsBackward(
                grad, input, target, weight, posWeight, reduction, inputGrad, targetGrad);
    }

    /**
     * PyTorch's {@code kl_div}: {@code input} holds log-probabilities, {@code target} probabilities
     * (log-probabilities with {@code logTarget}); pointwise {@code t (log t - x)} with
     * {@code 0 log 0 = 0}. Use {@link Reduction#BATCHMEAN} for the true KL divergence per sample;
     * MEAN averages over every element, as PyTorch's 'mean' does.
     */
    public static Tensor klDiv(Tensor input, Tensor target, Reduction reduction, boolean logTarget) {
        return LossFunctions.klDiv(input, target, reduction, logTarget);
    }

    /** The gradients of {@link #klDiv} with respect to the input and the target, each when asked for. */
    public static Tensor[] klDivBackward(
            Tensor grad,
            Tensor input,
            Tensor target,
            Reduction reduction,
            boolean logTarget,
            boolean inputGrad,
            boolean targetGrad) {
        return LossFunctions.klDivBackward(grad, input, target, reduction, logTarget, inputGrad, targetGrad);
    }

    // =================================================================== sequences

    /**
     * The result of {@link #lstm}: the hidden state of every step {@code [T, B, H]} and the final
     * hidden and cell states {@code [B, H]} (views of the state buffers), and for
     * {@link #lstmBackward} the buffers themselves: {@code hidden} and {@code cells}
     * {@code [T+1, B, H]} (block 0 the initial state) and the activated gates {@code [T, B, 4H]}.
     */
    public record LstmResult(Tensor output, Tensor h, Tensor c, Tensor hidden, Tensor cells, Tensor gates) {}

    /**
     * One LSTM layer over a time-major sequence {@code x} of shape {@code [T, B, in]}, with
     * PyTorch's parameters: {@code wIh [4H, in]} and {@code wHh [4H, H]} with the gates stacked
     * in the order input, forget, cell (g), output, and biases {@code [4H]} (both or neither).
     * {@code h0} and {@code c0} ({@code [B, H]}) may be null for a zero initial state. The input
     * projection of all steps is one GEMM; each step one recurrent GEMM plus one fused pass over
     * the gate nonlinearities.
     */
    public static LstmResult lstm(Tensor x, Tensor h0, Tensor c0, Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh) {
        return SequenceFunctions.lstm(x, h0, c0, wIh, wHh, bIh, bHh);
    }

    /**
     * Back-propagation through time for {@link #lstm}, called with the forward's arguments and
     * result and the gradients of its outputs (any may be null: no gradient). Returns the
     * gradients of {@code x, h0, c0, wIh, wHh, bIh, bHh} where {@code need} (seven flags, in that
     * order) asks for them, null elsewhere; the two biases get the same gradient.
     */
    public static Tensor[] lstmBackward(
            Tensor x,
            Tensor h0,
            Tensor c0,
            Tensor wIh,
            Tensor wHh,
            Tensor bIh,
            Tensor bHh,
            LstmResult forward,
            Tensor gradOutput,
            Tensor gradH,
            Tensor gradC,
            boolean[] need) {
        return SequenceFunctions.lstmBackward(
                x, h0, c0, wIh, wHh, bIh, bHh, forward, gradOutput, gradH, gradC, need.clone());
    }

    /**
     * The result of {@link #attention}: the attended values, the head-averaged weights (or null
     * unless asked for), and for {@link #attentionBackward} the softmax probabilities
     * {@code [B, heads, L, S]} and the dropout multipliers (or null without dropout).
     */
    public record AttentionResult(Tensor output, Tensor weights, Tensor probs, Tensor keep) {}

    /**
     * Multi-head scaled dot-product attention {@code softmax(Q K^T / sqrt(d)) V} per head, where
     * the heads are consecutive blocks of {@code d = E / heads} columns of the embeddings:
     * {@code q} is {@code [L, B, E]}, {@code k} and {@code v} are {@code [S, B, E]} (or batch-first,
     * see {@link AttentionSpec}). The operands are read in place (strided views are fine when the
     * last dimension is contiguous); each head's products are GEMMs on those strided rows.
     */
    public static AttentionResult attention(Tensor q, Tensor k, Tensor v, AttentionSpec spec) {
        return SequenceFunctions.attention(q, k, v, null, spec);
    }

    /**
     * {@link #attention} over q, k and v packed side by side in the last dimension of one tensor
     * ({@code [T, B, 3E]}), as a single in-projection produces them for self-attention.
     */
    public static AttentionResult attentionPacked(Tensor qkv, AttentionSpec spec) {
        return SequenceFunctions.attention(null, null, null, qkv, spec);
    }

    /**
     * The gradients of {@link #attention} with respect to {@code q, k, v} where {@code need}
     * (three flags) asks for them, from the forward's arguments and result and the gradients of the
     * output and of the weights (either may be null).
     */
    public static Tensor[] attentionBackward(
            Tensor q,
            Tensor k,
            Tensor v,
            AttentionSpec spec,
            AttentionResult forward,
            Tensor gradOutput,
            Tensor gradWeights,
            boolean[] need) {
        if (need.length != 3) {
            throw new IllegalArgumentException(
                    "attentionBackward: need one flag per input (q, k, v), got " + need.length);
        }
        return SequenceFunctions.attentionBackward(q, k, v, null, spec, forward, gradOutput, gradWeights, need.clone());
    }

    /** The gradient of {@link #attentionPacked} with respect to the packed {@code qkv}, as one tensor. */
    public static Tensor attentionPackedBackward(
            Tensor qkv, AttentionSpec spec, AttentionResult forward, Tensor gradOutput, Tensor gradWeights) {
        return SequenceFunctions.attentionBackward(
                null, null, null, qkv, spec, forward, gradOutput, gradWeights, new boolean[] {true})[0];
    }
}
