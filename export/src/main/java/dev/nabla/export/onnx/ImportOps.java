package dev.nabla.export.onnx;

import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.QuantizedOps;
import dev.nabla.tensor.ShapeMismatchException;
import dev.nabla.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The ONNX operators {@link OnnxModel} runs, each as Nabla's differentiable operations, so an
 * imported model trains. Integer values (shapes, indices) travel as variables that never require
 * grad. Operators that create tensors from values in the file (ConstantOfShape, Expand, Pad,
 * Concat, MatMul) check the element count first, so a hostile file cannot ask for terabytes.
 */
final class ImportOps {
    private ImportOps() {}

    /** The largest tensor an imported graph may create: 2^28 elements (1 GB of floats). */
    static final long MAX_ELEMENTS = 1L << 28;

    static final Set<String> SUPPORTED = Set.of(
            "Abs",
            "Add",
            "AveragePool",
            "BatchNormalization",
            "Cast",
            "DequantizeLinear",
            "DynamicQuantizeLinear",
            "Clip",
            "Concat",
            "Constant",
            "ConstantOfShape",
            "Conv",
            "Div",
            "Dropout",
            "Equal",
            "Exp",
            "Expand",
            "Flatten",
            "Gather",
            "GatherElements",
            "Gelu",
            "Gemm",
            "GlobalAveragePool",
            "Identity",
            "LayerNormalization",
            "LeakyRelu",
            "Log",
            "LogSoftmax",
            "LSTM",
            "MatMul",
            "Max",
            "MaxPool",
            "Min",
            "Mul",
            "Neg",
            "Pad",
            "Pow",
            "QuantizeLinear",
            "Reciprocal",
            "ReduceMax",
            "ReduceMean",
            "ReduceMin",
            "ReduceSum",
            "Relu",
            "Reshape",
            "Shape",
            "Sigmoid",
            "Slice",
            "Softmax",
            "Split",
            "Sqrt",
            "Squeeze",
            "Sub",
            "Tanh",
            "Transpose",
            "Unsqueeze",
            "Where");

    // =================================================================== attributes

    private static Proto.Attribute attr(Proto.Node n, String name) {
        return n.attribute(name);
    }

    private static long intAttr(Proto.Node n, String name, long dflt) {
        Proto.Attribute a = attr(n, name);
        return a == null ? dflt : a.i();
    }

    private static float floatAttr(Proto.Node n, String name, float dflt) {
        Proto.Attribute a = attr(n, name);
        return a == null ? dflt : a.f();
    }

    private static long[] intsAttr(Proto.Node n, String name) {
        Proto.Attribute a = attr(n, name);
        return a == null ? null : a.ints();
    }

    private static String stringAttr(Proto.Node n, String name, String dflt) {
        Proto.Attribute a = attr(n, name);
        return a == null ? dflt : a.string();
    }

