package dev.nabla.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.nn.testing.Goldens;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.QuantizedOps;
import dev.nabla.tensor.QuantizedWeight;
import dev.nabla.tensor.Tensor;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Nabla's quantized operations against PyTorch 1.13's ({@code torch.ao.quantization}, oneDNN
 * engine) with the same inputs, weights, scales and zero points: the int8 outputs may differ by at
 * most one unit (the requantization's rounding: PyTorch's float multiplier, Nabla's fixed point).
 * Goldens from {@code quantize/src/test/python/make_goldens.py}.
 */
class QuantizedLayerGoldenTest {

    static Stream<String> cases() {
        return Arrays.stream(Goldens.load("quant_index").meta("layers").split(" "));
    }

    /** A quint8 tensor from a golden's integers, scale and zero point. */
    static Tensor quint8(Goldens g, String key) {
        double scale = g.tensor(key + ".scale").item();
        long zero = g.tensor(key + ".zero_point").itemLong();
        Tensor ints = g.tensor(key);
        return ints.toFloat().sub((float) zero).mul((float) scale).quantizePerTensor(scale, zero, DType.UINT8);
    }

    static QuantizedWeight weight(Goldens g) {
        return QuantizedWeight.of(g.tensor("weight").to(DType.INT8), g.tensor("weight_scale"));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void matchesPyTorch(String name) {
        Goldens g = Goldens.load("quant_layer_" + name);
        String kind = g.meta("kind");
        switch (kind) {
            case "linear" ->
                assertWithinOneUnit(
                        g,
                        QuantizedOps.linear(
                                quint8(g, "input"),
                                weight(g),
                                g.tensor("bias"),
                                g.metaDouble("out_scale"),
                                g.metaInt("out_zero_point"),
                                g.metaBool("relu")));
            case "conv2d" -> {
                int s = g.metaInt("stride"), p = g.metaInt("padding"), d = g.metaInt("dilation");
                assertWithinOneUnit(
                        g,
                        QuantizedOps.conv2d(
                                quint8(g, "input"),
                                weight(g),
                                g.tensor("bias"),
                                new int[] {s, s},
                                new int[] {p, p},
                                new int[] {d, d},
                                g.metaDouble("out_scale"),
                                g.metaInt("out_zero_point"),
                                g.metaBool("relu")));
            }
            case "add" ->
                assertWithinOneUnit(
                        g,
                        QuantizedOps.add(
                                quint8(g, "input"),
                                quint8(g, "other"),
                                g.metaDouble("out_scale"),
                                g.metaInt("out_zero_point"),
                                g.metaBool("relu")));
            case "max_pool2d" -> {
                int k = g.metaInt("kernel"), s = g.metaInt("stride"), p = g.metaInt("padding");
                assertWithinOneUnit(
                        g,
                        QuantizedOps.maxPool2d(
                                quint8(g, "input"),
                                new int[] {k, k},
                                new int[] {s, s},
                                new int[] {p, p},
                                new int[] {1, 1},
                                false));
            }
            case "avg_pool2d" -> {
                int k = g.metaInt("kernel"), s = g.metaInt("stride"), p = g.metaInt("padding");
                assertWithinOneUnit(
                        g,
                        QuantizedOps.avgPool2d(
                                quint8(g, "input"), new int[] {k, k}, new int[] {s, s}, new int[] {p, p}, false, true));
            }
            case "adaptive_avg_pool2d" ->
                assertWithinOneUnit(
                        g, QuantizedOps.adaptiveAvgPool2d(quint8(g, "input"), g.metaInt("size"), g.metaInt("size")));
            case "quantize" -> {
                Tensor q = g.tensor("input")
                        .quantizePerTensor(g.metaDouble("scale"), g.metaInt("zero_point"), DType.UINT8);
                assertWithinOneUnit(g, q);
                g.assertClose("dequantized", quint8(g, "output").dequantize(), 1e-6, 1e-6);
            }
            case "dynamic_linear" -> {
                Tensor y = QuantizedOps.linearDynamic(g.tensor("input"), weight(g), g.tensor("bias"));
                // Same integers when both choose the same activation scale; allow one activation step per row.
                float peak = g.tensor("output").abs().max().item();
                g.assertClose("output", y, 0, 0.01 * peak);
            }
            case "fake_quantize" ->
                g.assertClose(
                        "output",
                        QuantizedOps.fakeQuantize(
                                g.tensor("input"),
                                g.metaDouble("scale"),
                                g.metaInt("zero_point"),
                                g.metaInt("qmin"),
                                g.metaInt("qmax")),
                        1e-6,
                        1e-7);
            case "fake_quantize_per_channel" ->
                g.assertClose(
                        "output",
                        QuantizedOps.fakeQuantizePerChannel(
                                g.tensor("input"),
                                g.tensor("scales"),
                                Tensor.zeros(DType.INT64, g.tensor("scales").size(0)),
                                g.metaInt("qmin"),
                                g.metaInt("qmax")),
                        1e-6,
                        1e-7);
            default -> throw new AssertionError("unknown golden kind " + kind);
        }
    }

    /**
     * Same scale, zero point and shape as PyTorch's output; integers within one unit, and on
     * average within a tenth of one (a difference is a rounding of a near-tie, not a habit).
     */
    static void assertWithinOneUnit(Goldens g, Tensor actual) {
        Tensor want = g.tensor("output");
        assertTrue(actual.isQuantized(), g + ": not quantized");
        assertEquals(g.tensor("output.scale").item(), (float) actual.qScale(), 1e-9);
        assertEquals(g.tensor("output.zero_point").itemLong(), actual.qZeroPoint());
        assertEquals(want.shape(), actual.shape());
        long[] e = want.toLongArray();
        long[] a = actual.intRepr().toLongArray();
        int off = 0;
        for (int i = 0; i < e.length; i++) {
            long d = Math.abs(e[i] - a[i]);
            assertTrue(d <= 1, "element " + i + ": " + a[i] + ", PyTorch " + e[i]);
            off += d == 0 ? 0 : 1;
        }
        assertTrue(off <= Math.max(2, e.length / 10), off + " of " + e.length + " elements one unit off");
    }
}
