package dev.nabla.export.onnx;

import dev.nabla.autograd.Tracing;
import dev.nabla.autograd.Variable;
import dev.nabla.nn.Module;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Builds an ONNX model from a Nabla module by tracing (see {@link Onnx} for the design): runs the
 * forward pass twice under {@link Tracing}, on the example input and on the same input grown by
 * one along the batch axis, lines the two traces up operation by operation, and writes one ONNX
 * node group per operation. A dimension that differs between the two traces is a multiple of the
 * batch size; everything else is fixed.
 *
 * <p>Map: tracing ({@link #trace}), shapes ({@link Dim}, {@link #dims}, {@link #reshapeTarget},
 * {@link #exactShape}), values ({@link #value}, constants), then one method per operation family
 * (elementwise, reductions, shape, convolution and pooling, normalisation, LSTM, attention).
 */
final class OnnxExporter {
    /** One traced step: the operation, the path and class of the module it ran in. */
    private record Step(Tracing.Op op, String path, Module module) {}

    private record Trace(List<Step> steps, Variable input, Variable output) {}

    /** A dimension: {@code fixed} when {@code perBatch == 0}, else {@code perBatch * batch}. */
    record Dim(int fixed, int perBatch) {
        boolean dynamic() {
            return perBatch != 0;
        }
    }

    private static final long INT64_MAX = Long.MAX_VALUE;

    private final ExportOptions options;
    private final GraphBuilder g;
    private final Trace a;
    private final Trace b;
    private final int batchA;
    private final int batchB;
    private final Map<Variable, String> names = new IdentityHashMap<>();
    private final Map<Variable, Variable> twin = new IdentityHashMap<>();
    private final Map<Tensor, Tensor> twinTensor = new IdentityHashMap<>();
    private Step current;
    private String batchSize;

    private OnnxExporter(Module model, Trace a, Trace b, ExportOptions options) {
        this.options = options;
        this.a = a;
        this.b = b;
        this.g = new GraphBuilder(model.namedParameters(), model.namedBuffers(), options.opset());
        this.batchA = a.input.size(options.batchAxis());
        this.batchB = b == null ? batchA : b.input.size(options.batchAxis());
    }

    // =================================================================== entry

    static Proto.Model export(Module model, Variable example, ExportOptions options) {
        if (options.batchAxis() >= example.dim()) {
            throw new IllegalArgumentException("ONNX export: batchAxis " + options.batchAxis()
                    + " is not an axis of the example input " + example.shape());
        }
        Map<Module, Boolean> modes = new LinkedHashMap<>();
        model.namedModules().values().forEach(m -> modes.put(m, m.isTraining()));
        model.eval();
        try {
            Trace a = trace(model, example, options);
            Trace b = options.dynamicBatch() ? trace(model, grow(example, options.batchAxis()), options) : null;
            return new OnnxExporter(model, a, b, options).build(model);
        } finally {
            // namedModules lists parents before children, so each module ends with its own mode.
            modes.forEach((m, mode) -> m.train(mode));
        }
    }

    /** The example with its first batch entry appended: the second trace's input. */
    private static Variable grow(Variable example, int axis) {
        Tensor x = example.data();
        return Variable.of(Tensor.cat(axis, x, x.narrow(axis, 0, 1)));
    }

    private static final class Frame {
        final String path;
        final Module module;
        /** A captured call's further inputs ({@link Tracing#reportInput}). */
        final List<Variable> others = new ArrayList<>();

        Frame(String path, Module module) {
            this.path = path;
            this.module = module;
        }
    }

    /**
     * Records one forward pass: the traced operations, a call of a module with an exporter as one
     * "module" step (its inputs: the module's input, then what it reported with
     * {@link Tracing#reportInput}), and an "opaque" step for a module without one whose output no
     * traced operation produced (an int8 layer computes on tensors, out of autograd's sight), so
     * that the export names it instead of writing its output as a constant.
     */
    private static Trace trace(Module model, Variable input, ExportOptions options) {
        List<Step> steps = new ArrayList<>();
        Deque<Frame> stack = new ArrayDeque<>();
        Frame[] capture = {null};
        Set<Variable> known = Collections.newSetFromMap(new IdentityHashMap<>());
        known.add(input);
        known.addAll(model.parameters());
        List<Module.HookHandle> handles = new ArrayList<>();
        try {
            for (var e : model.namedModules().entrySet()) {
                String path = e.getKey();
                ModuleExporter<Module> exporter = options.exporterFor(e.getValue());
                handles.add(e.getValue().registerForwardPreHook((m, x) -> {
                    Frame f = new Frame(path, m);
                    stack.push(f);
                    if (capture[0] == null && exporter != null) {
                        capture[0] = f;
                    }
                    return null;
                }));
                handles.add(e.getValue().registerForwardHook((m, in, out) -> {
                    Frame f = stack.pop();
                    String kind =
                            capture[0] == f ? "module" : capture[0] == null && !known.contains(out) ? "opaque" : null;
                    if (kind != null) {
                        capture[0] = null;
                        List<Variable> ins = new ArrayList<>(List.of(in));
                        ins.addAll(f.others);
                        steps.add(new Step(new Tracing.Op(kind, Map.of("module", m), ins, List.of(out)), f.path, m));
                        known.add(out);
                    }
                    return null;
                }));
            }
            Variable out = Tracing.trace(
                    op -> {
                        if (op.name().equals(Tracing.INPUT)) {
                            if (capture[0] != null) {
                                capture[0].others.add(op.input(0));
                            }
                        } else if (capture[0] == null) {
                            Frame f = stack.peek();
                            steps.add(new Step(op, f == null ? "" : f.path, f == null ? model : f.module));
                            known.addAll(op.outputs());
                        }
                    },
                    () -> model.call(input));
            return new Trace(steps, input, out);
        } finally {
            handles.forEach(Module.HookHandle::remove);
        }
    }

    // =================================================================== building

    private Proto.Model build(Module model) {
        if (b != null) {
            align();
        }
        names.put(a.input, options.inputName());
        g.reserve(options.inputName());
        g.reserve(options.outputName());
        boolean[] live = liveness();
        for (int i = 0; i < a.steps.size(); i++) {
            if (live[i]) {
                current = a.steps.get(i);
                g.scope(current.path);
                emit(current.op);
            }
        }
        current = null;
        g.scope("");
        String out = value(a.output);
        g.nodeWithOutputs("Identity", List.of(out), List.of(options.outputName()));

        Proto.ValueInfo in =
                new Proto.ValueInfo(options.inputName(), Proto.onnxType(a.input.dtype()), dimInfo(a.input));
        Proto.ValueInfo outInfo =
                new Proto.ValueInfo(options.outputName(), Proto.onnxType(a.output.dtype()), dimInfo(a.output));
        String graphName = model.getClass().getSimpleName();
        Proto.Graph graph = new Proto.Graph(
                graphName.isEmpty() ? "nabla_model" : graphName,
                g.nodes(),
                g.initializers(),
                List.of(in),
                List.of(outInfo),
                List.of());
        return new Proto.Model(
                options.opset() >= 14 ? 8 : 7,
                List.of(new Proto.OpsetId("", options.opset())),
                "nabla",
                "0.1.0",
                graph,
                Map.of());
    }

    private List<Object> dimInfo(Variable v) {
        List<Object> out = new ArrayList<>();
        for (Dim d : dims(v)) {
            out.add(!d.dynamic() ? (Object) d.fixed : d.perBatch == 1 ? "batch" : "batch*" + d.perBatch);
        }
        return out;
    }

    /** Pairs every value of the first trace with the same value in the second. */
    private void align() {
        List<Step> sa = a.steps;
        List<Step> sb = b.steps;
        twin.put(a.input, b.input);
        for (int i = 0; i < Math.max(sa.size(), sb.size()); i++) {
            Tracing.Op oa = i < sa.size() ? sa.get(i).op : null;
            Tracing.Op ob = i < sb.size() ? sb.get(i).op : null;
            if (oa == null
                    || ob == null
                    || !oa.name().equals(ob.name())
                    || oa.inputs().size() != ob.inputs().size()
                    || oa.outputs().size() != ob.outputs().size()) {
                Step s = i < sa.size() ? sa.get(i) : sb.get(i);
                throw new IllegalStateException("ONNX export: the model runs different operations for batch sizes "
                        + batchA + " and " + batchB + " (step " + i + ": " + (oa == null ? "none" : oa.name()) + " vs "
                        + (ob == null ? "none" : ob.name()) + ", in " + where(s)
                        + "); export with ExportOptions.dynamicBatch(false)");
            }
            for (int k = 0; k < oa.inputs().size(); k++) {
                if (oa.input(k) != null && ob.input(k) != null) {
                    twin.putIfAbsent(oa.input(k), ob.input(k));
                }
            }
            for (int k = 0; k < oa.outputs().size(); k++) {
                twin.put(oa.outputs().get(k), ob.outputs().get(k));
            }
            oa.attributes().forEach((key, v) -> {
                if (v instanceof Tensor t && ob.attributes().get(key) instanceof Tensor u) {
                    twinTensor.put(t, u);
                }
            });
        }
        twin.put(a.output, b.output);
    }

    /** Marks the steps whose results reach the output (the others are left out of the file). */
    private boolean[] liveness() {
        Map<Variable, Integer> producer = new IdentityHashMap<>();
        for (int i = 0; i < a.steps.size(); i++) {
            for (Variable v : a.steps.get(i).op.outputs()) {
                producer.put(v, i);
            }
        }
        boolean[] live = new boolean[a.steps.size()];
        Deque<Variable> todo = new ArrayDeque<>();
        Set<Variable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        todo.push(a.output);
        while (!todo.isEmpty()) {
            Variable v = todo.pop();
            if (!seen.add(v)) {
                continue;
            }
            Integer p = producer.get(v);
            if (p != null && !live[p]) {
                live[p] = true;
                for (Variable in : a.steps.get(p).op.inputs()) {
                    if (in != null) {
                        todo.push(in);
                    }
                }
            }
        }
        return live;
    }

    private static String where(Step s) {
        return s.path.isEmpty()
                ? "the model (" + s.module.getClass().getSimpleName() + ")"
                : "module '" + s.path + "' (" + s.module.getClass().getSimpleName() + ")";
    }

    private IllegalArgumentException unsupported(String what) {
        return new IllegalArgumentException("ONNX export: " + what + " in " + where(current));
    }

    // =================================================================== shapes

    private Dim[] dims(int[] da, int[] db, String what) {
        Dim[] out = new Dim[da.length];
        for (int i = 0; i < da.length; i++) {
            if (db == null || da[i] == db[i]) {
                out[i] = new Dim(da[i], 0);
                continue;
            }
            int k = (db[i] - da[i]) / (batchB - batchA);
            if (k * (batchB - batchA) != db[i] - da[i] || k * batchA != da[i]) {
                throw unsupported(what + " has dimension " + i + " = " + da[i] + " for batch " + batchA + " but "
                        + db[i] + " for batch " + batchB + ", not a multiple of the batch size");
            }
            out[i] = new Dim(da[i], k);
        }
        return out;
    }

    Dim[] dims(Variable v) {
        Variable t = twin.get(v);
        if (t != null && t.dim() != v.dim()) {
            throw unsupported("a value's rank depends on the batch size (" + v.shape() + " vs " + t.shape() + ")");
        }
        return dims(v.dims(), t == null ? null : t.dims(), "a value of shape " + v.shape());
    }

    private static boolean anyDynamic(Dim[] d) {
        for (Dim x : d) {
            if (x.dynamic()) {
                return true;
            }
        }
        return false;
    }

    /** Reshape's shape input: fixed numbers, -1 for the one dimension that scales with the batch. */
    private String reshapeTarget(Dim[] d) {
        int dynamic = 0;
        long[] out = new long[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = d[i].dynamic() ? -1 : d[i].fixed;
            dynamic += d[i].dynamic() ? 1 : 0;
        }
        return dynamic <= 1 ? g.ints(out) : exactShape(d);
    }

    /** A shape as an int64 value, computed from the input's batch size where it scales with it. */
    private String exactShape(Dim[] d) {
        if (!anyDynamic(d)) {
            long[] out = new long[d.length];
            for (int i = 0; i < d.length; i++) {
                out[i] = d[i].fixed;
            }
            return g.ints(out);
        }
        List<String> parts = new ArrayList<>();
        for (Dim x : d) {
            if (!x.dynamic()) {
                parts.add(g.ints(x.fixed));
            } else {
                String n = batchSize();
                parts.add(x.perBatch == 1 ? n : g.node("Mul", List.of(n, g.ints(x.perBatch))));
            }
        }
        return g.node("Concat", parts, "axis", 0);
    }

    /** The input's batch size as an int64 [1] value (computed once). */
    private String batchSize() {
        if (batchSize == null) {
            String shape = g.node("Shape", List.of(options.inputName()));
            batchSize = g.node("Gather", List.of(shape, g.ints(options.batchAxis())), "axis", 0);
        }
        return batchSize;
    }

    // =================================================================== values

    /** The ONNX name of a traced value: an earlier result, the input, a parameter or a constant. */
    private String value(Variable v) {
        String n = names.get(v);
        if (n != null) {
            return n;
        }
        if (g.isParameter(v)) {
            n = g.parameter(v);
        } else {
            String buffer = g.buffer(v.data());
            n = buffer != null
                    ? buffer
                    : constant(v.data(), twin.containsKey(v) ? twin.get(v).data() : null);
        }
        names.put(v, n);
        return n;
    }

    /**
     * A constant: an initializer when it is the same for both batch sizes, a ConstantOfShape when
     * only its shape scales with the batch and it holds one repeated value (zeros of the batch's
     * size, say); anything else cannot be written.
     */
    private String constant(Tensor t, Tensor other) {
        if (other == null || Arrays.equals(t.dims(), other.dims())) {
            return g.constant(t);
        }
        if (t.dim() != other.dim()) {
            throw unsupported(
                    "a constant's rank depends on the batch size (" + t.shape() + " vs " + other.shape() + ")");
        }
        Dim[] d = dims(t.dims(), other.dims(), "a constant of shape " + t.shape());
        Tensor flat = t.contiguous().reshape(-1);
        boolean uniform =
                flat.numel() > 0 && flat.ne(flat.narrow(0, 0, 1)).sum().itemLong() == 0;
        if (!uniform) {
            throw unsupported("a constant of shape " + t.shape() + " depends on the batch size and is not one repeated"
                    + " value; compute it from the input inside the model, or export with dynamicBatch(false)");
        }
        Tensor one = flat.narrow(0, 0, 1).contiguous();
        return g.node("ConstantOfShape", List.of(exactShape(d)), "value", one);
    }

    /** A tensor attribute (a mask, an index) as a constant, checked like {@link #constant}. */
    /** An operation's {@code index} attribute as an int64 constant, the index type Gather and GatherElements take. */
    private String int64Index(Tracing.Op op) {
        Tensor index = op.tensorAttr("index");
        return g.cast(tensorConstant(index), index.dtype(), DType.INT64);
    }

    private String tensorConstant(Tensor t) {
        String buffer = g.buffer(t);
        return buffer != null ? buffer : constant(t, twinTensor.get(t));
    }

    private String castTo(Variable v, DType to) {
        return g.cast(value(v), v.dtype(), to);
    }

    // =================================================================== operations

    private void emit(Tracing.Op op) {
        if (op.userFunction() != null) {
            throw unsupported(
                    "unsupported op '" + op.name() + "': " + op.userFunction()
                            + " is a user-defined AutogradFunction, which has no ONNX export; write the module that applies"
                            + " it with built-in operations, or register a ModuleExporter for it (ExportOptions.moduleExporter)");
        }
        Variable out = op.output();
        String y = switch (op.name()) {
            case "add" -> binary("Add", op);
            case "sub" -> binary("Sub", op);
            case "mul" -> binary("Mul", op);
            case "div" -> binary("Div", op);
            case "maximum" -> binary("Max", op);
            case "minimum" -> binary("Min", op);
            case "pow" ->
                op.inputs().size() == 1
                        ? g.node("Pow", List.of(value(op.input(0)), g.scalar((float) op.doubleAttr("exponent"))))
                        : binary("Pow", op);
            case "where" ->
                g.node(
                        "Where",
                        List.of(
                                g.cast(
                                        tensorConstant(op.tensorAttr("condition")),
                                        op.tensorAttr("condition").dtype(),
                                        DType.BOOL),
                                castTo(op.input(0), out.dtype()),
                                castTo(op.input(1), out.dtype())));
            case "neg" -> unary("Neg", op);
            case "abs" -> unary("Abs", op);
            case "exp" -> unary("Exp", op);
            case "log" -> unary("Log", op);
            case "sqrt" -> unary("Sqrt", op);
            case "rsqrt" -> g.node("Reciprocal", List.of(unary("Sqrt", op)));
            case "tanh" -> unary("Tanh", op);
            case "sigmoid" -> unary("Sigmoid", op);
            case "relu" -> unary("Relu", op);
            case "reciprocal" -> unary("Reciprocal", op);
            case "square" -> g.node("Mul", List.of(value(op.input(0)), value(op.input(0))));
            case "gelu" -> gelu(value(op.input(0)));
            case "leakyRelu" ->
                g.node("LeakyRelu", List.of(value(op.input(0))), "alpha", (float) op.doubleAttr("slope"));
            case "clamp" ->
                g.node("Clip", List.of(value(op.input(0)), g.scalar((float) op.doubleAttr("min")), g.scalar((float)
                        op.doubleAttr("max"))));
            case "sum" -> reduce("ReduceSum", op);
            case "mean" -> reduce("ReduceMean", op);
            case "max" -> reduce("ReduceMax", op);
            case "min" -> reduce("ReduceMin", op);
            case "var" -> variance(op);
            case "softmax" -> g.node("Softmax", List.of(value(op.input(0))), "axis", op.intAttr("dim"));
            case "logSoftmax" -> g.node("LogSoftmax", List.of(value(op.input(0))), "axis", op.intAttr("dim"));
            case "matmul" -> g.node("MatMul", List.of(value(op.input(0)), value(op.input(1))));
            case "linear" -> linear(op);
            case "reshape", "view" -> g.node("Reshape", List.of(value(op.input(0)), reshapeTarget(dims(out))));
            case "expand" -> g.node("Expand", List.of(value(op.input(0)), exactShape(dims(out))));
            case "permute" ->
                g.node("Transpose", List.of(value(op.input(0))), "perm", axes(op.intsAttr("perm"), out.dim()));
            case "transpose" -> transpose(op);
            case "contiguous" -> value(op.input(0));
            case "narrow" -> slice(op, op.intAttr("start"), (long) op.intAttr("start") + op.intAttr("length"), 1);
            case "slice" -> slice(op, op.intAttr("start"), op.intAttr("end"), op.intAttr("step"));
            case "select" ->
                g.node(
                        "Gather",
                        List.of(value(op.input(0)), g.constant(Tensor.fromArray(new long[] {op.intAttr("index")}))),
                        "axis",
                        op.intAttr("dim"));
            case "cat" -> cat(op);
            case "pad" -> pad(op);
            case "gather" ->
                g.node("GatherElements", List.of(value(op.input(0)), int64Index(op)), "axis", op.intAttr("dim"));
            case "indexSelect" ->
                g.node("Gather", List.of(value(op.input(0)), int64Index(op)), "axis", op.intAttr("dim"));
            case "embedding" -> g.node("Gather", List.of(value(op.input(1)), value(op.input(0))), "axis", 0);
            case "conv2d" -> conv(op);
            case "maxPool2d" -> pool("MaxPool", op);
            case "avgPool2d" -> pool("AveragePool", op);
            case "adaptiveAvgPool2d" -> adaptiveAvgPool(op);
            case "batchNorm" -> batchNorm(op);
            case "layerNorm" -> layerNorm(op);
            case "dropout" ->
                throw unsupported("dropout in training mode (the export runs the model in eval mode;"
                        + " a dropout that ignores it cannot be written)");
            case "lstm" -> {
                lstm(op);
                yield names.get(out);
            }
            case "attention", "attentionPacked" -> {
                attention(op);
                yield names.get(out);
            }
            case "module" -> module(op);
            case "opaque" ->
                throw unsupported("the output is computed outside autograd (on tensors, as an int8 layer does) and"
                        + " " + current.module.getClass().getName() + " has no ModuleExporter; register one with"
                        + " Onnx.registerModuleExporter or ExportOptions.moduleExporter");
            case "crossEntropy", "nllLoss", "mseLoss", "bceWithLogits", "klDiv" ->
                throw unsupported("the loss " + op.name() + " has no ONNX export; export the model without its loss");
            default -> throw unsupported("operation '" + op.name() + "' has no ONNX export");
        };
        names.put(out, y);
    }

    /** A module that writes its own nodes; an error it raises is reported with the module's path. */
    private String module(Tracing.Op op) {
        Module m = (Module) op.attribute("module");
        List<String> others = new ArrayList<>();
        for (int i = 1; i < op.inputs().size(); i++) {
            others.add(value(op.input(i)));
        }
        String in = value(op.input(0));
        g.moduleCall(others, this::example);
        try {
            return options.exporterFor(m).emit(m, in, g);
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            if (e.getMessage() != null && e.getMessage().contains(where(current))) {
                throw e;
            }
            throw new IllegalArgumentException("ONNX export: " + e.getMessage() + " in " + where(current), e);
        } finally {
            g.moduleCall(List.of(), name -> null);
        }
    }

    /** The example trace's tensor behind an ONNX value name, or null. */
    private Tensor example(String name) {
        for (var e : names.entrySet()) {
            if (e.getValue().equals(name)) {
                return e.getKey().data();
            }
        }
        return null;
    }

    private String unary(String type, Tracing.Op op) {
        return g.node(type, List.of(value(op.input(0))));
    }

    private String binary(String type, Tracing.Op op) {
        DType t = op.output().dtype();
        return g.node(type, List.of(castTo(op.input(0), t), castTo(op.input(1), t)));
    }

    /** Exact GELU in opset 17 terms, as torch.onnx writes it: x * 0.5 * (1 + erf(x / sqrt 2)). */
    private String gelu(String x) {
        String erf = g.node("Erf", List.of(g.node("Div", List.of(x, g.scalar((float) Math.sqrt(2))))));
        String onePlus = g.node("Add", List.of(erf, g.scalar(1f)));
        return g.node("Mul", List.of(g.node("Mul", List.of(x, onePlus)), g.scalar(0.5f)));
    }

    private static long[] axes(int[] dims, int rank) {
        long[] out = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            out[i] = Math.floorMod(dims[i], Math.max(rank, 1));
        }
        return out;
    }

    private String reduce(String type, Tracing.Op op) {
        Variable x = op.input(0);
        long[] ax = axes(op.intsAttr("dims"), x.dim());
        int keep = op.boolAttr("keepdim") ? 1 : 0;
        if (x.dim() == 0) {
            return value(x);
        }
        if (type.equals("ReduceSum") || options.opset() >= 18) {
            return g.node(type, List.of(value(x), g.ints(ax)), "keepdims", keep);
        }
        return g.node(type, List.of(value(x)), "axes", ax, "keepdims", keep);
    }

    private String variance(Tracing.Op op) {
        Variable x = op.input(0);
        long[] ax = axes(op.intsAttr("dims"), x.dim());
        Dim[] d = dims(x);
        long count = 1;
        for (long i : ax) {
            if (d[(int) i].dynamic()) {
                throw unsupported("a variance over the batch axis");
            }
            count *= d[(int) i].fixed;
        }
        String mean = g.node("ReduceMean", List.of(value(x)), "axes", ax, "keepdims", 1);
        String centered = g.node("Sub", List.of(value(x), mean));
        String ss = g.node(
                "ReduceSum",
                List.of(g.node("Mul", List.of(centered, centered)), g.ints(ax)),
                "keepdims",
                op.boolAttr("keepdim") ? 1 : 0);
        return g.node("Div", List.of(ss, g.scalar(count - op.intAttr("correction"))));
    }

    private String linear(Tracing.Op op) {
        Variable x = op.input(0);
        Variable w = op.input(1);
        Variable bias = op.input(2);
        if (x.dim() == 2) {
            List<String> in = new ArrayList<>(List.of(value(x), value(w)));
            if (bias != null) {
                in.add(value(bias));
            }
            return g.node("Gemm", in, "transB", 1);
        }
        String wt = g.node("Transpose", List.of(value(w)), "perm", new long[] {1, 0});
        String y = g.node("MatMul", List.of(value(x), wt));
        return bias == null ? y : g.node("Add", List.of(y, value(bias)));
    }

    private String transpose(Tracing.Op op) {
        int rank = op.output().dim();
        long[] perm = new long[rank];
        for (int i = 0; i < rank; i++) {
            perm[i] = i;
        }
        int d0 = Math.floorMod(op.intAttr("dim0"), rank);
        int d1 = Math.floorMod(op.intAttr("dim1"), rank);
        perm[d0] = d1;
        perm[d1] = d0;
        return g.node("Transpose", List.of(value(op.input(0))), "perm", perm);
    }

    private String slice(Tracing.Op op, long start, long end, int step) {
        Variable x = op.input(0);
        int dim = op.intAttr("dim");
        int size = x.size(dim);
        Dim d = dims(x)[dim];
        if (end >= size) {
            end = INT64_MAX;
        }
        if (d.dynamic()) {
            boolean whole = (start == 0 || start <= -size) && end == INT64_MAX && step == 1;
            if (!whole) {
                throw unsupported(op.name() + " along the batch axis (dimension " + dim + " of " + x.shape()
                        + "); export with dynamicBatch(false)");
            }
            return value(x);
        }
        return g.node("Slice", List.of(value(x), g.ints(start), g.ints(end), g.ints(dim), g.ints(step)));
    }

    /** Constant zero padding: Nabla's (before, after) pairs from the last dimension become ONNX's pads input. */
    private String pad(Tracing.Op op) {
        int[] padding = op.intsAttr("padding");
        int rank = op.input(0).dim();
        long[] pads = new long[2 * rank];
        for (int i = 0; i < padding.length / 2; i++) {
            int d = rank - 1 - i;
            if (dims(op.input(0))[d].dynamic() && (padding[2 * i] != 0 || padding[2 * i + 1] != 0)) {
                throw unsupported("pad along the batch axis (dimension " + d + " of "
                        + op.input(0).shape() + "); export with dynamicBatch(false)");
            }
            pads[d] = padding[2 * i];
            pads[rank + d] = padding[2 * i + 1];
        }
        return g.node("Pad", List.of(value(op.input(0)), g.ints(pads)));
    }

    private String cat(Tracing.Op op) {
        List<String> in = new ArrayList<>();
        for (Variable v : op.inputs()) {
            in.add(castTo(v, op.output().dtype()));
        }
        return g.node("Concat", in, "axis", op.intAttr("dim"));
    }

    // =================================================================== convolution and pooling

    /** Runs {@code body} on a batched [N, C, H, W] view of {@code x}, unbatching again for a [C, H, W] input. */
    private String batched(Variable x, UnaryOperator<String> body) {
        if (x.dim() == 4) {
            return body.apply(value(x));
        }
        String x4 = g.node("Unsqueeze", List.of(value(x), g.ints(0)));
        return g.node("Squeeze", List.of(body.apply(x4), g.ints(0)));
    }

    private static long[] pads(int[] p) {
        return new long[] {p[0], p[1], p[0], p[1]};
    }

    private String conv(Tracing.Op op) {
        Variable w = op.input(1);
        List<String> in = new ArrayList<>(List.of("", value(w)));
        if (op.input(2) != null) {
            in.add(value(op.input(2)));
        }
        return batched(op.input(0), x -> {
            in.set(0, x);
            return g.node(
                    "Conv",
                    in,
                    "kernel_shape",
                    new long[] {w.size(2), w.size(3)},
                    "strides",
                    op.intsAttr("stride"),
                    "pads",
                    pads(op.intsAttr("padding")),
                    "dilations",
                    op.intsAttr("dilation"),
                    "group",
                    op.intAttr("groups"));
        });
    }

    private String pool(String type, Tracing.Op op) {
        return batched(
                op.input(0),
                x -> type.equals("MaxPool")
                        ? g.node(
                                type,
                                List.of(x),
                                "kernel_shape",
                                op.intsAttr("kernel"),
                                "strides",
                                op.intsAttr("stride"),
                                "pads",
                                pads(op.intsAttr("padding")),
                                "dilations",
                                op.intsAttr("dilation"),
                                "ceil_mode",
                                op.boolAttr("ceilMode") ? 1 : 0)
                        : g.node(
                                type,
                                List.of(x),
                                "kernel_shape",
                                op.intsAttr("kernel"),
                                "strides",
                                op.intsAttr("stride"),
                                "pads",
                                pads(op.intsAttr("padding")),
                                "ceil_mode",
                                op.boolAttr("ceilMode") ? 1 : 0,
                                "count_include_pad",
                                op.boolAttr("countIncludePad") ? 1 : 0));
    }

    private String adaptiveAvgPool(Tracing.Op op) {
        Variable x = op.input(0);
        int h = x.size(-2);
        int w = x.size(-1);
        int oh = op.intAttr("outH");
        int ow = op.intAttr("outW");
        if (oh == 1 && ow == 1) {
            return batched(x, v -> g.node("GlobalAveragePool", List.of(v)));
        }
        if (h % oh != 0 || w % ow != 0) {
            throw unsupported("adaptiveAvgPool2d from " + h + "x" + w + " to " + oh + "x" + ow
                    + " (ONNX has it only where the output size divides the input size)");
        }
        long[] k = {h / oh, w / ow};
        return batched(x, v -> g.node("AveragePool", List.of(v), "kernel_shape", k, "strides", k));
    }

    // =================================================================== normalisation

    private String batchNorm(Tracing.Op op) {
        if (op.boolAttr("training") || !op.has("runningMean")) {
            throw unsupported("batch norm with batch statistics (training mode, or trackRunningStats(false))");
        }
        Variable x = op.input(0);
        int c = x.size(1);
        String scale = op.input(1) != null ? value(op.input(1)) : g.constant(Tensor.ones(c));
        String bias = op.input(2) != null ? value(op.input(2)) : g.constant(Tensor.zeros(c));
        return g.node(
                "BatchNormalization",
                List.of(
                        value(x),
                        scale,
                        bias,
                        tensorConstant(op.tensorAttr("runningMean")),
                        tensorConstant(op.tensorAttr("runningVar"))),
                "epsilon",
                (float) op.doubleAttr("eps"),
                "momentum",
                (float) (1 - op.doubleAttr("momentum")));
    }

    private String layerNorm(Tracing.Op op) {
        Variable x = op.input(0);
        int[] shape = op.intsAttr("normalizedShape");
        int axis = x.dim() - shape.length;
        String scale = op.input(1) != null ? value(op.input(1)) : g.constant(Tensor.ones(shape));
        String bias = op.input(2) != null ? value(op.input(2)) : g.constant(Tensor.zeros(shape));
        float eps = (float) op.doubleAttr("eps");
        if (options.opset() >= 17) {
            return g.node("LayerNormalization", List.of(value(x), scale, bias), "axis", axis, "epsilon", eps);
        }
        long[] ax = new long[shape.length];
        for (int i = 0; i < ax.length; i++) {
            ax[i] = axis + i;
        }
        String mean = g.node("ReduceMean", List.of(value(x)), "axes", ax, "keepdims", 1);
        String centered = g.node("Sub", List.of(value(x), mean));
        String var =
                g.node("ReduceMean", List.of(g.node("Mul", List.of(centered, centered))), "axes", ax, "keepdims", 1);
        String std = g.node("Sqrt", List.of(g.node("Add", List.of(var, g.scalar(eps)))));
        return g.node("Add", List.of(g.node("Mul", List.of(g.node("Div", List.of(centered, std)), scale)), bias));
    }

    // =================================================================== LSTM

    /** PyTorch's gate blocks (i, f, g, o) reordered to ONNX's (i, o, f, c) along axis 0. */
    private String iofc(String w, int hidden) {
        List<String> parts = new ArrayList<>();
        for (int block : new int[] {0, 3, 1, 2}) {
            parts.add(g.node(
                    "Slice",
                    List.of(w, g.ints((long) block * hidden), g.ints((long) (block + 1) * hidden), g.ints(0))));
        }
        return g.node("Concat", parts, "axis", 0);
    }

    /**
     * One LSTM layer as the ONNX LSTM operator: the weights stay the state-dict initializers in
     * PyTorch's layout and gate order, and Slice/Concat/Unsqueeze nodes (folded by any runtime)
     * turn them into ONNX's W [1, 4H, in], R [1, 4H, H] and B [1, 8H] in gate order i, o, f, c.
     */
    private void lstm(Tracing.Op op) {
        Variable x = op.input(0);
        Variable h0 = op.input(1);
        Variable c0 = op.input(2);
        Variable wIh = op.input(3);
        Variable wHh = op.input(4);
        Variable bIh = op.input(5);
        Variable bHh = op.input(6);
        int hidden = wHh.size(1);
        String w = g.node("Unsqueeze", List.of(iofc(value(wIh), hidden), g.ints(0)));
        String r = g.node("Unsqueeze", List.of(iofc(value(wHh), hidden), g.ints(0)));
        String bias = "";
        if (bIh != null) {
            String both = g.node("Concat", List.of(iofc(value(bIh), hidden), iofc(value(bHh), hidden)), "axis", 0);
            bias = g.node("Unsqueeze", List.of(both, g.ints(0)));
        }
        String ih = h0 == null ? "" : g.node("Unsqueeze", List.of(value(h0), g.ints(0)));
        String ic = c0 == null ? "" : g.node("Unsqueeze", List.of(value(c0), g.ints(0)));
        List<String> outs = g.nodes(
                "LSTM", List.of(value(x), w, r, bias, "", ih, ic), 3, "hidden_size", hidden, "direction", "forward");
        names.put(op.outputs().get(0), g.node("Squeeze", List.of(outs.get(0), g.ints(1))));
        names.put(op.outputs().get(1), g.node("Squeeze", List.of(outs.get(1), g.ints(0))));
        names.put(op.outputs().get(2), g.node("Squeeze", List.of(outs.get(2), g.ints(0))));
    }

    // =================================================================== attention

    /**
     * Multi-head attention decomposed as torch.onnx writes it: per-head reshapes and transposes,
     * MatMul for the scores, the scale, the masks added as -inf where they block, Softmax, MatMul
     * with the values, and the heads merged back. Time-major [L, B, E] throughout; a batch-first
     * input is transposed in and out.
     */
    private void attention(Tracing.Op op) {
        int heads = op.intAttr("heads");
        boolean bf = op.boolAttr("batchFirst");
        long[] swap = {1, 0, 2};
        List<String> qkv = new ArrayList<>();
        int e;
        int l;
        int s;
        if (op.name().equals("attentionPacked")) {
            Variable packed = op.input(0);
            e = packed.size(2) / 3;
            l = packed.size(bf ? 1 : 0);
            s = l;
            String p = value(packed);
            if (bf) {
                p = g.node("Transpose", List.of(p), "perm", swap);
            }
            qkv.addAll(g.nodes("Split", List.of(p, g.ints(e, e, e)), 3, "axis", 2));
        } else {
            e = op.input(0).size(2);
            l = op.input(0).size(bf ? 1 : 0);
            s = op.input(1).size(bf ? 1 : 0);
            for (int i = 0; i < 3; i++) {
                String v = value(op.input(i));
                qkv.add(bf ? g.node("Transpose", List.of(v), "perm", swap) : v);
            }
        }
        int d = e / heads;
        // [T, B, E] -> [T, B*heads, d] -> [B*heads, T, d]
        String q = g.node("Transpose", List.of(g.node("Reshape", List.of(qkv.get(0), g.ints(0, -1, d)))), "perm", swap);
        String kT = g.node(
                "Transpose", List.of(g.node("Reshape", List.of(qkv.get(1), g.ints(0, -1, d)))), "perm", new long[] {
                    1, 2, 0
                });
        String v = g.node("Transpose", List.of(g.node("Reshape", List.of(qkv.get(2), g.ints(0, -1, d)))), "perm", swap);
        String scores = g.node("Mul", List.of(g.node("MatMul", List.of(q, kT)), g.scalar((float) (1 / Math.sqrt(d)))));
        String mask = additiveMask(op.tensorAttr("mask"), op.boolAttr("causal"), l, s);
        String probs;
        if (mask != null) {
            String four = g.node("Reshape", List.of(scores, g.ints(-1, heads, l, s)));
            String p4 = g.node("Softmax", List.of(g.node("Add", List.of(four, mask))), "axis", -1);
            probs = g.node("Reshape", List.of(p4, g.ints(-1, l, s)));
        } else {
            probs = g.node("Softmax", List.of(scores), "axis", -1);
        }
        // [B*heads, L, d] -> [L, B*heads, d] -> [L, B, E]
        String ctx = g.node("Transpose", List.of(g.node("MatMul", List.of(probs, v))), "perm", swap);
        String out = g.node("Reshape", List.of(ctx, g.ints(0, -1, e)));
        if (bf) {
            out = g.node("Transpose", List.of(out), "perm", swap);
        }
        names.put(op.outputs().get(0), out);
        if (op.outputs().size() > 1) {
            String p4 = g.node("Reshape", List.of(probs, g.ints(-1, heads, l, s)));
            names.put(op.outputs().get(1), g.node("ReduceMean", List.of(p4), "axes", new long[] {1}, "keepdims", 0));
        }
    }

    /** The blocking mask and the causal mask as one additive float mask (-inf blocks), or null. */
    private String additiveMask(Tensor mask, boolean causal, int l, int s) {
        String total = null;
        if (mask != null) {
            Tensor other = twinTensor.get(mask);
            if (other != null && !Arrays.equals(other.dims(), mask.dims())) {
                throw unsupported("an attention mask of shape " + mask.shape() + " that depends on the batch size"
                        + " (a key-padding mask); export with dynamicBatch(false)");
            }
            Tensor blocked = mask.ne(Tensor.scalar(0));
            total = g.constant(Tensor.where(blocked, Tensor.scalar(Float.NEGATIVE_INFINITY), Tensor.scalar(0f)));
        }
        if (causal) {
            float[] c = new float[l * s];
            for (int i = 0; i < l; i++) {
                for (int j = i + 1; j < s; j++) {
                    c[i * s + j] = Float.NEGATIVE_INFINITY;
                }
            }
            String cm = g.constant(Tensor.fromArray(c, l, s));
            total = total == null ? cm : g.node("Add", List.of(total, cm));
        }
        return total;
    }
}
