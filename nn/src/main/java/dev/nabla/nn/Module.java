package dev.nabla.nn;

import dev.nabla.autograd.Autograd;
import dev.nabla.autograd.Variable;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Base class of every layer and model, shaped like PyTorch's {@code nn.Module}.
 *
 * <p>A module owns named parameters (trainable {@link Variable}s), named buffers (state that is
 * saved but not trained, such as BatchNorm's running statistics) and named child modules, all
 * registered in its constructor ({@link #registerParameter}, {@link #registerBuffer},
 * {@link #registerModule}). Java has no {@code __setattr__}: a layer kept in a field but not
 * registered is invisible to {@link #parameters()}, {@link #stateDict()} and {@link #train()}, and
 * calling it from {@code forward} fails with an error that says so. Registration order is kept,
 * so {@link #namedParameters()} and {@link #stateDict()} list entries in a stable order with
 * PyTorch's dotted names ({@code "0.weight"}, {@code "layer1.0.bn1.running_mean"}), which lets
 * state dicts move between Nabla and PyTorch.
 *
 * <p><b>One way to call a module.</b> Subclasses implement the protected {@link #forward}; everybody
 * else calls {@link #call(Variable)}, the counterpart of PyTorch's {@code module(x)}: it runs the
 * forward pre-hooks (which may replace the input), {@code forward}, then the forward hooks (which
 * may replace the output), and records the output shape for {@link #toString()}. Because
 * {@code forward} is protected, a model in another package cannot call a child's {@code forward}
 * directly (JLS 6.6.2.1: protected access from another package goes only through the caller's own
 * type), so no path skips the hooks. Modules with several inputs (LSTM's initial state,
 * attention's key, value and masks) add typed overloads of {@code call} that run the hooks too,
 * through {@link #callHooked}.
 *
 * <p><b>The name.</b> {@code Module} is PyTorch's name, the one users guess, so Nabla keeps it
 * although {@code java.lang.Module} has the same simple name: after {@code import dev.nabla.nn.*;}
 * the name {@code Module} is ambiguous, and a file that uses it adds the single-type import
 * {@code import dev.nabla.nn.Module;}, which wins over both on-demand imports. JShell's start-up
 * ({@code ./nabla jshell}) and every example in the documentation do so.
 *
 * <pre>{@code
 * import dev.nabla.autograd.*;
 * import dev.nabla.nn.*;
 * import dev.nabla.nn.Module;   // not java.lang.Module
 *
 * class TwoLayer extends Module {
 *     final Linear fc1 = registerModule("fc1", new Linear(784, 128));
 *     final Linear fc2 = registerModule("fc2", new Linear(128, 10));
 *
 *     @Override
 *     protected Variable forward(Variable x) {
 *         return fc2.call(fc1.call(x).relu());
 *     }
 * }
 * TwoLayer m = new TwoLayer().eval();       // inference mode for dropout and batch norm; keeps the type
 * m.parameters().size();                    // 4
 * Variable logits = m.call(Variable.zeros(1, 784));
 * var h = m.fc1.registerForwardHook((mod, in, out) -> {
 *     System.out.println("fc1 -> " + out.shape());
 *     return null;                          // null keeps the output
 * });
 * h.remove();
 * }</pre>
 */
public abstract class Module {
    /** The module whose forward (or hooks) this thread is running, for the registration check. */
    private static final ThreadLocal<Module> RUNNING = new ThreadLocal<>();

    private final Map<String, Variable> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private final List<Module> parents = new ArrayList<>(1);
    private final Map<HookHandle, ForwardPreHook> preHooks = new LinkedHashMap<>();
    private final Map<HookHandle, ForwardHook> forwardHooks = new LinkedHashMap<>();
    private boolean training = true;
    private Shape lastOutputShape;
    /** The module {@link #setSubmodule} put in this one's place, once it is registered nowhere else. */
    private Module replacedBy;

    /**
     * Computes the module's output. Implementations call their children through {@link #call};
     * callers outside the module call {@link #call(Variable)}, never this.
     */
    protected abstract Variable forward(Variable input);

    // =================================================================== calling

    /**
     * Runs the module on {@code input}, PyTorch's {@code module(x)}: the forward pre-hooks in
     * registration order (each may replace the input), {@link #forward}, then the forward hooks in
     * registration order (each may replace the output). Records the output's shape for
     * {@link #toString()}.
     *
     * @throws IllegalStateException when called from the forward pass of a module that has not
     *     registered this one although it has parameters or buffers (a forgotten
     *     {@link #registerModule})
     */
    public final Variable call(Variable input) {
        Module stand = replacement();
        if (stand != null) {
            return stand.call(input);
        }
        Module caller = enter(input);
        try {
            Variable x = runPreHooks(input);
            Variable y = checkResult(forward(x));
            y = runForwardHooks(x, y);
            lastOutputShape = y.shape();
            return y;
        } finally {
            RUNNING.set(caller);
        }
    }

    /**
     * The hook machinery of {@link #call(Variable)} for a typed {@code call} overload of a module
     * with several inputs or outputs: the pre-hooks see (and may replace) {@code input}, the
     * module's primary input; {@code body} computes the result from the possibly replaced input;
     * the forward hooks see {@code output.apply(result)} and may replace it, which
     * {@code withOutput} puts back into the result.
     *
     * <pre>{@code
     * // LSTM: the hooks see the sequence and the per-step outputs; the states pass through
     * public Output call(Variable x, Variable h0, Variable c0) {
     *     return callHooked(x, in -> run(in, h0, c0), Output::output, (r, out) -> new Output(out, r.h(), r.c()));
     * }
     * }</pre>
     */
    protected final <R> R callHooked(
            Variable input,
            Function<Variable, R> body,
            Function<R, Variable> output,
            BiFunction<R, Variable, R> withOutput) {
        Module stand = replacement();
        if (stand != null) {
            throw new IllegalStateException(
                    describe() + " was replaced by " + stand.describe()
                            + " (setSubmodule), which this call with several inputs cannot reach; call the new module directly");
        }
        Module caller = enter(input);
        try {
            Variable x = runPreHooks(input);
            R result = checkResult(body.apply(x));
            Variable y = output.apply(result);
            Variable replaced = runForwardHooks(x, y);
            if (replaced != y) {
                result = withOutput.apply(result, replaced);
            }
            lastOutputShape = replaced.shape();
            return result;
        } finally {
            RUNNING.set(caller);
        }
    }

    /**
     * Whether {@link #call} would run nothing but {@link #forward}: no hooks and no replacement, so
     * a container may fuse this module with the next one ({@link Sequential}'s Linear + ReLU).
     */
    final boolean isPlain() {
        return replacedBy == null && preHooks.isEmpty() && forwardHooks.isEmpty();
    }

    /**
     * {@code next.call(call(input))} for two {@link #isPlain} modules, computed in one step by
     * {@code fused}; both record the output's shape, as their own calls would.
     */
    final Variable callFused(Module next, Variable input, Function<Variable, Variable> fused) {
        Module caller = enter(input);
        try {
            Variable y = checkResult(fused.apply(input));
            lastOutputShape = y.shape();
            next.lastOutputShape = lastOutputShape;
            return y;
        } finally {
            RUNNING.set(caller);
        }
    }

    /** Checks the input and the caller's registration, marks this module running; returns the caller. */
    private Module enter(Variable input) {
        if (input == null) {
            throw new NullPointerException(describe() + ": the input is null");
        }
        Module caller = RUNNING.get();
        if (caller != null && caller != this) {
            checkRegisteredUnder(caller);
        }
        RUNNING.set(this);
        return caller;
    }

    private Variable runPreHooks(Variable input) {
        Variable x = input;
        if (!preHooks.isEmpty()) {
            for (ForwardPreHook h : List.copyOf(preHooks.values())) {
                Variable replaced = h.apply(this, x);
                if (replaced != null) {
                    x = replaced;
                }
            }
        }
        return x;
    }

    private Variable runForwardHooks(Variable input, Variable output) {
        Variable y = output;
        if (!forwardHooks.isEmpty()) {
            for (ForwardHook h : List.copyOf(forwardHooks.values())) {
                Variable replaced = h.apply(this, input, y);
                if (replaced != null) {
                    y = replaced;
                }
            }
        }
        return y;
    }

    private <R> R checkResult(R result) {
        if (result == null) {
            throw new IllegalStateException(getClass().getName() + ".forward returned null");
        }
        return result;
    }

    /**
     * A module running inside {@code caller}'s forward must be registered somewhere under it,
     * unless it owns nothing to train or save (a {@code new ReLU()} made on the fly is fine).
     */
    private void checkRegisteredUnder(Module caller) {
        for (Module p : parents) {
            if (p == caller) {
                return; // the usual case: a direct child
            }
        }
        if (isDescendantOf(caller) || !ownsState()) {
            return;
        }
        throw new IllegalStateException(caller.getClass().getSimpleName() + " called " + describe()
                + " from its forward pass without registering it, so its parameters and buffers are missing from "
                + caller.getClass().getSimpleName() + "'s parameters(), stateDict() and train()/eval(). "
                + "Register it in the constructor: field = registerModule(\"name\", new "
                + getClass().getSimpleName() + "(...)); keep a list of layers in a ModuleList, not a java.util.List");
    }

    private boolean isDescendantOf(Module ancestor) {
        ArrayDeque<Module> todo = new ArrayDeque<>(parents);
        Set<Module> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        while (!todo.isEmpty()) {
            Module m = todo.pop();
            if (m == ancestor) {
                return true;
            }
            if (seen.add(m)) {
                todo.addAll(m.parents);
            }
        }
        return false;
    }

    private boolean ownsState() {
        if (!parameters.isEmpty() || !buffers.isEmpty()) {
            return true;
        }
        for (Module c : children.values()) {
            if (c.ownsState()) {
                return true;
            }
        }
        return false;
    }

    // =================================================================== hooks

    /**
     * Runs before {@link #forward}, PyTorch's {@code forward_pre_hook}: gets the module and its input
     * and returns the input to use instead, or null to keep it.
     *
     * <pre>{@code
     * model.registerForwardPreHook((m, x) -> x.clamp(-3f, 3f));   // clip every input
     * }</pre>
     */
    @FunctionalInterface
    public interface ForwardPreHook {
        Variable apply(Module module, Variable input);
    }

    /**
     * Runs after {@link #forward}, PyTorch's {@code forward_hook}: gets the module, its input (as
     * the pre-hooks left it) and its output, and returns the output to use instead, or null to
     * keep it.
     *
     * <pre>{@code
     * float[] peak = {0};
     * conv.registerForwardHook((m, in, out) -> {
     *     peak[0] = Math.max(peak[0], out.data().abs().max().item());   // an observer: watches, changes nothing
     *     return null;
     * });
     * }</pre>
     */
    @FunctionalInterface
    public interface ForwardHook {
        Variable apply(Module module, Variable input, Variable output);
    }

    /**
     * Detaches the hook it was returned for, PyTorch's {@code RemovableHandle}; also
     * {@link AutoCloseable}, so a hook can live for one try-with-resources block.
     *
     * <pre>{@code
     * try (var h = model.registerForwardHook((m, in, out) -> { System.out.println(out.shape()); return null; })) {
     *     model.call(x);
     * }
     * }</pre>
     */
    public static final class HookHandle implements AutoCloseable {
        private final Map<HookHandle, ?> owner;

        private HookHandle(Map<HookHandle, ?> owner) {
            this.owner = owner;
        }

        /** Detaches the hook; later calls do nothing. */
        public void remove() {
            owner.remove(this);
        }

        @Override
        public void close() {
            remove();
        }
    }

    /**
     * Adds a hook that runs before every {@link #call} of this module, after those registered
     * before it. A hook on a child runs whenever its parent's forward calls it.
     */
    public final HookHandle registerForwardPreHook(ForwardPreHook hook) {
        Objects.requireNonNull(hook, "hook");
        HookHandle h = new HookHandle(preHooks);
        preHooks.put(h, hook);
        return h;
    }

    /**
     * Adds a hook that runs after every {@link #call} of this module, after those registered before
     * it: what quantization observers and activation probes use.
     */
    public final HookHandle registerForwardHook(ForwardHook hook) {
        Objects.requireNonNull(hook, "hook");
        HookHandle h = new HookHandle(forwardHooks);
        forwardHooks.put(h, hook);
        return h;
    }

    // =================================================================== registration

    /** Registers a trainable parameter initialised to {@code value}; returns it. */
    protected final Variable registerParameter(String name, Tensor value) {
        checkName(name);
        Variable p = Variable.parameter(value);
        parameters.put(name, p);
        return p;
    }

    /**
     * Registers an existing parameter under {@code name}, which ties it: a weight shared with
     * another module (an embedding and the output projection of a language model) is the same
     * {@link Variable} in both. {@link #parameters()} lists a shared parameter once;
     * {@link #stateDict()} lists it under every name, as PyTorch does.
     */
    protected final Variable registerParameter(String name, Variable parameter) {
        Objects.requireNonNull(parameter, "parameter");
        if (!parameter.isLeaf()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": parameter '" + name
                    + "' must be a leaf variable, but it was computed by " + parameter.gradFnName()
                    + "; register the tensor it came from, or detach() it");
        }
        checkName(name);
        parameters.put(name, parameter);
        return parameter;
    }

    /** Registers saved, non-trainable state (updated in place by the module); returns it. */
    protected final Tensor registerBuffer(String name, Tensor value) {
        checkName(name);
        buffers.put(name, Objects.requireNonNull(value, "value"));
        return value;
    }

    /**
     * Registers a child module under {@code name}; returns it. The same module may be registered
     * in several places (shared layers); its parameters are then listed once.
     */
    protected final <M extends Module> M registerModule(String name, M module) {
        Objects.requireNonNull(module, () -> getClass().getSimpleName() + ": module '" + name + "' is null");
        checkName(name);
        Module child = module;
        if (child == this || isDescendantOf(child)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": registering " + child.describe()
                    + " as '" + name + "' would make a module its own descendant");
        }
        children.put(name, child);
        child.parents.add(this);
        return module;
    }

    private void checkName(String name) {
        if (name == null || name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException(getClass().getSimpleName()
                    + ": module attribute names must be non-empty and contain no '.': '" + name + "'");
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

    /**
     * This module (under the name {@code ""}) and every descendant by dotted path, depth first in
     * registration order; a module registered in several places appears once, under its first
     * path (PyTorch's {@code named_modules()}).
     */
    public final Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        collectModules("", this, out, Collections.newSetFromMap(new IdentityHashMap<>()));
        return out;
    }

    private static void collectModules(String path, Module m, Map<String, Module> out, Set<Module> seen) {
        if (!seen.add(m)) {
            return;
        }
        out.put(path, m);
        m.children.forEach((k, c) -> collectModules(path.isEmpty() ? k : path + "." + k, c, out, seen));
    }

    /**
     * The descendant at a dotted path ({@code "layer1.0.conv1"}; {@code ""} is this module),
     * PyTorch's {@code get_submodule}.
     *
     * @throws IllegalArgumentException naming the first missing step and the children there
     */
    public final Module getSubmodule(String path) {
        Objects.requireNonNull(path, "path");
        Module m = this;
        if (path.isEmpty()) {
            return m;
        }
        String walked = "";
        for (String part : path.split("\\.", -1)) {
            Module next = m.children.get(part);
            if (next == null) {
                throw new IllegalArgumentException(getClass().getSimpleName() + " has no submodule '" + path + "': "
                        + (walked.isEmpty() ? "it" : "'" + walked + "'") + " has no child '" + part
                        + "' (children: " + m.children.keySet() + ")");
            }
            walked = walked.isEmpty() ? part : walked + "." + part;
            m = next;
        }
        return m;
    }

    /**
     * Puts {@code module} in place of the descendant at the dotted {@code path}, PyTorch's
     * {@code set_submodule}: the same name, the same place in the registration order, so state-dict
     * keys keep their order. This is how quantization swaps a layer for its int8 version, or fusion a
     * batch norm for an identity.
     *
     * <p>Java fields cannot be reassigned from outside the way Python attributes can, so the old
     * module forwards: once it is registered nowhere else, calling it ({@link #call}) runs the new
     * one, and a model's {@code forward} that calls its fields (or a {@link Sequential}'s list) needs
     * no change. Its hooks stay with it and no longer run; register hooks on the new module.
     *
     * <pre>{@code
     * Sequential net = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 2));
     * net.setSubmodule("1", new GELU());
     * net.get(1).call(x);   // runs the GELU
     * }</pre>
     *
     * @throws IllegalArgumentException when the path names no descendant, or the new module would
     *     become its own ancestor
     */
    public final void setSubmodule(String path, Module module) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(module, () -> "setSubmodule('" + path + "'): the module is null");
        if (path.isEmpty()) {
            throw new IllegalArgumentException("setSubmodule: the path is empty; a module cannot replace itself");
        }
        int dot = path.lastIndexOf('.');
        Module parent = getSubmodule(dot < 0 ? "" : path.substring(0, dot));
        String name = path.substring(dot + 1);
        Module old = parent.children.get(name);
        if (old == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " has no submodule '" + path + "' ("
                    + (dot < 0 ? "children" : "children of '" + path.substring(0, dot) + "'") + ": "
                    + parent.children.keySet() + ")");
        }
        if (old == module) {
            return;
        }
        if (module == parent || parent.isDescendantOf(module)) {
            throw new IllegalArgumentException(
                    "setSubmodule('" + path + "'): " + module.describe() + " would become its own descendant");
        }
        parent.children.put(name, module);
        old.parents.remove(parent);
        module.parents.add(parent);
        module.replacedBy = null;
        if (old.parents.isEmpty()) {
            old.replacedBy = module;
        }
    }

    /**
     * The module that {@link #setSubmodule} put in this one's place (the last of a chain of
     * replacements), or null when this module has not been replaced. Subclasses with typed
     * {@code call} overloads forward those to it.
     */
    protected final Module replacement() {
        Module r = replacedBy;
        if (r == null) {
            return null;
        }
        while (r.replacedBy != null) {
            r = r.replacedBy;
        }
        return r;
    }

    /** All trainable parameters of this module and its descendants, each once. */
    public final List<Variable> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /**
     * Parameters by dotted name, depth first in registration order. A parameter reachable under
     * several names (a shared module, a tied weight) is listed once, under its first name, so an
     * optimizer never updates it twice (PyTorch's {@code remove_duplicate=True}).
     */
    public final Map<String, Variable> namedParameters() {
        Map<String, Variable> out = new LinkedHashMap<>();
        Set<Variable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        namedModules()
                .forEach((path, m) -> m.parameters.forEach((k, v) -> {
                    if (seen.add(v)) {
                        out.put(path.isEmpty() ? k : path + "." + k, v);
                    }
                }));
        return out;
    }

    /** Buffers by dotted name, each once (as {@link #namedParameters()}). */
    public final Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        namedModules()
                .forEach((path, m) -> m.buffers.forEach((k, v) -> {
                    if (seen.add(v)) {
                        out.put(path.isEmpty() ? k : path + "." + k, v);
                    }
                }));
        return out;
    }

    /** Total number of trainable values, a shared parameter counted once. */
    public final long parameterCount() {
        long n = 0;
        for (Variable p : parameters()) {
            n += p.numel();
        }
        return n;
    }

    // =================================================================== mode

    /**
     * Training mode (the default) for this module and its descendants: dropout drops, batch norm
     * uses batch statistics. Returns this module with the type the context expects, so
     * {@code LeNet5 net = new LeNet5(1, 28, 10, g).train();} needs no cast (asking for a type
     * this module does not have fails at once with a {@link ClassCastException}).
     */
    public final <M extends Module> M train() {
        return train(true);
    }

    /** Sets training ({@code true}) or inference mode for this module and its descendants; see {@link #train()}. */
    @SuppressWarnings("unchecked")
    public final <M extends Module> M train(boolean mode) {
        training = mode;
        for (Module c : children.values()) {
            c.train(mode);
        }
        return (M) this;
    }

    /**
     * Inference mode: dropout passes through, batch norm uses its running statistics. Returns this
     * module with the type the context expects, as {@link #train()}.
     */
    public final <M extends Module> M eval() {
        return train(false);
    }

    public final boolean isTraining() {
        return training;
    }

    /**
     * Drops every parameter's gradient (sets it to null), PyTorch 2's default
     * {@code zero_grad(set_to_none=True)}: the next backward pass writes fresh gradients, and a
     * parameter that gets none (a frozen one) keeps none, so optimizers leave it untouched.
     */
    public final void zeroGrad() {
        zeroGrad(true);
    }

    /**
     * Drops the gradients ({@code setToNone}), or zeroes them in place, keeping their buffers;
     * beware that an optimizer still updates a parameter whose gradient is zero (momentum and
     * weight decay move it).
     */
    public final void zeroGrad(boolean setToNone) {
        for (Variable p : parameters()) {
            if (setToNone) {
                p.setGrad(null);
            } else {
                p.zeroGrad();
            }
        }
    }

    // =================================================================== state dict

    /**
     * Parameters and buffers by dotted name, every name of a shared one included (as PyTorch's
     * {@code state_dict()}). The tensors are the live ones (no copies): save them, or copy them if
     * the model will keep training.
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
     * Runs a forward pass on zeros of {@code inputShape} in inference mode without recording
     * gradients, so that {@link #toString()} can show every layer's output shape; returns the
     * output shape. Every module gets back its own train/eval flag afterwards.
     */
    public final Shape summary(int... inputShape) {
        Map<Module, Boolean> modes = new IdentityHashMap<>();
        namedModules().values().forEach(m -> modes.put(m, m.training));
        eval();
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            return call(Variable.zeros(inputShape)).shape();
        } finally {
            modes.forEach((m, mode) -> m.training = mode);
        }
    }

    /** One line describing this module's own configuration, e.g. {@code Linear(784 -> 128)}. */
    protected String describe() {
        return getClass().getSimpleName();
    }

    /**
     * A table of the layers: name, description, output shape (from the last {@link #call}, or
     * {@link #summary}), and parameter count, with the total at the bottom.
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
