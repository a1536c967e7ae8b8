package dev.nabla.tensor;

import static dev.nabla.tensor.ConvFunctions.requireFloat;

import dev.nabla.tensor.kernel.Dropout;
import dev.nabla.tensor.kernel.Gemm;
import dev.nabla.tensor.kernel.UnaryOp;
import java.util.Arrays;
import java.util.Objects;

/**
 * The linear layer's product, dropout, embedding and the fused gradients of the activations and of
 * softmax, for {@link TensorFunctional}.
 */
final class NeuralFunctions {
    private NeuralFunctions() {}

    /** {@code x W^T + b} over the last dimension of {@code x}, every shape checked; ReLU after it when {@code relu}. */
    static Tensor linear(Tensor x, Tensor weight, Tensor bias, PackedWeight packed, boolean relu) {
        requireFloat("linear", "input", x);
        requireFloat("linear", "weight", weight);
        requireFloat("linear", "bias", bias);
        if (weight.dim() != 2) {
            throw new ShapeMismatchException("linear: weight must be [out, in], got " + weight.shape());
        }
        int in = weight.size(1);
        int out = weight.size(0);
        if (x.dim() == 0 || x.dims[x.dims.length - 1] != in) {
            throw new ShapeMismatchException("linear: input " + x.shape() + " and weight " + weight.shape()
                    + " do not fit (input's last dimension must be " + in + ")");
        }
        if (bias != null && (bias.dim() != 1 || bias.size(0) != out)) {
            throw new ShapeMismatchException(
                    "linear: bias must be [" + out + "] for weight " + weight.shape() + ", got " + bias.shape());
        }
        int[] outDims = x.dims();
        outDims[outDims.length - 1] = out;
        return product(x.reshape(-1, in), weight, bias, packed, relu).reshape(outDims);
    }

    /**
     * {@code y = x2 W^T + b}, the bias being the GEMM's starting value (y is written once, and the
     * packed and unpacked forms add in the same order). W^T comes from {@code packed} when it is
     * given and there is more than one row; one row is a matrix-vector product on W as stored.
     * With the packed weight, the bias and the ReLU ({@code relu}) happen in the GEMM's epilogue,
     * in the same order and so with the same bits as the separate passes of the other forms.
     */
    private static Tensor product(Tensor x2, Tensor w, Tensor bias, PackedWeight packed, boolean relu) {
        int rows = x2.size(0);
        int in = w.size(1);
        int out = w.size(0);
        int[] ws = w.strides;
        if (!x2.isContiguous() || ws[1] != 1 || ws[0] < in) {
            Tensor y = x2.matmul(w.t());
            if (bias != null) {
                y.add(bias, y);
            }
            return relu ? y.unary(UnaryOp.RELU, y) : y;
        }
        Tensor y = Tensor.zeros(rows, out);
        float[] yd = y.storage.data;
        if (packed != null && rows > 1) {
            Tensor b = bias == null ? null : bias.contiguous();
            Gemm.sgemm(
                    false,
                    rows,
                    x2.storage.data,
                    x2.offset,
                    in,
                    packed.transposed(w),
                    b == null ? null : b.storage.data,
                    b == null ? 0 : b.offset,
                    relu,
                    yd,
                    0,
                    out);
            return y;
        }
        float beta = 0f;
        if (bias != null) {
            Tensor b = bias.contiguous();
            for (int r = 0; r < rows; r++) {
                System.arraycopy(b.storage.data, b.offset, yd, r * out, out);
            }
            beta = 1f;
        }
        Gemm.sgemm(
                false,
                true,
                rows,
                out,
                in,
                1f,
                x2.storage.data,
                x2.offset,
                in,
                w.storage.data,
                w.offset,
                ws[0],
                beta,
                yd,
                0,
                out);
        return relu ? y.unary(UnaryOp.RELU, y) : y;
    }

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
