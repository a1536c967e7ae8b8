package dev.nabla.nn;

import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.PackedWeight;
import dev.nabla.tensor.ShapeMismatchException;
import java.util.function.Function;

/**
 * The fully connected ("dense") layer {@code y = x W^T + b}, with {@code W} of shape
 * {@code [out, in]} as in PyTorch. Accepts any leading dimensions: {@code [..., in] -> [..., out]}.
 * Initialised like PyTorch: weight Kaiming-uniform (bound {@code 1/sqrt(in)}), bias uniform in
 * {@code ±1/sqrt(in)}. In inference (no gradient recorded) the weight stays packed for the GEMM
 * between calls and is repacked only after it changes ({@link PackedWeight}).
 *
 * <pre>{@code
 * Linear fc = new Linear(784, 10, new Generator(0));
 * Variable y = fc.call(Variable.zeros(64, 784));   // [64, 10]
 * }</pre>
 */
public final class Linear extends Module {
    private final int in;
    private final int out;
    public final Variable weight;
    public final Variable bias;
    /** The weight packed for inference; repacked only after the weight changes. */
    private final PackedWeight packed = new PackedWeight();
    /** {@link #forwardRelu} as a function, made once so a fused call allocates nothing for it. */
    final Function<Variable, Variable> fusedRelu = this::forwardRelu;

    public Linear(int in, int out) {
        this(in, out, true, Generator.defaultGenerator());
    }

    public Linear(int in, int out, Generator g) {
        this(in, out, true, g);
    }

    public Linear(int in, int out, boolean bias, Generator g) {
        if (in <= 0 || out <= 0) {
            throw new IllegalArgumentException("Linear: sizes must be positive, got in=" + in + ", out=" + out);
        }
        this.in = in;
        this.out = out;
        this.weight = registerParameter("weight", Init.kaimingUniform(g, 5f, out, in));
        this.bias = bias ? registerParameter("bias", Init.uniform(g, 1.0 / Math.sqrt(in), out)) : null;
    }

    @Override
    protected Variable forward(Variable x) {
        checkInput(x);
        return Functional.linear(x, weight, bias, packed);
    }

    /**
     * This layer followed by a ReLU, for {@link Sequential}: in inference the bias and the ReLU are
     * the GEMM's epilogue, so the hidden activations are written once (the same bits).
     */
    Variable forwardRelu(Variable x) {
        checkInput(x);
        return Functional.linearRelu(x, weight, bias, packed);
    }

    private void checkInput(Variable x) {
        if (x.dim() == 0 || x.size(-1) != in) {
            throw new ShapeMismatchException(
                    "Linear(" + in + " -> " + out + "): expected input [..., " + in + "], got " + x.shape());
        }
    }

    /** PyTorch's {@code in_features}. */
    public int inFeatures() {
        return in;
    }

    /** PyTorch's {@code out_features}. */
    public int outFeatures() {
        return out;
    }

    @Override
    protected String describe() {
        return "Linear(" + in + " -> " + out + (bias == null ? ", no bias" : "") + ")";
    }
}
