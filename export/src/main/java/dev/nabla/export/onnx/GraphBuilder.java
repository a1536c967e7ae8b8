package dev.nabla.export.onnx;

import dev.nabla.autograd.Variable;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The ONNX graph an export is writing, as a {@link ModuleExporter} sees it: it adds nodes and
 * initializers and looks up the names of the model's parameters and buffers (their state-dict
 * keys). Value names are strings, as in ONNX; an empty string stands for an omitted optional
 * input.
 *
 * <pre>{@code
 * // inside ModuleExporter.emit: y = x W^T + b with the module's own initializers
 * String w = graph.parameter(linear.weight);               // "fc.weight"
 * String b = graph.parameter(linear.bias);                 // "fc.bias"
 * return graph.node("Gemm", List.of(input, w, b), "transB", 1);
 * }</pre>
 */
public final class GraphBuilder {
    private final List<Proto.Node> nodes = new ArrayList<>();
    private final List<Proto.TensorData> initializers = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private final Map<String, Integer> counters = new HashMap<>();
    private final Map<Variable, String> parameterNames;
    private final Map<Tensor, String> bufferNames;
    private final Set<String> usedState = new HashSet<>();
    private final int opset;
    private String scope = "";
    private List<String> otherInputs = List.of();
    private Function<String, Tensor> examples = name -> null;

    GraphBuilder(Map<String, Variable> parameters, Map<String, Tensor> buffers, int opset) {
        this.opset = opset;
        parameterNames = new IdentityHashMap<>();
        parameters.forEach((k, v) -> parameterNames.putIfAbsent(v, k));
        bufferNames = new IdentityHashMap<>();
        buffers.forEach((k, t) -> bufferNames.putIfAbsent(t, k));
    }

    /** The opset the file declares (17). */
    public int opset() {
        return opset;
    }

    /** The module path new nodes are named after ({@code "layer1.0.conv1"}); set by the exporter. */
    void scope(String modulePath) {
        scope = modulePath;
    }

    /**
     * The further inputs of the module call being written, beyond the one {@link ModuleExporter#emit}
     * receives: the values its forward reported with {@link dev.nabla.autograd.Tracing#reportInput}
     * (the second operand of an int8 residual add), in order; empty for a one-input module.
     */
    public List<String> otherInputs() {
        return otherInputs;
    }

    /**
     * The tensor that {@code value} held when the export traced the model on the example input, or
     * null for a name the trace did not produce (a constant, an initializer). An int8 activation
     * carries its scale and zero point there ({@link Tensor#qScale()}), which an exporter of a
     * layer that keeps its input's quantization (pooling) needs.
     */
    public Tensor example(String value) {
        return examples.apply(value);
    }

    /** Set by the exporter around each {@link ModuleExporter#emit}. */
    void moduleCall(List<String> others, Function<String, Tensor> lookup) {
        otherInputs = List.copyOf(others);
        examples = lookup;
    }

    /**
     * Adds a node with one output and returns the output's name. {@code attributes} alternate name
     * and value: Integer or Long (INT), Float or Double (FLOAT), int[] or long[] (INTS), float[]
     * (FLOATS), String (STRING) or Tensor (TENSOR).
     */
    public String node(String opType, List<String> inputs, Object... attributes) {
        return nodes(opType, inputs, 1, attributes).get(0);
    }

    /** As {@link #node(String, List, Object...)} with {@code outputs} outputs; returns their names. */
    public List<String> nodes(String opType, List<String> inputs, int outputs, Object... attributes) {
        String base = (scope.isEmpty() ? "" : "/" + scope.replace('.', '/')) + "/" + opType;
        int n = counters.merge(base, 1, Integer::sum) - 1;
        String name = n == 0 ? base : base + "_" + n;
        List<String> outs = new ArrayList<>();
        for (int i = 0; i < outputs; i++) {
            outs.add(fresh(name + "_output_" + i));
        }
        nodes.add(new Proto.Node(name, opType, "", List.copyOf(inputs), outs, attributes(opType, attributes)));
        return outs;
    }

