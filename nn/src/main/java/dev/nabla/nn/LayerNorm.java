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
 * Variable y = ln.call(Variable.randn(new Generator(0), 8, 10, 64));   // each 64-vector normalised
 * LayerNorm plain = new LayerNorm(new int[] {64}, LayerNorm.options().eps(1e-6).elementwiseAffine(false));
 * }</pre>
 */
public final class LayerNorm extends Module {

    /**
     * The optional arguments of {@link LayerNorm}, PyTorch's keyword arguments: {@code eps} (1e-5)
     * and {@code elementwiseAffine} (true). Immutable: each method returns a changed copy.
     *
     * <pre>{@code
     * new LayerNorm(new int[] {512}, LayerNorm.options().eps(1e-6));
     * }</pre>
     */
    public static final class Options {
        private static final Options DEFAULTS = new Options(1e-5, true);

        private final double eps;
        private final boolean elementwiseAffine;

        private Options(double eps, boolean elementwiseAffine) {
            this.eps = eps;
            this.elementwiseAffine = elementwiseAffine;
        }

        /** Added to the variance before the square root. */
        public Options eps(double eps) {
            return new Options(eps, elementwiseAffine);
        }

        /** Whether there are a learnable elementwise {@code weight} and {@code bias}. */
        public Options elementwiseAffine(boolean elementwiseAffine) {
            return new Options(eps, elementwiseAffine);
        }

        @Override
        public String toString() {
            return "LayerNorm.Options(eps=" + eps + ", elementwise_affine=" + elementwiseAffine + ")";
        }
    }

    /** PyTorch's defaults: eps 1e-5, elementwise affine parameters. */
    public static Options options() {
        return Options.DEFAULTS;
    }

    private final int[] shape;
    private final double eps;
    public final Variable weight;
    public final Variable bias;

    /** eps 1e-5 with elementwise affine parameters. */
    public LayerNorm(int... normalizedShape) {
        this(normalizedShape, options());
    }

    public LayerNorm(int[] normalizedShape, Options options) {
        double eps = options.eps;
        boolean elementwiseAffine = options.elementwiseAffine;
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
    protected Variable forward(Variable x) {
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
