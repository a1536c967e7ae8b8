package dev.nabla.autograd;

import dev.nabla.tensor.Tensor;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Records the operations of one forward pass in the order they run, each with its attributes,
 * the way {@code torch.jit.trace} does: what ONNX export ({@code dev.nabla.export.onnx}) builds its
 * graph from.
 *
 * <p>While a listener is installed on a thread, every operation on that thread is recorded, whether
 * or not its inputs require grad and even inside {@link Autograd#noGrad()}: a frozen layer or an
 * operation on constants shows up like any other. A fused primitive with several results (an LSTM
 * layer, multi-head attention) is reported once, with all its inputs and outputs, and the
 * bookkeeping operations inside it are not; so is a call of a user's {@link AutogradFunction} or
 * {@link MultiOutputFunction}, marked by {@link Op#userFunction()}. Operations that bypass autograd (arithmetic on
 * {@code variable.data()}) are invisible: their results look like constants.
 *
 * <pre>{@code
 * List<Tracing.Op> ops = new ArrayList<>();
 * Variable x = Variable.of(new float[][] {{1, -2}});
 * Variable w = Variable.of(new float[][] {{1, 0}, {0, 1}});
 * Variable y = Tracing.trace(ops::add, () -> x.matmul(w).relu());
 * ops.get(0).name();            // "matmul"
 * ops.get(1).input(0) == ops.get(0).output();   // true
 * }</pre>
 */
public final class Tracing {
    private Tracing() {}

    /** The attribute that marks a call of a user's function: its class name ({@link Op#userFunction()}). */
    static final String USER_FUNCTION = "userFunction";

    /**
     * One recorded operation: its name (the {@code gradFn} name without "Backward": {@code "conv2d"},
     * {@code "relu"}, {@code "transpose"}), its attributes by name, its inputs in the primitive's
     * order (null where an optional input was not given, such as a missing bias) and its outputs.
     */
    public record Op(String name, Map<String, Object> attributes, List<Variable> inputs, List<Variable> outputs) {
        public Op {
            Objects.requireNonNull(name, "name");
            attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
            inputs = Collections.unmodifiableList(Arrays.asList(inputs.toArray(new Variable[0])));
            outputs = List.copyOf(outputs);
        }

        /** The {@code i}-th input, or null when it was not given (or {@code i} is past the end). */
        public Variable input(int i) {
            return i < inputs.size() ? inputs.get(i) : null;
        }

        /** The first (for most operations, the only) output. */
        public Variable output() {
            return outputs.get(0);
        }

        /**
         * The class name of the user's {@link AutogradFunction} or {@link MultiOutputFunction} this
         * operation applied (its {@link #name()} is the function's name), or null for a built-in
         * operation.
         */
        public String userFunction() {
            return (String) attributes.get(USER_FUNCTION);
        }

        public boolean has(String attribute) {
            return attributes.containsKey(attribute);
        }

        /** An attribute, or an error naming the operation and the attributes it has. */
        public Object attribute(String attribute) {
            Object v = attributes.get(attribute);
            if (v == null) {
                throw new IllegalArgumentException(
                        name + " has no attribute '" + attribute + "' (it has " + attributes.keySet() + ")");
            }
            return v;
        }

        public int intAttr(String attribute) {
            return ((Number) attribute(attribute)).intValue();
        }

        public double doubleAttr(String attribute) {
            return ((Number) attribute(attribute)).doubleValue();
        }

        public boolean boolAttr(String attribute) {
            return (Boolean) attribute(attribute);
        }

        public int[] intsAttr(String attribute) {
            return ((int[]) attribute(attribute)).clone();
        }

        /** A tensor attribute (a mask, running statistics, indices), or null when absent. */
        public Tensor tensorAttr(String attribute) {
            return (Tensor) attributes.get(attribute);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(name).append('(');
            attributes.forEach((k, v) -> sb.append(k)
                    .append('=')
                    .append(v instanceof int[] a ? Arrays.toString(a) : v instanceof Tensor t ? t.shape() : v)
                    .append(", "));
            return sb.append("outputs ")
                    .append(outputs.stream().map(Variable::shape).toList())
                    .append(')')
                    .toString();
        }
    }

    /** Receives each operation as it is recorded. */
    @FunctionalInterface
    public interface Listener {
        void op(Op op);
    }

    private static final class State {
        final Listener listener;
        /** Above zero inside a fused primitive, whose inner operations are not reported. */
        int hidden;

        State(Listener listener) {
            this.listener = listener;
        }
    }

    private static final ThreadLocal<State> STATE = new ThreadLocal<>();

    /**
     * Runs {@code forward} on this thread with {@code listener} seeing every operation; returns what
     * {@code forward} returned. Traces do not nest.
     */
    public static <T> T trace(Listener listener, Supplier<T> forward) {
        Objects.requireNonNull(listener, "listener");
        if (STATE.get() != null) {
            throw new IllegalStateException("Tracing.trace: this thread is already tracing");
        }
        STATE.set(new State(listener));
        try {
            return forward.get();
        } finally {
            STATE.remove();
        }
    }

    /** True while {@link #trace} runs on this thread: operations are recorded whatever their inputs. */
    public static boolean isTracing() {
        return STATE.get() != null;
    }

    /** The name of the operations {@link #reportInput} records. */
    public static final String INPUT = "input";

    /**
     * Reports {@code operand} as a further input of the computation in progress, for operations
     * that bypass autograd (an int8 layer's kernels): the listener sees an operation named
     * {@link #INPUT} with that one input and no outputs. A module with two inputs whose hooks see
     * only the first (the int8 residual add's second operand) calls it so that a trace recording
     * the module call whole (ONNX export's {@code ModuleExporter}) knows both. Does nothing when
     * this thread is not tracing.
     *
     * <pre>{@code
     * protected Variable sum(Variable a, Variable b, boolean relu) {
     *     Tracing.reportInput(b);
     *     return Variable.of(QuantizedOps.add(a.data(), b.data(), scale, zeroPoint, relu));
     * }
     * }</pre>
     */
    public static void reportInput(Variable operand) {
        Objects.requireNonNull(operand, "operand");
        State s = STATE.get();
        if (s != null && s.hidden == 0) {
            s.listener.op(new Op(INPUT, Map.of(), List.of(operand), List.of()));
        }
    }

    /** Called for every recorded single-output operation. */
    static void recorded(Variable output, String name, Map<String, Object> attributes, Variable[] inputs) {
        State s = STATE.get();
        if (s != null && s.hidden == 0) {
            s.listener.op(new Op(name, attributes, Arrays.asList(inputs), List.of(output)));
        }
    }

    /**
     * Runs a fused primitive with several results: the listener sees one operation with all its
     * inputs and {@code outputs.apply(result)}, and none of the operations inside.
     */
    static <R> R fused(
            String name,
            Map<String, Object> attributes,
            Variable[] inputs,
            Supplier<R> body,
            Function<R, List<Variable>> outputs) {
        State s = STATE.get();
        if (s == null) {
            return body.get();
        }
        R result;
        s.hidden++;
        try {
            result = body.get();
        } finally {
            s.hidden--;
        }
        if (s.hidden == 0) {
            s.listener.op(new Op(name, attributes, Arrays.asList(inputs), outputs.apply(result)));
        }
        return result;
    }

    /** Attributes from key-value pairs, skipping pairs whose value is null (unlike {@code Map.of}). */
    static Map<String, Object> attrs(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            if (keyValues[i + 1] != null) {
                m.put((String) keyValues[i], keyValues[i + 1]);
            }
        }
        return m;
    }
}