    private static int toInt(long v, String what) {
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " " + v + " is out of range");
        }
        return (int) v;
    }

    private static int[] toInts(long[] v, String what) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = toInt(v[i], what);
        }
        return out;
    }

    /** A node input that holds integers (a shape, axes, pads) as a long array. */
    private static long[] longs(Variable v, String what) {
        if (v == null) {
            return null;
        }
        if (v.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(what + " must be an integer tensor, got " + v.dtype());
        }
        if (v.numel() > 1 << 16) {
            throw new IllegalArgumentException(what + " has " + v.numel() + " entries");
        }
        return v.data().toLongArray();
    }

    private static int axis(long a, int rank, String what) {
        long r = a < 0 ? a + rank : a;
        if (r < 0 || r >= Math.max(rank, 1)) {
            throw new IllegalArgumentException(what + " " + a + " is not an axis of a rank-" + rank + " tensor");
        }
        return (int) r;
    }

    private static void checkSize(long[] dims, String what) {
        long n = 1;
        for (long d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException(what + ": negative dimension in " + Arrays.toString(dims));
            }
            n *= Math.max(d, 1);
            if (n > MAX_ELEMENTS) {
                throw new IllegalArgumentException(what + ": a tensor of shape " + Arrays.toString(dims)
                        + " exceeds the limit of " + MAX_ELEMENTS + " elements");
            }
        }
    }

    /** The value of a Constant node. */
    static Tensor constantValue(Proto.Node n) {
        for (Proto.Attribute a : n.attributes()) {
            switch (a.name()) {
                case "value":
                    if (a.t() == null) {
                        throw new OnnxModel.ImportException(n.describe() + ": 'value' is not a tensor");
                    }
                    return a.t().toTensor();
                case "value_float":
                    return Tensor.scalar(a.f());
                case "value_floats":
                    return Tensor.of(a.floats());
                case "value_int":
                    return Tensor.fromArray(new long[] {a.i()}).reshape();
                case "value_ints":
                    return Tensor.fromArray(a.ints(), a.ints().length);
                default:
            }
        }
        throw new OnnxModel.ImportException(n.describe() + " has no value this importer reads");
    }

    // =================================================================== dispatch

    static List<Variable> run(Proto.Node n, List<Variable> in, OnnxModel model, int opset) {
        Variable x = in.isEmpty() ? null : in.get(0);
        if (x == null && !n.opType().equals("Constant")) {
            throw new IllegalArgumentException("the first input is missing");
        }
        return switch (n.opType()) {
            case "Constant" -> List.of(Variable.of(constantValue(n)));
            case "Identity" -> List.of(x);
            case "Dropout" -> List.of(dropout(n, in, model));
            case "Add" -> List.of(binary(x, in.get(1), Variable::add));
            case "Sub" -> List.of(binary(x, in.get(1), Variable::sub));
            case "Mul" -> List.of(binary(x, in.get(1), Variable::mul));
            case "Div" -> List.of(div(x, in.get(1)));
            case "Pow" ->
                List.of(
                        in.get(1).numel() == 1 && in.get(1).dim() == 0
                                ? x.pow(in.get(1).data().toFloat().item())
                                : x.pow(
                                        in.get(1).data().dtype() == x.dtype()
                                                ? in.get(1)
                                                : Variable.of(in.get(1).data().to(x.dtype()))));
            case "Max", "Min" -> List.of(extremum(in, n.opType().equals("Max")));
            case "Neg" -> List.of(x.neg());
            case "Abs" -> List.of(x.abs());
            case "Exp" -> List.of(x.exp());
            case "Log" -> List.of(x.log());
            case "Sqrt" -> List.of(x.sqrt());
            case "Reciprocal" -> List.of(x.reciprocal());
            case "Relu" -> List.of(x.relu());
            case "Sigmoid" -> List.of(x.sigmoid());
            case "Tanh" -> List.of(x.tanh());
            case "LeakyRelu" -> List.of(x.leakyRelu(floatAttr(n, "alpha", 0.01f)));
            case "Gelu" -> {
                if (!stringAttr(n, "approximate", "none").equals("none")) {
                    throw new IllegalArgumentException("only the exact (erf) GELU is supported");
                }
                yield List.of(x.gelu());
            }
            case "Clip" -> List.of(clip(n, in, opset));
            case "Softmax", "LogSoftmax" -> List.of(softmax(n, x, opset));
            case "MatMul" -> List.of(matmul(x, in.get(1)));
            case "Gemm" -> List.of(gemm(n, in));
            case "Conv" -> List.of(conv(n, in));
            case "MaxPool" -> List.of(pool(n, x, true));
            case "AveragePool" -> List.of(pool(n, x, false));
            case "GlobalAveragePool" -> List.of(globalAveragePool(x));
            case "BatchNormalization" -> List.of(batchNorm(n, in, model));
            case "LayerNormalization" -> List.of(layerNorm(n, in));
            case "Flatten" -> {
                int a = axis(intAttr(n, "axis", 1), x.dim() + 1, "Flatten axis");
                int lead = 1;
                for (int i = 0; i < a; i++) {
                    lead *= x.size(i);
                }
                yield List.of(x.reshape(lead, lead == 0 ? 0 : x.numel() / lead));
            }
            case "Reshape" -> List.of(reshape(n, x, longs(in.get(1), "Reshape's shape")));
            case "Transpose" -> List.of(transpose(n, x));
            case "Concat" -> List.of(concat(n, in));
            case "Gather" -> List.of(gather(n, x, in.get(1)));
            case "GatherElements" ->
                List.of(x.gather(
                        axis(intAttr(n, "axis", 0), x.dim(), "GatherElements axis"),
                        positive(in.get(1).data(), x.size(axis(intAttr(n, "axis", 0), x.dim(), "axis")))));
            case "Shape" -> List.of(shape(n, x));
            case "Unsqueeze" ->
                List.of(unsqueeze(x, opset >= 13 ? longs(in.get(1), "Unsqueeze's axes") : intsAttr(n, "axes")));
            case "Squeeze" ->
                List.of(squeeze(
                        x, opset >= 13 ? longs(in.size() > 1 ? in.get(1) : null, "axes") : intsAttr(n, "axes")));
            case "Slice" -> List.of(slice(x, in));
            case "Split" -> split(n, x, in, opset);
            case "Cast" -> List.of(cast(n, x));
            case "ConstantOfShape" -> List.of(constantOfShape(n, x));
            case "Expand" -> List.of(expand(x, longs(in.get(1), "Expand's shape")));
            case "Pad" -> List.of(pad(n, x, in, opset));
            case "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin" -> List.of(reduce(n, x, in, opset));
            case "Equal" -> List.of(Variable.of(x.data().eq(in.get(1).data())));
            case "Where" -> List.of(where(x, in.get(1), in.get(2)));
            case "LSTM" -> lstm(n, in);
            case "QuantizeLinear" -> List.of(quantizeLinear(n, x, in));
            case "DequantizeLinear" -> List.of(dequantizeLinear(n, x, in));
            case "DynamicQuantizeLinear" -> dynamicQuantizeLinear(x);
            default -> throw new IllegalStateException("no implementation for " + n.opType());
        };
    }

    // =================================================================== elementwise

    private interface Binary {
        Variable apply(Variable a, Variable b);
    }

    /** Elementwise with ONNX's same-type operands; integer operands (shape arithmetic) stay integers. */
    private static Variable binary(Variable a, Variable b, Binary f) {
        if (b == null) {
            throw new IllegalArgumentException("the second input is missing");
        }
        return f.apply(a, b);
    }

    /** Integer division truncates (ONNX), float division is true division. */
    private static Variable div(Variable a, Variable b) {
        if (a.dtype().isInteger() && b.dtype().isInteger()) {
            Tensor q = a.data().toFloat().div(b.data().toFloat());
            return Variable.of(q.to(a.dtype())); // the float-to-integer conversion truncates, as ONNX does
        }
        return a.div(b);
    }

    private static Variable extremum(List<Variable> in, boolean max) {
        Variable r = in.get(0);
        for (int i = 1; i < in.size(); i++) {
            r = max ? r.maximum(in.get(i)) : r.minimum(in.get(i));
        }
        return r;
    }

    private static Variable clip(Proto.Node n, List<Variable> in, int opset) {
        float lo = Float.NEGATIVE_INFINITY;
        float hi = Float.POSITIVE_INFINITY;
        if (opset < 11) {
            lo = floatAttr(n, "min", lo);
            hi = floatAttr(n, "max", hi);
        } else {
            if (in.size() > 1 && in.get(1) != null) {
                lo = in.get(1).data().toFloat().item();
            }
            if (in.size() > 2 && in.get(2) != null) {
                hi = in.get(2).data().toFloat().item();
            }
        }
        return in.get(0).clamp(lo, hi);
    }

    private static Variable where(Variable cond, Variable a, Variable b) {
        Tensor c = cond.data().dtype() == DType.BOOL ? cond.data() : cond.data().ne(Tensor.scalar(0));
        if (a.dtype() != b.dtype()) {
            DType t = a.dtype().isFloatingPoint() ? a.dtype() : b.dtype();
            a = a.dtype() == t ? a : Variable.of(a.data().to(t));
            b = b.dtype() == t ? b : Variable.of(b.data().to(t));
        }
        return Variable.where(c, a, b);
    }

    private static Variable cast(Proto.Node n, Variable x) {
        int to = (int) intAttr(n, "to", 0);
        DType t = switch (to) {
            case Proto.FLOAT, Proto.DOUBLE -> DType.FLOAT32;
            case Proto.INT64 -> DType.INT64;
            case Proto.INT32 -> DType.INT32;
            case Proto.INT8 -> DType.INT8;
            case Proto.UINT8 -> DType.UINT8;
            case Proto.BOOL -> DType.BOOL;
            default -> throw new IllegalArgumentException("cast to " + Proto.typeName(to) + " is not supported");
        };
        return x.dtype() == t ? x : Variable.of(x.data().to(t));
    }

    // =================================================================== QDQ

    /**
     * A per-tensor scale or zero point as it is, a per-axis one ([C]) shaped to broadcast along
     * {@code axis} of a rank-{@code rank} value.
     */
    private static Tensor alongAxis(Tensor t, Proto.Node n, int rank, String what) {
        if (t.dim() == 0 || (t.dim() == 1 && t.size(0) == 1)) {
            return t.reshape();
        }
        if (t.dim() != 1) {
            throw new IllegalArgumentException(
                    n.opType() + "'s " + what + " must be a scalar or 1-D, got " + t.shape());
        }
        int a = axis(intAttr(n, "axis", 1), rank, n.opType() + " axis");
        int[] shape = new int[rank];
        Arrays.fill(shape, 1);
        shape[a] = t.size(0);
        return t.reshape(shape);
    }

    /** Rounds half to even (what QuantizeLinear specifies) for values well inside the int range. */
    private static Tensor roundHalfEven(Tensor v) {
        // Adding and subtracting 1.5 * 2^23 in float32 leaves the value rounded to an integer,
        // ties to even; the clamp keeps it in the trick's range (the result is clamped to 8 bits anyway).
        float magic = 12582912f;
        return v.clamp(-1e6f, 1e6f).add(magic).sub(magic);
    }

    /** {@code saturate(round(x / scale) + zero_point)}, uint8 (or the zero point's int8). */
    private static Variable quantizeLinear(Proto.Node n, Variable x, List<Variable> in) {
        Tensor xf = x.data().toFloat();
        Tensor scale = alongAxis(in.get(1).data().toFloat(), n, xf.dim(), "scale");
        Variable zp = in.size() > 2 ? in.get(2) : null;
        DType type = zp == null ? DType.UINT8 : zp.dtype();
        if (type != DType.UINT8 && type != DType.INT8) {
            throw new IllegalArgumentException("QuantizeLinear to " + type + " is not supported (uint8 or int8)");
        }
        Tensor zero = zp == null ? Tensor.scalar(0f) : alongAxis(zp.data().toFloat(), n, xf.dim(), "zero point");
        float lo = type == DType.UINT8 ? 0 : -128;
        float hi = type == DType.UINT8 ? 255 : 127;
        Tensor q = roundHalfEven(xf.div(scale)).add(zero).clamp(lo, hi);
        return Variable.of(q.to(type));
    }

    /** {@code (x - zero_point) * scale} in float32, per tensor or along {@code axis}. */
    private static Variable dequantizeLinear(Proto.Node n, Variable x, List<Variable> in) {
        if (x.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("DequantizeLinear needs an integer input, got " + x.dtype());
        }
        Tensor xf = x.data().toFloat();
        Variable scale = in.get(1);
        Tensor shaped = alongAxis(scale.data(), n, xf.dim(), "scale");
        Variable s = shaped.dim() == scale.dim() && Arrays.equals(shaped.dims(), scale.dims())
                ? scale
                : scale.reshape(shaped.dims());
        Tensor centered = in.size() > 2 && in.get(2) != null
                ? xf.sub(alongAxis(in.get(2).data().toFloat(), n, xf.dim(), "zero point"))
                : xf;
        return Variable.of(centered)
                .mul(s.dtype() == DType.FLOAT32 ? s : Variable.of(s.data().toFloat()));
    }

    /** uint8 with the scale and zero point from the value's own range (widened to include 0). */
    private static List<Variable> dynamicQuantizeLinear(Variable x) {
        Tensor xf = x.data().toFloat();
        double[] qp = xf.numel() == 0
                ? new double[] {1, 0}
                : QuantizedOps.dynamicQParams(xf.min().item(), xf.max().item());
        Tensor q = roundHalfEven(xf.div((float) qp[0])).add((float) qp[1]).clamp(0, 255);
        return List.of(
                Variable.of(q.to(DType.UINT8)),
                Variable.of(Tensor.scalar((float) qp[0])),
                Variable.of(Tensor.full(DType.UINT8, (long) qp[1])));
    }

    private static Variable dropout(Proto.Node n, List<Variable> in, OnnxModel model) {
        float ratio = floatAttr(n, "ratio", 0.5f);
        if (in.size() > 1 && in.get(1) != null) {
            ratio = in.get(1).data().toFloat().item();
        }
        boolean training =
                in.size() > 2 && in.get(2) != null ? in.get(2).data().toFloat().item() != 0 : model.training();
        return Functional.dropout(in.get(0), ratio, training, Generator.defaultGenerator());
    }

    private static Variable softmax(Proto.Node n, Variable x, int opset) {
        int a = axis(intAttr(n, "axis", opset >= 13 ? -1 : 1), x.dim(), n.opType() + " axis");
        if (opset < 13 && a != x.dim() - 1) {
            throw new IllegalArgumentException("opset " + opset + " " + n.opType() + " over axes " + a
                    + ".. (flattened) is supported only on the last axis");
        }
        return n.opType().equals("Softmax") ? x.softmax(a) : x.logSoftmax(a);
    }

    // =================================================================== linear algebra

    private static Variable matmul(Variable a, Variable b) {
        long rows = a.dim() >= 2 ? a.size(-2) : 1;
        long cols = b.dim() >= 2 ? b.size(-1) : 1;
        long batch = Math.max(
                a.numel() / Math.max(1, (long) a.size(-1) * rows), b.numel() / Math.max(1, (long) b.size(0) * cols));
        checkSize(new long[] {batch, rows, cols}, "MatMul");
        return a.matmul(b);
    }

    private static Variable gemm(Proto.Node n, List<Variable> in) {
        Variable a = in.get(0);
        Variable b = in.get(1);
        Variable c = in.size() > 2 ? in.get(2) : null;
        float alpha = floatAttr(n, "alpha", 1f);
        float beta = floatAttr(n, "beta", 1f);
        boolean ta = intAttr(n, "transA", 0) != 0;
        boolean tb = intAttr(n, "transB", 0) != 0;
        if (a.dim() != 2 || b.dim() != 2) {
            throw new ShapeMismatchException("Gemm needs 2-D A and B, got " + a.shape() + " and " + b.shape());
        }
        if (ta) {
            a = a.t();
        }
        checkSize(new long[] {a.size(0), tb ? b.size(0) : b.size(1)}, "Gemm's output");
        if (!ta && tb && alpha == 1f && beta == 1f && (c == null || c.dim() == 1 && c.size(0) == b.size(0))) {
            return Functional.linear(a, b, c); // the common case: x W^T + b
        }
        Variable y = matmul(a, tb ? b.t() : b);
        if (alpha != 1f) {
            y = y.mul(alpha);
        }
        if (c != null) {
            y = y.add(beta == 1f ? c : c.mul(beta));
        }
        return y;
    }

    // =================================================================== convolution and pooling

    private static int[] symmetricPads(Proto.Node n, int spatial) {
        if (!stringAttr(n, "auto_pad", "NOTSET").equals("NOTSET")
                && !stringAttr(n, "auto_pad", "").equals("VALID")) {
            throw new IllegalArgumentException("auto_pad " + stringAttr(n, "auto_pad", "") + " is not supported");
        }
        long[] p = intsAttr(n, "pads");
        if (p == null || p.length == 0) {
            return new int[spatial];
        }
        if (p.length != 2 * spatial) {
            throw new IllegalArgumentException(
                    "pads " + Arrays.toString(p) + " do not fit " + spatial + " spatial axes");
        }
        int[] out = new int[spatial];
        for (int i = 0; i < spatial; i++) {
            if (p[i] != p[i + spatial] || p[i] < 0 || p[i] > 1 << 16) {
                throw new IllegalArgumentException("pads " + Arrays.toString(p)
                        + " are not symmetric and non-negative (Nabla pads both sides alike)");
            }
            out[i] = (int) p[i];
        }
        return out;
    }

    private static int[] pair(Proto.Node n, String name, int dflt) {
        long[] v = intsAttr(n, name);
        if (v == null || v.length == 0) {
            return new int[] {dflt, dflt};
        }
        if (v.length != 2) {
            throw new IllegalArgumentException(
                    name + " " + Arrays.toString(v) + ": only 2-D convolution and pooling are supported");
        }
        int[] out = toInts(v, name);
        for (int i : out) {
            if (i < 1 || i > 1 << 16) {
                throw new IllegalArgumentException(name + " " + Arrays.toString(v) + " must be positive");
            }
        }
        return out;
    }

    private static void requireImages(Proto.Node n, Variable x) {
        if (x.dim() != 4) {
            throw new ShapeMismatchException(n.opType() + " expects an input [N, C, H, W], got " + x.shape());
        }
    }

    private static Variable conv(Proto.Node n, List<Variable> in) {
        Variable x = in.get(0);
        Variable w = in.get(1);
        requireImages(n, x);
        if (w.dim() != 4) {
            throw new ShapeMismatchException("Conv weight must be [Cout, Cin/groups, kH, kW], got " + w.shape());
        }
        Variable b = in.size() > 2 ? in.get(2) : null;
        int groups = toInt(intAttr(n, "group", 1), "group");
        int[] pads = symmetricPads(n, 2);
        checkSize(
                new long[] {x.size(0), w.size(0), x.size(2) + 2L * pads[0], x.size(3) + 2L * pads[1]}, "Conv's output");
        return Functional.conv2d(x, w, b, pair(n, "strides", 1), symmetricPads(n, 2), pair(n, "dilations", 1), groups);
    }

    private static Variable pool(Proto.Node n, Variable x, boolean max) {
        requireImages(n, x);
        if (n.outputs().size() > 1 && !n.outputs().get(1).isEmpty()) {
            throw new IllegalArgumentException("MaxPool's indices output is not supported");
        }
        int[] k = pair(n, "kernel_shape", 1);
        int[] s = pair(n, "strides", 1);
        int[] p = symmetricPads(n, 2);
        checkSize(
                new long[] {x.size(0), x.size(1), x.size(2) + 2L * p[0], x.size(3) + 2L * p[1]},
                n.opType() + "'s output");
        boolean ceil = intAttr(n, "ceil_mode", 0) != 0;
        if (max) {
            return Functional.maxPool2d(x, k, s, p, pair(n, "dilations", 1), ceil);
        }
        return Functional.avgPool2d(x, k, s, p, ceil, intAttr(n, "count_include_pad", 0) != 0);
    }

    private static Variable globalAveragePool(Variable x) {
        if (x.dim() != 4) {
            throw new ShapeMismatchException("GlobalAveragePool supports [N, C, H, W], got " + x.shape());
        }
        return Functional.adaptiveAvgPool2d(x, 1, 1);
    }

    // =================================================================== normalisation

    private static Variable batchNorm(Proto.Node n, List<Variable> in, OnnxModel model) {
        if (intAttr(n, "training_mode", 0) != 0 || n.outputs().size() > 1) {
            throw new IllegalArgumentException(
                    "BatchNormalization in training mode (running statistics as outputs) is not supported");
        }
        float momentum = floatAttr(n, "momentum", 0.9f);
        Tensor mean = statistic(in.get(3), n.inputs().get(3), model);
        Tensor var = statistic(in.get(4), n.inputs().get(4), model);
        return Functional.batchNorm(
                in.get(0),
                mean,
                var,
                in.get(1),
                in.get(2),
                model.training(),
                1 - momentum,
                floatAttr(n, "epsilon", 1e-5f));
    }

    private static Tensor statistic(Variable v, String name, OnnxModel model) {
        Tensor t = model.buffer(name);
        return t != null ? t : v.data();
    }

    private static Variable layerNorm(Proto.Node n, List<Variable> in) {
        Variable x = in.get(0);
        int a = axis(intAttr(n, "axis", -1), x.dim(), "LayerNormalization axis");
        if (n.outputs().size() > 1) {
            throw new IllegalArgumentException(
                    "LayerNormalization's mean and inverse-deviation outputs are not supported");
        }
        int[] shape = Arrays.copyOfRange(x.dims(), a, x.dim());
        Variable scale = in.get(1);
        Variable bias = in.size() > 2 ? in.get(2) : null;
        return Functional.layerNorm(x, shape, scale, bias, floatAttr(n, "epsilon", 1e-5f));
    }

    // =================================================================== shapes

    private static Variable reshape(Proto.Node n, Variable x, long[] shape) {
        boolean allowZero = intAttr(n, "allowzero", 0) != 0;
        int[] dims = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 0 && !allowZero) {
                if (i >= x.dim()) {
                    throw new ShapeMismatchException(
                            "Reshape copies dimension " + i + " of " + x.shape() + ", which has none");
                }
                dims[i] = x.size(i);
            } else if (shape[i] < -1) {
                throw new IllegalArgumentException(
                        "Reshape to " + Arrays.toString(shape) + ": bad dimension " + shape[i]);
            } else {
                dims[i] = toInt(shape[i], "Reshape dimension");
            }
        }
        return x.reshape(dims);
    }

    private static Variable transpose(Proto.Node n, Variable x) {
        long[] perm = intsAttr(n, "perm");
        int[] p = new int[x.dim()];
        for (int i = 0; i < p.length; i++) {
            p[i] = perm == null || perm.length == 0 ? p.length - 1 - i : -1;
        }
        if (perm != null && perm.length > 0) {
            if (perm.length != x.dim()) {
                throw new ShapeMismatchException(
                        "Transpose perm " + Arrays.toString(perm) + " does not fit " + x.shape());
            }
            for (int i = 0; i < p.length; i++) {
                p[i] = axis(perm[i], x.dim(), "perm entry");
            }
        }
        return x.permute(p);
    }

    private static Variable concat(Proto.Node n, List<Variable> in) {
        int rank = in.get(0).dim();
        int a = axis(intAttr(n, "axis", 0), rank, "Concat axis");
        long total = 0;
        DType t = in.get(0).dtype();
        for (Variable v : in) {
            total += v.numel();
            if (v.dtype().isFloatingPoint()) {
                t = v.dtype();
            }
        }
        checkSize(new long[] {total}, "Concat");
        Variable[] parts = new Variable[in.size()];
        for (int i = 0; i < parts.length; i++) {
            Variable v = in.get(i);
            parts[i] = v.dtype() == t ? v : Variable.of(v.data().to(t));
        }
        return Variable.cat(a, parts);
    }

    /** Indices with negative entries counted from the end, as int64. */
    private static Tensor positive(Tensor idx, int size) {
        long[] v = idx.toLongArray();
        for (int i = 0; i < v.length; i++) {
            long r = v[i] < 0 ? v[i] + size : v[i];
            if (r < 0 || r >= size) {
                throw new IndexOutOfBoundsException(
                        "index " + v[i] + " is out of range for a dimension of size " + size);
            }
            v[i] = r;
        }
        return Tensor.fromArray(v, idx.dims());
    }

    private static Variable gather(Proto.Node n, Variable x, Variable indices) {
        int a = axis(intAttr(n, "axis", 0), x.dim(), "Gather axis");
        if (indices.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("Gather indices must be integers, got " + indices.dtype());
        }
        checkSize(new long[] {indices.numel(), x.numel() / Math.max(1, x.size(a))}, "Gather's output");
        Tensor idx = positive(indices.data(), x.size(a));
        if (idx.dim() == 0) {
            return x.select(a, (int) idx.itemLong());
        }
        if (a == 0 && x.dim() == 2 && x.dtype().isFloatingPoint()) {
            return Functional.embedding(Variable.of(idx), x); // an embedding lookup, any index shape
        }
        Variable flat = x.indexSelect(a, idx.reshape(-1));
        int[] d = new int[x.dim() - 1 + idx.dim()];
        int k = 0;
        for (int i = 0; i < a; i++) {
            d[k++] = x.size(i);
        }
        for (int i = 0; i < idx.dim(); i++) {
            d[k++] = idx.size(i);
        }
        for (int i = a + 1; i < x.dim(); i++) {
            d[k++] = x.size(i);
        }
        return flat.reshape(d);
    }

    private static Variable shape(Proto.Node n, Variable x) {
        int r = x.dim();
        long start = intAttr(n, "start", 0);
        long end = intAttr(n, "end", r);
        int s = (int) Math.max(0, Math.min(r, start < 0 ? start + r : start));
        int e = (int) Math.max(0, Math.min(r, end < 0 ? end + r : end));
        long[] out = new long[Math.max(0, e - s)];
        for (int i = 0; i < out.length; i++) {
            out[i] = x.size(s + i);
        }
        return Variable.of(Tensor.fromArray(out, out.length));
    }

    private static Variable unsqueeze(Variable x, long[] axes) {
        if (axes == null) {
            throw new IllegalArgumentException("Unsqueeze needs axes");
        }
        int rank = x.dim() + axes.length;
        boolean[] inserted = new boolean[rank];
        for (long a : axes) {
            int ax = axis(a, rank, "Unsqueeze axis");
            if (inserted[ax]) {
                throw new IllegalArgumentException("Unsqueeze axis " + a + " given twice");
            }
            inserted[ax] = true;
        }
        int[] d = new int[rank];
        for (int i = 0, k = 0; i < rank; i++) {
            d[i] = inserted[i] ? 1 : x.size(k++);
        }
        return x.reshape(d);
    }

    private static Variable squeeze(Variable x, long[] axes) {
        List<Integer> d = new ArrayList<>();
        boolean[] drop = new boolean[x.dim()];
        if (axes == null || axes.length == 0) {
            for (int i = 0; i < x.dim(); i++) {
                drop[i] = x.size(i) == 1;
            }
        } else {
            for (long a : axes) {
                int ax = axis(a, x.dim(), "Squeeze axis");
                if (x.size(ax) != 1) {
                    throw new ShapeMismatchException("Squeeze axis " + a + " of " + x.shape() + " is not 1");
                }
                drop[ax] = true;
            }
        }
        for (int i = 0; i < x.dim(); i++) {
            if (!drop[i]) {
                d.add(x.size(i));
            }
        }
        return x.reshape(d.stream().mapToInt(Integer::intValue).toArray());
    }

    private static int clampIndex(long v, int size) {
        long r = v < 0 ? v + size : v;
        return (int) Math.max(0, Math.min(size, r));
    }

    private static Variable slice(Variable x, List<Variable> in) {
        long[] starts = longs(in.get(1), "Slice starts");
        long[] ends = longs(in.get(2), "Slice ends");
        long[] axes = in.size() > 3 && in.get(3) != null ? longs(in.get(3), "Slice axes") : null;
        long[] steps = in.size() > 4 && in.get(4) != null ? longs(in.get(4), "Slice steps") : null;
        if (starts.length != ends.length
                || (axes != null && axes.length != starts.length)
                || (steps != null && steps.length != starts.length)) {
            throw new IllegalArgumentException("Slice starts, ends, axes and steps differ in length");
        }
        Variable y = x;
        for (int i = 0; i < starts.length; i++) {
            int a = axis(axes == null ? i : axes[i], x.dim(), "Slice axis");
            long step = steps == null ? 1 : steps[i];
            int size = y.size(a);
            if (step == 0 || step < -Integer.MAX_VALUE || step > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("Slice step " + step + " is not supported");
            }
            if (step > 0) {
                y = y.slice(a, clampIndex(starts[i], size), clampIndex(ends[i], size), (int) step);
                continue;
            }
            // Backwards: start clamped to [0, size - 1], end to [-1, size - 1], picked by index.
            long s = Math.max(0, Math.min(size - 1, starts[i] < 0 ? starts[i] + size : starts[i]));
            long e = Math.max(-1, Math.min(size - 1, ends[i] < 0 ? ends[i] + size : ends[i]));
            List<Long> picked = new ArrayList<>();
            for (long k = s; k > e; k += step) {
                picked.add(k);
            }
            y = y.indexSelect(
                    a,
                    Tensor.fromArray(picked.stream().mapToLong(Long::longValue).toArray(), picked.size()));
        }
        return y;
    }

    private static List<Variable> split(Proto.Node n, Variable x, List<Variable> in, int opset) {
        int a = axis(intAttr(n, "axis", 0), x.dim(), "Split axis");
        long[] sizes = opset >= 13
                ? (in.size() > 1 && in.get(1) != null ? longs(in.get(1), "Split sizes") : null)
                : intsAttr(n, "split");
        int parts = n.outputs().size();
        if (sizes == null || sizes.length == 0) {
            int each = (x.size(a) + parts - 1) / parts;
            sizes = new long[parts];
            for (int i = 0; i < parts; i++) {
                sizes[i] = Math.max(0, Math.min(each, x.size(a) - (long) each * i));
            }
        }
        if (sizes.length != parts) {
            throw new IllegalArgumentException("Split into " + sizes.length + " sizes but " + parts + " outputs");
        }
        List<Variable> out = new ArrayList<>();
        long at = 0;
        for (long s : sizes) {
            if (s < 0 || at + s > x.size(a)) {
                throw new ShapeMismatchException(
                        "Split sizes " + Arrays.toString(sizes) + " do not fit axis " + a + " of " + x.shape());
            }
            out.add(x.narrow(a, (int) at, (int) s));
            at += s;
        }
        return out;
    }

    private static Variable constantOfShape(Proto.Node n, Variable shapeValue) {
        long[] shape = longs(shapeValue, "ConstantOfShape's shape");
        checkSize(shape, "ConstantOfShape");
        Proto.Attribute v = attr(n, "value");
        Tensor value = v == null || v.t() == null ? Tensor.zeros(1) : v.t().toTensor();
        if (value.numel() != 1) {
            throw new IllegalArgumentException("ConstantOfShape's value must hold one element, got " + value.shape());
        }
        int[] dims = toInts(shape, "ConstantOfShape dimension");
        int[] ones = new int[dims.length];
        Arrays.fill(ones, 1);
        return Variable.of(value.reshape(ones).expand(dims).contiguous());
    }

    private static Variable expand(Variable x, long[] shape) {
        int rank = Math.max(x.dim(), shape.length);
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            int xi = i - (rank - x.dim());
            int si = i - (rank - shape.length);
            long xd = xi >= 0 ? x.size(xi) : 1;
            long sd = si >= 0 ? shape[si] : 1;
            if (xd != sd && xd != 1 && sd != 1) {
                throw new ShapeMismatchException(
                        "Expand: " + x.shape() + " does not broadcast to " + Arrays.toString(shape));
            }
            out[i] = xd == 1 ? sd : xd;
        }
        checkSize(out, "Expand");
        Variable y = x.dim() < rank ? x.reshape(leadingOnes(x.dims(), rank)) : x;
        return y.expand(toInts(out, "Expand dimension"));
    }

    private static int[] leadingOnes(int[] dims, int rank) {
        int[] d = new int[rank];
        Arrays.fill(d, 1);
        System.arraycopy(dims, 0, d, rank - dims.length, dims.length);
        return d;
    }

    /** Constant padding by concatenating blocks of the pad value (negative pads crop). */
    private static Variable pad(Proto.Node n, Variable x, List<Variable> in, int opset) {
        if (!stringAttr(n, "mode", "constant").equals("constant")) {
            throw new IllegalArgumentException(
                    "Pad mode '" + stringAttr(n, "mode", "") + "' is not supported (constant only)");
        }
        long[] pads = opset >= 11 ? longs(in.get(1), "Pad's pads") : intsAttr(n, "pads");
        float value = opset >= 11
                ? (in.size() > 2 && in.get(2) != null
                        ? in.get(2).data().toFloat().item()
                        : 0f)
                : floatAttr(n, "value", 0f);
        int rank = x.dim();
        long[] axes = null;
        if (in.size() > 3 && in.get(3) != null) {
            axes = longs(in.get(3), "Pad's axes");
        }
        int k = axes == null ? rank : axes.length;
        if (pads == null || pads.length != 2 * k) {
            throw new IllegalArgumentException("Pad's pads " + Arrays.toString(pads) + " do not fit rank " + rank);
        }
        long[] grown = new long[rank];
        for (int i = 0; i < rank; i++) {
            grown[i] = x.size(i);
        }
        for (int i = 0; i < k; i++) {
            int a = axes == null ? i : axis(axes[i], rank, "Pad axis");
            grown[a] += pads[i] + pads[i + k];
        }
        checkSize(grown, "Pad");
        Variable y = x;
        for (int i = 0; i < k; i++) {
            int a = axes == null ? i : axis(axes[i], rank, "Pad axis");
            y = padAxis(y, a, (int) pads[i], (int) pads[i + k], value);
        }
        return y;
    }

    private static Variable padAxis(Variable x, int axis, int before, int after, float value) {
        if (before < 0) {
            x = x.narrow(axis, -before, x.size(axis) + before);
            before = 0;
        }
        if (after < 0) {
            x = x.narrow(axis, 0, x.size(axis) + after);
            after = 0;
        }
        if (before == 0 && after == 0) {
            return x;
        }
        List<Variable> parts = new ArrayList<>();
        int[] d = x.dims();
        if (before > 0) {
            d[axis] = before;
            parts.add(Variable.of(Tensor.full(x.dtype(), (double) value, d)));
        }
        parts.add(x);
        if (after > 0) {
            d[axis] = after;
            parts.add(Variable.of(Tensor.full(x.dtype(), (double) value, d)));
        }
        return Variable.cat(axis, parts.toArray(new Variable[0]));
    }

    private static Variable reduce(Proto.Node n, Variable x, List<Variable> in, int opset) {
        boolean axesAsInput = n.opType().equals("ReduceSum") ? opset >= 13 : opset >= 18;
        long[] axes = axesAsInput
                ? (in.size() > 1 && in.get(1) != null ? longs(in.get(1), "axes") : null)
                : intsAttr(n, "axes");
        boolean keep = intAttr(n, "keepdims", 1) != 0;
        if (axes == null || axes.length == 0) {
            if (intAttr(n, "noop_with_empty_axes", 0) != 0) {
                return x;
            }
            axes = new long[x.dim()];
            for (int i = 0; i < axes.length; i++) {
                axes[i] = i;
            }
        }
        int[] ax = new int[axes.length];
        for (int i = 0; i < ax.length; i++) {
            ax[i] = axis(axes[i], x.dim(), n.opType() + " axis");
        }
        return switch (n.opType()) {
            case "ReduceMean" -> x.mean(ax, keep);
            case "ReduceSum" -> x.sum(ax, keep);
            case "ReduceMax" -> x.max(ax, keep);
            default -> x.min(ax, keep);
        };
    }

    // =================================================================== LSTM

    /** ONNX's gate blocks (i, o, f, c) back into PyTorch's (i, f, g, o) along axis 0. */
    private static Variable ifgo(Variable w, int h) {
        return Variable.cat(0, w.narrow(0, 0, h), w.narrow(0, 2 * h, h), w.narrow(0, 3 * h, h), w.narrow(0, h, h));
    }

    private static List<Variable> lstm(Proto.Node n, List<Variable> in) {
        String direction = stringAttr(n, "direction", "forward");
        if (!direction.equals("forward")) {
            throw new IllegalArgumentException("LSTM direction '" + direction + "' is not supported (forward only)");
        }
        if (intAttr(n, "layout", 0) != 0 || intAttr(n, "input_forget", 0) != 0 || attr(n, "clip") != null) {
            throw new IllegalArgumentException("LSTM with layout=1, input_forget or clip is not supported");
        }
        Proto.Attribute acts = attr(n, "activations");
        if (acts != null) {
            throw new IllegalArgumentException("LSTM with custom activations is not supported");
        }
        if (in.size() > 7 && in.get(7) != null) {
            throw new IllegalArgumentException("LSTM peephole weights are not supported");
        }
        Variable x = in.get(0);
        Variable w = in.get(1);
        Variable r = in.get(2);
        int h = toInt(intAttr(n, "hidden_size", r.size(-1)), "hidden_size");
        if (w.dim() != 3
                || r.dim() != 3
                || w.size(0) != 1
                || r.size(0) != 1
                || w.size(1) != 4 * h
                || r.size(1) != 4 * h) {
            throw new ShapeMismatchException("LSTM weights W " + w.shape() + " and R " + r.shape()
                    + " do not fit hidden_size " + h + " ([1, 4H, in] and [1, 4H, H])");
        }
        if (in.size() > 4 && in.get(4) != null) {
            long[] lens = longs(in.get(4), "LSTM sequence_lens");
            for (long l : lens) {
                if (l != x.size(0)) {
                    throw new IllegalArgumentException("LSTM sequence_lens " + Arrays.toString(lens)
                            + " shorter than the sequence are not supported");
                }
            }
        }
        Variable bIh = null;
        Variable bHh = null;
        if (in.size() > 3 && in.get(3) != null) {
            Variable b = in.get(3).reshape(8 * h);
            bIh = ifgo(b.narrow(0, 0, 4 * h), h);
            bHh = ifgo(b.narrow(0, 4 * h, 4 * h), h);
        }
        Variable h0 = in.size() > 5 && in.get(5) != null ? in.get(5).squeeze(0) : null;
        Variable c0 = in.size() > 6 && in.get(6) != null ? in.get(6).squeeze(0) : null;
        if ((h0 == null) != (c0 == null)) {
            Variable zeros = Variable.zeros(x.size(1), h);
            h0 = h0 == null ? zeros : h0;
            c0 = c0 == null ? zeros : c0;
        }
        Functional.LstmOutput o = Functional.lstm(x, h0, c0, ifgo(w.squeeze(0), h), ifgo(r.squeeze(0), h), bIh, bHh);
        return List.of(o.output().unsqueeze(1), o.h().unsqueeze(0), o.c().unsqueeze(0));
    }
}
