package dev.nabla.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.export.Json;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A bounded load test on loopback: 64 concurrent clients, each on its own keep-alive connection,
 * send one-digit LeNet-5 predictions until a fixed number of requests is done (or a time limit
 * passes), against {@code --max-batch 1} and {@code --max-batch 32}. Every answer must be a 200
 * with the class the model gives that digit alone; throughput and p50/p99 latency are printed side
 * by side (the figures in BENCHMARKS.md come from this test with more requests:
 * {@code -Dnabla.load.requests=20000}; {@code -Dnabla.load.model=cnn} runs the same load on an
 * untrained VGG-style CNN for 3x32x32 images, where the model's work per image is larger).
 *
 * <p>The clients write HTTP/1.1 by hand on plain sockets, so the client side costs little of the
 * two cores the server shares with it.
 */
class LoadTest {
    private static final int CLIENTS = Integer.getInteger("nabla.load.clients", 64);
    private static final int REQUESTS = Integer.getInteger("nabla.load.requests", 64 * 30);
    private static final Duration LIMIT = Duration.ofSeconds(Integer.getInteger("nabla.load.seconds", 120));
    private static final int DIGITS = 100;
    private static final String MODEL = System.getProperty("nabla.load.model", "lenet5");
    private static final int ROUNDS = Integer.getInteger("nabla.load.rounds", 1);

    record Result(int maxBatch, int requests, int errors, double seconds, double p50, double p99, double meanBatch) {
        double throughput() {
            return requests / seconds;
        }
    }

    @Test
    void batchingServesManyClientsWithoutErrors() throws Exception {
        byte[][] bodies = new byte[DIGITS][];
        long[] expected = new long[DIGITS];
        Path checkpoint;
        if (MODEL.equals("lenet5")) {
            checkpoint = TestModels.lenet();
            var oracle = TestModels.classifier(checkpoint);
            for (int i = 0; i < DIGITS; i++) {
                bodies[i] = ("{\"instances\": [" + TestModels.pixelsJson(i) + "]}").getBytes(StandardCharsets.UTF_8);
                expected[i] = oracle.predict(TestModels.DIGITS.test().pixels(i), 1)
                        .get(0)
                        .top();
            }
        } else {
            checkpoint = TestModels.untrained(Files.createTempDirectory("nabla-load"), MODEL, 3, 32);
            var oracle = TestModels.classifier(checkpoint, MODEL);
            Random random = new Random(0);
            for (int i = 0; i < DIGITS; i++) {
                byte[] pixels = new byte[3 * 32 * 32];
                random.nextBytes(pixels);
                int[] values = new int[pixels.length];
                for (int k = 0; k < values.length; k++) {
                    values[k] = pixels[k] & 0xFF;
                }
                bodies[i] = ("{\"instances\": [" + Json.write(values) + "]}").getBytes(StandardCharsets.UTF_8);
                expected[i] = oracle.predict(pixels, 1).get(0).top();
            }
        }
        // Rounds alternate the two settings (A B A B ...); the round with the median throughput is shown.
        List<List<Result>> rounds = List.of(new ArrayList<>(), new ArrayList<>());
        for (int round = 0; round < ROUNDS; round++) {
            rounds.get(0).add(run(1, checkpoint, bodies, expected));
            rounds.get(1).add(run(32, checkpoint, bodies, expected));
        }
        List<Result> results = new ArrayList<>();
        for (List<Result> r : rounds) {
            List<Result> sorted = new ArrayList<>(r);
            sorted.sort(Comparator.comparingDouble(Result::throughput));
            results.add(sorted.get(sorted.size() / 2));
        }
        System.out.printf(
                Locale.ROOT,
                "load test (%s): %d clients, %d requests per run after %d to warm up, loopback, %d round(s), median shown%n",
                MODEL,
                CLIENTS,
                REQUESTS,
                warmupRequests(),
                ROUNDS);
        System.out.println("max-batch  requests/s  p50 ms  p99 ms  mean batch  errors");
        for (Result r : results) {
            System.out.printf(
                    Locale.ROOT,
                    "%9d  %10.0f  %6.1f  %6.1f  %10.1f  %6d%n",
                    r.maxBatch(),
                    r.throughput(),
                    r.p50() * 1e3,
                    r.p99() * 1e3,
                    r.meanBatch(),
                    r.errors());
        }
        System.out.printf(
                Locale.ROOT,
                "batching gives %.1fx the throughput of one image at a time%n",
                results.get(1).throughput() / results.get(0).throughput());
        for (List<Result> r : rounds) {
            for (Result one : r) {
                assertEquals(0, one.errors(), "errors with --max-batch " + one.maxBatch());
                assertEquals(REQUESTS, one.requests(), "every request answered within " + LIMIT);
            }
        }
        for (Result one : rounds.get(0)) {
            assertEquals(1.0, one.meanBatch(), "--max-batch 1 runs one image at a time");
        }
        for (Result one : rounds.get(1)) {
            // 64 clients at once give the batcher company: a generous bound, far below what it reaches.
            assertTrue(one.meanBatch() > 2, "batches under load: " + one.meanBatch());
        }
    }

    private static Result run(int maxBatch, Path checkpoint, byte[][] bodies, long[] expected) throws Exception {
        try (var server = InferenceServer.start(
                InferenceServer.options().port(0).maxBatch(maxBatch).maxQueue(1024),
                List.of(ModelSource.checkpoint("digits", checkpoint)))) {
            load(server.port(), bodies, expected, warmupRequests(), new long[warmupRequests()], new AtomicInteger());
            // The warm-up's batches are not counted: the mean batch is read as a difference.
            var before = QualityTest.parse(
                    new TestClient(server.url()).get("metrics").body());
            long[] latencies = new long[REQUESTS];
            AtomicInteger errors = new AtomicInteger();
            long t0 = System.nanoTime();
            load(server.port(), bodies, expected, REQUESTS, latencies, errors);
            double seconds = (System.nanoTime() - t0) / 1e9;
            long[] sorted = Arrays.stream(latencies).filter(t -> t > 0).sorted().toArray();
            int n = sorted.length;
            var m = QualityTest.parse(
                    new TestClient(server.url()).get("metrics").body());
            String labels = "{model=\"digits\",version=\"1\"}";
            double meanBatch = m.get("nabla_batch_size_sum" + labels) / m.get("nabla_batch_size_count" + labels);
            return new Result(
                    maxBatch,
                    n,
                    errors.get(),
                    seconds,
                    sorted[n / 2] / 1e9,
                    sorted[Math.min(n - 1, (int) Math.ceil(n * 0.99) - 1)] / 1e9,
                    meanBatch);
        }
    }

    private static int warmupRequests() {
        return Math.min(2000, Math.max(CLIENTS, REQUESTS / 4));
    }

    /** {@code requests} predictions from {@link #CLIENTS} connections; latencies by request, failures counted. */
    private static void load(
            int port, byte[][] bodies, long[] expected, int requests, long[] latencies, AtomicInteger errors)
            throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        long deadline = System.nanoTime() + LIMIT.toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try (Socket s = new Socket("127.0.0.1", port)) {
                    s.setTcpNoDelay(true);
                    OutputStream out = s.getOutputStream();
                    InputStream in = new BufferedInputStream(s.getInputStream());
                    for (int i; (i = next.getAndIncrement()) < requests && System.nanoTime() < deadline; ) {
                        int digit = i % DIGITS;
                        long start = System.nanoTime();
                        out.write(("POST /v1/models/digits:predict HTTP/1.1\r\nHost: localhost\r\n"
                                        + "Content-Type: application/json\r\nContent-Length: "
                                        + bodies[digit].length + "\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                        out.write(bodies[digit]);
                        out.flush();
                        Reply r = read(in);
                        latencies[i] = System.nanoTime() - start;
                        if (r.status() != 200 || classOf(r.body()) != expected[digit]) {
                            errors.incrementAndGet();
                        }
                    }
                } catch (IOException | Json.SyntaxError e) {
                    errors.incrementAndGet();
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
    }

    record Reply(int status, String body) {}

    /** One HTTP/1.1 response with a Content-Length, as the server writes them. */
    private static Reply read(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int b;
        int last4 = 0;
        while ((b = in.read()) >= 0) {
            head.append((char) b);
            last4 = (last4 << 8) | b;
            if (last4 == 0x0D0A0D0A) { // \r\n\r\n ends the head
                break;
            }
        }
        if (b < 0) {
            throw new IOException("connection closed after: " + head);
        }
        String[] lines = head.toString().split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        int length = 0;
        for (String line : lines) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return new Reply(status, new String(in.readNBytes(length), StandardCharsets.UTF_8));
    }

    private static long classOf(String body) throws Json.SyntaxError {
        Map<?, ?> reply = (Map<?, ?>) Json.parse(body);
        return (Long) ((Map<?, ?>) ((List<?>) reply.get("predictions")).get(0)).get("class");
    }
}
