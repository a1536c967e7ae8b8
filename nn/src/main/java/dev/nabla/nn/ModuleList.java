package dev.nabla.nn;

import dev.nabla.autograd.Variable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * A list of child modules, PyTorch's {@code nn.ModuleList}: each is registered under its index
 * ({@code "0"}, {@code "1"}, ...), so its parameters and buffers get PyTorch's dotted keys
 * ({@code "blocks.2.weight"}) and {@code train()}/{@code eval()} reach them. Use it instead of a
 * {@link List} field, whose layers the model would not see. It has no forward of its own:
 * the owner decides how to call its modules.
 *
 * <pre>{@code
 * class Mlp extends Module {
 *     final ModuleList<Linear> layers = registerModule("layers", new ModuleList<>());
 *
 *     Mlp(int... sizes) {
 *         for (int i = 0; i + 1 < sizes.length; i++) {
 *             layers.add(new Linear(sizes[i], sizes[i + 1]));
 *         }
 *     }
 *
 *     @Override
 *     protected Variable forward(Variable x) {
 *         for (Linear l : layers) {
 *             x = l.call(x).relu();
 *         }
 *         return x;
 *     }
 * }
 * new Mlp(4, 8, 2).stateDict().keySet();   // [layers.0.weight, layers.0.bias, layers.1.weight, layers.1.bias]
 * }</pre>
 *
 * @param <M> the type of the modules, so that {@link #get} and iteration need no casts
 */
public final class ModuleList<M extends Module> extends Module implements Iterable<M> {
    private final List<M> modules = new ArrayList<>();

    /** The given modules, in order. */
    @SafeVarargs
    public ModuleList(M... modules) {
        for (M m : modules) {
            add(m);
        }
    }

    /** The modules of {@code modules}, in its iteration order. */
    public ModuleList(Collection<? extends M> modules) {
        for (M m : modules) {
            add(m);
        }
    }

    /** Appends a module (PyTorch's {@code append}); returns this for chaining. */
    public ModuleList<M> add(M module) {
        modules.add(registerModule(Integer.toString(modules.size()), module));
        return this;
    }

    /** The module at {@code index}; negative indices count from the end, as in Python. */
    public M get(int index) {
        int i = index < 0 ? index + modules.size() : index;
        if (i < 0 || i >= modules.size()) {
            throw new IndexOutOfBoundsException(
                    "ModuleList: index " + index + " is out of range for " + modules.size() + " modules");
        }
        return modules.get(i);
    }

    public int size() {
        return modules.size();
    }

    public boolean isEmpty() {
        return modules.isEmpty();
    }

    /** The modules, in order (unmodifiable). */
    public List<M> asList() {
        return Collections.unmodifiableList(modules);
    }

    @Override
    public Iterator<M> iterator() {
        return asList().iterator();
    }

    /** A ModuleList is a container; calling it is an error, as in PyTorch. */
    @Override
    protected Variable forward(Variable input) {
        throw new UnsupportedOperationException(
                "ModuleList has no forward: call its modules, e.g. for (var m : list) x = m.call(x)");
    }

    @Override
    protected String describe() {
        return "ModuleList(" + modules.size() + ")";
    }
}
