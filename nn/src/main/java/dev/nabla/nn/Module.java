package dev.nabla.nn;

import dev.nabla.autograd.Autograd;
import dev.nabla.autograd.Variable;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Base class of every layer and model, shaped like PyTorch's {@code nn.Module}.
 *
 * <p>A module owns named parameters (trainable {@link Variable}s), named buffers (state that is
 * saved but not trained, such as BatchNorm's running statistics) and named child modules.
 * Registration order is kept, so {@link #namedParameters()} and {@link #stateDict()} list entries
 * in a stable order with PyTorch's dotted names ({@code "0.weight"}, {@code "block.bn.running_mean"}),
 * which lets state dicts move between Nabla and PyTorch.
 *
 * <pre>{@code
 * class TwoLayer extends Module {
 *     final Linear fc1 = registerModule("fc1", new Linear(784, 128));
 *     final Linear fc2 = registerModule("fc2", new Linear(128, 10));
 *     public Variable forward(Variable x) { return fc2.forward(fc1.forward(x).relu()); }
 * }
 * Module m = new TwoLayer();
 * m.parameters().size();          // 4
 * m.eval();                       // inference mode for dropout and batch norm
 * }</pre>
 */
public abstract class Module {
    private final Map<String, Variable> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;
    private Shape lastOutputShape;

    /** Computes the module's output; containers call their children's forward. */
    public abstract Variable forward(Variable input);

    // =================================================================== registration

    /** Registers a trainable parameter initialised to {@code value}; returns it. */
    protected final Variable registerParameter(String name, Tensor value) {
        checkName(name);
        Variable p = Variable.parameter(value);
        parameters.put(name, p);
        return p;
    }

    /** Registers saved, non-trainable state (updated in place by the module); returns it. */
    protected final Tensor registerBuffer(String name, Tensor value) {
        checkName(name);
        buffers.put(name, value);
        return value;
    }

    /** Registers a child module under {@code name}; returns it. */
    protected final <M extends Module> M registerModule(String name, M module) {
        checkName(name);
        children.put(name, module);
        return module;
    }

    private void checkName(String name) {
        if (name == null || name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException(
                    "module attribute names must be non-empty and contain no '.': '" + name + "'");
        }
        if (parameters.containsKey(name) || buffers.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException(
                    "'" + name + "' is already registered in " + getClass().getSimpleName());
        }
    }

    // =================================================================== traversal

    /** Direct children, in registration order. */
    public final Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /** All trainable parameters of this module and its descendants. */
    public final List<Variable> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** Parameters by dotted name, depth first in registration order. */
    public final Map<String, Variable> namedParameters() {
        Map<String, Variable> out = new LinkedHashMap<>();
        collectParameters("", out);
        return out;
    }

    private void collectParameters(String prefix, Map<String, Variable> out) {
        parameters.forEach((k, v) -> out.put(prefix + k, v));
        children.forEach((k, m) -> m.collectParameters(prefix + k + ".", out));
    }

    /** Buffers by dotted name. */
    public final Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collectBuffers("", out);
        return out;
    }

    private void collectBuffers(String prefix, Map<String, Tensor> out) {
        buffers.forEach((k, v) -> out.put(prefix + k, v));
        children.forEach((k, m) -> m.collectBuffers(prefix + k + ".", out));
    }

    /** Total number of trainable values. */
    public final long parameterCount() {
        long n = 0;
        for (Variable p : parameters()) {
            n += p.numel();
        }
        return n;
    }

    // =================================================================== mode

    /** Training mode (the default): dropout drops, batch norm uses batch statistics. */
    public final Module train() {
        return train(true);
    }

    public final Module train(boolean mode) {
        training = mode;
        children.values().forEach(c -> c.train(mode));
        return this;
    }

    /** Inference mode: dropout passes through, batch norm uses its running statistics. */
    public final Module eval() {
        return train(false);
    }

    public final boolean isTraining() {
        return training;
    }

    /** Zeroes the gradient of every parameter (keeping the buffers for reuse). */
    public final void zeroGrad() {
        for (Variable p : parameters()) {
            p.zeroGrad();
        }
    }

    // =================================================================== state dict

    /**
     * Parameters and buffers by dotted name. The tensors are the live ones (no copies): save them,
     * or copy them if the model will keep training.
     */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collectState("", out);
        return out;
    }

    private void collectState(String prefix, Map<String, Tensor> out) {
        parameters.forEach((k, v) -> out.put(prefix + k, v.data()));
        buffers.forEach((k, v) -> out.put(prefix + k, v));
        children.forEach((k, m) -> m.collectState(prefix + k + ".", out));
    }

    /**
     * Loads a state dict strictly: every key must match a parameter or buffer of the same shape and
     * dtype.
     */
    public final void loadStateDict(Map<String, Tensor> state) {
        loadStateDict(state, true);
    }

    /**
     * Copies values into the parameters and buffers. When {@code strict}, missing and unexpected
     * keys are errors; mis-shaped and mis-typed entries always are. Nothing is modified unless the
     * whole dict passes the checks, and the error lists every problem at once.
     *
     * <p>Dtypes must match, with one exception for checkpoints written before Nabla had integer
     * tensors: a float32 value for an integer buffer (BatchNorm's {@code num_batches_tracked} was
     * saved as F32) loads when every element is a whole number, and is converted.
     */
    public final void loadStateDict(Map<String, Tensor> state, boolean strict) {
        Map<String, Tensor> own = stateDict();
        TreeSet<String> missing = new TreeSet<>();
        TreeSet<String> unexpected = new TreeSet<>();
        List<String> misShaped = new ArrayList<>();
        List<String> misTyped = new ArrayList<>();
        for (var e : own.entrySet()) {
            Tensor given = state.get(e.getKey());
            Tensor mine = e.getValue();
            if (given == null) {
                missing.add(e.getKey());
            } else if (!given.shape().equals(mine.shape())) {
                misShaped.add(e.getKey() + " (expected " + mine.shape() + ", got " + given.shape() + ")");
            } else if (given.dtype() != mine.dtype() && !wholeFloatsForIntegers(given, mine)) {
                misTyped.add(e.getKey() + " (expected " + mine.dtype() + ", got " + given.dtype() + ")");
            }
        }
        for (String k : state.keySet()) {
            if (!own.containsKey(k)) {
                unexpected.add(k);
            }
        }
        boolean fail = !misShaped.isEmpty()
                || !misTyped.isEmpty()
                || (strict && (!missing.isEmpty() || !unexpected.isEmpty()));
        if (fail) {
            StringBuilder sb =
                    new StringBuilder("loadStateDict into " + getClass().getSimpleName() + " failed:");
            if (strict && !missing.isEmpty()) {
                sb.append("\n  missing keys: ").append(missing);
            }
            if (strict && !unexpected.isEmpty()) {
                sb.append("\n  unexpected keys: ").append(unexpected);
            }
            if (!misShaped.isEmpty()) {
                sb.append("\n  mis-shaped: ").append(misShaped);
            }
            if (!misTyped.isEmpty()) {
                sb.append("\n  wrong dtype: ").append(misTyped);
            }
            throw new IllegalArgumentException(sb.toString());
        }
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            for (var e : own.entrySet()) {
                Tensor given = state.get(e.getKey());
                if (given != null) {
                    e.getValue().copyFrom(given);
                }
            }
        }
    }

    /** The legacy case of {@link #loadStateDict}: float32 whole numbers for an integer buffer. */
    private static boolean wholeFloatsForIntegers(Tensor given, Tensor mine) {
        if (given.dtype() != DType.FLOAT32 || !mine.dtype().isInteger()) {
            return false;
        }
        for (float v : given.toArray()) {
            if (v != Math.rint(v) || Float.isInfinite(v)) {
                return false;
            }
        }
        return true;
    }

    // =================================================================== shapes and printing

    /**
     * Runs a forward pass on zeros of {@code inputShape} without recording gradients, so that
     * {@link #toString()} can show every layer's output shape; returns the output shape.
     */
    public final Shape summary(int... inputShape) {
        boolean mode = training;
        eval();
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            return call(Variable.zeros(inputShape)).shape();
        } finally {
            train(mode);
        }
    }

    /**
     * Runs {@link #forward} and remembers the output's shape for {@link #toString()}: the
     * counterpart of calling a PyTorch module, {@code module(x)}. Containers call their children
     * this way.
     */
    public final Variable call(Variable input) {
        Variable output = forward(input);
        lastOutputShape = output.shape();
        return output;
    }

    /** One line describing this module's own configuration, e.g. {@code Linear(784 -> 128)}. */
    protected String describe() {
        return getClass().getSimpleName();
    }

    /**
     * A table of the layers: name, description, output shape (from the last forward pass through
     * a container, or {@link #summary}), and parameter count, with the total at the bottom.
     */
    @Override
    public String toString() {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"layer", "type", "output shape", "params"});
        collectRows("", 0, rows);
        int[] w = new int[4];
        for (String[] r : rows) {
            for (int i = 0; i < 4; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int ri = 0; ri < rows.size(); ri++) {
            String[] r = rows.get(ri);
            sb.append(String.format("%-" + w[0] + "s  %-" + w[1] + "s  %-" + w[2] + "s  %" + w[3] + "s", (Object[]) r)
                            .stripTrailing())
                    .append('\n');
            if (ri == 0) {
                sb.append("-".repeat(w[0] + w[1] + w[2] + w[3] + 6)).append('\n');
            }
        }
        sb.append(String.format("total parameters: %,d (trainable)", parameterCount()));
        return sb.toString();
    }

    private void collectRows(String name, int depth, List<String[]> rows) {
        long own = 0;
        for (Variable p : parameters.values()) {
            own += p.numel();
        }
        String label = name.isEmpty() ? "(model)" : "  ".repeat(depth - 1) + name;
        String shape = lastOutputShape == null ? "-" : lastOutputShape.toString();
        rows.add(new String[] {
            label,
            describe(),
            shape,
            children.isEmpty() ? String.format("%,d", own) : String.format("%,d", parameterCount())
        });
        children.forEach((k, c) -> c.collectRows(k, depth + 1, rows));
    }
}
