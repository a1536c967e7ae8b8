package dev.nabla.tensor;

import static dev.nabla.tensor.ConvFunctions.requireFloat;

import dev.nabla.tensor.kernel.Dropout;
import dev.nabla.tensor.kernel.UnaryOp;
import java.util.Arrays;
import java.util.Objects;

/**
 * Dropout, embedding and the fused gradients of the activations and of softmax, for
 * {@link TensorFunctional}.
 */
final class NeuralFunctions {
    private NeuralFunctions() {}

    /** {@code grad * op'(x)} in one kernel pass, given {@code y = op(x)} (one of them may be null when op needs only the other). */
    static Tensor activationBackward(UnaryOp op, Tensor grad, Tensor x, Tensor y) {
        Tensor in = x != null ? x : y;
        Tensor out = y != null ? y : x;
        return in.unaryBackward(op, out, grad);
    }

    static Tensor dropoutMask(double p, Generator g, int... dims) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("dropout: probability must be in [0, 1], got " + p);
        }
        Objects.requireNonNull(g, "dropout: generator");
        Tensor mask = Tensor.zeros(dims);
        Dropout.mask(p, g::nextLong, mask.storage.data, 0, mask.numel());
        return mask;
    }

    static Tensor dropout(Tensor x, double p, boolean training, Generator g) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("dropout: probability must be in [0, 1], got " + p);
        }
        requireFloat("dropout", "input", x);
        if (!training || p == 0) {
            return x;
        }
        return x.mul(dropoutMask(p, g, x.dims));
    }

    /** The row a padding index names ({@code < 0} counts from the end), checked. */
    static int paddingRow(int paddingIdx, int rows) {
        int p = paddingIdx < 0 ? paddingIdx + rows : paddingIdx;
        if (p < 0 || p >= rows) {
            throw new IndexOutOfBoundsException(
                    "embedding: paddingIdx " + paddingIdx + " is out of range for " + rows + " embeddings");
        }
        return p;
    }

    /** The indices flattened, checked to be integers in {@code [0, rows)}. */
    private static Tensor flatIndices(String op, Tensor indices, int rows) {
        DType type = indices.dtype();
        if (type != DType.INT64 && type != DType.INT32) {
            throw new IllegalArgumentException(op + ": indices must be an int64 or int32 tensor (as in PyTorch),"
                    + " got " + type + " of shape " + indices.shape() + "; convert with toLong()");
        }
        Tensor flat = indices.reshape(-1);
        long[] ix = flat.toLongArray();
        for (int i = 0; i < ix.length; i++) {
            if (ix[i] < 0 || ix[i] >= rows) {
                throw new IndexOutOfBoundsException(op + ": index " + ix[i] + " at position " + i + " of indices "
                        + indices.shape() + " is not in [0, " + rows + ")");
            }
        }
        return flat;
    }

    private static void checkWeight(String op, Tensor weight) {
        if (weight.dim() != 2) {
            throw new ShapeMismatchException(op + ": weight must be [numEmbeddings, dim], got " + weight.shape());
        }
    }

    static Tensor embedding(Tensor indices, Tensor weight) {
        checkWeight("embedding", weight);
        Tensor flat = flatIndices("embedding", indices, weight.size(0));
        int[] outDims = Arrays.copyOf(indices.dims, indices.dim() + 1);
        outDims[indices.dim()] = weight.size(1);
        return weight.indexSelect(0, flat).reshape(outDims);
    }

    static Tensor embeddingBackward(Tensor grad, Tensor indices, int numEmbeddings, int paddingRow) {
        String op = "embeddingBackward";
        requireFloat(op, "gradient", grad);
        if (grad.dim() != indices.dim() + 1 || !Arrays.equals(Arrays.copyOf(grad.dims, indices.dim()), indices.dims)) {
            throw new ShapeMismatchException(
                    op + ": gradient " + grad.shape() + " is not [...indices, dim] for indices " + indices.shape());
        }
        int dim = grad.size(-1);
        Tensor flat = flatIndices(op, indices, numEmbeddings);
        Tensor gw = Tensor.zeros(numEmbeddings, dim).indexAdd(0, flat, grad.reshape(-1, dim));
        if (paddingRow >= 0) {
            gw.select(0, paddingRow).zero();
        }
        return gw;
    }
}
