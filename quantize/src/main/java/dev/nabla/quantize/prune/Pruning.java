package dev.nabla.quantize.prune;

import dev.nabla.autograd.Variable;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Module;
import dev.nabla.optim.Optimizer;
import dev.nabla.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Unstructured magnitude pruning of a model's parameters, {@code torch.nn.utils.prune}'s
 * {@code l1_unstructured} and {@code global_unstructured}: a 0/1 mask per pruned parameter, the
 * parameter's pruned entries set to exactly zero, and {@link #remove()} to make it permanent.
 *
 * <p><b>Semantics as in PyTorch.</b> {@code amount} is the fraction of the entries that are still
 * unpruned, {@code round(amount * remaining)} of them (round half to even) go, the smallest
 * magnitudes first, ties broken exactly as PyTorch 1.13's {@code topk} breaks them; a second call on
 * the same parameter prunes among the survivors (PyTorch's {@code PruningContainer}). Global
 * pruning ranks the listed parameters together, so layers lose different fractions.
 *
 * <p><b>Why masks survive training.</b> PyTorch keeps {@code weight_orig} and recomputes
 * {@code weight = weight_orig * mask} before every forward; Nabla keeps the parameter itself (so
 * checkpoints, quantization and export see plain weights) and makes the optimizer honour the mask
 * instead: {@link #attach(Optimizer)} adds a step pre-hook that zeroes the pruned gradient entries
 * (so momentum and Adam's moments never see them, nor does weight decay move a zero) and a step
 * post-hook that re-applies the mask to the parameter and to each of its state buffers (so state
 * left from before the pruning, or decoupled weight decay, cannot revive a weight either). A
 * forward pre-hook on the owning module re-applies the mask too, so a forward pass never uses a
 * pruned weight even with an optimizer that was not attached.
 *
 * <pre>{@code
 * Module net = new LeNet5(1, 28, 10, new Generator(0));
 * Pruning p = Pruning.of(net).globalUnstructured(Pruning.weights(net), 0.9);
 * Optimizer opt = new Adam(net.parameters(), 1e-3);
 * p.attach(opt);                 // fine-tune: pruned weights stay exactly 0
 * ...
 * p.sparsity();                  // 0.9 of the pruned parameters' entries are zero
 * p.remove();                    // hooks gone, weights keep their zeros
 * }</pre>
 */
public final class Pruning implements AutoCloseable {

    /** One pruned parameter: the variable, its mask and the forward hook that re-applies it. */
    private record Entry(Variable param, float[] mask, Module.HookHandle hook) {}

    private final Module model;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final List<Optimizer.StepHookHandle> stepHooks = new ArrayList<>();
    private final List<Optimizer> attached = new ArrayList<>();

    private Pruning(Module model) {
        this.model = model;
    }

    /** Pruning of {@code model}'s parameters, none pruned yet. */
    public static Pruning of(Module model) {
        return new Pruning(Objects.requireNonNull(model, "model"));
    }

    /** The weights of every Conv2d and Linear of a model by dotted name: what pruning usually targets. */
    public static List<String> weights(Module model) {
        List<String> out = new ArrayList<>();
        model.namedModules().forEach((path, m) -> {
            if (m instanceof Conv2d || m instanceof Linear) {
                out.add(path.isEmpty() ? "weight" : path + ".weight");
            }
        });
        return out;
    }

    /** The model whose parameters this prunes. */
    public Module model() {
        return model;
    }

    /**
     * Prunes {@code round(amount * remaining)} of the parameter's unpruned entries with the smallest
     * magnitude, PyTorch's {@code l1_unstructured(module, name, amount)}.
     *
     * @param name   the parameter's dotted name, e.g. {@code "c1.weight"}
     * @param amount fraction in [0, 1) of the remaining entries
     */
    public Pruning l1Unstructured(String name, double amount) {
        checkAmount("l1Unstructured", amount);
        return globalUnstructured(List.of(name), amount);
    }

    /**
     * Prunes {@code round(amount * remaining)} of the listed parameters' unpruned entries, ranked
     * together by magnitude, PyTorch's {@code global_unstructured(..., L1Unstructured, amount)}.
     */
    public Pruning globalUnstructured(Collection<String> names, double amount) {
        checkAmount("globalUnstructured", amount);
        List<String> list = checkNames("globalUnstructured", names);
        long remaining = 0;
        for (String n : list) {
            remaining += countOnes(maskOf(n));
        }
        pruneCount(list, Math.rint(amount * remaining));
        return this;
    }

    /**
     * Prunes until {@code sparsity} of the listed parameters' entries are pruned: ranked together
     * ({@code global}) or each parameter on its own. The gradual schedule calls this at every
     * pruning step; already pruned entries stay pruned.
     *
     * @param sparsity the target fraction of pruned entries, in [0, 1); a target below the current
     *     sparsity prunes nothing
     */
    public Pruning pruneTo(Collection<String> names, double sparsity, boolean global) {
        checkAmount("pruneTo", sparsity);
        List<String> list = checkNames("pruneTo", names);
        if (global) {
            long total = 0;
            long pruned = 0;
            for (String n : list) {
                float[] m = maskOf(n);
                total += m.length;
                pruned += m.length - countOnes(m);
            }
            pruneCount(list, Math.max(0, Math.rint(sparsity * total) - pruned));
        } else {
            for (String n : list) {
                float[] m = maskOf(n);
                long pruned = m.length - countOnes(m);
                pruneCount(List.of(n), Math.max(0, Math.rint(sparsity * m.length) - pruned));
            }
        }
        return this;
    }

    /** Prunes {@code count} more entries among the unpruned ones of {@code names}, smallest first. */
    private void pruneCount(List<String> names, double count) {
        List<float[]> masks = new ArrayList<>();
        List<float[]> values = new ArrayList<>();
        int remaining = 0;
        for (String n : names) {
            float[] m = maskOf(n);
            masks.add(m);
            float[] w = parameter(n).data().contiguous().toArray();
            values.add(w);
            remaining += countOnes(m);
        }
        // PyTorch ranks |w| of the surviving entries, concatenated in the listed order.
        float[] scores = new float[remaining];
        int[] where = new int[remaining];
        int[] owner = new int[remaining];
        int j = 0;
        for (int p = 0; p < names.size(); p++) {
            float[] m = masks.get(p);
            float[] w = values.get(p);
            for (int i = 0; i < m.length; i++) {
                if (m[i] != 0) {
                    scores[j] = Math.abs(w[i]);
                    where[j] = i;
                    owner[j++] = p;
                }
            }
        }
        for (int s : TorchTopK.smallest(scores, (int) count)) {
            masks.get(owner[s])[where[s]] = 0;
        }
        for (int p = 0; p < names.size(); p++) {
            String n = names.get(p);
            Entry e = entries.get(n);
            if (e == null) {
                Variable param = parameter(n);
                Module owning = owningModule(n);
                float[] m = masks.get(p);
                Module.HookHandle h = owning.registerForwardPreHook((mod, x) -> {
                    applyMask(param.data(), m);
                    return null;
                });
                e = new Entry(param, m, h);
                entries.put(n, e);
            }
            applyMask(e.param.data(), e.mask);
        }
        // Newly pruned entries lose their momentum and moments at once.
        attached.forEach(this::maskParametersAndState);
    }

    /**
     * Makes {@code optimizer} honour the masks (see the class comment): gradients of pruned entries
     * are zeroed before each step, parameters and their state buffers masked after it. Also masks
     * the state the optimizer already holds. Returns this for chaining.
     */
    public Pruning attach(Optimizer optimizer) {
        Objects.requireNonNull(optimizer, "optimizer");
        stepHooks.add(optimizer.registerStepPreHook(o -> {
            for (Entry e : entries.values()) {
                Tensor g = e.param.gradTensor();
                if (g != null) {
                    Tensor masked = g.contiguous();
                    applyMask(masked, e.mask);
                    if (masked != g) {
                        e.param.setGrad(masked);
                    }
                }
            }
        }));
        stepHooks.add(optimizer.registerStepPostHook(this::maskParametersAndState));
        attached.add(optimizer);
        maskParametersAndState(optimizer);
        return this;
    }

    private void maskParametersAndState(Optimizer o) {
        for (Entry e : entries.values()) {
            applyMask(e.param.data(), e.mask);
            Optimizer.State s = o.state(e.param);
            if (s != null) {
                for (String b : s.names()) {
                    Tensor t = s.buffer(b);
                    if (t.numel() == e.mask.length && t.isContiguous()) {
                        applyMask(t, e.mask);
                    }
                }
            }
        }
    }

    /** The names of the pruned parameters, in the order they were first pruned. */
    public List<String> pruned() {
        return List.copyOf(entries.keySet());
    }

    /** The mask of a pruned parameter (1 kept, 0 pruned), shaped like it. */
    public Tensor mask(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new IllegalArgumentException(
                    "Pruning: '" + name + "' is not pruned (pruned: " + entries.keySet() + ")");
        }
        return Tensor.fromArray(e.mask.clone(), e.param.dims());
    }

    /** Every mask by parameter name. */
    public Map<String, Tensor> masks() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        entries.keySet().forEach(n -> out.put(n, mask(n)));
        return out;
    }

    /** Entries of the pruned parameters. */
    public long total() {
        long t = 0;
        for (Entry e : entries.values()) {
            t += e.mask.length;
        }
        return t;
    }

    /** Pruned entries of the pruned parameters. */
    public long prunedCount() {
        long z = 0;
        for (Entry e : entries.values()) {
            z += e.mask.length - countOnes(e.mask);
        }
        return z;
    }

    /** Fraction of the pruned parameters' entries that are pruned (0 when nothing is pruned). */
    public double sparsity() {
        long t = total();
        return t == 0 ? 0 : (double) prunedCount() / t;
    }

    /** Fraction of one pruned parameter's entries that are pruned. */
    public double sparsity(String name) {
        Tensor m = mask(name);
        return 1 - (double) countOnes(m.toArray()) / m.numel();
    }

    /**
     * Makes the pruning permanent, PyTorch's {@code prune.remove}: the masks are applied once more,
     * then every hook (forward and optimizer) is removed and the masks forgotten. The parameters
     * keep their zeros, which later training may move again.
     */
    public void remove() {
        for (Entry e : entries.values()) {
            applyMask(e.param.data(), e.mask);
            e.hook.remove();
        }
        entries.clear();
        stepHooks.forEach(Optimizer.StepHookHandle::remove);
        stepHooks.clear();
        attached.clear();
    }

    /** Same as {@link #remove()}. */
    @Override
    public void close() {
        remove();
    }

    // =================================================================== helpers

    private static void checkAmount(String op, double amount) {
        if (!(amount >= 0 && amount < 1)) {
            throw new IllegalArgumentException(
                    "Pruning." + op + ": the amount (sparsity) must be in [0, 1), got " + amount);
        }
    }

    private List<String> checkNames(String op, Collection<String> names) {
        Objects.requireNonNull(names, "names");
        if (names.isEmpty()) {
            throw new IllegalArgumentException("Pruning." + op + ": no parameters to prune");
        }
        List<String> list = List.copyOf(names);
        for (String n : list) {
            parameter(n);
        }
        if (list.stream().distinct().count() != list.size()) {
            throw new IllegalArgumentException("Pruning." + op + ": a parameter is listed twice: " + list);
        }
        return list;
    }

    private Variable parameter(String name) {
        Variable v = model.namedParameters().get(name);
        if (v == null) {
            throw new IllegalArgumentException("Pruning: " + model.getClass().getSimpleName() + " has no parameter '"
                    + name + "' (parameters: " + model.namedParameters().keySet() + ")");
        }
        return v;
    }

    private Module owningModule(String name) {
        int dot = name.lastIndexOf('.');
        return model.getSubmodule(dot < 0 ? "" : name.substring(0, dot));
    }

    private float[] maskOf(String name) {
        Entry e = entries.get(name);
        if (e != null) {
            return e.mask;
        }
        float[] m = new float[parameter(name).numel()];
        Arrays.fill(m, 1f);
        return m;
    }

    private static int countOnes(float[] m) {
        int c = 0;
        for (float x : m) {
            if (x != 0) {
                c++;
            }
        }
        return c;
    }

    /** {@code t *= mask} in place; t is contiguous with mask.length elements. */
    static void applyMask(Tensor t, float[] mask) {
        if (!t.isContiguous() || t.numel() != mask.length) {
            throw new IllegalStateException(
                    "Pruning: cannot mask a non-contiguous tensor or one of another size: " + t.shape());
        }
        float[] a = t.toArray();
        boolean changed = false;
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] == 0 && a[i] != 0) {
                a[i] = 0;
                changed = true;
            }
        }
        // Only a real change writes (and bumps the version), so a graph that saved the weight stays valid.
        if (changed) {
            t.copyFrom(a, 0);
        }
    }
}
