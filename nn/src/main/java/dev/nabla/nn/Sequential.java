package dev.nabla.nn;

import dev.nabla.autograd.Variable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * Modules applied one after another; children are named {@code "0"}, {@code "1"}, ... as in
 * PyTorch, so state dict keys match a PyTorch {@code nn.Sequential}. Each child runs through its
 * own {@link Module#call}, so hooks on children fire and {@link #toString()} shows every output
 * shape (a Linear and the ReLU after it run as one fused step when neither has hooks).
 *
 * <pre>{@code
 * Sequential mlp = new Sequential(new Linear(784, 128), new ReLU(), new Linear(128, 10));
 * Variable logits = mlp.call(Variable.zeros(64, 784));   // [64, 10]
 * System.out.println(mlp);                                // layers, output shapes, parameters
 * }</pre>
 */
public final class Sequential extends Module implements Iterable<Module> {
    private final List<Module> layers = new ArrayList<>();

    public Sequential(Module... modules) {
        for (Module m : modules) {
            add(m);
        }
    }

    /** Appends a module; returns this for chaining. */
    public Sequential add(Module m) {
        layers.add(registerModule(Integer.toString(layers.size()), m));
        return this;
    }

    /** The module at {@code index}; negative indices count from the end, as in Python. */
    public Module get(int index) {
        int i = index < 0 ? index + layers.size() : index;
        if (i < 0 || i >= layers.size()) {
            throw new IndexOutOfBoundsException(
                    "Sequential: index " + index + " is out of range for " + layers.size() + " modules");
        }
        return layers.get(i);
    }

    public int size() {
        return layers.size();
    }

    @Override
    public Iterator<Module> iterator() {
        return Collections.unmodifiableList(layers).iterator();
    }

    /**
     * Runs the children in order. A {@link Linear} followed by a {@link ReLU}, neither with hooks
     * nor replaced, runs as one step whose bias and ReLU are the GEMM's epilogue in inference: the
     * same bits, one pass over the activations instead of three.
     */
    @Override
    protected Variable forward(Variable input) {
        Variable x = input;
        int n = layers.size();
        for (int i = 0; i < n; i++) {
            Module m = layers.get(i);
            if (m instanceof Linear linear
                    && i + 1 < n
                    && layers.get(i + 1) instanceof ReLU relu
                    && linear.isPlain()
                    && relu.isPlain()) {
                x = linear.callFused(relu, x, linear.fusedRelu);
                i++;
            } else {
                x = m.call(x);
            }
        }
        return x;
    }
}