    /** Adds a node whose outputs are already named (the graph's output, for one). */
    void nodeWithOutputs(String opType, List<String> inputs, List<String> outputs, Object... attributes) {
        String base = (scope.isEmpty() ? "" : "/" + scope.replace('.', '/')) + "/" + opType;
        int n = counters.merge(base, 1, Integer::sum) - 1;
        outputs.forEach(names::add);
        nodes.add(new Proto.Node(
                n == 0 ? base : base + "_" + n,
                opType,
                "",
                List.copyOf(inputs),
                outputs,
                attributes(opType, attributes)));
    }

    private static List<Proto.Attribute> attributes(String opType, Object[] kv) {
        if (kv.length % 2 != 0) {
            throw new IllegalArgumentException(
                    opType + ": attributes come in name-value pairs, got " + kv.length + " items");
        }
        List<Proto.Attribute> out = new ArrayList<>();
        for (int i = 0; i < kv.length; i += 2) {
            String k = (String) kv[i];
            out.add(
                    switch (kv[i + 1]) {
                        case Integer v -> Proto.Attribute.ofInt(k, v);
                        case Long v -> Proto.Attribute.ofInt(k, v);
                        case Float v -> Proto.Attribute.ofFloat(k, v);
                        case Double v -> Proto.Attribute.ofFloat(k, v.floatValue());
                        case int[] v ->
                            Proto.Attribute.ofInts(
                                    k, Arrays.stream(v).asLongStream().toArray());
                        case long[] v -> Proto.Attribute.ofInts(k, v);
                        case float[] v -> Proto.Attribute.ofFloats(k, v);
                        case String v -> Proto.Attribute.ofString(k, v);
                        case Tensor v -> Proto.Attribute.ofTensor(k, Proto.TensorData.of("", v));
                        default ->
                            throw new IllegalArgumentException(
                                    opType + ": attribute '" + k + "' has unsupported value type "
                                            + kv[i + 1].getClass().getSimpleName());
                    });
        }
        return out;
    }

    /** A new value name, unique in the graph, starting with {@code hint}. */
    String fresh(String hint) {
        String n = hint;
        for (int i = 1; !names.add(n); i++) {
            n = hint + "_" + i;
        }
        return n;
    }

    /** Adds an initializer under exactly {@code name} (which must be unused) and returns the name. */
    public String initializer(String name, Tensor value) {
        if (!names.add(name)) {
            throw new IllegalArgumentException("ONNX export: the value name '" + name + "' is already taken");
        }
        initializers.add(Proto.TensorData.of(name, value.contiguous()));
        return name;
    }

    /**
     * A constant value: a {@code Constant} node holding {@code value}, so that the graph's
     * initializers are exactly the model's parameters and buffers.
     */
    public String constant(Tensor value) {
        return node("Constant", List.of(), "value", value.contiguous());
    }

    /** A 1-D int64 constant (axes, shapes, pads). */
    public String ints(long... values) {
        return constant(Tensor.fromArray(values.clone(), values.length));
    }

    /** A float32 scalar constant. */
    public String scalar(float value) {
        return constant(Tensor.scalar(value));
    }

    /**
     * The initializer of one of the model's parameters, named by its state-dict key and added on
     * first use.
     *
     * @throws IllegalArgumentException when {@code p} is not a parameter of the exported model
     */
    public String parameter(Variable p) {
        String key = parameterNames.get(p);
        if (key == null) {
            throw new IllegalArgumentException(
                    "ONNX export: a variable of shape " + p.shape() + " is not a parameter of the exported model");
        }
        if (usedState.add(key)) {
            initializer(key, p.data());
        }
        return key;
    }

    /** As {@link #parameter} for a buffer (batch norm's running statistics); null if {@code t} is none. */
    public String buffer(Tensor t) {
        String key = bufferNames.get(t);
        if (key == null) {
            return null;
        }
        if (usedState.add(key)) {
            initializer(key, t);
        }
        return key;
    }

    boolean isParameter(Variable v) {
        return parameterNames.containsKey(v);
    }

    /** A value converted to {@code to} by a Cast node (the value itself when {@code from == to}). */
    public String cast(String value, DType from, DType to) {
        return from == to ? value : node("Cast", List.of(value), "to", Proto.onnxType(to));
    }

    List<Proto.Node> nodes() {
        return nodes;
    }

    List<Proto.TensorData> initializers() {
        return initializers;
    }

    void reserve(String name) {
        names.add(name);
    }
}
