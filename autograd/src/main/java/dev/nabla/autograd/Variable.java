package dev.nabla.autograd;

import dev.nabla.tensor.DType;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.ShapeMismatchException;
import dev.nabla.tensor.Tensor;
import java.util.Map;
import java.util.Objects;

/**
 * A tensor that autograd can track: the one type a model, a loss and a training loop hold.
 *
 * <p>A {@code Variable} wraps a {@link Tensor} (its {@link #data()}) and, when it requires grad,
 * remembers the operation that produced it, so {@link #backward()} can fill the {@link #grad()}
 * of every leaf it depends on. Leaves are the variables you create (inputs, parameters); results
 * of operations on variables that require grad require grad themselves, as in PyTorch. Inside
 * {@link Autograd#noGrad()} nothing is recorded.
 *
 * <p>Every method mirrors the {@link Tensor} method of the same name; the forward and backward
 * rules of each live side by side in the package's op families ({@code PointwiseOps},
 * {@code ShapeOps}, {@code ReductionOps}, {@code LinalgOps}, {@code IndexOps}, {@code NeuralOps}).
 *
 * <pre>{@code
 * Variable w = Variable.randn(new Generator(0), 3, 2).requiresGrad(true);
 * Variable x = Variable.of(new float[][] {{1, 2, 3}});
 * Variable loss = x.matmul(w).relu().sum();
 * loss.backward();
 * System.out.println(w.grad());          // d loss / d w, shape [3, 2]
 * }</pre>
 */
public final class Variable {
    private final Tensor data;
    private final Node gradFn;
    /** Which output of {@link #gradFn} this is (0 unless the node has several). */
    private final int outputNr;

    private boolean requiresGrad;
    private boolean retainGrad;
    private Tensor grad;

    private Variable(Tensor data, Node gradFn, int outputNr, boolean requiresGrad) {
        this.data = Objects.requireNonNull(data, "data");
        this.gradFn = gradFn;
        this.outputNr = outputNr;
        this.requiresGrad = requiresGrad;
    }

    private Variable(Tensor data, Node gradFn, boolean requiresGrad) {
        this(data, gradFn, 0, requiresGrad);
    }

    // =================================================================== graph plumbing

    /** A result that is not part of any graph. */
    static Variable constant(Tensor data) {
        return new Variable(data, null, false);
    }

    /** A result recorded in the graph, with its backward function. */
    static Variable record(String name, Tensor data, Node.Backward backward, Variable... inputs) {
        return record(name, Map.of(), data, backward, inputs);
    }

    /** As above, with the attributes a trace ({@link Tracing}) reports beside the operation. */
    static Variable record(
            String name, Map<String, Object> attributes, Tensor data, Node.Backward backward, Variable... inputs) {
        Variable v = new Variable(data, new Node(name, backward, inputs), true);
        Tracing.recorded(v, name, attributes, inputs);
        return v;
    }

    /**
     * Results of one recorded operation with several outputs: the outputs marked
     * {@code differentiable} join the graph as outputs of one node, the others are constants.
     */
    static Variable[] recordMulti(
            String name, Tensor[] outputs, boolean[] differentiable, Node.MultiBackward backward, Variable... inputs) {
        Node node = new Node(name, backward, inputs, outputs.length);
        Variable[] out = new Variable[outputs.length];
        for (int i = 0; i < outputs.length; i++) {
            out[i] = differentiable[i] ? new Variable(outputs[i], node, i, true) : constant(outputs[i]);
        }
        return out;
    }

    Node gradFn() {
        return gradFn;
    }

    int outputNr() {
        return outputNr;
    }

    boolean retainsGrad() {
        return retainGrad;
    }

    /** Adds a gradient contribution into {@link #grad()}, reusing the buffer once it exists. */
    void accumulateGrad(Tensor g) {
        if (grad == null) {
            grad = g.copy();
        } else {
            grad.add(g, grad);
        }
    }

    // =================================================================== creation

    /** A leaf wrapping {@code data} (no copy); it does not require grad until asked to. */
    public static Variable of(Tensor data) {
        return new Variable(data, null, false);
    }

    /** A leaf that requires grad: a trainable parameter (float32, as only floats have gradients). */
    public static Variable parameter(Tensor data) {
        checkDifferentiable(data);
        return new Variable(data, null, true);
    }

    private static void checkDifferentiable(Tensor data) {
        if (!data.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("only tensors of floating point dtype can require gradients, got "
                    + data.dtype() + " of shape " + data.shape() + " (as in PyTorch); convert with toFloat()");
        }
    }

    public static Variable of(float... values) {
        return of(Tensor.of(values));
    }

