package dev.nabla.export.onnx;

import dev.nabla.export.onnx.ProtoReader.FloatList;
import dev.nabla.export.onnx.ProtoReader.LongList;
import dev.nabla.export.onnx.ProtoReader.ProtoException;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The part of {@code onnx.proto} that Nabla reads and writes, as records with their own encoding
 * and decoding (field numbers from onnx.proto, which this mirrors message by message). Fields
 * Nabla does not use are skipped when reading; sub-graphs (If, Loop), sparse and external tensors
 * are rejected with a message, since no supported operator needs them.
 */
final class Proto {
    private Proto() {}

    // ONNX TensorProto.DataType values.
    static final int FLOAT = 1;
    static final int UINT8 = 2;
    static final int INT8 = 3;
    static final int INT32 = 6;
    static final int INT64 = 7;
    static final int BOOL = 9;
    static final int DOUBLE = 11;

    static String typeName(int t) {
        return switch (t) {
            case FLOAT -> "float";
            case UINT8 -> "uint8";
            case INT8 -> "int8";
            case INT32 -> "int32";
            case INT64 -> "int64";
            case BOOL -> "bool";
            case DOUBLE -> "double";
            default -> "data type " + t;
        };
    }

    static int onnxType(DType d) {
        return switch (d) {
            case FLOAT32 -> FLOAT;
            case INT64 -> INT64;
            case INT32 -> INT32;
            case INT8 -> INT8;
            case UINT8 -> UINT8;
            case BOOL -> BOOL;
        };
    }

    // =================================================================== messages

    record OpsetId(String domain, long version) {
        ProtoWriter encode() {
            return new ProtoWriter().string(1, domain).int64(2, version);
        }

        static OpsetId decode(ProtoReader r) {
            String domain = "";
            long version = 0;
            while (r.next()) {
                switch (r.field()) {
                    case 1 -> domain = r.string();
                    case 2 -> version = r.int64();
                    default -> r.skip();
                }
            }
            return new OpsetId(domain, version);
        }
    }

    record Model(
            long irVersion,
            List<OpsetId> opsets,
            String producerName,
            String producerVersion,
            Graph graph,
            Map<String, String> metadata) {
        byte[] encode() {
            ProtoWriter w = new ProtoWriter().int64(1, irVersion);
            w.string(2, producerName).string(3, producerVersion);
            w.message(7, graph.encode());
            for (OpsetId o : opsets) {
                w.message(8, o.encode());
            }
            metadata.forEach(
                    (k, v) -> w.message(14, new ProtoWriter().string(1, k).string(2, v)));
            return w.toByteArray();
        }

        static Model decode(byte[] bytes) {
            ProtoReader r = new ProtoReader(bytes);
            long ir = 0;
            List<OpsetId> opsets = new ArrayList<>();
            String producer = "";
            String version = "";
            Graph graph = null;
            Map<String, String> meta = new LinkedHashMap<>();
            while (r.next()) {
                switch (r.field()) {
                    case 1 -> ir = r.int64();
                    case 2 -> producer = r.string();
                    case 3 -> version = r.string();
                    case 7 -> graph = Graph.decode(r.message());
                    case 8 -> opsets.add(OpsetId.decode(r.message()));
                    case 14 -> {
                        ProtoReader e = r.message();
                        String k = "";
                        String v = "";
                        while (e.next()) {
                            switch (e.field()) {
                                case 1 -> k = e.string();
                                case 2 -> v = e.string();
                                default -> e.skip();
                            }
                        }
                        meta.put(k, v);
                    }
                    case 25 -> throw new ProtoException("model-local functions are not supported");
                    default -> r.skip();
                }
            }
            if (graph == null) {
                throw new ProtoException("the model has no graph (not an ONNX model?)");
            }
            return new Model(ir, opsets, producer, version, graph, meta);
        }
    }

