package dev.nabla.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Model-quality monitoring: predictions of real test digits, feedback with their true labels, and
 * the accuracy, per-class precision/recall/F1 and confusion matrix at {@code /quality} and in
 * {@code /metrics}, checked against counts made here from the predictions themselves. Also the
 * rest of {@code /metrics}.
 */
class QualityTest {
    private static final int N = 300;
    private static InferenceServer server;
    private static TestClient client;
    private static final long[][] confusion = new long[10][10];

    @BeforeAll
    static void predictAndLabel() throws Exception {
        server = InferenceServer.start(
                InferenceServer.options().port(0).maxDelay(Duration.ofMillis(1)).warmup(2),
                List.of(ModelSource.checkpoint("digits", TestModels.lenet())));
        client = new TestClient(server.url());
        List<String> ids = new ArrayList<>();
        List<Integer> predicted = new ArrayList<>();
        for (int from = 0; from < N; from += 50) {
            StringBuilder body = new StringBuilder("{\"instances\": [");
            for (int i = from; i < from + 50; i++) {
                body.append(i == from ? "" : ",").append(TestModels.pixelsJson(i));
            }
            var r = client.post("v1/models/digits:predict", body.append("]}").toString());
            assertEquals(200, r.status(), r.body());
            for (Object p : (List<?>) r.json().get("predictions")) {
                ids.add((String) ((Map<?, ?>) p).get("id"));
                predicted.add(((Long) ((Map<?, ?>) p).get("class")).intValue());
            }
        }
        // Feedback in two requests, labels once as indices and once as class names.
        for (int half = 0; half < 2; half++) {
            StringBuilder fb = new StringBuilder("{\"feedback\": [");
            for (int i = half * N / 2; i < (half + 1) * N / 2; i++) {
                int label = TestModels.DIGITS.test().label(i);
                fb.append(i == half * N / 2 ? "" : ",")
                        .append("{\"id\": \"")
                        .append(ids.get(i))
                        .append("\", \"label\": ")
                        .append(half == 0 ? Integer.toString(label) : "\"" + label + "\"")
                        .append('}');
                confusion[label][predicted.get(i)]++;
            }
            var r = client.post("v1/models/digits:feedback", fb.append("]}").toString());
            assertEquals(200, r.status(), r.body());
            assertEquals((long) N / 2, r.json().get("recorded"));
        }
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static double accuracy() {
        long correct = 0;
        for (int k = 0; k < 10; k++) {
            correct += confusion[k][k];
        }
        return (double) correct / N;
    }

    private static double precision(int k) {
        long col = 0;
        for (long[] row : confusion) {
            col += row[k];
        }
        return (double) confusion[k][k] / col;
    }

    private static double recall(int k) {
        long row = 0;
        for (long v : confusion[k]) {
            row += v;
        }
        return (double) confusion[k][k] / row;
    }

    @Test
    void qualityEndpointReportsTheFeedback() throws Exception {
        var r = client.get("v1/models/digits/quality");
        assertEquals(200, r.status(), r.body());
        Map<?, ?> v = (Map<?, ?>) ((List<?>) r.json().get("versions")).get(0);
        assertEquals("1", v.get("version"));
        assertEquals((long) N, v.get("feedback"));
        assertEquals(accuracy(), ((Number) v.get("accuracy")).doubleValue(), 1e-12);
        assertTrue(accuracy() > 0.9, "the trained model is right on most digits: " + accuracy());
        List<?> rows = (List<?>) v.get("confusion");
        for (int k = 0; k < 10; k++) {
            for (int j = 0; j < 10; j++) {
                assertEquals(confusion[k][j], ((List<?>) rows.get(k)).get(j), "confusion[" + k + "][" + j + "]");
            }
        }
        double f1sum = 0;
        for (int k = 0; k < 10; k++) {
            Map<?, ?> c = (Map<?, ?>) ((List<?>) v.get("classes")).get(k);
            double p = precision(k);
            double rec = recall(k);
            double f1 = 2 * p * rec / (p + rec);
            f1sum += f1;
            assertEquals(p, ((Number) c.get("precision")).doubleValue(), 1e-12, "precision of " + k);
            assertEquals(rec, ((Number) c.get("recall")).doubleValue(), 1e-12, "recall of " + k);
            assertEquals(f1, ((Number) c.get("f1")).doubleValue(), 1e-12, "F1 of " + k);
        }
        assertEquals(f1sum / 10, ((Number) v.get("macro_f1")).doubleValue(), 1e-12);
    }

    @Test
    void aClassNeverPredictedCountsAsZeroInTheMacroF1() {
        // Three classes: 0 always right (4), 1 right twice and once taken for 0, 2 never predicted (3x as 1).
        Quality q = new Quality(List.of("a", "b", "c"));
        for (int i = 0; i < 4; i++) {
            q.add(0, 0);
        }
        q.add(1, 1);
        q.add(1, 1);
        q.add(1, 0);
        for (int i = 0; i < 3; i++) {
            q.add(2, 1);
        }
        Quality.Snapshot s = q.snapshot();
        assertEquals(2 * 4.0 / (2 * 4 + 1), s.f1(0), 1e-12); // TP 4, FP 1, FN 0
        assertEquals(2 * 2.0 / (2 * 2 + 3 + 1), s.f1(1), 1e-12); // TP 2, FP 3, FN 1
        assertEquals(0.0, s.f1(2), "never predicted, 3 missed: F1 0, not left out");
        assertTrue(Double.isNaN(s.precision(2)), "no prediction of class 2: precision has no denominator");
        assertEquals((8.0 / 9 + 0.5 + 0) / 3, s.macroF1(), 1e-12);
        Quality none = new Quality(List.of("a", "b", "c"));
        none.add(0, 0);
        assertTrue(Double.isNaN(none.snapshot().f1(1)), "a class absent from feedback and predictions has no F1");
        assertEquals(1.0, none.snapshot().macroF1(), 1e-12);
    }

    @Test
    void metricsCarryQualityTrafficAndTheJvm() throws Exception {
        var r = client.get("metrics");
        assertEquals(200, r.status());
        Map<String, Double> m = parse(r.body());
        String v = "model=\"digits\",version=\"1\"";
        assertEquals(accuracy(), m.get("nabla_model_accuracy{" + v + "}"), 1e-9);
        assertEquals((double) N, m.get("nabla_feedback_total{" + v + "}"));
        assertEquals(recall(3), m.get("nabla_model_recall{class=\"3\"," + v + "}"), 1e-9);
        assertEquals(precision(7), m.get("nabla_model_precision{class=\"7\"," + v + "}"), 1e-9);
        assertNotNull(m.get("nabla_model_f1{class=\"0\"," + v + "}"));
        assertEquals(
                (double) confusion[2][2],
                m.get("nabla_confusion_total{model=\"digits\",predicted_class=\"2\",true_class=\"2\",version=\"1\"}"),
                "the confusion matrix's diagonal for class 2: " + grep(r.body(), "nabla_confusion_total"));
        // Traffic: the predict and feedback requests of the set-up, by status.
        assertEquals(N / 50.0, m.get("nabla_requests_total{api=\"predict\",model=\"digits\",status=\"200\"}"));
        assertEquals(2.0, m.get("nabla_requests_total{api=\"feedback\",model=\"digits\",status=\"200\"}"));
        assertEquals(N / 50.0, m.get("nabla_request_duration_seconds_count{api=\"predict\",model=\"digits\"}"));
        double batches = m.get("nabla_batch_size_count{" + v + "}");
        assertEquals((double) N, m.get("nabla_batch_size_sum{" + v + "}"), "every image ran once");
        assertEquals(N / 50.0, batches, "one after the other, each 50-image request runs as a batch of its own");
        assertEquals(0.0, m.get("nabla_queue_depth{" + v + "}"));
        assertEquals(1.0, m.get("nabla_in_flight_requests"), "this scrape itself");
        assertTrue(m.get("nabla_model_load_seconds{" + v + "}") > 0);
        assertTrue(m.get("nabla_model_warmup_seconds{" + v + "}") > 0);
        assertTrue(m.keySet().stream().anyMatch(k -> k.startsWith("jvm_memory_used_bytes{area=\"heap\"")), r.body());
        assertTrue(r.body().contains("# TYPE nabla_request_duration_seconds histogram"), r.body());
    }

    private static String grep(String text, String prefix) {
        return text.lines().filter(l -> l.startsWith(prefix)).toList().toString();
    }

    /** Sample lines of the Prometheus text format: "name{labels}" to value. */
    static Map<String, Double> parse(String text) {
        Map<String, Double> out = new HashMap<>();
        Pattern line = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\\{[^}]*\\})?) (\\S+)");
        for (String l : text.split("\n")) {
            Matcher m = line.matcher(l);
            if (!l.startsWith("#") && m.find()) {
                out.put(m.group(1), Double.parseDouble(m.group(2)));
            }
        }
        return out;
    }
}
