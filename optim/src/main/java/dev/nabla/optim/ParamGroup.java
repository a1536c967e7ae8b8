package dev.nabla.optim;

import dev.nabla.autograd.Variable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiPredicate;

/**
 * Parameters that share hyperparameters inside an {@link Optimizer}, like an entry of PyTorch's
 * {@code param_groups}.
 *
 * <p>A group holds only the options set on it; every other option falls back to the optimizer's
 * default, so {@code new AdamW(groups, 1e-3).weightDecay(0.05)} changes the decay of every group
 * that did not set its own. Options are the typed keys the optimizers declare
 * ({@link Optimizer#LR}, {@link Optimizer#WEIGHT_DECAY}, {@link SGD#MOMENTUM}, {@link Adam#BETA1},
 * ...), named as in PyTorch; setting one the optimizer does not declare is an error. A
 * learning-rate scheduler changes a group's rate through {@link #setLr}.
 *
 * <pre>{@code
 * // no weight decay on biases and normalisation weights (the 1-D parameters)
 * List<ParamGroup> groups = ParamGroup.splitWeightDecay(model.namedParameters(), (name, p) -> p.dim() <= 1);
 * AdamW opt = new AdamW(groups, 1e-3).weightDecay(0.05);
 * opt.paramGroups().get(1).weightDecay();     // 0.0
 * ParamGroup head = ParamGroup.of(headParams).setLr(0.1).set(SGD.MOMENTUM, 0.5);
 * }</pre>
 */
public final class ParamGroup {
    private final List<Variable> params;
    private final Map<Optimizer.Option, Double> overrides = new LinkedHashMap<>();
    private Optimizer owner;

    private ParamGroup(List<Variable> params) {
        this.params = params;
    }

    /** A group of the given parameters (in this order; duplicates are an error). */
    public static ParamGroup of(Collection<? extends Variable> params) {
        Objects.requireNonNull(params, "params");
        List<Variable> list = new ArrayList<>(params.size());
        IdentityHashMap<Variable, Boolean> seen = new IdentityHashMap<>();
        int i = 0;
        for (Variable p : params) {
            if (p == null) {
                throw new IllegalArgumentException("ParamGroup: parameter " + i + " is null");
            }
            if (seen.put(p, Boolean.TRUE) != null) {
                throw new IllegalArgumentException(
                        "ParamGroup: parameter " + i + " (shape " + p.shape() + ") appears twice in the same group");
            }
            list.add(p);
            i++;
        }
        return new ParamGroup(Collections.unmodifiableList(list));
    }

    public static ParamGroup of(Variable... params) {
        return of(List.of(params));
    }

    /**
     * Splits named parameters into two groups: those {@code noDecay} selects get
     * {@code weight_decay = 0}, the rest keep the optimizer's decay. Empty groups are left out.
     */
    public static List<ParamGroup> splitWeightDecay(
            Map<String, Variable> named, BiPredicate<String, Variable> noDecay) {
        List<Variable> decay = new ArrayList<>();
        List<Variable> plain = new ArrayList<>();
        named.forEach((name, p) -> (noDecay.test(name, p) ? plain : decay).add(p));
        List<ParamGroup> out = new ArrayList<>(2);
        if (!decay.isEmpty()) {
            out.add(of(decay));
        }
        if (!plain.isEmpty()) {
            out.add(of(plain).setWeightDecay(0));
        }
        return out;
    }

    /** The parameters (unmodifiable). */
    public List<Variable> params() {
        return params;
    }

    /** The value of an option: set on this group, else the optimizer's default. */
    public double get(Optimizer.Option option) {
        Objects.requireNonNull(option, "option");
        Double v = overrides.get(option);
        if (v != null) {
            return v;
        }
        if (owner == null) {
            throw new IllegalStateException("ParamGroup: option '" + option.name()
                    + "' is not set on this group and the group belongs to no optimizer yet");
        }
        return owner.getDefault(option);
    }

    /**
     * Sets an option on this group only; checked against its range now and against the
     * optimizer's options once the group is attached.
     */
    public ParamGroup set(Optimizer.Option option, double value) {
        Objects.requireNonNull(option, "option");
        if (owner != null) {
            owner.checkOption(option, value);
        } else {
            option.check("ParamGroup", value);
        }
        overrides.put(option, value);
        return this;
    }

    /** True when this group sets {@code option} itself rather than using the optimizer's default. */
    public boolean overrides(Optimizer.Option option) {
        return overrides.containsKey(option);
    }

    public double lr() {
        return get(Optimizer.LR);
    }

    public ParamGroup setLr(double lr) {
        return set(Optimizer.LR, lr);
    }

    public double weightDecay() {
        return get(Optimizer.WEIGHT_DECAY);
    }

    public ParamGroup setWeightDecay(double weightDecay) {
        return set(Optimizer.WEIGHT_DECAY, weightDecay);
    }

    /** Every option's effective value, in the optimizer's order (only the group's own before it is attached). */
    public Map<Optimizer.Option, Double> options() {
        if (owner == null) {
            return Collections.unmodifiableMap(new LinkedHashMap<>(overrides));
        }
        Map<Optimizer.Option, Double> out = new LinkedHashMap<>();
        for (Optimizer.Option k : owner.options()) {
            out.put(k, get(k));
        }
        return Collections.unmodifiableMap(out);
    }

    Map<Optimizer.Option, Double> overridesView() {
        return overrides;
    }

    void attach(Optimizer optimizer) {
        if (owner != null) {
            throw new IllegalArgumentException("ParamGroup: this group already belongs to an optimizer");
        }
        overrides.forEach(optimizer::checkOption);
        owner = optimizer;
    }

    @Override
    public String toString() {
        return "ParamGroup(" + params.size() + " parameters, " + (owner == null ? overrides : options()) + ")";
    }
}