    record Graph(
            String name,
            List<Node> nodes,
            List<TensorData> initializers,
            List<ValueInfo> inputs,
            List<ValueInfo> outputs,
            List<ValueInfo> valueInfo) {
        ProtoWriter encode() {
            ProtoWriter w = new ProtoWriter();
            for (Node n : nodes) {
                w.message(1, n.encode());
            }
            w.string(2, name);
            for (TensorData t : initializers) {
                w.message(5, t.encode());
            }
            for (ValueInfo v : inputs) {
                w.message(11, v.encode());
            }
            for (ValueInfo v : outputs) {
                w.message(12, v.encode());
            }
            for (ValueInfo v : valueInfo) {
                w.message(13, v.encode());
            }
            return w;
        }

        static Graph decode(ProtoReader r) {
            String name = "";
            List<Node> nodes = new ArrayList<>();
            List<TensorData> inits = new ArrayList<>();
            List<ValueInfo> in = new ArrayList<>();
            List<ValueInfo> out = new ArrayList<>();
            List<ValueInfo> info = new ArrayList<>();
            while (r.next()) {
                switch (r.field()) {
                    case 1 -> nodes.add(Node.decode(r.message()));
                    case 2 -> name = r.string();
                    case 5 -> inits.add(TensorData.decode(r.message()));
                    case 11 -> in.add(ValueInfo.decode(r.message()));
                    case 12 -> out.add(ValueInfo.decode(r.message()));
                    case 13 -> info.add(ValueInfo.decode(r.message()));
                    case 15 -> throw new ProtoException("sparse initializers are not supported");
                    default -> r.skip();
                }
            }
            return new Graph(name, nodes, inits, in, out, info);
        }
    }

    record Node(
            String name,
            String opType,
            String domain,
            List<String> inputs,
            List<String> outputs,
            List<Attribute> attributes) {
        ProtoWriter encode() {
            ProtoWriter w = new ProtoWriter();
            for (String s : inputs) {
                w.string(1, s);
            }
            for (String s : outputs) {
                w.string(2, s);
            }
            w.string(3, name).string(4, opType);
            for (Attribute a : attributes) {
                w.message(5, a.encode());
            }
            if (!domain.isEmpty()) {
                w.string(7, domain);
            }
            return w;
        }

        static Node decode(ProtoReader r) {
            String name = "";
            String op = "";
            String domain = "";
            List<String> in = new ArrayList<>();
            List<String> out = new ArrayList<>();
            List<Attribute> attrs = new ArrayList<>();
            while (r.next()) {
                switch (r.field()) {
                    case 1 -> in.add(r.string());
                    case 2 -> out.add(r.string());
                    case 3 -> name = r.string();
                    case 4 -> op = r.string();
                    case 5 -> attrs.add(Attribute.decode(r.message()));
                    case 7 -> domain = r.string();
                    default -> r.skip();
                }
            }
            return new Node(name, op, domain, in, out, attrs);
        }

        /** The node as the error messages name it: {@code Conv node '/c1/Conv'}. */
        String describe() {
            return opType + " node '" + (name.isEmpty() ? String.join(",", outputs) : name) + "'";
        }

        Attribute attribute(String n) {
            for (Attribute a : attributes) {
                if (a.name.equals(n)) {
                    return a;
                }
            }
            return null;
        }
    }

    /** Attribute types of AttributeProto.AttributeType. */
    static final int A_FLOAT = 1;

    static final int A_INT = 2;
    static final int A_STRING = 3;
    static final int A_TENSOR = 4;
    static final int A_GRAPH = 5;
    static final int A_FLOATS = 6;
    static final int A_INTS = 7;
    static final int A_STRINGS = 8;

    record Attribute(String name, int type, float f, long i, byte[] s, TensorData t, float[] floats, long[] ints) {
        static Attribute ofInt(String name, long v) {
            return new Attribute(name, A_INT, 0, v, null, null, null, null);
        }

        static Attribute ofFloat(String name, float v) {
            return new Attribute(name, A_FLOAT, v, 0, null, null, null, null);
        }

        static Attribute ofInts(String name, long... v) {
            return new Attribute(name, A_INTS, 0, 0, null, null, null, v.clone());
        }