    public static Variable of(float[][] rows) {
        return of(Tensor.of(rows));
    }

    public static Variable scalar(float value) {
        return of(Tensor.scalar(value));
    }

    public static Variable fromArray(float[] values, int... shape) {
        return of(Tensor.fromArray(values, shape));
    }

    public static Variable zeros(int... shape) {
        return of(Tensor.zeros(shape));
    }

    public static Variable ones(int... shape) {
        return of(Tensor.ones(shape));
    }

    public static Variable full(float value, int... shape) {
        return of(Tensor.full(value, shape));
    }

    public static Variable arange(int end) {
        return of(Tensor.arange(end));
    }

    public static Variable arange(double start, double end, double step) {
        return of(Tensor.arange(start, end, step));
    }

    public static Variable linspace(double start, double end, int steps) {
        return of(Tensor.linspace(start, end, steps));
    }

    public static Variable eye(int n) {
        return of(Tensor.eye(n));
    }

    public static Variable rand(Generator g, int... shape) {
        return of(Tensor.rand(g, shape));
    }

    public static Variable randn(Generator g, int... shape) {
        return of(Tensor.randn(g, shape));
    }

    public static Variable randn(int... shape) {
        return of(Tensor.randn(shape));
    }

    public static Variable uniform(Generator g, double low, double high, int... shape) {
        return of(Tensor.uniform(g, low, high, shape));
    }

    public static Variable randint(Generator g, int low, int high, int... shape) {
        return of(Tensor.randint(g, low, high, shape));
    }

    // =================================================================== state

    /** The values (shared, not copied). Writing into them in place bumps their version. */
    public Tensor data() {
        return data;
    }

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /**
     * Marks a leaf as needing (or not needing) a gradient; returns this for chaining. Results of
     * operations take the flag from their inputs and cannot be changed.
     */
    public Variable requiresGrad(boolean flag) {
        if (gradFn != null) {
            throw new IllegalStateException("requiresGrad: only leaf variables can change the flag; this one was "
                    + "produced by " + gradFn + " (use detach() to get a leaf)");
        }
        if (flag) {
            checkDifferentiable(data);
        }
        requiresGrad = flag;
        return this;
    }

    /** True for variables created directly rather than computed by a recorded operation. */
    public boolean isLeaf() {
        return gradFn == null;
    }

    /** The name of the operation that produced this variable, or null for a leaf. */
    public String gradFnName() {
        return gradFn == null ? null : gradFn.toString();
    }

    /** The accumulated gradient, or null before any backward pass reached this variable. */
    public Variable grad() {
        return grad == null ? null : of(grad);
    }

    /** The gradient as a tensor, for optimizers (the buffer itself, not a copy), or null. */
    public Tensor gradTensor() {
        return grad;
    }

    /** Replaces the gradient (null clears it); its shape must match. */
    public void setGrad(Tensor g) {
        if (g != null && !g.shape().equals(data.shape())) {
            throw new ShapeMismatchException(
                    "setGrad: gradient shape " + g.shape() + " does not match the variable's shape " + data.shape());
        }
        grad = g;
    }

    /** Zeroes the gradient in place, keeping its buffer for the next backward pass. */
    public void zeroGrad() {
        if (grad != null) {
            grad.zero();
        }
    }

    /** Keeps the gradient of this non-leaf variable in {@link #grad()} after backward. */
    public Variable retainGrad() {
        retainGrad = true;
        return this;
    }

    /** The same values as a new leaf that does not require grad (shares storage). */
    public Variable detach() {
        return of(data);
    }

    /** Back-propagates from this scalar: fills the {@code grad} of every leaf it depends on. */
    public void backward() {
        Autograd.backward(this, null, false);
    }

    /** Back-propagates a given output gradient (required for non-scalar outputs). */
    public void backward(Tensor gradOutput) {
        Autograd.backward(this, gradOutput, false);
    }

    /** As {@link #backward(Tensor)}; {@code retainGraph} keeps the graph for another backward pass. */
    public void backward(Tensor gradOutput, boolean retainGraph) {
        Autograd.backward(this, gradOutput, retainGraph);
    }

    // =================================================================== metadata

    public Shape shape() {
        return data.shape();
    }

    /** The element type of {@link #data()}; only float32 variables can require grad. */
    public DType dtype() {
        return data.dtype();
    }

    public int[] dims() {
        return data.dims();
    }

    public int size(int dim) {
        return data.size(dim);
    }

    public int dim() {
        return data.dim();
    }

    public int numel() {
        return data.numel();
    }

    public float item() {
        return data.item();
    }

    public float get(int... index) {
        return data.get(index);
    }

