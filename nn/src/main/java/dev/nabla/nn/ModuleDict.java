package dev.nabla.nn;

import dev.nabla.autograd.Variable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Child modules by name, PyTorch's {@code nn.ModuleDict}: each is registered under its key, so its
 * parameters get the key in their dotted names ({@code "heads.digits.weight"}). Keys keep their
 * insertion order and, like every module attribute name, are non-empty and contain no dot. It has
 * no forward of its own.
 *
 * <pre>{@code
 * class MultiHead extends Module {
 *     final Linear body = registerModule("body", new Linear(32, 16));
 *     final ModuleDict<Linear> heads = registerModule("heads", new ModuleDict<>());
 *
 *     MultiHead() {
 *         heads.put("digits", new Linear(16, 10)).put("parity", new Linear(16, 2));
 *     }
 *
 *     @Override
 *     protected Variable forward(Variable x) {
 *         return heads.get("digits").call(body.call(x).relu());
 *     }
 * }
 * new MultiHead().stateDict().containsKey("heads.parity.bias");   // true
 * }</pre>
 *
 * @param <M> the type of the modules, so that {@link #get} needs no cast
 */
public final class ModuleDict<M extends Module> extends Module {
    private final Map<String, M> modules = new LinkedHashMap<>();

    public ModuleDict() {}

    /** The entries of {@code modules}, in its iteration order. */
    public ModuleDict(Map<String, ? extends M> modules) {
        modules.forEach(this::put);
    }

    /** Adds a module under a new key; returns this for chaining. */
    public ModuleDict<M> put(String key, M module) {
        modules.put(key, registerModule(key, module));
        return this;
    }

    /** The module under {@code key}. */
    public M get(String key) {
        M m = modules.get(key);
        if (m == null) {
            throw new IllegalArgumentException("ModuleDict has no key '" + key + "' (keys: " + modules.keySet() + ")");
        }
        return m;
    }

    public boolean containsKey(String key) {
        return modules.containsKey(key);
    }

    public int size() {
        return modules.size();
    }

    /** The entries in insertion order (unmodifiable). */
    public Map<String, M> asMap() {
        return Collections.unmodifiableMap(modules);
    }

    /** A ModuleDict is a container; calling it is an error, as in PyTorch. */
    @Override
    protected Variable forward(Variable input) {
        throw new UnsupportedOperationException(
                "ModuleDict has no forward: call its modules, e.g. dict.get(\"name\").call(x)");
    }

    @Override
    protected String describe() {
        return "ModuleDict" + modules.keySet();
    }
}
