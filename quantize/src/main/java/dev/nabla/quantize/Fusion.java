package dev.nabla.quantize;

import dev.nabla.autograd.Autograd;
import dev.nabla.autograd.Variable;
import dev.nabla.nn.BatchNorm2d;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Identity;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Module;
import dev.nabla.nn.ReLU;
import dev.nabla.quantize.fused.BatchNormFolding;
import dev.nabla.quantize.fused.ConvReLU2d;
import dev.nabla.quantize.fused.Copies;
import dev.nabla.quantize.fused.LinearReLU;
import dev.nabla.quantize.qat.QatConv2d;
import dev.nabla.quantize.qat.QatLinear;
import dev.nabla.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Fusion of the layer sequences that int8 inference computes as one: Conv2d + BatchNorm2d
 * (+ ReLU), Conv2d + ReLU and Linear + ReLU, PyTorch's {@code fuse_modules}. The batch norm is
 * folded into the convolution's weight and bias ({@link BatchNormFolding}), and the ReLU becomes
 * part of the layer, so its output is the only activation quantized. The replaced layers become
 * {@link Identity}; the model's own fields keep working (see {@link Module#setSubmodule}).
 *
 * <p>{@link #find} discovers the groups by running the model once with forward hooks and following
 * each layer's output to the next layer that takes it; {@link #fuse} with {@code check} runs the
 * model again and compares, and undoes the fusion if the outputs differ (a layer whose output is also
 * used elsewhere, which hooks cannot see, would make the fused model wrong).
 *
 * <pre>{@code
 * var net = Checkpoint.loadModel(dir, new ResNet20(3, 10, new Generator(0))).eval();
 * List<List<String>> groups = Fusion.find(net, batch);   // [[conv1, bn1, relu], [layer1.0.conv1, ...], ...]
 * Fusion.fuse(net, groups, batch);                        // checked against the unfused output
 * }</pre>
 */
public final class Fusion {
    /** Largest difference between fused and unfused outputs accepted, relative to the largest output. */
    static final double TOLERANCE = 1e-3;

    private Fusion() {}

    /** A module's call seen by the tracing hooks. */
    private record Call(Module module, Variable input, Variable output) {}

    /**
     * The fusable groups of {@code model}, as dotted paths in execution order: each Conv2d whose
     * output goes only to a BatchNorm2d (and then to a ReLU), or straight to a ReLU; each Linear
     * whose output goes to a ReLU. Runs the model once on {@code example} in inference mode without
     * recording gradients (the model's modes are restored).
     */
    public static List<List<String>> find(Module model, Tensor example) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(example, "example");
        Map<Module, String> paths = new IdentityHashMap<>();
        model.namedModules().forEach((p, m) -> paths.putIfAbsent(m, p));
        List<Call> calls = new ArrayList<>();
        List<Module.HookHandle> handles = new ArrayList<>();
        for (Module m : paths.keySet()) {
            if (m.children().isEmpty()) {
                handles.add(m.registerForwardHook((mod, in, out) -> {
                    calls.add(new Call(mod, in, out));
                    return null;
                }));
            }
        }
        Map<Module, Boolean> modes = new IdentityHashMap<>();
        paths.keySet().forEach(m -> modes.put(m, m.isTraining()));
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            model.eval();
            model.call(Variable.of(example));
        } finally {
            handles.forEach(Module.HookHandle::remove);
            modes.forEach(Module::train);
        }
        Map<Module, Integer> count = new IdentityHashMap<>();
        Map<Variable, Integer> consumers = new IdentityHashMap<>();
        for (Call c : calls) {
            count.merge(c.module, 1, Integer::sum);
            consumers.merge(c.input, 1, Integer::sum);
        }
        Map<Variable, Call> consumer = new IdentityHashMap<>();
        for (Call c : calls) {
            consumer.put(c.input, c);
        }
        List<List<String>> groups = new ArrayList<>();
        Set<Module> used = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Call c : calls) {
            if (!(c.module instanceof Conv2d || c.module instanceof Linear) || count.get(c.module) != 1) {
                continue;
            }
            Call next = onlyConsumer(c, consumers, consumer, count);
            List<Module> group = new ArrayList<>(List.of(c.module));
            if (c.module instanceof Conv2d && next != null && next.module instanceof BatchNorm2d) {
                group.add(next.module);
                next = onlyConsumer(next, consumers, consumer, count);
            }
            if (next != null && next.module instanceof ReLU) {
                group.add(next.module);
            }
            if (group.size() > 1 && group.stream().noneMatch(used::contains)) {
                used.addAll(group);
                groups.add(group.stream().map(paths::get).toList());
            }
        }
        return groups;
    }

    /** The one module call that takes {@code c}'s output, if exactly one does and runs once. */
    private static Call onlyConsumer(
            Call c, Map<Variable, Integer> consumers, Map<Variable, Call> consumer, Map<Module, Integer> count) {
        if (consumers.getOrDefault(c.output, 0) != 1) {
            return null;
        }
        Call next = consumer.get(c.output);
        return next != null && count.get(next.module) == 1 ? next : null;
    }

    /**
     * Fuses the groups for inference (post-training quantization): Conv2d + BatchNorm2d becomes one
     * Conv2d with the batch norm folded in, Conv2d (+ BatchNorm2d) + ReLU a {@link ConvReLU2d},
     * Linear + ReLU a {@link LinearReLU}; the other members become {@link Identity}. Uses the batch
     * norms' running statistics, so the model should be in inference mode.
     *
     * @throws IllegalArgumentException naming the group, for a sequence fusion does not support
     */
    public static void fuse(Module model, List<List<String>> groups) {
        for (List<String> g : groups) {
            apply(model, g, false);
        }
    }

    /**
     * {@link #fuse}, then a check: the fused model's output on {@code example} must equal the
     * unfused one's to within {@code 1e-3} of its largest magnitude; otherwise every group is undone
     * and the error names them.
     */
    public static void fuse(Module model, List<List<String>> groups, Tensor example) {
        Tensor before = inference(model, example);
        List<Object[]> undo = new ArrayList<>();
        try {
            for (List<String> g : groups) {
                undo.addAll(apply(model, g, false));
            }
            Tensor after = inference(model, example);
            double scale = Math.max(1e-6, before.abs().max().item());
            double diff = after.sub(before).abs().max().item();
            if (!(diff <= TOLERANCE * scale)) {
                throw new IllegalStateException("fusing " + groups + " changed the model's output by " + diff
                        + " (largest output " + scale + "); a fused layer's output is probably also used by an"
                        + " operation in a forward method. The fusion was undone: fuse explicitly with the groups that"
                        + " are safe");
            }
        } catch (RuntimeException e) {
            for (int i = undo.size() - 1; i >= 0; i--) {
                model.setSubmodule((String) undo.get(i)[0], (Module) undo.get(i)[1]);
            }
            throw e;
        }
    }

    private static Tensor inference(Module model, Tensor example) {
        boolean training = model.isTraining();
        Map<Module, Boolean> modes = new IdentityHashMap<>();
        model.namedModules().values().forEach(m -> modes.put(m, m.isTraining()));
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            model.eval();
            return model.call(Variable.of(example)).data();
        } finally {
            modes.forEach(Module::train);
            if (training != model.isTraining()) {
                model.train(training);
            }
        }
    }

    /**
     * Fuses one group for quantization-aware training: the convolution (with its batch norm, and a
     * ReLU) becomes a {@link QatConv2d}, a linear layer (and ReLU) a {@link QatLinear}.
     */
    static void fuseQat(Module model, List<String> group) {
        apply(model, group, true);
    }

    /** Replaces one group; returns what to put back to undo it, {@code {path, old module}} per replacement. */
    private static List<Object[]> apply(Module model, List<String> group, boolean qat) {
        if (group.size() < 2 || group.size() > 3) {
            throw new IllegalArgumentException("fusion: a group has 2 or 3 modules, got " + group);
        }
        Module[] m = new Module[group.size()];
        for (int i = 0; i < m.length; i++) {
            m[i] = model.getSubmodule(group.get(i));
        }
        Module fused;
        if (m[0] instanceof Conv2d conv && m[1] instanceof BatchNorm2d bn && (m.length == 2 || m[2] instanceof ReLU)) {
            boolean relu = m.length == 3;
            if (qat) {
                fused = new QatConv2d(conv, bn, relu);
            } else {
                Conv2d folded = BatchNormFolding.fold(conv, bn);
                fused = relu ? new ConvReLU2d(folded) : folded;
            }
        } else if (m.length == 2 && m[0] instanceof Conv2d conv && m[1] instanceof ReLU) {
            fused = qat ? new QatConv2d(conv, null, true) : new ConvReLU2d(Copies.conv(conv));
        } else if (m.length == 2 && m[0] instanceof Linear linear && m[1] instanceof ReLU) {
            fused = qat ? new QatLinear(linear, true) : new LinearReLU(Copies.linear(linear));
        } else {
            List<String> types =
                    Arrays.stream(m).map(x -> x.getClass().getSimpleName()).toList();
            throw new IllegalArgumentException("fusion: cannot fuse " + group + " (" + types
                    + "); supported: Conv2d+BatchNorm2d, Conv2d+BatchNorm2d+ReLU, Conv2d+ReLU, Linear+ReLU");
        }
        List<Object[]> undo = new ArrayList<>();
        model.setSubmodule(group.get(0), fused);
        undo.add(new Object[] {group.get(0), m[0]});
        for (int i = 1; i < m.length; i++) {
            model.setSubmodule(group.get(i), new Identity());
            undo.add(new Object[] {group.get(i), m[i]});
        }
        return undo;
    }

    /** {@code "c1+relu1;c2+relu2"}: groups in the form a checkpoint's metadata records them. */
    static String encode(List<List<String>> groups) {
        return String.join(";", groups.stream().map(g -> String.join("+", g)).toList());
    }

    /** The inverse of {@link #encode}. */
    static List<List<String>> decode(String text) {
        List<List<String>> groups = new ArrayList<>();
        if (text == null || text.isEmpty()) {
            return groups;
        }
        for (String g : text.split(";", -1)) {
            groups.add(List.of(g.split("\\+", -1)));
        }
        return groups;
    }
}
