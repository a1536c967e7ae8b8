package dev.nabla.export.onnx;

import dev.nabla.autograd.Autograd;
import dev.nabla.autograd.Variable;
import dev.nabla.nn.Module;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.ShapeMismatchException;
import dev.nabla.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A model read from an ONNX file by {@link Onnx#load}: a {@link Module} whose forward pass runs
 * the file's nodes in order on Nabla's differentiable operations, so it predicts like the
 * original and fine-tunes like any Nabla model (its float initializers are trainable
 * parameters; batch norm statistics are buffers that update in training mode).
 *
 * <p>Parameter names are the initializer names; a dotted name such as {@code layer1.0.conv1.weight}
 * becomes nested submodules, so the state dict of a file written by Nabla or by PyTorch has the
 * original model's keys and {@code model.loadStateDict(imported.stateDict())} works both ways.
 * The graph's first non-initializer input is the module's input; {@link #call} returns the first
 * output and {@link #outputs} all of them.
 *
 * <pre>{@code
 * OnnxModel net = Onnx.load(Path.of("resnet20.onnx"));
 * net.eval();
 * Variable logits = net.call(Variable.randn(new Generator(0), 4, 3, 32, 32));
 * var opt = new SGD(net.parameters(), 0.01);   // fine-tune: gradients reach every initializer
 * }</pre>
 */
public final class OnnxModel extends Module {
    /** A file that parses but cannot be imported; {@link Onnx#load} adds the file name. */
    static final class ImportException extends RuntimeException {
        ImportException(String message) {
            super(message);
        }
    }

    private final List<Proto.Node> nodes;
    private final String inputName;
    private final DType inputType;
    private final List<Object> inputDims;
    private final List<String> outputNames;
    private final Map<String, Variable> parameters = new HashMap<>();
    private final Map<String, Tensor> buffers = new HashMap<>();
    private final Map<String, Tensor> constants = new HashMap<>();
    private final int opset;

    private OnnxModel(
            List<Proto.Node> nodes,
            String inputName,
            DType inputType,
            List<Object> inputDims,
            List<String> outputNames,
            int opset) {
        this.nodes = nodes;
        this.inputName = inputName;
        this.inputType = inputType;
        this.inputDims = inputDims;
        this.outputNames = outputNames;
        this.opset = opset;
    }

    /** The graph's output names; {@link #call} returns the first. */
    public List<String> outputNames() {
        return List.copyOf(outputNames);
    }

    /** The input's dimensions as the file declares them: numbers, or names for symbolic ones ("batch"). */
    public List<Object> inputShape() {
        return inputDims == null ? List.of() : List.copyOf(inputDims);
    }

    /** The ONNX operator types in the graph, in order (after GELU subgraphs were fused into "Gelu"). */
    public List<String> operators() {
        return nodes.stream().map(Proto.Node::opType).toList();
    }

    @Override
    protected Variable forward(Variable x) {
        return run(x).get(outputNames.get(0));
    }

    /** Runs the graph and returns every output by name (no hooks run). */
    public Map<String, Variable> outputs(Variable x) {
        Map<String, Variable> all = run(x);
        Map<String, Variable> out = new LinkedHashMap<>();
        for (String n : outputNames) {
            out.put(n, all.get(n));
        }
        return out;
    }

    private Map<String, Variable> run(Variable x) {
        checkInput(x);
        Map<String, Variable> env = new HashMap<>();
        parameters.forEach(env::put);
        buffers.forEach((k, t) -> env.put(k, Variable.of(t)));
        constants.forEach((k, t) -> env.put(k, Variable.of(t)));
        env.put(inputName, x);
        for (Proto.Node n : nodes) {
            List<Variable> in = new ArrayList<>(n.inputs().size());
            for (String name : n.inputs()) {
                in.add(name.isEmpty() ? null : env.get(name));
            }
            List<Variable> out;
            try {
                out = ImportOps.run(n, in, this, opset);
            } catch (IllegalArgumentException | IndexOutOfBoundsException | ArithmeticException e) {
                throw new ShapeMismatchException(n.describe() + ": " + e.getMessage());
            }
            for (int i = 0; i < n.outputs().size() && i < out.size(); i++) {
                if (!n.outputs().get(i).isEmpty() && out.get(i) != null) {
                    env.put(n.outputs().get(i), out.get(i));
                }
            }
        }
        return env;
    }

    private void checkInput(Variable x) {
        if (inputDims == null) {
            return;
        }
        boolean fits = x.dim() == inputDims.size();
        for (int i = 0; fits && i < inputDims.size(); i++) {
            fits = !(inputDims.get(i) instanceof Long n) || n == x.size(i);
        }
        if (!fits) {
            throw new ShapeMismatchException(
                    "OnnxModel: the input '" + inputName + "' must be " + inputDims + ", got " + x.shape());
        }
        if (x.dtype() != inputType && !(x.dtype().isInteger() && inputType.isInteger())) {
            throw new IllegalArgumentException(
                    "OnnxModel: the input '" + inputName + "' must be " + inputType + ", got " + x.dtype());
        }
    }

    /** Batch norm's running statistics, updated in place in training mode. */
    Tensor buffer(String name) {
        return buffers.get(name);
    }

    boolean training() {
        return isTraining();
    }

    @Override
    protected String describe() {
        return "OnnxModel(" + nodes.size() + " nodes)";
    }

    // =================================================================== building

    static OnnxModel build(Proto.Model m) {
        int opset = -1;
        for (Proto.OpsetId o : m.opsets()) {
            if (o.domain().isEmpty() || o.domain().equals("ai.onnx")) {
                opset = (int) Math.min(o.version(), Integer.MAX_VALUE);
            }
        }
        if (opset < 7) {
            throw new ImportException("the model imports no default ONNX opset (or one older than 7): " + m.opsets());
        }
        Proto.Graph graph = m.graph();
        Map<String, Proto.TensorData> inits = new LinkedHashMap<>();
        for (Proto.TensorData t : graph.initializers()) {
            if (t.name().isEmpty() || inits.put(t.name(), t) != null) {
                throw new ImportException("initializer '" + t.name() + "' is unnamed or given twice");
            }
        }
        List<Proto.ValueInfo> realInputs = new ArrayList<>();
        for (Proto.ValueInfo v : graph.inputs()) {
            if (!inits.containsKey(v.name())) {
                realInputs.add(v);
            }
        }
        if (realInputs.size() != 1) {
            throw new ImportException("the graph has " + realInputs.size() + " inputs besides its initializers "
                    + realInputs.stream().map(Proto.ValueInfo::name).toList() + "; OnnxModel takes exactly one");
        }
        if (graph.outputs().isEmpty()) {
            throw new ImportException("the graph has no outputs");
        }
        Proto.ValueInfo input = realInputs.get(0);
        DType inputType = switch (input.elemType()) {
            case Proto.FLOAT, Proto.DOUBLE -> DType.FLOAT32;
            case Proto.INT64 -> DType.INT64;
            case Proto.INT32 -> DType.INT32;
            default ->
                throw new ImportException("the input '" + input.name() + "' has " + Proto.typeName(input.elemType())
                        + " elements (not supported)");
        };
        Map<String, Tensor> constantValues = new HashMap<>();
        inits.forEach((k, t) -> constantValues.put(k, t.toTensor()));
        List<Proto.Node> nodes = new ArrayList<>();
        for (Proto.Node n : graph.nodes()) {
            if (n.opType().equals("Constant")) {
                constantValues.put(single(n), ImportOps.constantValue(n));
            }
            nodes.add(n);
        }
        nodes = GeluFusion.fuse(nodes, constantValues);
        validate(nodes, inits.keySet(), input.name(), graph.outputs());

        OnnxModel model = new OnnxModel(
                nodes,
                input.name(),
                inputType,
                input.dims(),
                graph.outputs().stream().map(Proto.ValueInfo::name).toList(),
                opset);
        Set<String> statistics = new HashSet<>();
        for (Proto.Node n : nodes) {
            if (n.opType().equals("BatchNormalization") && n.inputs().size() >= 5) {
                statistics.add(n.inputs().get(3));
                statistics.add(n.inputs().get(4));
            }
        }
        Naming naming = new Naming(model);
        inits.forEach((name, t) -> {
            Tensor value = constantValues.get(name);
            if (statistics.contains(name) && value.dtype() == DType.FLOAT32) {
                model.buffers.put(name, naming.buffer(name, value));
            } else if (value.dtype() == DType.FLOAT32) {
                model.parameters.put(name, naming.parameter(name, value));
            } else {
                model.constants.put(name, value);
            }
        });
        model.dryRun();
        return model;
    }

    private static String single(Proto.Node n) {
        if (n.outputs().size() != 1) {
            throw new ImportException(n.describe() + " must have one output");
        }
        return n.outputs().get(0);
    }

    /** Every operator known, every input defined before it is used, the outputs produced. */
    private static void validate(
            List<Proto.Node> nodes, Set<String> initializers, String input, List<Proto.ValueInfo> outputs) {
        Set<String> defined = new HashSet<>(initializers);
        defined.add(input);
        for (Proto.Node n : nodes) {
            if (!n.domain().isEmpty() && !n.domain().equals("ai.onnx")) {
                throw new ImportException(n.describe() + " is in operator domain '" + n.domain()
                        + "', which Nabla does not run (only the default ONNX domain)");
            }
            if (!ImportOps.SUPPORTED.contains(n.opType())) {
                throw new ImportException(n.describe() + ": the operator " + n.opType()
                        + " is not supported (Nabla runs " + new TreeSet<>(ImportOps.SUPPORTED) + ")");
            }
            for (String in : n.inputs()) {
                if (!in.isEmpty() && !defined.contains(in)) {
                    throw new ImportException(n.describe() + " reads '" + in
                            + "', which no earlier node, initializer or input defines (nodes out of order?)");
                }
            }
            defined.addAll(n.outputs());
        }
        for (Proto.ValueInfo o : outputs) {
            if (!defined.contains(o.name())) {
                throw new ImportException("the graph output '" + o.name() + "' is computed by no node");
            }
        }
    }

    /**
     * Runs the graph once on zeros of the declared input shape (symbolic dimensions as 1), so a
     * file whose shapes do not fit together is rejected by {@link Onnx#load}, not at first use.
     */
    private void dryRun() {
        if (inputDims == null) {
            return;
        }
        int[] shape = new int[inputDims.size()];
        for (int i = 0; i < shape.length; i++) {
            Object d = inputDims.get(i);
            long v = d instanceof Long n ? n : 1;
            if (v < 0 || v > 1 << 16) {
                throw new ImportException("the input '" + inputName + "' has dimension " + i + " = " + v);
            }
            shape[i] = (int) v;
        }
        long numel = 1;
        for (int s : shape) {
            numel *= s;
        }
        if (numel > ImportOps.MAX_ELEMENTS) {
            throw new ImportException("the input '" + inputName + "' has shape " + inputDims + ", too large to check");
        }
        boolean mode = isTraining();
        eval();
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            run(Variable.of(Tensor.zeros(inputType, shape)));
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new ImportException("a shape does not fit: " + e.getMessage());
        } finally {
            train(mode);
        }
    }

    /**
     * Registers parameters and buffers under their initializer names: dotted names nest as
     * submodules when every part is a valid name, otherwise the dots become underscores.
     */
    private static final class Naming {
        private final OnnxModel root;
        private final Map<String, Scope> scopes = new HashMap<>();
        private final Set<String> leaves = new HashSet<>();

        Naming(OnnxModel root) {
            this.root = root;
        }

        Variable parameter(String name, Tensor value) {
            String[] parts = split(name);
            Module owner = owner(parts);
            String leaf = parts[parts.length - 1];
            return owner == root ? root.registerParameter(leaf, value) : ((Scope) owner).parameter(leaf, value);
        }

        Tensor buffer(String name, Tensor value) {
            String[] parts = split(name);
            Module owner = owner(parts);
            String leaf = parts[parts.length - 1];
            return owner == root ? root.registerBuffer(leaf, value) : ((Scope) owner).buffer(leaf, value);
        }

        /** The dotted parts, or the whole name with dots replaced when it cannot nest. */
        private String[] split(String name) {
            String[] parts = name.split("\\.", -1);
            boolean nests = parts.length > 1;
            StringBuilder prefix = new StringBuilder();
            for (int i = 0; nests && i < parts.length; i++) {
                nests = !parts[i].isEmpty();
                if (i > 0) {
                    prefix.append('.');
                }
                prefix.append(parts[i]);
                // a prefix that is already a parameter (or a leaf that is already a scope) cannot nest
                nests &= i == parts.length - 1
                        ? !scopes.containsKey(prefix.toString())
                        : !leaves.contains(prefix.toString());
            }
            String[] out = nests ? parts : new String[] {unique(name.replace('.', '_'))};
            leaves.add(String.join(".", out));
            return out;
        }

        private String unique(String n) {
            String u = n;
            for (int i = 1; leaves.contains(u) || scopes.containsKey(u); i++) {
                u = n + "_" + i;
            }
            return u;
        }

        private Module owner(String[] parts) {
            Module m = root;
            String path = "";
            for (int i = 0; i < parts.length - 1; i++) {
                path = path.isEmpty() ? parts[i] : path + "." + parts[i];
                Scope s = scopes.get(path);
                if (s == null) {
                    s = new Scope();
                    scopes.put(path, s);
                    if (m == root) {
                        root.registerModule(parts[i], s);
                    } else {
                        ((Scope) m).child(parts[i], s);
                    }
                }
                m = s;
            }
            return m;
        }
    }

    /** A namespace for the parameters under one dotted prefix; never called. */
    private static final class Scope extends Module {
        Variable parameter(String name, Tensor value) {
            return registerParameter(name, value);
        }

        Tensor buffer(String name, Tensor value) {
            return registerBuffer(name, value);
        }

        void child(String name, Scope s) {
            registerModule(name, s);
        }

        @Override
        protected Variable forward(Variable input) {
            throw new UnsupportedOperationException(
                    "this submodule of an OnnxModel only holds parameters; call the OnnxModel");
        }

        @Override
        protected String describe() {
            return "initializers";
        }
    }
}