        static Attribute ofFloats(String name, float... v) {
            return new Attribute(name, A_FLOATS, 0, 0, null, null, v.clone(), null);
        }

        static Attribute ofString(String name, String v) {
            return new Attribute(name, A_STRING, 0, 0, v.getBytes(StandardCharsets.UTF_8), null, null, null);
        }

        static Attribute ofTensor(String name, TensorData v) {
            return new Attribute(name, A_TENSOR, 0, 0, null, v, null, null);
        }

        ProtoWriter encode() {
            ProtoWriter w = new ProtoWriter().string(1, name);
            switch (type) {
                case A_FLOAT -> w.float32(2, f);
                case A_INT -> w.int64(3, i);
                case A_STRING -> w.bytes(4, s);
                case A_TENSOR -> w.message(5, t.encode());
                case A_FLOATS -> {
                    for (float v : floats) {
                        w.float32(7, v);
                    }
                }
                case A_INTS -> {
                    for (long v : ints) {
                        w.int64(8, v);
                    }
                }
                default -> throw new IllegalStateException("attribute type " + type);
            }
            return w.int64(20, type);
        }

        static Attribute decode(ProtoReader r) {
            String name = "";
            int type = 0;
            float f = 0;
            long i = 0;
            byte[] s = null;
            TensorData t = null;
            FloatList fs = new FloatList();
            LongList is = new LongList();
            while (r.next()) {
                switch (r.field()) {
                    case 1 -> name = r.string();
                    case 2 -> f = r.float32();
                    case 3 -> i = r.int64();
                    case 4 -> s = r.bytes();
                    case 5 -> t = TensorData.decode(r.message());
                    case 6, 11 ->
                        throw new ProtoException(
                                "attribute '" + name + "' holds a sub-graph (If/Loop/Scan are not supported)");
                    case 7 -> r.floats(fs);
                    case 8 -> r.int64s(is);
                    case 20 -> type = r.intIn("attribute type", 0, 100);
                    default -> r.skip();
                }
            }
            return new Attribute(name, type, f, i, s, t, fs.toArray(), is.toArray());
        }

        String string() {
            return s == null ? "" : new String(s, StandardCharsets.UTF_8);
        }
    }

    /**
     * A TensorProto: dims, element type and the values in one of the Java arrays (float[] for
     * FLOAT, long[] for INT64, int[] for INT32, byte[] for INT8/UINT8/BOOL, double[] for DOUBLE).
     */
    record TensorData(String name, int dataType, long[] dims, Object values) {
        static TensorData of(String name, Tensor t) {
            long[] dims = new long[t.dim()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = t.size(i);
            }
            Object values = switch (t.dtype()) {
                case FLOAT32 -> t.toArray();
                case INT64 -> t.toLongArray();
                case INT32 -> t.toIntArray();
                case INT8, UINT8 -> t.toByteArray();
                case BOOL -> {
                    boolean[] b = t.toBooleanArray();
                    byte[] out = new byte[b.length];
                    for (int i = 0; i < b.length; i++) {
                        out[i] = (byte) (b[i] ? 1 : 0);
                    }
                    yield out;
                }
            };
            return new TensorData(name, onnxType(t.dtype()), dims, values);
        }

        ProtoWriter encode() {
            ProtoWriter w = new ProtoWriter();
            w.packedInt64(1, dims);
            w.int64(2, dataType);
            w.string(8, name);
            w.bytes(9, rawBytes());
            return w;
        }