    public float[] toArray() {
        return data.toArray();
    }

    // =================================================================== pointwise

    public Variable add(Variable o) {
        return PointwiseOps.add(this, o);
    }

    public Variable add(float s) {
        return PointwiseOps.add(this, scalar(s));
    }

    public Variable sub(Variable o) {
        return PointwiseOps.sub(this, o);
    }

    public Variable sub(float s) {
        return PointwiseOps.sub(this, scalar(s));
    }

    public Variable mul(Variable o) {
        return PointwiseOps.mul(this, o);
    }

    public Variable mul(float s) {
        return PointwiseOps.mul(this, scalar(s));
    }

    public Variable div(Variable o) {
        return PointwiseOps.div(this, o);
    }

    public Variable div(float s) {
        return PointwiseOps.div(this, scalar(s));
    }

    public Variable pow(Variable exponent) {
        return PointwiseOps.pow(this, exponent);
    }

    public Variable pow(float exponent) {
        return PointwiseOps.powScalar(this, exponent);
    }

    public Variable neg() {
        return PointwiseOps.neg(this);
    }

    public Variable maximum(Variable o) {
        return PointwiseOps.extremum(this, o, true);
    }

    public Variable minimum(Variable o) {
        return PointwiseOps.extremum(this, o, false);
    }

    /** {@code condition ? a : b} with a bool condition, which carries no gradient. */
    public static Variable where(Tensor condition, Variable a, Variable b) {
        return PointwiseOps.where(condition, a, b);
    }

    public Variable exp() {
        return PointwiseOps.exp(this);
    }

    public Variable log() {
        return PointwiseOps.log(this);
    }

    public Variable sqrt() {
        return PointwiseOps.sqrt(this);
    }

    public Variable rsqrt() {
        return PointwiseOps.rsqrt(this);
    }

    public Variable abs() {
        return PointwiseOps.abs(this);
    }

    public Variable square() {
        return PointwiseOps.square(this);
    }

    public Variable reciprocal() {
        return PointwiseOps.reciprocal(this);
    }

    public Variable tanh() {
        return PointwiseOps.tanh(this);
    }

    public Variable sigmoid() {
        return PointwiseOps.sigmoid(this);
    }

    public Variable relu() {
        return PointwiseOps.relu(this);
    }

    /** Exact (erf) GELU. */
    public Variable gelu() {
        return PointwiseOps.gelu(this);
    }

    public Variable leakyRelu(float negativeSlope) {
        return PointwiseOps.leakyRelu(this, negativeSlope);
    }

    public Variable clamp(float min, float max) {
        return PointwiseOps.clamp(this, min, max);
    }

    // =================================================================== reductions

    public Variable sum() {
        return ReductionOps.sum(this, new int[0], false);
    }

    public Variable sum(int dim) {
        return ReductionOps.sum(this, new int[] {dim}, false);
    }

    public Variable sum(int dim, boolean keepdim) {
        return ReductionOps.sum(this, new int[] {dim}, keepdim);
    }

    public Variable sum(int[] dims, boolean keepdim) {
        return ReductionOps.sum(this, dims, keepdim);
    }

    public Variable mean() {
        return ReductionOps.mean(this, new int[0], false);
    }

    public Variable mean(int dim) {
        return ReductionOps.mean(this, new int[] {dim}, false);
    }

    public Variable mean(int dim, boolean keepdim) {
        return ReductionOps.mean(this, new int[] {dim}, keepdim);
    }

    public Variable mean(int[] dims, boolean keepdim) {
        return ReductionOps.mean(this, dims, keepdim);
    }

    public Variable max() {
        return ReductionOps.extremum(this, new int[0], false, true);
    }

    public Variable max(int dim, boolean keepdim) {
        return ReductionOps.extremum(this, new int[] {dim}, keepdim, true);
    }

    public Variable max(int[] dims, boolean keepdim) {
        return ReductionOps.extremum(this, dims, keepdim, true);
    }

    public Variable min() {
        return ReductionOps.extremum(this, new int[0], false, false);
    }

    public Variable min(int dim, boolean keepdim) {
        return ReductionOps.extremum(this, new int[] {dim}, keepdim, false);
    }

    public Variable min(int[] dims, boolean keepdim) {
        return ReductionOps.extremum(this, dims, keepdim, false);
    }

    /** Unbiased variance over all elements. */
    public Variable var() {
        return ReductionOps.var(this, new int[0], false, 1);
    }

    public Variable var(int[] dims, boolean keepdim, int correction) {
        return ReductionOps.var(this, dims, keepdim, correction);
    }

