package dev.nabla.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every kind of bad request gets a 4xx JSON error that names the problem, and the server goes on
 * serving good requests afterwards; random bodies never get a 5xx.
 */
class BadRequestTest {
    private static InferenceServer server;
    private static TestClient client;

    @BeforeAll
    static void start() throws Exception {
        server = InferenceServer.start(
                InferenceServer.options()
                        .port(0)
                        .maxInstances(8)
                        .maxBodyBytes(256 << 10)
                        .maxDelay(Duration.ZERO)
                        .warmup(2),
                List.of(ModelSource.checkpoint("digits", TestModels.lenet())));
        client = new TestClient(server.url());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** After every test, good requests are still answered. */
    @AfterEach
    void stillServing() throws Exception {
        var r = client.post("v1/models/digits:predict", "{\"instances\": [" + TestModels.pixelsJson(0) + "]}");
        assertEquals(200, r.status(), r.body());
    }

    private static void refused(int status, String body, String... mentions) throws Exception {
        refused(status, client.post("v1/models/digits:predict", body), mentions);
    }

    private static void refused(int status, TestClient.Reply r, String... mentions) {
        assertEquals(status, r.status(), r.body());
        String error = r.error();
        for (String m : mentions) {
            assertTrue(error.contains(m), "error should mention '" + m + "': " + error);
        }
    }

    @Test
    void malformedJson() throws Exception {
        refused(400, "{\"instances\": [[1, 2]", "malformed JSON", "the text ends at character 21");
        refused(400, "", "empty");
        refused(400, "[1, 2]", "must be a JSON object");
        refused(400, "{\"instances\": [1]} trailing", "malformed JSON");
        refused(400, "[".repeat(100_000), "malformed JSON", "nested deeper");
    }

    @Test
    void notUtf8() throws Exception {
        byte[] body = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};
        refused(400, client.post("v1/models/digits:predict", body), "UTF-8");
    }

    @Test
    void wrongRequestShape() throws Exception {
        refused(400, "{}", "missing \"instances\"");
        refused(400, "{\"instance\": []}", "unknown key \"instance\"");
        refused(400, "{\"instances\": 7}", "must be an array");
        refused(400, "{\"instances\": []}", "empty");
        refused(400, "{\"instances\": [\"seven\"]}", "instances[0] is a string");
        refused(400, "{\"instances\": [" + TestModels.pixelsJson(0) + "], \"signature_name\": \"x\"}", "signature");
    }

    @Test
    void wrongInstanceShape() throws Exception {
        refused(400, "{\"instances\": [[1, 2, 3]]}", "instances[0] has shape [3]", "[1, 28, 28]", "784 values flat");
        refused(400, "{\"instances\": [[[1, 2], [3, 4]]]}", "has shape [2, 2]");
        String digit = TestModels.pixelsJson(0);
        int last = digit.lastIndexOf(",0]");
        String ragged = digit.substring(0, last) + "]" + digit.substring(last + 3);
        refused(400, "{\"instances\": [" + ragged + "]}", "ragged", "27", "28");
        refused(400, "{\"instances\": [[[[[1]]]]]}", "deeper than 3");
        refused(400, "{\"instances\": [[]]}", "empty array");
    }

    @Test
    void valuesThatAreNotPixels() throws Exception {
        String nan = TestModels.pixelsJson(0).replaceFirst("0", "NaN");
        refused(400, "{\"instances\": [" + nan + "]}", "NaN", "not a JSON number");
        String inf = TestModels.pixelsJson(0).replaceFirst("0", "1e999");
        refused(400, "{\"instances\": [" + inf + "]}", "Infinity", "[0, 255]");
        String big = TestModels.pixelsJson(0).replaceFirst("0", "256");
        refused(400, "{\"instances\": [" + big + "]}", "256", "[0, 255]");
        String negative = TestModels.pixelsJson(0).replaceFirst("0", "-1");
        refused(400, "{\"instances\": [" + negative + "]}", "-1", "[0, 255]");
        String text = TestModels.pixelsJson(0).replaceFirst("0", "\"0\"");
        refused(400, "{\"instances\": [" + text + "]}", "a string where a pixel value belongs");
    }

