package dev.nabla.quantize.quantized;

import dev.nabla.export.onnx.GraphBuilder;
import dev.nabla.export.onnx.Onnx;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Tensor;
import java.util.List;

/**
 * ONNX export of the int8 layers in the QDQ format: every int8 activation is written as a float
 * value that went through {@code QuantizeLinear -> DequantizeLinear} with the scale and zero point
 * Nabla's int8 model uses, every int8 weight is an int8 initializer (its state-dict key) read
 * through {@code DequantizeLinear} with its per-channel scales along axis 0, and the layer itself
 * is its float operator (Conv, Gemm/MatMul, Add, Relu, pooling) between them; biases stay float.
 * ONNX Runtime recognises the pattern and runs it on its int8 kernels (QLinearConv and friends);
 * a runtime without them computes the same values in float, rounding where the int8 model rounds.
 *
 * <p>Why QDQ rather than QLinearConv / QLinearMatMul: the standard opset has no int8 add, average
 * pooling or global pooling (ONNX Runtime's QLinearAdd and QLinearAveragePool are Microsoft
 * extensions the checker does not know), and QLinearConv / QLinearMatMul have no fused ReLU nor
 * (QLinearMatMul) a bias, so an int8 ResNet-20 in that form would still need QDQ around half its
 * nodes; QDQ expresses the whole model in standard operators, keeps the float bias as stored, and
 * leaves the choice of integer kernels to the runtime, which is how ONNX Runtime's own quantizer
 * writes models by default. The tests run every file both with ONNX Runtime's optimisations off
 * (float arithmetic) and on (its QLinearConv kernels) against Nabla's int8 output.
 *
 * <p>Registered for every export in the JVM when the first int8 layer class is loaded, so
 * {@code Onnx.export(int8Model, example, file)} needs no set-up. A dynamically quantized LSTM has
 * no export (its per-step dynamic quantization has no ONNX form short of unrolling the sequence):
 * the export fails naming it.
 *
 * <pre>{@code
 * QuantWrapper int8 = Quantization.convert(prepared);            // after prepare and calibrate
 * Onnx.export(int8, Variable.zeros(1, 1, 28, 28), Path.of("lenet5-int8.onnx"));
 * }</pre>
 */
final class OnnxQdq {
    private static boolean registered;

    private OnnxQdq() {}

    /** Registers the exporters once (called from the int8 layers' static initialisers). */
    static synchronized void register() {
        if (registered) {
            return;
        }
        registered = true;
        Onnx.registerModuleExporter(Quantize.class, (m, x, g) -> qdq(g, x, m.scale.item(), m.zeroPoint.itemLong()));
        Onnx.registerModuleExporter(DeQuantize.class, (m, x, g) -> x);
        Onnx.registerModuleExporter(QuantizedConv2d.class, OnnxQdq::conv);
        Onnx.registerModuleExporter(QuantizedLinear.class, OnnxQdq::linear);
        Onnx.registerModuleExporter(QFunctional.class, OnnxQdq::add);
        Onnx.registerModuleExporter(
                QuantizedReLU.class, (m, x, g) -> sameQParams(g, x, g.node("Relu", List.of(x)), "QuantizedReLU"));
        Onnx.registerModuleExporter(QuantizedMaxPool2d.class, OnnxQdq::maxPool);
        Onnx.registerModuleExporter(QuantizedAvgPool2d.class, OnnxQdq::avgPool);
        Onnx.registerModuleExporter(QuantizedAdaptiveAvgPool2d.class, OnnxQdq::adaptiveAvgPool);
        Onnx.registerModuleExporter(DynamicQuantizedLinear.class, OnnxQdq::dynamicLinear);
        Onnx.registerModuleExporter(DynamicQuantizedLSTM.class, (m, x, g) -> {
            throw new UnsupportedOperationException("a dynamically quantized LSTM has no ONNX export (its"
                    + " activations are quantized per time step, which ONNX's LSTM operator cannot express);"
                    + " export the float model, or quantize only its Linear layers (quantizeDynamic with Linear)");
        });
    }

    // ------------------------------------------------------------------ values

    /** {@code DequantizeLinear(QuantizeLinear(x))} with a quint8 scale and zero point. */
    private static String qdq(GraphBuilder g, String x, double scale, long zeroPoint) {
        String s = g.scalar((float) scale);
        String z = g.constant(Tensor.full(DType.UINT8, zeroPoint));
        String q = g.node("QuantizeLinear", List.of(x, s, z));
        return g.node("DequantizeLinear", List.of(q, s, z));
    }

    /** {@code y} re-quantized with the scale and zero point of the int8 input {@code x} (pooling, ReLU). */
    private static String sameQParams(GraphBuilder g, String x, String y, String layer) {
        Tensor t = g.example(x);
        if (t == null || !t.isQuantized()) {
            throw new IllegalArgumentException(layer + " expects an int8 input, got "
                    + (t == null ? "a value the trace did not see" : t.dtype() + " " + t.shape())
                    + "; is a QuantStub missing before it?");
        }
        return qdq(g, y, t.qScale(), t.qZeroPoint());
    }

