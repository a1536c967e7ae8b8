package dev.nabla.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.inference.Classifier;
import dev.nabla.inference.Prediction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The predict API end to end over HTTP, against the library's own Classifier as the oracle. */
class ServerTest {
    private static InferenceServer server;
    private static TestClient client;
    private static Classifier oracle;

    @BeforeAll
    static void start() throws Exception {
        Path checkpoint = TestModels.lenet();
        oracle = TestModels.classifier(checkpoint);
        server = InferenceServer.start(
                InferenceServer.options().port(0).maxDelay(Duration.ofMillis(2)).warmup(2),
                List.of(ModelSource.checkpoint("digits", checkpoint)));
        client = new TestClient(server.url());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aRunsFolderServesItsBestCheckpoint() throws Exception {
        // ./nabla train's layout: runs/NAME/best/ and last/, each a checkpoint; best/ is served.
        Path run = Files.createTempDirectory("nabla-serve-run").resolve("mnist-lenet5");
        for (String sub : List.of("best", "last")) {
            Files.createDirectories(run.resolve(sub));
            try (var files = Files.list(TestModels.lenet())) {
                for (Path f : files.toList()) {
                    Files.copy(f, run.resolve(sub).resolve(f.getFileName()));
                }
            }
        }
        ModelSource source = ModelSource.checkpoint(ModelSource.defaultName(run), run);
        assertEquals(run.resolve("best"), source.path());
        assertEquals("mnist-lenet5", source.name());
        assertEquals("mnist-lenet5", ModelSource.defaultName(source.path()));
        assertEquals(List.of(0L), List.copyOf(ModelLoader.scan(source).keySet()), "one unnumbered checkpoint");
        Path plain = TestModels.lenet();
        assertEquals(plain, ModelSource.checkpoint("x", plain).path(), "a checkpoint folder is itself");
    }

    @Test
    void healthAndReadiness() throws Exception {
        assertEquals(200, client.get("health").status());
        var ready = client.get("ready");
        assertEquals(200, ready.status());
        assertEquals("ready", ready.json().get("status"));
    }

    @Test
    void predictionsEqualTheLibrarysClassifier() throws Exception {
        int n = 40;
        StringBuilder body = new StringBuilder("{\"instances\": [");
        for (int i = 0; i < n; i++) {
            body.append(i == 0 ? "" : ",").append(TestModels.pixelsJson(i));
        }
        var reply = client.post("v1/models/digits:predict", body.append("]}").toString());
        assertEquals(200, reply.status(), reply.body());
        List<?> predictions = (List<?>) reply.json().get("predictions");
        assertEquals(n, predictions.size());
        assertEquals("1", reply.json().get("model_version"));
        int correct = 0;
        for (int i = 0; i < n; i++) {
            Map<?, ?> p = (Map<?, ?>) predictions.get(i);
            Prediction expected =
                    oracle.predict(TestModels.DIGITS.test().pixels(i), 10).get(0);
            assertEquals((long) expected.top(), p.get("class"), "digit " + i);
            assertEquals(expected.label(), p.get("label"));
            float[] probabilities = floats((List<?>) p.get("probabilities"));
            float[] sorted = expected.probabilities();
            int[] classes = expected.classes();
            for (int j = 0; j < 10; j++) {
                assertEquals(sorted[j], probabilities[classes[j]], 1e-6, "digit " + i + " class " + classes[j]);
            }
            assertTrue(p.get("id") instanceof String id && !id.isEmpty());
            correct += expected.top() == TestModels.DIGITS.test().label(i) ? 1 : 0;
        }
        assertTrue(correct >= 36, "the trained model gets most test digits right, got " + correct + "/" + n);
    }

    @Test
    void pngImagesGiveWhatTheirPixelsGive() throws Exception {
        for (int i = 0; i < 5; i++) {
            String b64 = Base64.getEncoder().encodeToString(TestModels.png(i));
            var fromImage = client.post(
                    "v1/models/digits:predict", "{\"instances\": [{\"b64\": \"" + b64 + "\"}], \"top_k\": 3}");
            var fromPixels = client.post(
                    "v1/models/digits:predict", "{\"instances\": [" + TestModels.pixelsJson(i) + "], \"top_k\": 3}");
            assertEquals(200, fromImage.status(), fromImage.body());
            Map<?, ?> a = (Map<?, ?>) ((List<?>) fromImage.json().get("predictions")).get(0);
            Map<?, ?> b = (Map<?, ?>) ((List<?>) fromPixels.json().get("predictions")).get(0);
            assertEquals(b.get("probabilities"), a.get("probabilities"));
            List<?> top = (List<?>) a.get("top_k");
            assertEquals(3, top.size());
            assertEquals(a.get("class"), ((Map<?, ?>) top.get(0)).get("class"));
            double p0 = ((Number) ((Map<?, ?>) top.get(0)).get("probability")).doubleValue();
            double p1 = ((Number) ((Map<?, ?>) top.get(1)).get("probability")).doubleValue();
            assertTrue(p0 >= p1, "top_k is sorted");
        }
    }

    @Test
    void everyInputLayoutGivesTheSamePrediction() throws Exception {
        byte[] pixels = TestModels.DIGITS.test().pixels(3);
        StringBuilder flat = new StringBuilder("[");
        StringBuilder fractional = new StringBuilder("[");
        for (int k = 0; k < pixels.length; k++) {
            flat.append(k == 0 ? "" : ",").append(pixels[k] & 0xFF);
            int v = pixels[k] & 0xFF;
            fractional.append(k == 0 ? "" : ",").append(v == 255 ? 254.9999 : v + 0.0001);
        }
        String nested = TestModels.pixelsJson(3);
        List<Object> classes = new ArrayList<>();
        for (String instance : List.of(nested, "[" + nested + "]", flat + "]", fractional + "]")) {
            var r = client.post("v1/models/digits:predict", "{\"instances\": [" + instance + "]}");
            assertEquals(200, r.status(), r.body());
            classes.add(((Map<?, ?>) ((List<?>) r.json().get("predictions")).get(0)).get("class"));
        }
        assertEquals(
                List.of((long) oracle.predict(pixels, 1).get(0).top()),
                classes.stream().distinct().toList());
    }

    @Test
    void modelsStatusAndMetadata() throws Exception {
        var models = client.get("v1/models");
        assertEquals(200, models.status());
        Map<?, ?> m = (Map<?, ?>) ((List<?>) models.json().get("models")).get(0);
        assertEquals("digits", m.get("name"));
        assertEquals("lenet5", m.get("architecture"));
        assertEquals(List.of(1L, 28L, 28L), m.get("input_shape"));
        assertEquals(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), m.get("class_names"));

        var status = client.get("v1/models/digits");
        assertEquals(200, status.status());
        Map<?, ?> v = (Map<?, ?>) ((List<?>) status.json().get("model_version_status")).get(0);
        assertEquals("1", v.get("version"));
        assertEquals("AVAILABLE", v.get("state"));

        var meta = client.get("v1/models/digits/versions/1/metadata");
        assertEquals(200, meta.status(), meta.body());
        Map<?, ?> norm = (Map<?, ?>) ((Map<?, ?>) meta.json().get("metadata")).get("normalization");
        assertEquals(0.1307, ((Number) ((List<?>) norm.get("mean")).get(0)).doubleValue(), 1e-6);
    }

    @Test
    void thePageAndItsScriptAreServed() throws Exception {
        var page = client.get("");
        assertEquals(200, page.status());
        assertTrue(page.body().contains("<script src=\"app.js\">"), page.body());
        assertEquals(200, client.get("app.js").status());
        assertEquals(200, client.get("style.css").status());
    }

    static float[] floats(List<?> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) values.get(i)).floatValue();
        }
        return out;
    }
}