    @Test
    void bytesThatAreNotAnImage() throws Exception {
        String hello = Base64.getEncoder().encodeToString("hello, world".getBytes(StandardCharsets.UTF_8));
        refused(400, "{\"instances\": [{\"b64\": \"" + hello + "\"}]}", "instances[0].b64", "not a PNG or JPEG");
        refused(400, "{\"instances\": [{\"b64\": \"@@@\"}]}", "not base64");
        refused(400, "{\"instances\": [{\"b64\": \"\"}]}", "empty");
        refused(400, "{\"instances\": [{\"b64\": 7}]}", "{\"b64\"");
        refused(400, "{\"instances\": [{\"b64\": \"\", \"x\": 1}]}", "keys [b64, x]");
        byte[] png = TestModels.png(0);
        String truncated = Base64.getEncoder().encodeToString(Arrays.copyOf(png, png.length / 2));
        refused(400, "{\"instances\": [{\"b64\": \"" + truncated + "\"}]}", "instances[0].b64", "corrupt");
        String gif = Base64.getEncoder().encodeToString(image(28, 28, "gif"));
        refused(400, "{\"instances\": [{\"b64\": \"" + gif + "\"}]}", "not a PNG or JPEG");
    }

    @Test
    void imagesOfTheWrongSize() throws Exception {
        String wide = Base64.getEncoder().encodeToString(image(30, 28, "png"));
        refused(400, "{\"instances\": [{\"b64\": \"" + wide + "\"}]}", "30x28", "28x28", "resize");
        // A tiny file whose header claims 100,000 x 100,000 pixels is refused before decoding.
        String bomb = Base64.getEncoder().encodeToString(pngClaiming(100_000, 100_000));
        refused(400, "{\"instances\": [{\"b64\": \"" + bomb + "\"}]}", "100000x100000");
    }