        private byte[] rawBytes() {
            ByteBuffer b;
            switch (values) {
                case float[] a -> {
                    b = ByteBuffer.allocate(a.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                    b.asFloatBuffer().put(a);
                }
                case long[] a -> {
                    b = ByteBuffer.allocate(a.length * 8).order(ByteOrder.LITTLE_ENDIAN);
                    b.asLongBuffer().put(a);
                }
                case int[] a -> {
                    b = ByteBuffer.allocate(a.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                    b.asIntBuffer().put(a);
                }
                case double[] a -> {
                    b = ByteBuffer.allocate(a.length * 8).order(ByteOrder.LITTLE_ENDIAN);
                    b.asDoubleBuffer().put(a);
                }
                case byte[] a -> {
                    return a.clone();
                }
                default -> throw new IllegalStateException("tensor values of " + values.getClass());
            }
            return b.array();
        }

        static TensorData decode(ProtoReader r) {
            LongList dims = new LongList();
            int type = 0;
            String name = "";
            byte[] raw = null;
            FloatList fs = new FloatList();
            LongList i64 = new LongList();
            LongList i32 = new LongList();
            List<Double> doubles = new ArrayList<>();
            while (r.next()) {
                switch (r.field()) {
                    case 1 -> r.int64s(dims);
                    case 2 -> type = r.intIn("tensor data type", 0, 100);
                    case 4 -> r.floats(fs);
                    case 5 -> r.int64s(i32);
                    case 7 -> r.int64s(i64);
                    case 8 -> name = r.string();
                    case 9 -> raw = r.bytes();
                    case 10 -> {
                        LongList bits = new LongList();
                        r.int64s(bits);
                        for (long b : bits.toArray()) {
                            doubles.add(Double.longBitsToDouble(b));
                        }
                    }
                    case 3 -> throw new ProtoException("tensor '" + name + "' is segmented (not supported)");
                    case 13, 14 -> {
                        // data_location 0 (DEFAULT) may be written explicitly; anything else is external.
                        if (r.field() == 14) {
                            if (r.int64() != 0) {
                                throw new ProtoException("tensor '" + name + "' keeps its data in an external file "
                                        + "(not supported: save the model with its weights inside)");
                            }
                        } else {
                            throw new ProtoException("tensor '" + name + "' keeps its data in an external file "
                                    + "(not supported: save the model with its weights inside)");
                        }
                    }
                    default -> r.skip();
                }
            }
            long[] d = dims.toArray();
            long count = 1;
            for (long x : d) {
                if (x < 0 || x > Integer.MAX_VALUE) {
                    throw new ProtoException("tensor '" + name + "' has dimension " + x);
                }
                count *= x;
                if (count > Integer.MAX_VALUE) {
                    throw new ProtoException(
                            "tensor '" + name + "' has shape " + Arrays.toString(d) + ", more than 2^31 elements");
                }
            }
            int n = (int) count;
            Object values = switch (type) {
                case FLOAT -> raw != null ? floatsOf(name, raw, n) : exact(name, fs.toArray(), fs.n, n);
                case INT64 -> raw != null ? longsOf(name, raw, n) : exact(name, i64.toArray(), i64.n, n);
                case INT32 -> raw != null ? intsOf(name, raw, n) : exact(name, toInts(i32.toArray()), i32.n, n);
                case INT8, UINT8, BOOL ->
                    raw != null ? exact(name, raw, raw.length, n) : exact(name, toBytes(i32.toArray()), i32.n, n);
                case DOUBLE ->
                    raw != null
                            ? doublesOf(name, raw, n)
                            : exact(
                                    name,
                                    doubles.stream()
                                            .mapToDouble(Double::doubleValue)
                                            .toArray(),
                                    doubles.size(),
                                    n);
                default ->
                    throw new ProtoException(
                            "tensor '" + name + "' has " + typeName(type) + " elements (not supported)");
            };
            return new TensorData(name, type, d, values);
        }

        private static <T> T exact(String name, T values, int have, int want) {
            if (have != want) {
                throw new ProtoException("tensor '" + name + "' holds " + have + " values but its shape needs " + want);
            }
            return values;
        }

        private static ByteBuffer checked(String name, byte[] raw, int n, int width) {
            if ((long) n * width != raw.length) {
                throw new ProtoException("tensor '" + name + "' has " + raw.length
                        + " bytes of data but its shape needs " + (long) n * width);
            }
            return ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        }

        private static float[] floatsOf(String name, byte[] raw, int n) {
            float[] a = new float[n];
            checked(name, raw, n, 4).asFloatBuffer().get(a);
            return a;
        }

        private static long[] longsOf(String name, byte[] raw, int n) {
            long[] a = new long[n];
            checked(name, raw, n, 8).asLongBuffer().get(a);
            return a;
        }

        private static int[] intsOf(String name, byte[] raw, int n) {
            int[] a = new int[n];
            checked(name, raw, n, 4).asIntBuffer().get(a);
            return a;
        }

        private static double[] doublesOf(String name, byte[] raw, int n) {
            double[] a = new double[n];
            checked(name, raw, n, 8).asDoubleBuffer().get(a);
            return a;
        }

        private static int[] toInts(long[] v) {
            int[] a = new int[v.length];
            for (int i = 0; i < v.length; i++) {
                a[i] = (int) v[i];
            }
            return a;
        }

        private static byte[] toBytes(long[] v) {
            byte[] a = new byte[v.length];
            for (int i = 0; i < v.length; i++) {
                a[i] = (byte) v[i];
            }
            return a;
        }

        int[] intDims() {
            int[] a = new int[dims.length];
            for (int i = 0; i < a.length; i++) {
                a[i] = (int) dims[i];
            }
            return a;
        }

        /** The values as a Nabla tensor (DOUBLE becomes float32, the nearest dtype Nabla has). */
        Tensor toTensor() {
            int[] shape = intDims();
            return switch (values) {
                case float[] a -> Tensor.fromArray(a, shape);
                case long[] a -> Tensor.fromArray(a, shape);
                case int[] a -> Tensor.fromArray(a, shape);
                case double[] a -> {
                    float[] f = new float[a.length];
                    for (int i = 0; i < a.length; i++) {
                        f[i] = (float) a[i];
                    }
                    yield Tensor.fromArray(f, shape);
                }
                case byte[] a ->
                    Tensor.fromArray(
                            a, dataType == BOOL ? DType.BOOL : dataType == UINT8 ? DType.UINT8 : DType.INT8, shape);
                default -> throw new IllegalStateException();
            };
        }
    }

    /** A ValueInfoProto of a tensor: name, element type and dims, a dim given as a number or a name. */
    record ValueInfo(String name, int elemType, List<Object> dims) {
        ProtoWriter encode() {
            ProtoWriter shape = new ProtoWriter();
            if (dims != null) {
                for (Object d : dims) {
                    ProtoWriter dim = new ProtoWriter();
                    if (d instanceof String p) {
                        dim.string(2, p);
                    } else {
                        dim.int64(1, ((Number) d).longValue());
                    }
                    shape.message(1, dim);
                }
            }
            ProtoWriter tensor = new ProtoWriter().int64(1, elemType);
            if (dims != null) {
                tensor.message(2, shape);
            }
            return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensor));
        }

