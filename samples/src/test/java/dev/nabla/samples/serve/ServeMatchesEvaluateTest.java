package dev.nabla.samples.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.export.Json;
import dev.nabla.nn.data.ImageDataset;
import dev.nabla.nn.data.Mnist;
import dev.nabla.samples.train.TrainCommand;
import dev.nabla.serve.InferenceServer;
import dev.nabla.serve.ModelSource;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model trained by {@code ./nabla train} and served by {@code ./nabla serve} predicts what
 * {@code ./nabla evaluate} reports for the same test images: the same accuracy and the same
 * confusion matrix, image by image counted from the server's answers.
 */
class ServeMatchesEvaluateTest {
    private static final int TEST = 200;

    @TempDir
    Path tmp;

    @Test
    void theServerPredictsWhatEvaluateReports() throws Exception {
        Path out = tmp.resolve("run");
        String[] quick = {
            "--epochs",
            "1",
            "--train-limit",
            "640",
            "--test-limit",
            Integer.toString(TEST),
            "--batch-size",
            "32",
            "--threads",
            "2",
            "--out",
            out.toString()
        };
        assertEquals(0, TrainCommand.train(quick, new PrintStream(new ByteArrayOutputStream())));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Path checkpoint = out; // the run's folder: evaluate and serve both take its best/ checkpoint
        assertEquals(
                0,
                TrainCommand.evaluate(
                        new String[] {"--checkpoint", checkpoint.toString(), "--threads", "2"},
                        new PrintStream(log, true, StandardCharsets.UTF_8)));
        String report = log.toString(StandardCharsets.UTF_8);
        long[][] expected = confusion(report);

        ImageDataset test = Mnist.embedded().test();
        long[][] served = new long[10][10];
        try (var server = InferenceServer.start(
                InferenceServer.options().port(0).warmup(1), List.of(ModelSource.checkpoint("digits", checkpoint)))) {
            HttpClient http = HttpClient.newHttpClient();
            for (int from = 0; from < TEST; from += 50) {
                StringBuilder body = new StringBuilder("{\"instances\": [");
                for (int i = from; i < from + 50; i++) {
                    body.append(i == from ? "" : ",").append(Json.write(unsigned(test.pixels(i))));
                }
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(URI.create(server.url() + "v1/models/digits:predict"))
                                .POST(HttpRequest.BodyPublishers.ofString(
                                        body.append("]}").toString()))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), r.body());
                List<?> predictions = (List<?>) ((Map<?, ?>) Json.parse(r.body())).get("predictions");
                for (int i = 0; i < predictions.size(); i++) {
                    long predicted = (Long) ((Map<?, ?>) predictions.get(i)).get("class");
                    served[test.label(from + i)][(int) predicted]++;
                }
            }
        }
        for (int k = 0; k < 10; k++) {
            assertArrayEquals(expected[k], served[k], "row " + k + " of the confusion matrix:\n" + report);
        }
        long correct = 0;
        for (int k = 0; k < 10; k++) {
            correct += served[k][k];
        }
        Matcher acc =
                Pattern.compile("test accuracy ([0-9.]+)% \\(([0-9,]+) / ").matcher(report);
        assertTrue(acc.find(), report);
        assertEquals(Long.parseLong(acc.group(2).replace(",", "")), correct);
    }

    private static int[] unsigned(byte[] pixels) {
        int[] v = new int[pixels.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = pixels[i] & 0xFF;
        }
        return v;
    }

    /** The confusion matrix of evaluate's report (rows: true class, columns: predicted). */
    private static long[][] confusion(String report) {
        String[] lines = report.substring(report.indexOf("confusion matrix")).split("\n");
        long[][] m = new long[10][10];
        for (int k = 0; k < 10; k++) {
            String[] cells = lines[2 + k].trim().split("\\s+");
            assertEquals(Integer.toString(k), cells[0], report);
            for (int j = 0; j < 10; j++) {
                m[k][j] = Long.parseLong(cells[1 + j].replace(",", ""));
            }
        }
        return m;
    }
}
