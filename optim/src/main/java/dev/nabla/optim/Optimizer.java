package dev.nabla.optim;

import dev.nabla.autograd.Variable;
import dev.nabla.tensor.OptimizerUpdates;
import dev.nabla.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Base class of the optimizers, shaped like {@code torch.optim.Optimizer}: parameter groups with
 * per-group hyperparameters, per-parameter state, {@link #step()}, {@link #zeroGrad()} and a
 * state dict that restores training exactly.
 *
 * <p>{@link #step()} visits every parameter that has a gradient (parameters without one are
 * skipped and their state does not advance, as in PyTorch) and hands its flat storage, gradient
 * and state buffers to the subclass's {@link #update}, which runs one fused SIMD kernel over them;
 * nothing goes through the autograd layer. The parameter's version is bumped, so a graph that
 * saved it before the step refuses to back-propagate through stale values. {@link #zeroGrad()}
 * drops the gradients (PyTorch 2's {@code set_to_none=True}), so a frozen parameter, which never
 * gets a gradient again, stays exactly where it is.
 *
 * <p>Hyperparameters are typed keys: each optimizer declares its {@link Option}s
 * ({@code SGD.MOMENTUM}, {@code Adam.BETA1}, ...) and {@link Flag}s ({@code SGD.NESTEROV}), named as
 * in PyTorch's {@code param_groups} and state dicts, so a misspelt option does not compile, and
 * one another optimizer declares is rejected with the names this one knows.
 *
 * <pre>{@code
 * Optimizer opt = new SGD(model.parameters(), 0.1).momentum(0.9);
 * for (int i = 0; i < 100; i++) {
 *     opt.zeroGrad();
 *     Variable loss = model.call(x).sub(y).square().mean();
 *     loss.backward();
 *     opt.step();
 * }
 * opt.paramGroups().get(0).get(SGD.MOMENTUM);   // 0.9
 * }</pre>
 */
public abstract class Optimizer {

    /**
     * A per-group hyperparameter: its PyTorch name (the key in state dicts) and the values it
     * accepts. Compared by value, so optimizers that share an option (momentum) share its key.
     *
     * <pre>{@code
     * group.set(SGD.MOMENTUM, 0.8);                 // a typo (SGD.MOMENTUN) does not compile
     * SGD.MOMENTUM.name();                          // "momentum", the state-dict key
     * }</pre>
     *
     * @param name  PyTorch's name, e.g. {@code "weight_decay"}
     * @param range the values it accepts (always finite)
     */
    public record Option(String name, Range range) {
        public Option {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(range, "range");
        }

        /** The accepted values of an {@link Option}, e.g. {@code Range.UNIT_INTERVAL} for the betas. */
        public enum Range {
            /** {@code x >= 0} */
            NON_NEGATIVE,
            /** {@code 0 <= x < 1}, as the betas */
            UNIT_INTERVAL;

            boolean contains(double x) {
                return x >= 0 && (this == NON_NEGATIVE || x < 1);
            }

            @Override
            public String toString() {
                return this == NON_NEGATIVE ? ">= 0" : "in [0, 1)";
            }
        }

        void check(String kind, double value) {
            if (!Double.isFinite(value) || !range.contains(value)) {
                throw new IllegalArgumentException(
                        kind + ": option " + name + " must be finite and " + range + ", got " + value);
            }
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /**
     * A boolean option shared by all groups ({@code nesterov}, {@code amsgrad}, {@code centered},
     * {@code maximize}), false unless set.
     *
     * <pre>{@code
     * sgd.setFlag(SGD.NESTEROV, true);              // what sgd.nesterov(true) does
     * }</pre>
     *
     * @param name PyTorch's name
     */
    public record Flag(String name) {
        public Flag {
            Objects.requireNonNull(name, "name");
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** The learning rate, which every optimizer has. */
    public static final Option LR = new Option("lr", Option.Range.NON_NEGATIVE);
    /** The weight decay, which every optimizer has (L2 or decoupled, as each defines). */
    public static final Option WEIGHT_DECAY = new Option("weight_decay", Option.Range.NON_NEGATIVE);
    /** Ascend instead of descend; every optimizer here has it. */
    public static final Flag MAXIMIZE = new Flag("maximize");

    private final String kind;
    private final Map<Option, Double> defaults;
    private final Map<Flag, Boolean> flags;
    private final List<ParamGroup> groups = new ArrayList<>();
    private final IdentityHashMap<Variable, State> state = new IdentityHashMap<>();
    private final Map<StepHookHandle, StepHook> preStepHooks = new LinkedHashMap<>();
    private final Map<StepHookHandle, StepHook> postStepHooks = new LinkedHashMap<>();
    private long stepCount;

    /**
     * @param kind     the optimizer's name, recorded in its state dict ("Adam")
     * @param defaults every option this optimizer knows, with its default value, in state-dict order
     * @param flags    the boolean options, shared by all groups, all false at first
     * @param groups   the initial parameter groups
     */
    // addParamGroup runs on a partly built subclass; it reads only this class's fields.
    @SuppressWarnings("this-escape")
    protected Optimizer(String kind, Map<Option, Double> defaults, List<Flag> flags, List<ParamGroup> groups) {
        this.kind = Objects.requireNonNull(kind, "kind");
        this.defaults = new LinkedHashMap<>(defaults);
        this.flags = new LinkedHashMap<>();
        for (Flag f : flags) {
            this.flags.put(f, false);
        }
        if (!this.defaults.containsKey(LR) || !this.defaults.containsKey(WEIGHT_DECAY)) {
            throw new IllegalArgumentException(kind + ": every optimizer needs the options lr and weight_decay");
        }
        this.defaults.forEach(this::checkOption);
        Objects.requireNonNull(groups, "groups");
        if (groups.isEmpty()) {
            throw new IllegalArgumentException(kind + ": needs at least one parameter group");
        }
        for (ParamGroup g : groups) {
            addParamGroup(g);
        }
    }

    /** The parameters of a whole model as one group. */
    protected static List<ParamGroup> oneGroup(Iterable<? extends Variable> params) {
        Objects.requireNonNull(params, "params");
        List<Variable> list = new ArrayList<>();
        params.forEach(list::add);
        if (list.isEmpty()) {
            throw new IllegalArgumentException("optimizer got an empty parameter list. If it came from "
                    + "model.parameters(), the model registered no parameters: every layer a model holds must be "
                    + "registered in its constructor, field = registerModule(\"name\", new Linear(...)) (a list of "
                    + "layers goes in a ModuleList), and every tensor to train with registerParameter");
        }
        return List.of(ParamGroup.of(list));
    }

    // =================================================================== per-parameter state

    /** One parameter's optimizer state: its step count and named buffers (moments, momentum). */
    public static final class State {
        private long step;
        private final Map<String, Tensor> buffers = new LinkedHashMap<>();

        private State() {}

        /** Number of updates this parameter has had. */
        public long step() {
            return step;
        }

        /** Counts one more update; returns the new count (1 on the first update). */
        public long advance() {
            return ++step;
        }

        /** The named buffer, or null if it does not exist yet. */
        public Tensor buffer(String name) {
            return buffers.get(name);
        }

        /** The named buffer, created as zeros shaped like {@code param} on first use. */
        public Tensor zeros(String name, Tensor param) {
            return buffers.computeIfAbsent(name, k -> Tensor.zerosLike(param));
        }

        public void put(String name, Tensor buffer) {
            buffers.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(buffer, "buffer"));
        }

        /** The names of the buffers that exist, in creation order. */
        public Set<String> names() {
            return Collections.unmodifiableSet(buffers.keySet());
        }

        Map<String, Tensor> buffers() {
            return buffers;
        }
    }

    /**
     * Updates one parameter in place from its gradient. {@code param} and {@code grad} are
     * contiguous and of the same shape; implementations advance {@code state} and call one fused
     * update of {@link OptimizerUpdates} (or write {@code param} with in-place
     * tensor operations).
     */
    protected abstract void update(ParamGroup group, Tensor param, Tensor grad, State state);

    /** Checks a group's options before its parameters are updated (option combinations). */
    protected void checkGroup(ParamGroup group, int index) {}

    // =================================================================== options

    /** Rejects an option this optimizer does not declare, or a value outside the option's range. */
    final void checkOption(Option option, double value) {
        Objects.requireNonNull(option, "option");
        if (!defaults.containsKey(option)) {
            throw new IllegalArgumentException(
                    kind + ": unknown option '" + option.name() + "' (known: " + defaults.keySet() + ")");
        }
        option.check(kind, value);
    }

    /**
     * Sets the default of an option, used by every group that does not set it; the typed
     * setters of each optimizer ({@code momentum(0.9)}) call this.
     */
    public final void setDefault(Option option, double value) {
        checkOption(option, value);
        defaults.put(option, value);
    }

    /** The optimizer-wide default of an option. */
    public final double getDefault(Option option) {
        checkOption(option, 0);
        return defaults.get(option);
    }

    /** Sets a boolean option for all groups. */
    public final void setFlag(Flag flag, boolean value) {
        checkFlag(flag);
        flags.put(flag, value);
    }

    /** A boolean option's value. */
    public final boolean flag(Flag flag) {
        checkFlag(flag);
        return flags.get(flag);
    }

    private void checkFlag(Flag flag) {
        Objects.requireNonNull(flag, "flag");
        if (!flags.containsKey(flag)) {
            throw new IllegalArgumentException(
                    kind + ": unknown flag '" + flag.name() + "' (known: " + flags.keySet() + ")");
        }
    }

    /** True when this optimizer declares the option. */
    public final boolean hasOption(Option option) {
        return defaults.containsKey(option);
    }

    /** The options this optimizer declares, in state-dict order. */
    public final List<Option> options() {
        return List.copyOf(defaults.keySet());
    }

    /** The flags this optimizer declares. */
    public final List<Flag> flags() {
        return List.copyOf(flags.keySet());
    }

    /**
     * The option a schedule that cycles momentum (one-cycle) drives: {@code momentum} for SGD and
     * RMSprop, {@code beta1} for Adam and AdamW; null when there is none.
     */
    protected Option momentumOption() {
        return null;
    }

    // =================================================================== groups

    /** Adds a group; its parameters must not already be optimised here. */
    public final void addParamGroup(ParamGroup group) {
        Objects.requireNonNull(group, "group");
        for (ParamGroup g : groups) {
            for (Variable p : group.params()) {
                if (g.params().stream().anyMatch(q -> q == p)) {
                    throw new IllegalArgumentException(
                            kind + ": a parameter of shape " + p.shape() + " appears in more than one parameter group");
                }
            }
        }
        for (Variable p : group.params()) {
            checkLayout(p, groups.size());
        }
        group.attach(this);
        groups.add(group);
    }

    private void checkLayout(Variable p, int groupIndex) {
        if (!p.data().isContiguous()) {
            throw new IllegalArgumentException(kind + ": a parameter of shape " + p.shape() + " in group " + groupIndex
                    + " is a non-contiguous view; optimizers update flat, contiguous storage");
        }
    }

    /** The groups (unmodifiable). */
    public final List<ParamGroup> paramGroups() {
        return Collections.unmodifiableList(groups);
    }

    /** Every parameter, group by group: the indexing the state dict uses. */
    public final List<Variable> parameters() {
        List<Variable> out = new ArrayList<>();
        for (ParamGroup g : groups) {
            out.addAll(g.params());
        }
        return out;
    }

    /** Number of {@link #step()} calls so far (restored by {@link #loadStateDict}). */
    public final long stepCount() {
        return stepCount;
    }

    /** This optimizer's name as recorded in its state dict ("SGD", "Adam", ...). */
    public final String kind() {
        return kind;
    }

    // =================================================================== step

    /**
     * Drops every parameter's gradient, PyTorch 2's default {@code zero_grad(set_to_none=True)}: a
     * parameter that the next backward pass does not reach (a frozen one) then has no gradient,
     * and {@link #step()} leaves it and its state exactly as they are.
     */
    public final void zeroGrad() {
        zeroGrad(true);
    }

    /**
     * Drops every gradient ({@code setToNone}), or zeroes it in place, keeping its buffer; beware
     * that a zero gradient still moves a parameter under momentum or weight decay.
     */
    public final void zeroGrad(boolean setToNone) {
        for (ParamGroup g : groups) {
            for (Variable p : g.params()) {
                if (setToNone) {
                    p.setGrad(null);
                } else {
                    p.zeroGrad();
                }
            }
        }
    }

    // =================================================================== step hooks

    /**
     * Code that runs around every {@link #step()}, PyTorch 2's {@code register_step_pre_hook} and
     * {@code register_step_post_hook}. Pruning uses them so that no optimizer revives a pruned
     * weight: the pre-hook masks the gradients, the post-hook the parameters and their state.
     *
     * <pre>{@code
     * try (var h = opt.registerStepPostHook(o -> System.out.println("step " + o.stepCount()))) {
     *     opt.step();
     * }
     * }</pre>
     */
    @FunctionalInterface
    public interface StepHook {
        /** Called with the optimizer that steps. */
        void run(Optimizer optimizer);
    }

    /** Detaches a step hook; closing it twice does nothing. */
    public static final class StepHookHandle implements AutoCloseable {
        private final Map<StepHookHandle, StepHook> owner;

        private StepHookHandle(Map<StepHookHandle, StepHook> owner) {
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

    /** Adds a hook that runs at the start of every {@link #step()}, after those added before it. */
    public final StepHookHandle registerStepPreHook(StepHook hook) {
        Objects.requireNonNull(hook, "hook");
        StepHookHandle h = new StepHookHandle(preStepHooks);
        preStepHooks.put(h, hook);
        return h;
    }

    /** Adds a hook that runs at the end of every {@link #step()}, after those added before it. */
    public final StepHookHandle registerStepPostHook(StepHook hook) {
        Objects.requireNonNull(hook, "hook");
        StepHookHandle h = new StepHookHandle(postStepHooks);
        postStepHooks.put(h, hook);
        return h;
    }

    /**
     * Updates every parameter that has a gradient, using each group's current options; the step
     * hooks run before and after.
     */
    public final void step() {
        for (StepHook h : List.copyOf(preStepHooks.values())) {
            h.run(this);
        }
        for (int gi = 0; gi < groups.size(); gi++) {
            ParamGroup g = groups.get(gi);
            checkGroup(g, gi);
            for (Variable p : g.params()) {
                Tensor grad = p.gradTensor();
                if (grad == null) {
                    continue;
                }
                Tensor data = p.data();
                checkLayout(p, gi);
                if (!grad.shape().equals(data.shape())) {
                    throw new IllegalStateException(kind + ": gradient of shape " + grad.shape()
                            + " does not match its parameter of shape " + data.shape() + " (group " + gi + ")");
                }
                update(g, data, grad.contiguous(), state.computeIfAbsent(p, k -> new State()));
            }
        }
        stepCount++;
        for (StepHook h : List.copyOf(postStepHooks.values())) {
            h.run(this);
        }
    }

    /** The state of one parameter, or null before its first update. */
    public final State state(Variable param) {
        return state.get(param);
    }

    // =================================================================== state dict

    /**
     * The optimizer's state: buffers by {@code "state.<i>.<name>"} (the live tensors), and as
     * strings the type, the step count, each group's size and effective options, the flags and
     * each parameter's step count.
     */
    public final OptimizerState stateDict() {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("type", kind);
        meta.put("step_count", Long.toString(stepCount));
        meta.put("groups", Integer.toString(groups.size()));
        flags.forEach((k, v) -> meta.put("flag." + k.name(), Boolean.toString(v)));
        int index = 0;
        for (int gi = 0; gi < groups.size(); gi++) {
            ParamGroup g = groups.get(gi);
            meta.put("group." + gi + ".params", Integer.toString(g.params().size()));
            for (Option k : defaults.keySet()) {
                meta.put("group." + gi + "." + k.name(), Double.toString(g.get(k)));
            }
            for (Variable p : g.params()) {
                State s = state.get(p);
                if (s != null) {
                    meta.put("state." + index + ".step", Long.toString(s.step));
                    for (var e : s.buffers.entrySet()) {
                        tensors.put("state." + index + "." + e.getKey(), e.getValue());
                    }
                }
                index++;
            }
        }
        return new OptimizerState(tensors, meta);
    }

    /**
     * Restores a state from {@link #stateDict()} of an optimizer of the same type over parameters
     * of the same shapes, grouped the same way. Buffers are copied. Everything is checked before
     * anything changes, and the error lists every problem.
     */
    public final void loadStateDict(OptimizerState saved) {
        Objects.requireNonNull(saved, "saved");
        Map<String, String> meta = saved.metadata();
        List<String> problems = new ArrayList<>();
        String type = meta.get("type");
        if (!kind.equals(type)) {
            throw new IllegalArgumentException("loadStateDict into " + kind + ": the state was saved by "
                    + (type == null ? "an unknown optimizer (no 'type')" : type));
        }
        long steps = parseLong(meta, "step_count", problems);
        long savedGroups = parseLong(meta, "groups", problems);
        if (savedGroups >= 0 && savedGroups != groups.size()) {
            throw new IllegalArgumentException("loadStateDict into " + kind + ": the state has " + savedGroups
                    + " parameter groups, this optimizer has " + groups.size());
        }
        Map<Flag, Boolean> newFlags = new LinkedHashMap<>();
        for (Flag f : flags.keySet()) {
            String v = meta.get("flag." + f.name());
            if (v == null || !(v.equals("true") || v.equals("false"))) {
                problems.add("flag." + f.name() + " is " + (v == null ? "missing" : "'" + v + "', not true/false"));
            } else {
                newFlags.put(f, Boolean.parseBoolean(v));
            }
        }
        List<Map<Option, Double>> newOptions = new ArrayList<>();
        Map<Variable, State> newState = new IdentityHashMap<>();
        int index = 0;
        for (int gi = 0; gi < groups.size(); gi++) {
            ParamGroup g = groups.get(gi);
            long size = parseLong(meta, "group." + gi + ".params", problems);
            if (size != g.params().size()) {
                problems.add("group " + gi + " has " + size + " parameters in the state, "
                        + g.params().size() + " here");
            }
            Map<Option, Double> opts = new LinkedHashMap<>();
            for (Option k : defaults.keySet()) {
                String key = "group." + gi + "." + k.name();
                String v = meta.get(key);
                try {
                    double d = Double.parseDouble(Objects.requireNonNull(v));
                    checkOption(k, d);
                    opts.put(k, d);
                } catch (NullPointerException e) {
                    problems.add(key + " is missing");
                } catch (IllegalArgumentException e) {
                    problems.add(key + " = '" + v + "': " + e.getMessage());
                }
            }
            newOptions.add(opts);
            for (Variable p : g.params()) {
                String prefix = "state." + index + ".";
                String stepText = meta.get(prefix + "step");
                State s = new State();
                if (stepText != null) {
                    s.step = parseLong(meta, prefix + "step", problems);
                }
                for (var e : saved.tensors().entrySet()) {
                    if (e.getKey().startsWith(prefix)) {
                        String name = e.getKey().substring(prefix.length());
                        Tensor t = e.getValue();
                        if (!t.shape().equals(p.shape())) {
                            problems.add(e.getKey() + " has shape " + t.shape() + " but parameter " + index
                                    + " has shape " + p.shape());
                        } else {
                            s.buffers.put(name, t.copy());
                        }
                    }
                }
                if (stepText != null || !s.buffers.isEmpty()) {
                    newState.put(p, s);
                }
                index++;
            }
        }
        for (String key : saved.tensors().keySet()) {
            if (!key.startsWith("state.") || !isIndexedKey(key, index)) {
                problems.add("unexpected tensor '" + key + "'");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(
                    "loadStateDict into " + kind + " failed:\n  " + String.join("\n  ", problems));
        }
        flags.putAll(newFlags);
        for (int gi = 0; gi < groups.size(); gi++) {
            Map<Option, Double> overrides = groups.get(gi).overridesView();
            overrides.clear();
            overrides.putAll(newOptions.get(gi));
        }
        state.clear();
        state.putAll(newState);
        stepCount = steps;
    }

    private static boolean isIndexedKey(String key, int count) {
        int dot = key.indexOf('.', "state.".length());
        if (dot < 0) {
            return false;
        }
        try {
            int i = Integer.parseInt(key.substring("state.".length(), dot));
            return i >= 0 && i < count;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static long parseLong(Map<String, String> meta, String key, List<String> problems) {
        String v = meta.get(key);
        if (v == null) {
            problems.add(key + " is missing");
            return -1;
        }
        try {
            long x = Long.parseLong(v);
            if (x < 0) {
                problems.add(key + " = " + v + " is negative");
            }
            return x;
        } catch (NumberFormatException e) {
            problems.add(key + " = '" + v + "' is not an integer");
            return -1;
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(kind).append(" (");
        sb.append(flags.isEmpty() ? "" : flags + ", ");
        sb.append(stepCount).append(" steps)");
        for (int i = 0; i < groups.size(); i++) {
            ParamGroup g = groups.get(i);
            sb.append("\n  group ")
                    .append(i)
                    .append(": ")
                    .append(g.params().size())
                    .append(" parameters, ")
                    .append(g.options());
        }
        return sb.toString();
    }
}
