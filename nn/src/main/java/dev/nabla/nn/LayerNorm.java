package dev.nabla.nn;

import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.ShapeMismatchException;
import dev.nabla.tensor.Tensor;
import java.util.Arrays;

/**
 * Layer normalisation over the last dimensions, PyTorch's {@code nn.LayerNorm}: each slice of
 * {@code normalizedShape} is brought to mean 0 and (biased) variance 1, then scaled by
 * {@code weight} (ones) and shifted by {@code bias} (zeros) elementwise.
 *
 * <pre>{@code
 * LayerNorm ln = new LayerNorm(64);
 * Variable y = ln.forward(Variable.randn(new Generator(0), 8, 10, 64));   // each 64-vector normalised
 * }</pre>
 */
public final class LayerNorm extends Module {
    private final int[] shape;
    private final double eps;
    public final Variable weight;
    public final Variable bias;

    /** eps 1e-5 with elementwise affine parameters. */
    public LayerNorm(int... normalizedShape) {
        this(normalizedShape, 1e-5, true);
    }

    public LayerNorm(int[] normalizedShape, double eps, boolean elementwiseAffine) {
        if (normalizedShape.length == 0 || Arrays.stream(normalizedShape).anyMatch(d -> d <= 0) || !(eps > 0)) {
            throw new IllegalArgumentException("LayerNorm: need a non-empty shape of positive sizes and eps > 0, got "
                    + Arrays.toString(normalizedShape) + ", eps " + eps);
        }
        this.shape = normalizedShape.clone();
        this.eps = eps;
        this.weight = elementwiseAffine ? registerParameter("weight", Tensor.ones(shape)) : null;
        this.bias = elementwiseAffine ? registerParameter("bias", Tensor.zeros(shape)) : null;
    }

    @Override
    public Variable forward(Variable x) {
        int[] d = x.dims();
        int k = shape.length;
        if (d.length < k || !Arrays.equals(Arrays.copyOfRange(d, d.length - k, d.length), shape)) {
            throw new ShapeMismatchException(describe() + ": expected input [..., "
                    + Arrays.toString(shape).replaceAll("[\\[\\]]", "") + "], got " + x.shape());
        }
        return Functional.layerNorm(x, shape, weight, bias, eps);
    }

    @Override
    protected String describe() {
        return "LayerNorm(" + Shape.of(shape) + (eps != 1e-5 ? ", eps " + eps : "")
                + (weight == null ? ", no affine" : "") + ")";
    }
}