    /** Indices (int64) of the maxima along {@code dim}; a constant that never requires grad. */
    public Variable argmax(int dim, boolean keepdim) {
        return constant(data.argmax(dim, keepdim));
    }

    // =================================================================== shape

    public Variable reshape(int... dims) {
        return ShapeOps.reshape(this, dims);
    }

    public Variable view(int... dims) {
        return ShapeOps.view(this, dims);
    }

    public Variable flatten() {
        return reshape(numel());
    }

    /** Dimensions {@code start..end} (inclusive) merged into one. */
    public Variable flatten(int start, int end) {
        return ShapeOps.reshape(this, data.flatten(start, end).dims());
    }

    public Variable transpose(int dim0, int dim1) {
        return ShapeOps.transpose(this, dim0, dim1);
    }

    public Variable t() {
        if (dim() > 2) {
            throw new ShapeMismatchException("t: expects a tensor of rank <= 2, got shape " + shape());
        }
        return dim() < 2 ? this : transpose(0, 1);
    }

    public Variable permute(int... perm) {
        return ShapeOps.permute(this, perm);
    }

    public Variable expand(int... dims) {
        return ShapeOps.expand(this, dims);
    }

    public Variable squeeze() {
        return ShapeOps.reshape(this, data.squeeze().dims());
    }

    public Variable squeeze(int dim) {
        return ShapeOps.reshape(this, data.squeeze(dim).dims());
    }

    public Variable unsqueeze(int dim) {
        return ShapeOps.reshape(this, data.unsqueeze(dim).dims());
    }

    public Variable contiguous() {
        return ShapeOps.contiguous(this);
    }

    public Variable narrow(int dim, int start, int length) {
        return ShapeOps.region(
                "narrow",
                Map.of("dim", shape().axis(dim), "start", start, "length", length),
                this,
                t -> t.narrow(dim, start, length));
    }

    public Variable slice(int dim, int start, int end, int step) {
        return ShapeOps.region(
                "slice",
                Map.of("dim", shape().axis(dim), "start", start, "end", end, "step", step),
                this,
                t -> t.slice(dim, start, end, step));
    }

    public Variable select(int dim, int index) {
        return ShapeOps.region(
                "select", Map.of("dim", shape().axis(dim), "index", index), this, t -> t.select(dim, index));
    }

    /** Pieces of {@code size} along {@code dim} (the last may be smaller). */
    public Variable[] split(int size, int dim) {
        int d = shape().axis(dim);
        int n = data.size(d);
        if (size <= 0) {
            throw new IllegalArgumentException("split: size must be positive, got " + size);
        }
        Variable[] out = new Variable[Math.max(1, (n + size - 1) / size)];
        for (int i = 0; i < out.length; i++) {
            out[i] = narrow(d, i * size, Math.min(size, n - i * size));
        }
        return out;
    }

    /**
     * Zero padding, PyTorch's {@code F.pad(x, pad)}: {@code (before, after)} pairs from the last
     * dimension backwards (see {@link Tensor#pad}); a quantized tensor pads with its zero point.
     */
    public Variable pad(int... padding) {
        return ShapeOps.pad(this, padding);
    }

    public static Variable cat(int dim, Variable... parts) {
        return ShapeOps.cat(dim, parts);
    }

    public static Variable stack(int dim, Variable... parts) {
        Variable[] u = new Variable[parts.length];
        for (int i = 0; i < parts.length; i++) {
            u[i] = parts[i].unsqueeze(dim);
        }
        return ShapeOps.cat(dim, u);
    }

    // =================================================================== indexing

    /** One element along {@code dim} per position of {@code index} (same rank as this). */
    public Variable gather(int dim, Tensor index) {
        return IndexOps.gather(this, dim, index);
    }

    /** Whole slices along {@code dim} picked by a 1-D index (an embedding lookup when dim is 0). */
    public Variable indexSelect(int dim, Tensor index) {
        return IndexOps.indexSelect(this, dim, index);
    }

    // =================================================================== linear algebra and nn

    public Variable matmul(Variable o) {
        return LinalgOps.matmul(this, o);
    }

    public Variable softmax(int dim) {
        return NeuralOps.softmax(this, dim, false);
    }

    public Variable logSoftmax(int dim) {
        return NeuralOps.softmax(this, dim, true);
    }

    // =================================================================== printing

    /** The tensor's printout, plus {@code requiresGrad=true} or the producing operation. */
    @Override
    public String toString() {
        String s = data.toString();
        String tag = gradFn != null ? "gradFn=" + gradFn : requiresGrad ? "requiresGrad=true" : null;
        return tag == null ? s : s.substring(0, s.length() - 1) + ", " + tag + ")";
    }
}
