package dev.nabla.export.onnx;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.autograd.Variable;
import dev.nabla.export.FileFormatException;
import dev.nabla.nn.models.LeNet5;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Broken and hostile ONNX files get a {@link FileFormatException} naming the file and the
 * problem: truncated protobufs, forged lengths, random corruption (a seeded fuzz), unknown
 * operators (naming the node), shapes that do not fit, and graphs that ask for huge tensors.
 * Never an OutOfMemoryError, another exception type, or a hang.
 */
class OnnxHostileFilesTest {
    private static final Path FILE = Path.of("hostile.onnx");

    private static byte[] lenet() {
        LeNet5 net = new LeNet5(1, 28, 10, new Generator(0));
        return Onnx.toBytes(net, Variable.zeros(2, 1, 28, 28), ExportOptions.defaults());
    }

    /** Loads, expecting either success or a FileFormatException about FILE; returns the message or null. */
    private static String loadOrReject(byte[] bytes) {
        try {
            Onnx.load(bytes, FILE);
            return null;
        } catch (FileFormatException e) {
            assertTrue(e.getMessage().startsWith(FILE.toString()), e.getMessage());
            return e.getMessage();
        }
    }

    private static String rejected(byte[] bytes) {
        String m = assertThrows(FileFormatException.class, () -> Onnx.load(bytes, FILE))
                .getMessage();
        assertTrue(m.startsWith(FILE.toString()), m);
        return m;
    }