    /** The float weight: the int8 initializer through DequantizeLinear with its per-channel scales. */
    private static String weight(GraphBuilder g, Tensor values, Tensor scales) {
        String zeros = g.constant(Tensor.zeros(DType.INT8, values.size(0)));
        return g.node("DequantizeLinear", List.of(g.buffer(values), g.buffer(scales), zeros), "axis", 0);
    }

    // ------------------------------------------------------------------ layers

    private static String conv(QuantizedConv2d m, String x, GraphBuilder g) {
        String w = weight(g, m.weight, m.weightScale);
        String y = g.node(
                "Conv",
                List.of(x, w, g.buffer(m.bias)),
                "kernel_shape",
                m.kernel,
                "strides",
                m.stride,
                "pads",
                new int[] {m.padding[0], m.padding[1], m.padding[0], m.padding[1]},
                "dilations",
                m.dilation);
        if (m.relu) {
            y = g.node("Relu", List.of(y));
        }
        return qdq(g, y, m.scale.item(), m.zeroPoint.itemLong());
    }

    private static String linear(QuantizedLinear m, String x, GraphBuilder g) {
        String y = matmul(g, isMatrix(g, x), x, weight(g, m.weight, m.weightScale), g.buffer(m.bias));
        if (m.relu) {
            y = g.node("Relu", List.of(y));
        }
        return qdq(g, y, m.scale.item(), m.zeroPoint.itemLong());
    }

    private static boolean isMatrix(GraphBuilder g, String x) {
        Tensor t = g.example(x);
        return t != null && t.dim() == 2;
    }

    /** {@code x W^T + b}: Gemm for a matrix input, MatMul and Add for more dimensions. */
    private static String matmul(GraphBuilder g, boolean matrix, String x, String w, String bias) {
        if (matrix) {
            return g.node("Gemm", List.of(x, w, bias), "transB", 1);
        }
        String y = g.node("MatMul", List.of(x, g.node("Transpose", List.of(w), "perm", new int[] {1, 0})));
        return g.node("Add", List.of(y, bias));
    }

    private static String add(QFunctional m, String a, GraphBuilder g) {
        List<String> others = g.otherInputs();
        if (others.size() != 1) {
            throw new IllegalStateException("QFunctional: the export saw " + (others.size() + 1)
                    + " operands of an add; call add(a, b) or addRelu(a, b) once per QFunctional");
        }
        String y = g.node("Add", List.of(a, others.get(0)));
        if (m.tracedRelu()) {
            y = g.node("Relu", List.of(y));
        }
        return qdq(g, y, m.scale.item(), m.zeroPoint.itemLong());
    }

    private static String maxPool(QuantizedMaxPool2d m, String x, GraphBuilder g) {
        String y = g.node(
                "MaxPool",
                List.of(x),
                "kernel_shape",
                m.kernel,
                "strides",
                m.stride,
                "pads",
                new int[] {m.padding[0], m.padding[1], m.padding[0], m.padding[1]},
                "dilations",
                m.dilation,
                "ceil_mode",
                m.ceilMode ? 1 : 0);
        return sameQParams(g, x, y, "QuantizedMaxPool2d");
    }

    private static String avgPool(QuantizedAvgPool2d m, String x, GraphBuilder g) {
        String y = g.node(
                "AveragePool",
                List.of(x),
                "kernel_shape",
                m.kernel,
                "strides",
                m.stride,
                "pads",
                new int[] {m.padding[0], m.padding[1], m.padding[0], m.padding[1]},
                "ceil_mode",
                m.ceilMode ? 1 : 0,
                "count_include_pad",
                m.countIncludePad ? 1 : 0);
        return sameQParams(g, x, y, "QuantizedAvgPool2d");
    }

    private static String adaptiveAvgPool(QuantizedAdaptiveAvgPool2d m, String x, GraphBuilder g) {
        Tensor t = g.example(x);
        int oh = m.size[0];
        int ow = m.size[1];
        String y;
        if (oh == 1 && ow == 1) {
            y = g.node("GlobalAveragePool", List.of(x));
        } else if (t != null && t.size(-2) % oh == 0 && t.size(-1) % ow == 0) {
            int[] k = {t.size(-2) / oh, t.size(-1) / ow};
            y = g.node("AveragePool", List.of(x), "kernel_shape", k, "strides", k);
        } else {
            throw new IllegalArgumentException("QuantizedAdaptiveAvgPool2d to " + oh + "x" + ow + " from "
                    + (t == null ? "an unknown size" : t.size(-2) + "x" + t.size(-1))
                    + " has no ONNX form (only where the output size divides the input size)");
        }
        return sameQParams(g, x, y, "QuantizedAdaptiveAvgPool2d");
    }

    /**
     * Float in, float out: DynamicQuantizeLinear picks the uint8 scale and zero point from the
     * batch's own range exactly as {@link dev.nabla.tensor.QuantizedOps#dynamicQParams} does (range
     * widened to include 0, {@code (max - min) / 255}, zero point rounded half to even), the
     * activation is dequantized again, and the product with the dequantized weight is float.
     */
    private static String dynamicLinear(DynamicQuantizedLinear m, String x, GraphBuilder g) {
        List<String> q = g.nodes("DynamicQuantizeLinear", List.of(x), 3);
        String xq = g.node("DequantizeLinear", q);
        return matmul(g, isMatrix(g, x), xq, weight(g, m.weight, m.weightScale), g.buffer(m.bias));
    }
}
