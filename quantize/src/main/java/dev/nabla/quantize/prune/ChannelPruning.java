package dev.nabla.quantize.prune;

import dev.nabla.autograd.Autograd;
import dev.nabla.autograd.Variable;
import dev.nabla.nn.AdaptiveAvgPool2d;
import dev.nabla.nn.AvgPool2d;
import dev.nabla.nn.BatchNorm;
import dev.nabla.nn.BatchNorm1d;
import dev.nabla.nn.BatchNorm2d;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Dropout;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.FloatFunctional;
import dev.nabla.nn.GELU;
import dev.nabla.nn.Identity;
import dev.nabla.nn.LeakyReLU;
import dev.nabla.nn.Linear;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.Module;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sigmoid;
import dev.nabla.nn.Tanh;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Structured pruning that really shrinks a network: whole Conv2d output channels and Linear units
 * with the smallest L2 norm go (PyTorch's {@code ln_structured(n=2, dim=0)} ranking), and the
 * layers after them shrink with them: the BatchNorm between, the next Conv2d's input channels, or
 * after a Flatten the next Linear's input features of those channels. The result is a smaller
 * dense model (fewer FLOPs, no masks) that computes what the masked model computes.
 *
 * <p>The layers are found by tracing one forward pass with hooks: the network must be a chain of
 * layers (each layer's input is the previous layer's output), as {@code Sequential} models and
 * LeNet-5 are. A residual add couples the channels of the layers it sums, which would have to lose
 * the same channels; such a network (ResNet-20) is refused with a message naming the coupled layers.
 * The last Conv2d/Linear (the classifier) keeps its outputs.
 *
 * <pre>{@code
 * Sequential vgg = VggCnn.create(1, 28, 10, false, new Generator(0));
 * ChannelPruning.Plan plan = ChannelPruning.plan(vgg, 0.5, Variable.zeros(1, 1, 28, 28));
 * plan.shrink(vgg);                 // conv widths 32,32,64,64 -> 16,16,32,32; fc 256 -> 128
 * plan.kept();                      // {"0" -> [3, 5, ...], ...} the surviving channels per layer
 * }</pre>
 */
public final class ChannelPruning {
    private ChannelPruning() {}

    /** One prunable layer and the layers its outputs flow into. */
    private record Group(String producer, List<String> following, String consumer, int spatial) {}

    /**
     * Which output channels of each prunable layer survive.
     *
     * @param kept   the indices kept per producing layer (by module path), ascending
     * @param groups internal: producer, in-between layers, consumer
     */
    public record Plan(Map<String, int[]> kept, List<?> groups) {

        /**
         * Zeroes the pruned channels in place (the filter, its bias and the BatchNorm's scale and
         * shift), without changing any shape: the "masked model" the shrunk one must equal in eval
         * mode.
         */
        public void mask(Module model) {
            for (Object o : groups) {
                Group g = (Group) o;
                int[] keep = kept.get(g.producer);
                Module p = model.getSubmodule(g.producer);
                int out = p.namedParameters().get("weight").size(0);
                boolean[] on = new boolean[out];
                for (int k : keep) {
                    on[k] = true;
                }
                zeroRows(p.namedParameters().get("weight").data(), on);
                if (p.namedParameters().containsKey("bias")) {
                    zeroRows(p.namedParameters().get("bias").data(), on);
                }
                for (String f : g.following) {
                    Module m = model.getSubmodule(f);
                    if (m instanceof BatchNorm bn && bn.weight != null) {
                        zeroRows(bn.weight.data(), on);
                        zeroRows(bn.bias.data(), on);
                    }
                }
            }
        }

        /** Replaces the layers by smaller ones holding the kept channels only (in place). */
        public void shrink(Module model) {
            for (Object o : groups) {
                Group g = (Group) o;
                int[] keep = kept.get(g.producer);
                replace(model, g.producer, keep, 0, 1);
                for (String f : g.following) {
                    if (model.getSubmodule(f) instanceof BatchNorm) {
                        replace(model, f, keep, 0, 1);
                    }
                }
                replace(model, g.consumer, keep, 1, g.spatial);
            }
        }

        /** Output widths after shrinking, by producing layer: what {@link #resize} needs to rebuild. */
        public Map<String, Integer> widths() {
            Map<String, Integer> w = new LinkedHashMap<>();
            kept.forEach((k, v) -> w.put(k, v.length));
            return w;
        }
    }

    /**
     * Plans the removal of {@code amount} of every hidden Conv2d's and Linear's output channels
     * ({@code round(amount * C)}, at least one channel stays), smallest filter L2 norm first.
     *
     * @param sample an input of the shape the model takes (one image is enough), to trace the layers
     * @throws IllegalArgumentException for an amount outside [0, 1), or a network that is not a
     *     chain (naming the layers a residual add couples)
     */
    public static Plan plan(Module model, double amount, Variable sample) {
        if (!(amount >= 0 && amount < 1)) {
            throw new IllegalArgumentException(
                    "ChannelPruning: the amount (fraction of channels) must be in [0, 1), got " + amount);
        }
        List<Group> groups = trace(model, sample);
        Map<String, int[]> kept = new LinkedHashMap<>();
        for (Group g : groups) {
            Tensor w = model.getSubmodule(g.producer)
                    .namedParameters()
                    .get("weight")
                    .data();
            kept.put(g.producer, strongest(w, w.size(0) - (int) Math.rint(amount * w.size(0))));
        }
        return new Plan(kept, List.copyOf(groups));
    }

    /**
     * Rebuilds a shrunk model's shapes from its {@link Plan#widths()}, keeping the first channels,
     * so that a state dict saved after {@link Plan#shrink} loads into it.
     */
    public static void resize(Module model, Map<String, Integer> widths, Variable sample) {
        List<Group> groups = trace(model, sample);
        Map<String, int[]> kept = new LinkedHashMap<>();
        List<Group> used = new ArrayList<>();
        for (Group g : groups) {
            Integer w = widths.get(g.producer);
            if (w != null) {
                int[] first = new int[w];
                Arrays.setAll(first, i -> i);
                kept.put(g.producer, first);
                used.add(g);
            }
        }
        if (used.size() != widths.size()) {
            throw new IllegalArgumentException(
                    "ChannelPruning.resize: widths name layers that are not prunable: " + widths.keySet());
        }
        new Plan(kept, List.copyOf(used)).shrink(model);
    }

    // =================================================================== tracing

    private static boolean passesChannels(Module m) {
        return m instanceof ReLU
                || m instanceof LeakyReLU
                || m instanceof GELU
                || m instanceof Tanh
                || m instanceof Sigmoid
                || m instanceof MaxPool2d
                || m instanceof AvgPool2d
                || m instanceof AdaptiveAvgPool2d
                || m instanceof Dropout
                || m instanceof Identity
                || m instanceof BatchNorm2d
                || m instanceof BatchNorm1d;
    }

    private static List<Group> trace(Module model, Variable sample) {
        Map<String, Module> all = model.namedModules();
        List<String> coupled = new ArrayList<>();
        all.forEach((path, m) -> {
            if (m instanceof FloatFunctional) {
                String parent = path.contains(".") ? path.substring(0, path.lastIndexOf('.')) : "";
                String lastConv = null;
                for (String p : all.keySet()) {
                    if (p.startsWith(parent.isEmpty() ? "" : parent + ".") && all.get(p) instanceof Conv2d) {
                        lastConv = p;
                    }
                }
                coupled.add("'" + lastConv + "' with the input of '" + parent + "' (summed by '" + path + "')");
            }
        });
        if (!coupled.isEmpty()) {
            throw new IllegalArgumentException(
                    "ChannelPruning: " + model.getClass().getSimpleName()
                            + " adds branches, which couples their channels: " + String.join(", ", coupled)
                            + "; those layers would have to lose the same channels, which is not supported: prune a chain"
                            + " of layers (Sequential, LeNet-5, the VGG-style CNN) or use unstructured pruning");
        }
        // Record the leaves in call order, with their input and output.
        List<String> order = new ArrayList<>();
        List<Variable[]> io = new ArrayList<>();
        IdentityHashMap<Module, String> names = new IdentityHashMap<>();
        List<Module.HookHandle> hooks = new ArrayList<>();
        all.forEach((path, m) -> {
            if (m.children().isEmpty() && !path.isEmpty()) {
                names.put(m, path);
                hooks.add(m.registerForwardHook((mod, in, out) -> {
                    order.add(names.get(mod));
                    io.add(new Variable[] {in, out});
                    return null;
                }));
            }
        });
        boolean training = model.isTraining();
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            model.eval();
            model.call(sample);
        } finally {
            model.train(training);
            hooks.forEach(Module.HookHandle::remove);
        }
        for (int i = 1; i < order.size(); i++) {
            if (io.get(i)[0] != io.get(i - 1)[1]) {
                throw new IllegalArgumentException("ChannelPruning: the input of '" + order.get(i)
                        + "' is not the output of '" + order.get(i - 1) + "', the layer called before it: "
                        + model.getClass().getSimpleName() + " is not a chain of layers, so the channels of '"
                        + order.get(i - 1) + "' may be coupled to another branch");
            }
        }
        List<Group> groups = new ArrayList<>();
        for (int i = 0; i < order.size(); i++) {
            Module m = all.get(order.get(i));
            if (!(m instanceof Conv2d || m instanceof Linear)) {
                continue;
            }
            if (m instanceof Conv2d c && c.groups() != 1) {
                continue;
            }
            List<String> following = new ArrayList<>();
            int spatial = 1;
            int j = i + 1;
            String consumer = null;
            for (; j < order.size(); j++) {
                Module n = all.get(order.get(j));
                if (n instanceof Conv2d c2 && c2.groups() == 1 || n instanceof Linear) {
                    consumer = order.get(j);
                    break;
                }
                if (n instanceof Flatten) {
                    int[] d = io.get(j)[0].dims();
                    spatial = 1;
                    for (int k = 2; k < d.length; k++) {
                        spatial *= d[k];
                    }
                } else if (!passesChannels(n)) {
                    consumer = null;
                    break;
                }
                following.add(order.get(j));
            }
            if (consumer != null && j < order.size()) {
                groups.add(new Group(order.get(i), following, consumer, spatial));
            }
        }
        return groups;
    }

    // =================================================================== tensors

    /** Indices of the {@code keep} rows with the largest L2 norm, ascending. */
    private static int[] strongest(Tensor w, int keep) {
        int rows = w.size(0);
        int per = w.numel() / rows;
        float[] a = w.contiguous().toArray();
        double[] norm = new double[rows];
        for (int r = 0; r < rows; r++) {
            double s = 0;
            for (int k = 0; k < per; k++) {
                double v = a[r * per + k];
                s += v * v;
            }
            norm[r] = s;
        }
        Integer[] idx = new Integer[rows];
        Arrays.setAll(idx, i -> i);
        Arrays.sort(idx, (x, y) -> Double.compare(norm[y], norm[x])); // stable: lower index wins ties
        int[] out = new int[Math.max(1, keep)];
        for (int i = 0; i < out.length; i++) {
            out[i] = idx[i];
        }
        Arrays.sort(out);
        return out;
    }

    private static void zeroRows(Tensor t, boolean[] on) {
        for (int r = 0; r < on.length; r++) {
            if (!on[r]) {
                t.select(0, r).zero();
            }
        }
    }

    /**
     * Replaces the module at {@code path} by one whose dimension {@code dim} (0 outputs, 1 inputs)
     * keeps only {@code keep} (each index standing for {@code spatial} consecutive input features).
     */
    private static void replace(Module model, String path, int[] keep, int dim, int spatial) {
        Module old = model.getSubmodule(path);
        long[] index = new long[keep.length * spatial];
        for (int i = 0; i < keep.length; i++) {
            for (int s = 0; s < spatial; s++) {
                index[i * spatial + s] = (long) keep[i] * spatial + s;
            }
        }
        Tensor ix = Tensor.fromArray(index, index.length);
        Module fresh;
        if (old instanceof Conv2d c) {
            int in = dim == 1 ? index.length : c.inChannels();
            int out = dim == 0 ? index.length : c.outChannels();
            Conv2d.Options o = Conv2d.options()
                    .stride(c.stride()[0], c.stride()[1])
                    .padding(c.padding()[0], c.padding()[1])
                    .dilation(c.dilation()[0], c.dilation()[1])
                    .bias(c.bias != null);
            fresh = new Conv2d(in, out, c.kernelSize(), o);
        } else if (old instanceof Linear l) {
            int in = dim == 1 ? index.length : l.inFeatures();
            int out = dim == 0 ? index.length : l.outFeatures();
            fresh = new Linear(in, out, l.bias != null, new Generator(0));
        } else if (old instanceof BatchNorm bn) {
            BatchNorm.Options o = BatchNorm.options()
                    .eps(bn.eps())
                    .momentum(bn.momentum())
                    .affine(bn.weight != null)
                    .trackRunningStats(bn.runningMean() != null);
            fresh = bn instanceof BatchNorm2d ? new BatchNorm2d(index.length, o) : new BatchNorm1d(index.length, o);
        } else {
            throw new IllegalStateException(
                    "ChannelPruning: cannot shrink " + old.getClass().getSimpleName());
        }
        Map<String, Tensor> state = new LinkedHashMap<>();
        old.stateDict().forEach((k, t) -> {
            boolean sliced = t.dtype() == DType.FLOAT32 && t.dim() > dim && (dim == 0 || k.equals("weight"));
            state.put(k, sliced ? t.indexSelect(dim, ix).contiguous() : t);
        });
        fresh.loadStateDict(state);
        fresh.train(old.isTraining());
        model.setSubmodule(path, fresh);
    }
}