    @Test
    void truncatedFilesAreRejectedWherever() {
        byte[] ok = lenet();
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            for (int len = 0; len < ok.length; len += Math.max(1, ok.length / 400)) {
                String m = loadOrReject(Arrays.copyOf(ok, len));
                assertTrue(m != null, "a file truncated to " + len + " of " + ok.length + " bytes loaded");
            }
        });
        assertTrue(rejected(Arrays.copyOf(ok, ok.length / 2)).contains("truncated"), "says truncated");
    }

    @Test
    void aForgedLengthIsCaughtBeforeAllocating() {
        // A model whose graph field claims 2^31 - 1 bytes: field 7, wire type 2, then the varint.
        byte[] forged = {0x08, 0x08, 0x3a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07, 0x0a, 0x00};
        String m = rejected(forged);
        assertTrue(m.contains("claims 2147483647 bytes"), m);
        // An initializer whose dims promise far more values than it holds.
        Proto.TensorData huge = new Proto.TensorData("w", Proto.FLOAT, new long[] {1 << 20, 1 << 20}, new float[4]);
        m = rejected(model(List.of(), List.of(huge)).encode());
        assertTrue(m.contains("'w'"), m);
    }

    @Test
    void randomCorruptionNeverEscapesAsAnotherError() {
        byte[] ok = lenet();
        Random r = new Random(42);
        int[] outcomes = new int[2];
        assertTimeoutPreemptively(Duration.ofSeconds(240), () -> {
            for (int trial = 0; trial < 300; trial++) {
                byte[] b = ok.clone();
                int flips = 1 + r.nextInt(8);
                for (int i = 0; i < flips; i++) {
                    // Corrupt the structure more often than the weights (the first 4 kB and the end).
                    int at = r.nextBoolean() ? r.nextInt(Math.min(4096, b.length)) : b.length - 1 - r.nextInt(2048);
                    b[at] = (byte) r.nextInt(256);
                }
                outcomes[loadOrReject(b) == null ? 0 : 1]++;
            }
        });
        assertTrue(outcomes[1] > 50, "most corruptions are caught: " + Arrays.toString(outcomes));
    }

    private static Proto.Model model(List<Proto.Node> nodes, List<Proto.TensorData> inits) {
        List<Object> dims = new ArrayList<>(List.of("batch", 4L));
        String out =
                nodes.isEmpty() ? "x" : nodes.get(nodes.size() - 1).outputs().get(0);
        Proto.Graph g = new Proto.Graph(
                "g",
                nodes,
                inits,
                List.of(new Proto.ValueInfo("x", Proto.FLOAT, dims)),
                List.of(new Proto.ValueInfo(out, Proto.FLOAT, null)),
                List.of());
        return new Proto.Model(8, List.of(new Proto.OpsetId("", 17)), "test", "0", g, Map.of());
    }

    private static Proto.Node node(String name, String op, List<String> in, String out, Proto.Attribute... attrs) {
        return new Proto.Node(name, op, "", in, List.of(out), List.of(attrs));
    }

    @Test
    void anUnknownOperatorNamesItsNode() {
        String m = rejected(model(List.of(node("mystery", "FancyOp", List.of("x"), "y")), List.of())
                .encode());
        assertTrue(m.contains("FancyOp node 'mystery'") && m.contains("not supported"), m);
        m = rejected(new Proto.Model(
                        8,
                        List.of(new Proto.OpsetId("", 17)),
                        "t",
                        "0",
                        new Proto.Graph(
                                "g",
                                List.of(new Proto.Node(
                                        "q", "Relu", "com.vendor", List.of("x"), List.of("y"), List.of())),
                                List.of(),
                                List.of(new Proto.ValueInfo("x", Proto.FLOAT, List.of(1L))),
                                List.of(new Proto.ValueInfo("y", Proto.FLOAT, null)),
                                List.of()),
                        Map.of())
                .encode());
        assertTrue(m.contains("com.vendor"), m);
    }

    @Test
    void aShapeThatDoesNotFitIsRejectedAtLoad() {
        // Gemm with a weight of 5 inputs for an input of 4 features.
        Proto.TensorData w = Proto.TensorData.of("fc.weight", Tensor.zeros(3, 5));
        String m = rejected(model(
                        List.of(node("fc", "Gemm", List.of("x", "fc.weight"), "y", Proto.Attribute.ofInt("transB", 1))),
                        List.of(w))
                .encode());
        assertTrue(m.contains("Gemm node 'fc'") && m.contains("does not fit") || m.contains("[3, 5]"), m);
        // Nodes out of order: reading a value no earlier node defines.
        m = rejected(model(List.of(node("r", "Relu", List.of("later"), "y")), List.of())
                .encode());
        assertTrue(m.contains("'later'"), m);
    }

    @Test
    void graphsAskingForHugeTensorsAreRefused() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            // ConstantOfShape of [2^20, 2^20].
            Proto.TensorData shape = Proto.TensorData.of("shape", Tensor.fromArray(new long[] {1 << 20, 1 << 20}, 2));
            String m = rejected(model(List.of(node("big", "ConstantOfShape", List.of("shape"), "y")), List.of(shape))
                    .encode());
            assertTrue(m.contains("exceeds the limit"), m);
            // Forty doublings by Concat.
            List<Proto.Node> nodes = new ArrayList<>();
            String v = "x";
            for (int i = 0; i < 40; i++) {
                nodes.add(node("c" + i, "Concat", List.of(v, v), "v" + i, Proto.Attribute.ofInt("axis", 1)));
                v = "v" + i;
            }
            m = rejected(model(nodes, List.of()).encode());
            assertTrue(m.contains("exceeds the limit"), m);
            // An input declared as 2^16 x 2^16 x 2^16.
            Proto.Graph g = new Proto.Graph(
                    "g",
                    List.of(node("r", "Relu", List.of("x"), "y")),
                    List.of(),
                    List.of(new Proto.ValueInfo("x", Proto.FLOAT, List.of(65536L, 65536L, 65536L))),
                    List.of(new Proto.ValueInfo("y", Proto.FLOAT, null)),
                    List.of());
            m = rejected(new Proto.Model(8, List.of(new Proto.OpsetId("", 17)), "t", "0", g, Map.of()).encode());
            assertTrue(m.contains("too large"), m);
        });
    }

    @Test
    void notAnOnnxFile() {
        assertTrue(rejected("hello, world".getBytes()).contains("not a valid ONNX protobuf"));
        assertTrue(rejected(new byte[0]).contains("no graph"));
    }
}
