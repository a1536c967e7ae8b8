package dev.nabla.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.export.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
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
import java.util.concurrent.atomic.LongAdder;
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
 * <p>The clients share the machine's two cores with the server, so they are kept lean, as a load
 * generator such as wrk is: each writes pre-built request bytes (head and body) on its own
 * keep-alive socket and reads the reply into a reused buffer, checking its status and the first
 * prediction's class from the bytes, without a JSON tree. {@code -Dnabla.load.batches=1} (or
 * {@code 32}) runs one setting only, for a profiler.
 */
class LoadTest {
    private static final int CLIENTS = Integer.getInteger("nabla.load.clients", 64);
    private static final int REQUESTS = Integer.getInteger("nabla.load.requests", 64 * 30);
    private static final Duration LIMIT = Duration.ofSeconds(Integer.getInteger("nabla.load.seconds", 120));
    private static final int DIGITS = 100;
    private static final String MODEL = System.getProperty("nabla.load.model", "lenet5");
    private static final int ROUNDS = Integer.getInteger("nabla.load.rounds", 1);
    private static final List<Integer> BATCHES = Arrays.stream(
                    System.getProperty("nabla.load.batches", "1,32").split(","))
            .map(b -> Integer.parseInt(b.trim()))
            .toList();

    record Result(
            int maxBatch,
            int requests,
            int errors,
            double seconds,
            double p50,
            double p99,
            double meanBatch,
            Map<String, Double> cpuPerRequest) {
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
        byte[][] requests = new byte[DIGITS][];
        for (int i = 0; i < DIGITS; i++) {
            byte[] head = ("POST /v1/models/digits:predict HTTP/1.1\r\nHost: localhost\r\n"
                            + "Content-Type: application/json\r\nContent-Length: " + bodies[i].length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            requests[i] = Arrays.copyOf(head, head.length + bodies[i].length);
            System.arraycopy(bodies[i], 0, requests[i], head.length, bodies[i].length);
        }
        // Rounds alternate the settings (A B A B ...); the round with the median throughput is shown.
        List<List<Result>> rounds = new ArrayList<>();
        BATCHES.forEach(b -> rounds.add(new ArrayList<>()));
        for (int round = 0; round < ROUNDS; round++) {
            for (int b = 0; b < BATCHES.size(); b++) {
                rounds.get(b).add(run(BATCHES.get(b), checkpoint, requests, expected));
            }
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
        System.out.println("CPU per request, microseconds (both cores; the round shown):");
        for (Result r : results) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%9d ", r.maxBatch()));
            double total = 0;
            for (var e : r.cpuPerRequest().entrySet()) {
                line.append(String.format(Locale.ROOT, " %s %.0f", e.getKey(), e.getValue()));
                total += e.getValue();
            }
            System.out.println(line.append(String.format(Locale.ROOT, "  (total %.0f)", total)));
        }
        if (results.size() == 2) {
            System.out.printf(
                    Locale.ROOT,
                    "batching gives %.1fx the throughput of one image at a time%n",
                    results.get(1).throughput() / results.get(0).throughput());
        }
        for (List<Result> r : rounds) {
            for (Result one : r) {
                assertEquals(0, one.errors(), "errors with --max-batch " + one.maxBatch());
                assertEquals(REQUESTS, one.requests(), "every request answered within " + LIMIT);
                if (one.maxBatch() == 1) {
                    assertEquals(1.0, one.meanBatch(), "--max-batch 1 runs one image at a time");
                } else {
                    // 64 clients at once give the batcher company: a generous bound, far below what it reaches.
                    assertTrue(one.meanBatch() > 2, "batches under load: " + one.meanBatch());
                }
            }
        }
    }

    private static Result run(int maxBatch, Path checkpoint, byte[][] requests, long[] expected) throws Exception {
        try (var server = InferenceServer.start(
                InferenceServer.options().port(0).maxBatch(maxBatch).maxQueue(1024),
                List.of(ModelSource.checkpoint("digits", checkpoint)))) {
            load(server.port(), requests, expected, warmupRequests(), new long[warmupRequests()], new AtomicInteger());
            // The warm-up's batches are not counted: the mean batch is read as a difference.
            var before = QualityTest.parse(
                    new TestClient(server.url()).get("metrics").body());
            long[] latencies = new long[REQUESTS];
            AtomicInteger errors = new AtomicInteger();
            Map<String, Long> cpu0 = ThreadCpu.snapshot();
            long t0 = System.nanoTime();
            long clientsCpu = load(server.port(), requests, expected, REQUESTS, latencies, errors);
            double seconds = (System.nanoTime() - t0) / 1e9;
            Map<String, Long> cpu1 = ThreadCpu.snapshot();
            cpu1.merge("clients", clientsCpu, Long::sum); // their threads have ended, out of the snapshot
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
                    meanBatch,
                    ThreadCpu.perRequest(cpu0, cpu1, n));
        }
    }

