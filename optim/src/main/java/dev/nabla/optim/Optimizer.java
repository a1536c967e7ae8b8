package dev.nabla.optim;

import dev.nabla.autograd.Variable;
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
 * saved it before the step refuses to back-propagate through stale values.
 *
 * <pre>{@code
 * Optimizer opt = new SGD(model.parameters(), 0.1).momentum(0.9);
 * for (int i = 0; i < 100; i++) {
 *     opt.zeroGrad();
 *     Variable loss = model.forward(x).sub(y).square().mean();
 *     loss.backward();
 *     opt.step();
 * }
 * }</pre>
 */
public abstract class Optimizer {
    private final String kind;
    private final Map<String, Double> defaults;
    private final Map<String, Boolean> flags;
    private final List<ParamGroup> groups = new ArrayList<>();
    private final IdentityHashMap<Variable, State> state = new IdentityHashMap<>();
    private long stepCount;

    /**
     * @param kind     the optimizer's name, recorded in its state dict ("Adam")
     * @param defaults every option this optimizer knows, with its default value
     * @param flags    the boolean options, shared by all groups
     * @param groups   the initial parameter groups
     */
    // checkOption is called on a partly built subclass; overrides only look at their arguments.
    @SuppressWarnings("this-escape")
    protected Optimizer(
            String kind, Map<String, Double> defaults, Map<String, Boolean> flags, List<ParamGroup> groups) {
        this.kind = Objects.requireNonNull(kind, "kind");
        this.defaults = new LinkedHashMap<>(defaults);
        this.flags = new LinkedHashMap<>(flags);
        if (!this.defaults.containsKey("lr") || !this.defaults.containsKey("weight_decay")) {
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
            throw new IllegalArgumentException("optimizer got an empty parameter list");
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

        Map<String, Tensor> buffers() {
            return buffers;
        }
    }

    /**
     * Updates one parameter in place from its gradient. {@code param} and {@code grad} are
     * contiguous and of the same shape; implementations advance {@code state} and call one
     * kernel over {@code param.storageArray()} from {@code param.storageOffset()}.
     */
    protected abstract void update(ParamGroup group, Tensor param, Tensor grad, State state);

    /** Checks a group's options before its parameters are updated (option combinations). */
    protected void checkGroup(ParamGroup group, int index) {}

    // =================================================================== options

    /**
     * Rejects an option this optimizer does not know or a value outside its range. Subclasses
     * extend it for their own options and call {@code super}.
     */
    protected void checkOption(String option, double value) {
        if (!defaults.containsKey(option)) {
            throw new IllegalArgumentException(
                    kind + ": unknown option '" + option + "' (known: " + defaults.keySet() + ")");
        }
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException(kind + ": option " + option + " must be finite, got " + value);
        }
        if ((option.equals("lr") || option.equals("weight_decay")) && value < 0) {
            throw new IllegalArgumentException(kind + ": option " + option + " must be >= 0, got " + value);
        }
    }

    /**
     * Sets the default of an option, used by every group that does not set it; the typed
     * setters of each optimizer ({@code momentum(0.9)}) call this.
     */
    public final void setDefault(String option, double value) {
        checkOption(option, value);
        defaults.put(option, value);
    }

    /** Sets a boolean option (nesterov, amsgrad, centered, maximize) for all groups. */
    public final void setFlag(String flag, boolean value) {
        if (!flags.containsKey(flag)) {
            throw new IllegalArgumentException(kind + ": unknown flag '" + flag + "' (known: " + flags.keySet() + ")");
        }
        flags.put(flag, value);
    }

    /** A boolean option (nesterov, amsgrad, centered, maximize). */
    public final boolean flag(String flag) {
        Boolean b = flags.get(flag);
        if (b == null) {
            throw new IllegalArgumentException(kind + ": unknown flag '" + flag + "' (known: " + flags.keySet() + ")");
        }
        return b;
    }

    /** The optimizer-wide default of an option. */
    public final double defaultOption(String option) {
        Double v = defaults.get(option);
        if (v == null) {
            throw new IllegalArgumentException(
                    kind + ": unknown option '" + option + "' (known: " + defaults.keySet() + ")");
        }
        return v;
    }

    /** True when this optimizer has the option (e.g. "momentum" for SGD, "beta1" for Adam). */
    public final boolean hasOption(String option) {
        return defaults.containsKey(option);
    }

    final Set<String> optionNames() {
        return Collections.unmodifiableSet(defaults.keySet());
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

    /** Zeroes every gradient in place, keeping the buffers for the next backward pass. */
    public final void zeroGrad() {
        zeroGrad(false);
    }

    /** Zeroes every gradient, or drops it ({@code setToNone}) so parameters without one are skipped. */
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

    /** Updates every parameter that has a gradient, using each group's current options. */
    public final void step() {
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
                data.markModified();
            }
        }
        stepCount++;
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
        flags.forEach((k, v) -> meta.put("flag." + k, Boolean.toString(v)));
        int index = 0;
        for (int gi = 0; gi < groups.size(); gi++) {
            ParamGroup g = groups.get(gi);
            meta.put("group." + gi + ".params", Integer.toString(g.params().size()));
            for (String k : defaults.keySet()) {
                meta.put("group." + gi + "." + k, Double.toString(g.get(k)));
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
        Map<String, Boolean> newFlags = new LinkedHashMap<>();
        for (String f : flags.keySet()) {
            String v = meta.get("flag." + f);
            if (v == null || !(v.equals("true") || v.equals("false"))) {
                problems.add("flag." + f + " is " + (v == null ? "missing" : "'" + v + "', not true/false"));
            } else {
                newFlags.put(f, Boolean.parseBoolean(v));
            }
        }
        List<Map<String, Double>> newOptions = new ArrayList<>();
        Map<Variable, State> newState = new IdentityHashMap<>();
        int index = 0;
        for (int gi = 0; gi < groups.size(); gi++) {
            ParamGroup g = groups.get(gi);
            long size = parseLong(meta, "group." + gi + ".params", problems);
            if (size != g.params().size()) {
                problems.add("group " + gi + " has " + size + " parameters in the state, "
                        + g.params().size() + " here");
            }
            Map<String, Double> opts = new LinkedHashMap<>();
            for (String k : defaults.keySet()) {
                String key = "group." + gi + "." + k;
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
            Map<String, Double> overrides = groups.get(gi).overridesView();
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
