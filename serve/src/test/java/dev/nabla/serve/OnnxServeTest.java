package dev.nabla.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.autograd.Variable;
import dev.nabla.export.onnx.Onnx;
import dev.nabla.nn.Linear;
import dev.nabla.nn.models.LeNet5;
import dev.nabla.tensor.Generator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code ./nabla serve --onnx}: the trained LeNet-5 exported with {@code Onnx.export} and served
 * from the file predicts what the same model served from its checkpoint predicts; a changed file
 * is the next version; files that are not ONNX or not image models fail at startup, naming the file.
 */
class OnnxServeTest {
    private static Path dir;
    private static Path file;
    private static InferenceServer server;
    private static TestClient client;

    @BeforeAll
    static void start() throws Exception {
        Path checkpoint = TestModels.lenet();
        dir = Files.createTempDirectory("nabla-serve-onnx");
        file = dir.resolve("lenet5.onnx");
        Onnx.export(TestModels.classifier(checkpoint).model(), Variable.zeros(1, 1, 28, 28), file);
        // Through the command line's parser: the default normalisation is the MNIST digits', which
        // the checkpoint records too.
        List<ModelSource> sources = ServeCommand.sources(
                ServeCommand.parse(new String[] {"--checkpoint", "ckpt=" + checkpoint, "--onnx", "onnx=" + file}));
        assertTrue(sources.get(1).isOnnx());
        server = InferenceServer.start(
                InferenceServer.options().port(0).maxDelay(Duration.ofMillis(2)).warmup(2), sources);
        client = new TestClient(server.url());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void theOnnxFilePredictsWhatItsCheckpointPredicts() throws Exception {
        int n = 40;
        StringBuilder body = new StringBuilder("{\"instances\": [");
        for (int i = 0; i < n; i++) {
            body.append(i == 0 ? "" : ",").append(TestModels.pixelsJson(i));
        }
        String request = body.append("]}").toString();
        var fromOnnx = client.post("v1/models/onnx:predict", request);
        var fromCheckpoint = client.post("v1/models/ckpt:predict", request);
        assertEquals(200, fromOnnx.status(), fromOnnx.body());
        assertEquals(200, fromCheckpoint.status(), fromCheckpoint.body());
        List<?> a = (List<?>) fromOnnx.json().get("predictions");
        List<?> b = (List<?>) fromCheckpoint.json().get("predictions");
        assertEquals(n, a.size());
        int correct = 0;
        for (int i = 0; i < n; i++) {
            Map<?, ?> p = (Map<?, ?>) a.get(i);
            Map<?, ?> q = (Map<?, ?>) b.get(i);
            assertEquals(q.get("class"), p.get("class"), "digit " + i);
            assertEquals(q.get("label"), p.get("label"), "class names 0..9 for both");
            List<?> pp = (List<?>) p.get("probabilities");
            List<?> qp = (List<?>) q.get("probabilities");
            assertEquals(10, pp.size());
            for (int k = 0; k < 10; k++) {
                assertEquals(
                        ((Number) qp.get(k)).doubleValue(),
                        ((Number) pp.get(k)).doubleValue(),
                        1e-5,
                        "digit " + i + " class " + k);
            }
            correct += ((Number) p.get("class")).intValue()
                            == TestModels.DIGITS.test().label(i)
                    ? 1
                    : 0;
        }
        assertTrue(correct >= 36, "the trained model gets most test digits right, got " + correct + "/" + n);
        var meta = client.get("v1/models/onnx/metadata");
        assertEquals(200, meta.status(), meta.body());
        Map<?, ?> m = (Map<?, ?>) meta.json().get("metadata");
        assertEquals(List.of(1L, 28L, 28L), m.get("input_shape"), "the input shape comes from the file");
        assertEquals(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), m.get("class_names"));
    }

    @Test
    void aChangedFileIsServedAsTheNextVersion() throws Exception {
        Path copy = dir.resolve("changing.onnx");
        Onnx.export(new LeNet5(1, 28, 10, new Generator(1)), Variable.zeros(1, 1, 28, 28), copy);
        try (InferenceServer s = InferenceServer.start(
                InferenceServer.options().port(0).warmup(1), List.of(ModelSource.onnx("changing", copy)))) {
            TestClient c = new TestClient(s.url());
            assertEquals(
                    List.of("1"), c.post("v1/models/changing:reload", "").json().get("serving"));
            assertEquals(
                    List.of(), c.post("v1/models/changing:reload", "").json().get("loaded"), "unchanged");
            Onnx.export(new LeNet5(1, 28, 10, new Generator(2)), Variable.zeros(1, 1, 28, 28), copy);
            var reload = c.post("v1/models/changing:reload", "");
            assertEquals(200, reload.status(), reload.body());
            assertEquals(List.of("2"), reload.json().get("loaded"));
            assertEquals(List.of("2"), reload.json().get("serving"));
            var p = c.post("v1/models/changing:predict", "{\"instances\": [" + TestModels.pixelsJson(0) + "]}");
            assertEquals("2", p.json().get("model_version"), p.body());
        }
    }

    @Test
    void aFileThatIsNotOnnxFailsAtStartupNamingIt() throws Exception {
        Path bad = dir.resolve("notes.onnx");
        Files.writeString(bad, "these are not the weights you are looking for", StandardCharsets.UTF_8);
        IOException e = assertThrows(
                IOException.class,
                () -> InferenceServer.start(
                        InferenceServer.options().port(0).warmup(1), List.of(ModelSource.onnx("bad", bad))));
        assertTrue(
                e.getMessage().contains(bad.toString()) && e.getMessage().contains("not a valid ONNX"), e.getMessage());
        IOException missing = assertThrows(
                IOException.class,
                () -> InferenceServer.start(
                        InferenceServer.options().port(0).warmup(1),
                        List.of(ModelSource.onnx("gone", dir.resolve("gone.onnx")))));
        assertTrue(missing.getMessage().contains("gone.onnx"), missing.getMessage());
    }

    @Test
    void aFileWhoseInputIsNotAnImageFailsAtStartup() throws Exception {
        Path vector = dir.resolve("linear.onnx");
        Onnx.export(new Linear(10, 3, new Generator(0)), Variable.zeros(1, 10), vector);
        IOException e = assertThrows(
                IOException.class,
                () -> InferenceServer.start(
                        InferenceServer.options().port(0).warmup(1), List.of(ModelSource.onnx("vec", vector))));
        assertTrue(
                e.getMessage().contains(vector.toString()) && e.getMessage().contains("image input"), e.getMessage());
    }

    @Test
    void theNormalisationFlagsAreCheckedOnTheCommandLine() {
        assertThrows(
                ServeCommand.UsageException.class,
                () -> ServeCommand.sources(
                        ServeCommand.parse(new String[] {"--onnx", "a.onnx", "--onnx-mean", "0.5"})));
        assertThrows(
                ServeCommand.UsageException.class,
                () -> ServeCommand.sources(ServeCommand.parse(
                        new String[] {"--onnx", "a.onnx", "--onnx-mean", "x", "--onnx-std", "0.2"})));
        var s = ServeCommand.sources(ServeCommand.parse(
                new String[] {"--onnx", "a.onnx", "--onnx-mean", "0.5,0.4,0.3", "--onnx-std", "0.2,0.2,0.2"}));
        assertEquals(3, s.get(0).onnxNormalization().channels());
        assertEquals("a", s.get(0).name());
    }
}