    private static int warmupRequests() {
        return Math.min(2000, Math.max(CLIENTS, REQUESTS / 4));
    }

    /**
     * {@code count} predictions from {@link #CLIENTS} connections, each sending the pre-built
     * {@code requests}; latencies by request, failures counted. Returns the CPU time the clients
     * took, in nanoseconds.
     */
    private static long load(
            int port, byte[][] requests, long[] expected, int count, long[] latencies, AtomicInteger errors)
            throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        LongAdder cpu = new LongAdder();
        long deadline = System.nanoTime() + LIMIT.toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            // Platform threads, so their CPU time is theirs alone (virtual ones share carriers with the server's).
            threads.add(Thread.ofPlatform().name("load-client-" + c).start(() -> {
                try (Socket s = new Socket("127.0.0.1", port)) {
                    s.setTcpNoDelay(true);
                    OutputStream out = s.getOutputStream();
                    ReplyReader in = new ReplyReader(s.getInputStream());
                    for (int i; (i = next.getAndIncrement()) < count && System.nanoTime() < deadline; ) {
                        int digit = i % DIGITS;
                        long start = System.nanoTime();
                        out.write(requests[digit]);
                        int status = in.read();
                        latencies[i] = System.nanoTime() - start;
                        if (status != 200 || in.firstClass() != expected[digit]) {
                            errors.incrementAndGet();
                        }
                    }
                } catch (IOException e) {
                    errors.incrementAndGet();
                }
                cpu.add(ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime());
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        return cpu.sum();
    }

    /**
     * Reads HTTP/1.1 responses with a Content-Length, as the server writes them, into one reused
     * buffer: the status, and the class of the first prediction from the body's bytes.
     */
    static final class ReplyReader {
        private static final byte[] CLASS = "\"class\":".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] LENGTH = "content-length:".getBytes(StandardCharsets.US_ASCII);
        private final InputStream in;
        private byte[] buf = new byte[8192];
        private int start; // where the unread bytes begin
        private int end; // where they end
        private int bodyStart;
        private int bodyEnd;

        ReplyReader(InputStream in) {
            this.in = in;
        }

        /** Reads one response; returns its status. */
        int read() throws IOException {
            int headEnd;
            while ((headEnd = indexOf(start, end)) < 0) {
                fill();
            }
            int status = (buf[start + 9] - '0') * 100 + (buf[start + 10] - '0') * 10 + (buf[start + 11] - '0');
            int length = -1;
            for (int line = start; line < headEnd; ) {
                int eol = line;
                while (buf[eol] != '\r') {
                    eol++;
                }
                if (eol - line >= LENGTH.length && startsWithIgnoreCase(line, LENGTH)) {
                    length = Integer.parseInt(
                            new String(buf, line + LENGTH.length, eol - line - LENGTH.length, StandardCharsets.US_ASCII)
                                    .trim());
                }
                line = eol + 2;
            }
            if (length < 0) {
                throw new IOException("a response without Content-Length");
            }
            start = headEnd + 4;
            while (end - start < length) {
                fill();
            }
            bodyStart = start;
            bodyEnd = start + length;
            start = bodyEnd;
            return status;
        }

        /** The number after the body's first {@code "class":}, or -1. */
        long firstClass() {
            outer:
            for (int i = bodyStart; i + CLASS.length < bodyEnd; i++) {
                for (int k = 0; k < CLASS.length; k++) {
                    if (buf[i + k] != CLASS[k]) {
                        continue outer;
                    }
                }
                long v = 0;
                int j = i + CLASS.length;
                if (j >= bodyEnd || buf[j] < '0' || buf[j] > '9') {
                    return -1;
                }
                for (; j < bodyEnd && buf[j] >= '0' && buf[j] <= '9'; j++) {
                    v = v * 10 + (buf[j] - '0');
                }
                return v;
            }
            return -1;
        }

        /** The index of the first {@code \r\n\r\n} in {@code buf[from, to)}, or -1. */
        private int indexOf(int from, int to) {
            for (int i = from; i + 3 < to; i++) {
                if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n') {
                    return i;
                }
            }
            return -1;
        }

        private boolean startsWithIgnoreCase(int at, byte[] prefix) {
            for (int k = 0; k < prefix.length; k++) {
                if (Character.toLowerCase(buf[at + k]) != prefix[k]) {
                    return false;
                }
            }
            return true;
        }

        /** Reads more bytes, first moving the unread ones to the front (or growing the buffer). */
        private void fill() throws IOException {
            if (start > 0) {
                System.arraycopy(buf, start, buf, 0, end - start);
                end -= start;
                start = 0;
            }
            if (end == buf.length) {
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
            int n = in.read(buf, end, buf.length - end);
            if (n < 0) {
                throw new IOException("the server closed the connection");
            }
            end += n;
        }
    }
}