        static ValueInfo decode(ProtoReader r) {
            String name = "";
            int elem = 0;
            List<Object> dims = null;
            while (r.next()) {
                switch (r.field()) {
                    case 1 -> name = r.string();
                    case 2 -> {
                        ProtoReader type = r.message();
                        while (type.next()) {
                            if (type.field() != 1) {
                                type.skip();
                                continue;
                            }
                            ProtoReader tensor = type.message();
                            while (tensor.next()) {
                                switch (tensor.field()) {
                                    case 1 -> elem = tensor.intIn("element type", 0, 100);
                                    case 2 -> {
                                        dims = new ArrayList<>();
                                        ProtoReader shape = tensor.message();
                                        while (shape.next()) {
                                            if (shape.field() != 1) {
                                                shape.skip();
                                                continue;
                                            }
                                            ProtoReader dim = shape.message();
                                            Object value = "?";
                                            while (dim.next()) {
                                                switch (dim.field()) {
                                                    case 1 -> value = dim.int64();
                                                    case 2 -> value = dim.string();
                                                    default -> dim.skip();
                                                }
                                            }
                                            dims.add(value);
                                        }
                                    }
                                    default -> tensor.skip();
                                }
                            }
                        }
                    }
                    default -> r.skip();
                }
            }
            return new ValueInfo(name, elem, dims);
        }
    }
}
