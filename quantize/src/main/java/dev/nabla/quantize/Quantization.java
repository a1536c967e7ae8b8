package dev.nabla.quantize;

import dev.nabla.autograd.Autograd;
import dev.nabla.autograd.Variable;
import dev.nabla.nn.AdaptiveAvgPool2d;
import dev.nabla.nn.AvgPool2d;
import dev.nabla.nn.BatchNorm;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Dropout;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.FloatFunctional;
import dev.nabla.nn.Identity;
import dev.nabla.nn.LSTM;
import dev.nabla.nn.Linear;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.Module;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.data.Batch;
import dev.nabla.nn.data.DataLoader;
import dev.nabla.quantize.fused.BatchNormFolding;
import dev.nabla.quantize.fused.ConvReLU2d;
import dev.nabla.quantize.fused.LinearReLU;
import dev.nabla.quantize.observer.Observer;
import dev.nabla.quantize.observer.ObserverConfig;
import dev.nabla.quantize.observer.PerChannelMinMaxObserver;
import dev.nabla.quantize.observer.QParams;
import dev.nabla.quantize.qat.FakeQuantize;
import dev.nabla.quantize.qat.QatConv2d;
import dev.nabla.quantize.qat.QatLinear;
import dev.nabla.quantize.quantized.DeQuantize;
import dev.nabla.quantize.quantized.DynamicQuantizedLSTM;
import dev.nabla.quantize.quantized.DynamicQuantizedLinear;
import dev.nabla.quantize.quantized.QFunctional;
import dev.nabla.quantize.quantized.Quantize;
import dev.nabla.quantize.quantized.QuantizedAdaptiveAvgPool2d;
import dev.nabla.quantize.quantized.QuantizedAvgPool2d;
import dev.nabla.quantize.quantized.QuantizedConv2d;
import dev.nabla.quantize.quantized.QuantizedLinear;
import dev.nabla.quantize.quantized.QuantizedMaxPool2d;
import dev.nabla.quantize.quantized.QuantizedReLU;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Int8 quantization of a trained float model, PyTorch's eager-mode {@code torch.ao.quantization}:
 *
 * <ul>
 *   <li><b>Post-training static quantization</b>: {@link #prepare} fuses conv-BN-ReLU and
 *       linear-ReLU ({@link Fusion}), wraps the model between a {@link QuantStub} and a
 *       {@link DeQuantStub} ({@link QuantWrapper}) and puts an observer on every activation that
 *       an int8 layer produces; {@link #calibrate} runs real batches through it; {@link #convert}
 *       replaces every layer with its int8 version (weights quantized per channel, activations with
 *       the observed ranges). The result computes in int8 from its first layer to its last, with
 *       fixed-point requantization between layers.</li>
 *   <li><b>Quantization-aware training</b>: {@link #prepareQat} puts fake quantization on weights
 *       and activations (batch norms kept, trained through the folding they will undergo), the
 *       model is fine-tuned with any training loop, {@link #freezeObservers} and
 *       {@link #freezeBatchNorm} settle it, and {@link #convert} makes the int8 model.</li>
 *   <li><b>Dynamic quantization</b>: {@link #quantizeDynamic} gives Linear and LSTM layers int8
 *       weights and quantizes their inputs on the fly, with no calibration.</li>
 * </ul>
 *
 * <p>The model is changed in place (Java cannot deep-copy a module; load the float checkpoint again
 * to compare). Every operation quantization must convert has to be a module: a ReLU written
 * {@code x.relu()} in a forward method, or a residual sum {@code h.add(x)}, stays invisible, and the
 * converted model stops there with an error; write {@code relu.call(x)} with a registered
 * {@link ReLU} and {@code addRelu.addRelu(h, x)} with a {@link FloatFunctional} (the models in
 * {@code dev.nabla.nn.models} do).
 *
 * <p>A converted model saves like any model ({@code stateDict()}, int8 weights plus scales and zero
 * points); {@link #metadata} says how it was made and {@link #rebuild} makes the same structure from
 * a fresh float model, for {@code loadStateDict}.
 *
 * <pre>{@code
 * LeNet5 net = Checkpoint.loadModel(dir, new LeNet5(1, 28, 10, new Generator(0)));
 * QuantWrapper q = Quantization.prepare(net, QConfig.defaults(), firstBatch);
 * Quantization.calibrate(q, trainLoader, 32);
 * Quantization.convert(q);
 * q.call(Variable.of(images));     // float logits, computed in int8
 *
 * Module mlp = Quantization.quantizeDynamic(new Sequential(new Linear(784, 512), new ReLU(), new Linear(512, 10)),
 *         Set.of(Linear.class));
 * }</pre>
 */
public final class Quantization {
    /** Batches of real data {@code calibrate} observes unless told otherwise. */
    public static final int DEFAULT_CALIBRATION_BATCHES = 32;
    /** Metadata key of a quantized checkpoint: {@code static}, {@code qat} or {@code dynamic}. */
    public static final String METHOD_KEY = "quantization";

    private static final String FUSIONS_KEY = "quantization.fusions";
    private static final String TYPES_KEY = "quantization.types";

    /** The layers with an int8 version in a statically quantized model (and the containers around them). */
    static final List<Class<? extends Module>> STATIC_TYPES = List.of(
            Conv2d.class,
            Linear.class,
            ReLU.class,
            MaxPool2d.class,
            AvgPool2d.class,
            AdaptiveAvgPool2d.class,
            Flatten.class,
            FloatFunctional.class,
            Identity.class,
            Dropout.class);

    private Quantization() {}

    // =================================================================== post-training static

    /**
     * Prepares {@code model} for post-training static quantization: inference mode, fusion (found
     * by tracing {@code example}, a real input batch, and checked against the unfused output),
     * checks that every layer has an int8 version, wraps it in a {@link QuantWrapper} and attaches
     * {@code qconfig}'s activation observers. Changes {@code model} in place.
     *
     * @throws IllegalArgumentException naming the module path and type of a layer with no int8
     *     version, and listing the supported types
     */
    public static QuantWrapper prepare(Module model, QConfig qconfig, Tensor example) {
        checkFloat("prepare", model, example, qconfig);
        model.eval();
        List<List<String>> groups = Fusion.find(model, example);
        Fusion.fuse(model, groups, example);
        QuantWrapper w = new QuantWrapper(model);
        checkSupported(w, false);
        for (var e : observable(w, false).entrySet()) {
            Observer o = qconfig.activation().get();
            w.observers.put(e.getKey(), o);
            w.hooks.add(e.getValue().registerForwardHook((m, in, out) -> {
                o.observe(out.data());
                return null;
            }));
        }
        w.stage = QuantWrapper.Stage.PREPARED;
        w.method = "static";
        w.qconfig = qconfig;
        w.fusions = new ArrayList<>(groups);
        w.example = example;
        return w.eval();
    }

    /**
     * Runs up to {@code maxBatches} batches of {@code batches} through a prepared model, in
     * inference mode without gradients, so its observers see the activations' real ranges.
     * Returns the number of batches run.
     *
     * @throws IllegalArgumentException when there is no batch at all
     */
    public static int calibrate(QuantWrapper prepared, Iterable<Tensor> batches, int maxBatches) {
        requireStage(prepared, QuantWrapper.Stage.PREPARED, "calibrate");
        if (maxBatches < 1) {
            throw new IllegalArgumentException("calibrate: the number of batches must be >= 1, got " + maxBatches);
        }
        prepared.eval();
        int n = 0;
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            for (Tensor x : batches) {
                if (n >= maxBatches) {
                    break;
                }
                prepared.call(Variable.of(x));
                n++;
            }
        }
        if (n == 0) {
            throw new IllegalArgumentException("calibrate: no batches to observe (the data is empty); static"
                    + " quantization needs real inputs to choose each activation's range");
        }
        return n;
    }

    /** {@link #calibrate(QuantWrapper, Iterable, int)} on the inputs of a loader's first epoch. */
    public static int calibrate(QuantWrapper prepared, DataLoader loader, int maxBatches) {
        List<Tensor> inputs = new ArrayList<>();
        try (DataLoader.BatchIterator it = loader.epoch(0).iterator()) {
            while (it.hasNext() && inputs.size() < maxBatches) {
                Batch b = it.next();
                inputs.add(b.inputs().data());
            }
        }
        return calibrate(prepared, inputs, maxBatches);
    }

    /**
     * Converts a calibrated (or quantization-aware trained) model to int8 in place: each layer
     * becomes its quantized version, with weights quantized per output channel and activations with
     * the ranges the observers chose; then tries the result on the example input, so a step the
     * conversion could not reach fails here, with the reason. Returns {@code prepared}.
     */
    public static QuantWrapper convert(QuantWrapper prepared) {
        Objects.requireNonNull(prepared, "prepared");
        if (prepared.stage != QuantWrapper.Stage.PREPARED && prepared.stage != QuantWrapper.Stage.QAT) {
            throw new IllegalStateException(
                    "convert: the model is " + prepared.stage() + "; convert a model from prepare() or prepareQat()");
        }
        Map<String, QParams> activations = new LinkedHashMap<>();
        if (prepared.stage == QuantWrapper.Stage.PREPARED) {
            prepared.observers.forEach((path, o) -> activations.put(path, observed(path, o)));
        } else {
            prepared.fakeQuants.forEach((path, f) -> activations.put(path, observed(path, f.observer())));
        }
        prepared.hooks.forEach(Module.HookHandle::remove);
        prepared.hooks.clear();
        QConfig qc = prepared.qconfig;
        convertModules(prepared, activations::get, w -> {
            Observer o = qc.weight().get();
            o.observe(w);
            return o.qparams();
        });
        prepared.observers.clear();
        prepared.fakeQuants.clear();
        prepared.stage = QuantWrapper.Stage.CONVERTED;
        prepared.eval();
        tryOut(prepared);
        return prepared;
    }

    private static QParams observed(String path, Observer o) {
        if (o.isEmpty()) {
            throw new IllegalStateException("convert: the observer of '" + path + "' saw no data; run calibrate() on"
                    + " real batches first (and check that the layer runs in the model's forward pass)");
        }
        return o.qparams();
    }

    private static void tryOut(QuantWrapper w) {
        if (w.example == null) {
            return;
        }
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            w.call(Variable.of(w.example));
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new IllegalStateException(
                    "convert: the int8 model fails on the example input: " + e.getMessage()
                            + ". Quantization converts modules only: an operation applied to tensors in a forward method"
                            + " (x.relu(), h.add(x), Functional...) must become a module (ReLU, FloatFunctional, MaxPool2d)",
                    e);
        }
    }

    // =================================================================== quantization-aware training

    /**
     * Prepares {@code model} for quantization-aware training, in training mode: conv-BN(-ReLU),
     * conv-ReLU and linear-ReLU groups (found by tracing {@code example}) and every other Conv2d and
     * Linear become {@link QatConv2d} and {@link QatLinear} (fake-quantized weights, batch norms
     * kept), and a {@link FakeQuantize} with {@code qconfig}'s activation observer follows every
     * activation an int8 layer will produce. The new layers hold copies of the float weights: make
     * the optimizer from the returned model's {@code parameters()}.
     */
    public static QuantWrapper prepareQat(Module model, QConfig qconfig, Tensor example) {
        checkFloat("prepareQat", model, example, qconfig);
        List<List<String>> groups = Fusion.find(model, example);
        for (List<String> g : groups) {
            Fusion.fuseQat(model, g);
        }
        List<String> inside = new ArrayList<>();
        for (var e : new ArrayList<>(model.namedModules().entrySet())) {
            String path = e.getKey();
            Module m = e.getValue();
            if (path.isEmpty() || within(path, inside)) {
                continue;
            }
            if (m instanceof QatConv2d || m instanceof QatLinear) {
                inside.add(path);
            } else if (m instanceof Conv2d c) {
                model.setSubmodule(path, new QatConv2d(c, null, false));
                inside.add(path);
            } else if (m instanceof Linear l) {
                model.setSubmodule(path, new QatLinear(l, false));
                inside.add(path);
            }
        }
        QuantWrapper w = new QuantWrapper(model);
        checkSupported(w, true);
        for (var e : observable(w, true).entrySet()) {
            FakeQuantize f = new FakeQuantize(qconfig.activation().get());
            w.fakeQuants.put(e.getKey(), f);
            w.hooks.add(e.getValue()
                    .registerForwardHook((m, in, out) -> f.train(m.isTraining()).call(out)));
        }
        w.stage = QuantWrapper.Stage.QAT;
        w.method = "qat";
        w.qconfig = qconfig;
        w.fusions = new ArrayList<>(groups);
        w.example = example;
        return w.train();
    }

    /** Stops the activation observers of a model in quantization-aware training: the ranges stay as they are. */
    public static void freezeObservers(QuantWrapper qat) {
        requireStage(qat, QuantWrapper.Stage.QAT, "freezeObservers");
        qat.fakeQuants.values().forEach(f -> f.observerEnabled(false));
    }

    /** Switches every batch norm of a model in quantization-aware training to its running statistics, for good. */
    public static void freezeBatchNorm(QuantWrapper qat) {
        requireStage(qat, QuantWrapper.Stage.QAT, "freezeBatchNorm");
        qat.namedModules().values().forEach(m -> {
            if (m instanceof QatConv2d c) {
                c.freezeBatchNorm();
            }
        });
    }

    // =================================================================== dynamic

    /**
     * Dynamic quantization, PyTorch's {@code quantize_dynamic}: every module of {@code types}
     * ({@link Linear}, {@link LSTM}) is replaced in place with its dynamically quantized version
     * (int8 weights per output channel, activations quantized per call from their own range).
     * Returns the model, or the replacement when the model itself is such a layer.
     */
    public static Module quantizeDynamic(Module model, Set<Class<? extends Module>> types) {
        Objects.requireNonNull(model, "model");
        for (Class<? extends Module> t : types) {
            if (t != Linear.class && t != LSTM.class) {
                throw new IllegalArgumentException("quantizeDynamic: no dynamic int8 version of " + t.getSimpleName()
                        + "; supported: Linear, LSTM");
            }
        }
        return dynamic(model, types, Quantization::weightQParams);
    }

    private static Module dynamic(Module model, Set<Class<? extends Module>> types, Function<Tensor, QParams> weights) {
        Module root = model;
        for (var e : new ArrayList<>(model.namedModules().entrySet())) {
            Module m = e.getValue();
            Module q = null;
            if (m instanceof Linear l && types.contains(Linear.class)) {
                q = DynamicQuantizedLinear.from(l, weights.apply(l.weight.data()));
            } else if (m instanceof LSTM lstm && types.contains(LSTM.class)) {
                q = DynamicQuantizedLSTM.from(lstm, weights);
            }
            if (q != null) {
                if (e.getKey().isEmpty()) {
                    root = q;
                } else {
                    model.setSubmodule(e.getKey(), q);
                }
            }
        }
        return root.eval();
    }

    private static QParams weightQParams(Tensor w) {
        Observer o = new PerChannelMinMaxObserver(ObserverConfig.weights());
        o.observe(w);
        return o.qparams();
    }

    // =================================================================== saving and loading

    /**
     * What {@link #rebuild} needs to make a quantized model's structure again, as string metadata
     * for its checkpoint: the method ({@value #METHOD_KEY}), the fused groups, the dynamically
     * quantized types.
     *
     * @throws IllegalArgumentException for a model that is not quantized
     */
    public static Map<String, String> metadata(Module quantized) {
        Map<String, String> meta = new LinkedHashMap<>();
        if (quantized instanceof QuantWrapper w) {
            if (w.stage != QuantWrapper.Stage.CONVERTED) {
                throw new IllegalArgumentException("metadata: the model is " + w.stage() + ", not converted");
            }
            meta.put(METHOD_KEY, w.method);
            meta.put(FUSIONS_KEY, Fusion.encode(w.fusions));
            return meta;
        }
        List<String> types = new ArrayList<>();
        for (Module m : quantized.namedModules().values()) {
            if (m instanceof DynamicQuantizedLinear && !types.contains("Linear")) {
                types.add("Linear");
            } else if (m instanceof DynamicQuantizedLSTM && !types.contains("LSTM")) {
                types.add("LSTM");
            }
        }
        if (types.isEmpty()) {
            throw new IllegalArgumentException(
                    "metadata: " + quantized.getClass().getSimpleName()
                            + " holds no quantized layer (neither converted nor dynamically quantized)");
        }
        meta.put(METHOD_KEY, "dynamic");
        meta.put(TYPES_KEY, String.join(",", types));
        return meta;
    }

    /**
     * The structure of a quantized model, made from a fresh float model of the same architecture
     * and the checkpoint's {@link #metadata}: fused, converted, with placeholder weights and scales
     * that {@code loadStateDict} then replaces. Changes {@code floatModel} in place.
     *
     * @throws IllegalArgumentException when the metadata does not describe a quantized model
     */
    public static Module rebuild(Module floatModel, Map<String, String> metadata) {
        Objects.requireNonNull(floatModel, "floatModel");
        String method = metadata.get(METHOD_KEY);
        if (method == null) {
            throw new IllegalArgumentException("rebuild: the checkpoint's metadata has no '" + METHOD_KEY
                    + "' entry, so it is not a quantized model; load it as a float model");
        }
        switch (method) {
            case "static", "qat" -> {
                floatModel.eval();
                Fusion.fuse(floatModel, Fusion.decode(metadata.getOrDefault(FUSIONS_KEY, "")));
                QuantWrapper w = new QuantWrapper(floatModel);
                checkSupported(w, false);
                QParams act = QParams.perTensor(1, 0, 0, 255, DType.UINT8);
                convertModules(
                        w,
                        path -> act,
                        t -> QParams.perChannel(ones(t.size(0)), new int[t.size(0)], -128, 127, DType.INT8));
                w.stage = QuantWrapper.Stage.CONVERTED;
                w.method = method;
                w.fusions = Fusion.decode(metadata.getOrDefault(FUSIONS_KEY, ""));
                return w.eval();
            }
            case "dynamic" -> {
                Set<Class<? extends Module>> types = new HashSet<>();
                for (String t : metadata.getOrDefault(TYPES_KEY, "").split(",", -1)) {
                    switch (t) {
                        case "Linear" -> types.add(Linear.class);
                        case "LSTM" -> types.add(LSTM.class);
                        default ->
                            throw new IllegalArgumentException(
                                    "rebuild: unknown dynamically quantized type '" + t + "' in the metadata");
                    }
                }
                return dynamic(
                        floatModel,
                        types,
                        t -> QParams.perChannel(ones(t.size(0)), new int[t.size(0)], -128, 127, DType.INT8));
            }
            default ->
                throw new IllegalArgumentException(
                        "rebuild: unknown quantization method '" + method + "' (static, qat or dynamic)");
        }
    }

    private static float[] ones(int n) {
        float[] a = new float[n];
        Arrays.fill(a, 1f);
        return a;
    }

    // =================================================================== the module walk

    /** The modules whose outputs are quantized activations, by path: stub, layers, functional sums. */
    private static Map<String, Module> observable(QuantWrapper w, boolean qat) {
        Map<String, Module> out = new LinkedHashMap<>();
        List<String> inside = new ArrayList<>();
        for (var e : w.namedModules().entrySet()) {
            String path = e.getKey();
            Module m = e.getValue();
            if (path.isEmpty() || within(path, inside)) {
                continue;
            }
            boolean layer = qat
                    ? m instanceof QatConv2d || m instanceof QatLinear
                    : m instanceof Conv2d || m instanceof Linear || m instanceof ConvReLU2d || m instanceof LinearReLU;
            if (layer || m instanceof QuantStub || m.getClass() == FloatFunctional.class) {
                out.put(path, m);
                inside.add(path);
            }
        }
        return out;
    }

    /** Replaces every convertible module; {@code activation} gives an output's parameters by path. */
    private static void convertModules(
            QuantWrapper w, Function<String, QParams> activation, Function<Tensor, QParams> weight) {
        List<String> done = new ArrayList<>();
        for (var e : new ArrayList<>(w.namedModules().entrySet())) {
            String path = e.getKey();
            Module m = e.getValue();
            if (path.isEmpty() || within(path, done)) {
                continue;
            }
            Module q = quantized(path, m, activation, weight);
            if (q != null) {
                w.setSubmodule(path, q);
                done.add(path);
            }
        }
    }

    private static Module quantized(
            String path, Module m, Function<String, QParams> activation, Function<Tensor, QParams> weight) {
        if (m instanceof QuantStub) {
            QParams a = activation(path, activation);
            return new Quantize(a.scale(), a.zeroPoint());
        } else if (m instanceof DeQuantStub) {
            return new DeQuantize();
        } else if (m instanceof ConvReLU2d f) {
            return QuantizedConv2d.from(
                    f.conv(), true, weight.apply(f.conv().weight.data()), activation(path, activation));
        } else if (m instanceof Conv2d c) {
            return QuantizedConv2d.from(c, false, weight.apply(c.weight.data()), activation(path, activation));
        } else if (m instanceof LinearReLU f) {
            return QuantizedLinear.from(
                    f.linear(), true, weight.apply(f.linear().weight.data()), activation(path, activation));
        } else if (m instanceof Linear l) {
            return QuantizedLinear.from(l, false, weight.apply(l.weight.data()), activation(path, activation));
        } else if (m instanceof QatConv2d q) {
            Conv2d folded = q.bn() == null ? q.conv() : BatchNormFolding.fold(q.conv(), q.bn());
            return QuantizedConv2d.from(
                    folded, q.relu(), weight.apply(folded.weight.data()), activation(path, activation));
        } else if (m instanceof QatLinear q) {
            return QuantizedLinear.from(
                    q.linear(), q.relu(), weight.apply(q.linear().weight.data()), activation(path, activation));
        } else if (m.getClass() == FloatFunctional.class) {
            return QFunctional.of(activation(path, activation));
        } else if (m instanceof ReLU) {
            return new QuantizedReLU();
        } else if (m instanceof MaxPool2d p) {
            return new QuantizedMaxPool2d(p);
        } else if (m instanceof AvgPool2d p) {
            return new QuantizedAvgPool2d(p);
        } else if (m instanceof AdaptiveAvgPool2d p) {
            return new QuantizedAdaptiveAvgPool2d(p);
        }
        return null;
    }

    private static QParams activation(String path, Function<String, QParams> activation) {
        QParams q = activation.apply(path);
        if (q == null) {
            throw new IllegalStateException("convert: no activation range for '" + path + "'");
        }
        if (q.dtype() != DType.UINT8) {
            throw new IllegalArgumentException(
                    "convert: int8 layers take uint8 activations, but the observer of '" + path + "' gives " + q);
        }
        return q;
    }

    /**
     * Every leaf module must have an int8 version (or be a stub, fused or QAT layer); containers are
     * walked into.
     */
    private static void checkSupported(QuantWrapper w, boolean qat) {
        List<String> inside = new ArrayList<>();
        for (var e : w.namedModules().entrySet()) {
            String path = e.getKey();
            Module m = e.getValue();
            if (path.isEmpty() || within(path, inside)) {
                continue;
            }
            if (m instanceof ConvReLU2d
                    || m instanceof LinearReLU
                    || m instanceof QatConv2d
                    || m instanceof QatLinear) {
                inside.add(path);
                continue;
            }
            if (!m.children().isEmpty() || m instanceof QuantStub || m instanceof DeQuantStub) {
                continue;
            }
            boolean ok = STATIC_TYPES.stream().anyMatch(t -> t.isInstance(m));
            if (!ok) {
                String hint = m instanceof BatchNorm
                        ? " (a BatchNorm2d is quantized only right after the Conv2d it is fused into)"
                        : m instanceof LSTM ? " (quantize an LSTM with quantizeDynamic)" : "";
                throw new IllegalArgumentException((qat ? "prepareQat" : "quantization") + ": module '"
                        + path.substring(path.indexOf('.') + 1) + "' ("
                        + m.getClass().getSimpleName()
                        + ") has no int8 version" + hint + "; supported: Conv2d, Linear (each optionally with a"
                        + " following BatchNorm2d or ReLU), ReLU, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Flatten,"
                        + " FloatFunctional (add, addRelu), Identity, Dropout");
            }
        }
    }

    private static boolean within(String path, List<String> parents) {
        for (String p : parents) {
            if (path.startsWith(p + ".")) {
                return true;
            }
        }
        return false;
    }

    private static void requireStage(QuantWrapper w, QuantWrapper.Stage stage, String op) {
        Objects.requireNonNull(w, op + ": the model is null");
        if (w.stage != stage) {
            throw new IllegalStateException(op + ": the model is " + w.stage() + ", but " + op + " needs one that is "
                    + stage.name().toLowerCase());
        }
    }

    private static void checkFloat(String op, Module model, Tensor example, QConfig qconfig) {
        Objects.requireNonNull(model, op + ": the model is null");
        Objects.requireNonNull(example, op + ": the example input is null");
        Objects.requireNonNull(qconfig, op + ": the qconfig is null");
        for (var e : model.namedModules().entrySet()) {
            Module m = e.getValue();
            String pkg = m.getClass().getPackageName();
            if (m instanceof QuantWrapper
                    || m instanceof ConvReLU2d
                    || m instanceof LinearReLU
                    || pkg.equals("dev.nabla.quantize.quantized")
                    || pkg.equals("dev.nabla.quantize.qat")) {
                throw new IllegalArgumentException(op + ": the model is already quantized or prepared ('" + e.getKey()
                        + "' is a " + m.getClass().getSimpleName() + "); start from the float model");
            }
        }
    }
}