    @Test
    void limits() throws Exception {
        StringBuilder nine = new StringBuilder("{\"instances\": [");
        for (int i = 0; i < 9; i++) {
            nine.append(i == 0 ? "" : ",").append(TestModels.pixelsJson(i));
        }
        refused(400, nine.append("]}").toString(), "9 instances", "at most 8");
        byte[] huge = new byte[300 << 10];
        Arrays.fill(huge, (byte) ' ');
        refused(413, client.post("v1/models/digits:predict", huge), "larger than the limit", "262144");
        // Without a Content-Length (chunked), the limit holds too.
        var chunked = client.send(HttpRequest.newBuilder(URI.create(server.url() + "v1/models/digits:predict"))
                .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofByteArray(huge))));
        refused(413, chunked, "larger than the limit");
        refused(400, "{\"instances\": [" + TestModels.pixelsJson(0) + "], \"top_k\": 11}", "top_k", "1 to 10");
        refused(400, "{\"instances\": [" + TestModels.pixelsJson(0) + "], \"top_k\": \"3\"}", "top_k");
    }

    @Test
    void unknownModelsVersionsAndEndpoints() throws Exception {
        String body = "{\"instances\": [" + TestModels.pixelsJson(0) + "]}";
        refused(404, client.post("v1/models/letters:predict", body), "no model named 'letters'", "[digits]");
        refused(404, client.post("v1/models/digits/versions/7:predict", body), "no version 7", "[1]");
        refused(400, client.post("v1/models/digits/versions/x:predict", body), "version 'x'", "not a number");
        refused(404, client.post("v1/models/digits:classify", body), "no such method ':classify'");
        refused(404, client.get("v1/models/digits/labels"), "no such endpoint");
        refused(404, client.get("nothing/here"), "no such endpoint");
        refused(405, client.get("v1/models/digits:predict"), "GET", "use POST");
        refused(405, client.post("health", "{}"), "use GET");
    }

    @Test
    void feedbackForUnknownPredictions() throws Exception {
        String path = "v1/models/digits:feedback";
        refused(404, client.post(path, "{\"feedback\": [{\"id\": \"no-such-id\", \"label\": 3}]}"), "no-such-id");
        refused(400, client.post(path, "{\"feedback\": []}"), "send {\"feedback\"");
        refused(400, client.post(path, "{\"feedback\": [{\"id\": 5, \"label\": 3}]}"), "feedback[0]");

        var p = client.post("v1/models/digits:predict", "{\"instances\": [" + TestModels.pixelsJson(0) + "]}");
        String id = (String) ((Map<?, ?>) ((List<?>) p.json().get("predictions")).get(0)).get("id");
        refused(400, client.post(path, "{\"feedback\": [{\"id\": \"" + id + "\", \"label\": 10}]}"), "label 10");
        refused(400, client.post(path, "{\"feedback\": [{\"id\": \"" + id + "\", \"label\": \"ten\"}]}"), "\"ten\"");
        String twice = "{\"id\": \"" + id + "\", \"label\": 7}";
        refused(400, client.post(path, "{\"feedback\": [" + twice + ", " + twice + "]}"), "twice");
        // All or nothing: one unknown id, and the known one is not recorded either.
        refused(404, client.post(path, "{\"feedback\": [" + twice + ", {\"id\": \"gone\", \"label\": 1}]}"), "gone");
        var ok = client.post(path, "{\"feedback\": [" + twice + "]}");
        assertEquals(200, ok.status(), ok.body());
        assertEquals(1L, ok.json().get("recorded"));
        refused(404, client.post(path, "{\"feedback\": [" + twice + "]}"), "labelled already");
        refused(404, client.post("v1/models/letters:feedback", "{\"feedback\": [" + twice + "]}"), "letters");
    }

    @Test
    void randomBodiesNeverBreakTheServer() throws Exception {
        Random random = new Random(16);
        String valid = "{\"instances\": [" + TestModels.pixelsJson(1) + ", {\"b64\": \""
                + Base64.getEncoder().encodeToString(TestModels.png(2)) + "\"}], \"top_k\": 2}";
        String[] paths = {"v1/models/digits:predict", "v1/models/digits:feedback", "v1/models/digits:predict"};
        int answered = 0;
        for (int i = 0; i < 300; i++) {
            byte[] body;
            switch (i % 3) {
                case 0 -> { // random bytes
                    body = new byte[random.nextInt(2000)];
                    random.nextBytes(body);
                }
                case 1 -> { // a valid request with a few characters changed, dropped or added
                    StringBuilder sb = new StringBuilder(valid);
                    for (int k = 0, edits = 1 + random.nextInt(4); k < edits; k++) {
                        int at = random.nextInt(sb.length());
                        switch (random.nextInt(3)) {
                            case 0 -> sb.setCharAt(at, "{}[]\",:0123456789eE.-+ aNtrufl\\".charAt(random.nextInt(31)));
                            case 1 -> sb.deleteCharAt(at);
                            default -> sb.insert(at, "[]{},\":-1e9".charAt(random.nextInt(11)));
                        }
                    }
                    body = sb.toString().getBytes(StandardCharsets.UTF_8);
                }
                default -> { // random JSON-looking tokens
                    StringBuilder sb = new StringBuilder();
                    for (int k = 0, n = random.nextInt(60); k < n; k++) {
                        sb.append(List.of(
                                        "{",
                                        "}",
                                        "[",
                                        "]",
                                        ",",
                                        ":",
                                        "\"instances\"",
                                        "\"b64\"",
                                        "\"top_k\"",
                                        "1",
                                        "-0.5",
                                        "1e308",
                                        "null",
                                        "true",
                                        "\"x\"",
                                        "255",
                                        "\"feedback\"",
                                        "\"id\"",
                                        "\"label\"")
                                .get(random.nextInt(19)));
                    }
                    body = sb.toString().getBytes(StandardCharsets.UTF_8);
                }
            }
            var r = client.post(paths[i % paths.length], body);
            assertTrue(r.status() == 200 || (r.status() >= 400 && r.status() < 500), r.status() + " " + r.body());
            if (r.status() != 200) {
                assertTrue(r.error() != null && !r.error().isBlank(), r.body());
            }
            answered++;
        }
        assertEquals(300, answered);
    }

    private static byte[] image(int width, int height, String format) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY), format, out);
        return out.toByteArray();
    }

    /** A PNG signature and an IHDR chunk claiming {@code width x height} gray pixels, and no data. */
    private static byte[] pngClaiming(int width, int height) {
        ByteBuffer b = ByteBuffer.allocate(8 + 25 + 12);
        b.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        b.putInt(13);
        int crcFrom = b.position();
        b.put(new byte[] {'I', 'H', 'D', 'R'}).putInt(width).putInt(height);
        b.put(new byte[] {8, 0, 0, 0, 0}); // 8-bit gray, deflate, no filter, no interlace
        CRC32 crc = new CRC32();
        crc.update(b.array(), crcFrom, b.position() - crcFrom);
        b.putInt((int) crc.getValue());
        b.putInt(0).put(new byte[] {'I', 'E', 'N', 'D'}).putInt(0xAE426082);
        return b.array();
    }
}
