package dev.nabla.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.nn.models.LeNet5;
import dev.nabla.tensor.Generator;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The queue bound (503), the per-request timeout (504) and draining on shutdown, made
 * deterministic by a model whose forward pass waits at a gate the test opens.
 */
class LimitsTest {
    private final Gate gate = new Gate();
    private final HttpClient http = HttpClient.newHttpClient();
    private InferenceServer server;

    /** Holds every forward pass while closed; counts the passes waiting. */
    static final class Gate {
        private boolean open = true;
        private int waiting;

        synchronized void pass() {
            waiting++;
            try {
                while (!open) {
                    wait();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                waiting--;
            }
        }

        synchronized void close() {
            open = false;
        }

        synchronized void open() {
            open = true;
            notifyAll();
        }

        synchronized void awaitWaiting(int n) throws InterruptedException {
            long deadline = System.currentTimeMillis() + 10_000;
            while (waiting < n) {
                assertTrue(System.currentTimeMillis() < deadline, "no forward pass reached the gate");
                wait(10);
            }
        }
    }

    private TestClient start(InferenceServer.Options options) throws IOException {
        ModelSource gated = ModelSource.checkpoint("slow", TestModels.lenet()).model("lenet5 behind a gate", pre -> {
            LeNet5 m = new LeNet5(1, 28, 10, new Generator(0));
            m.registerForwardPreHook((module, x) -> {
                gate.pass();
                return null;
            });
            return m;
        });
        server = InferenceServer.start(options.port(0).warmup(2), List.of(gated));
        return new TestClient(server.url());
    }

    @AfterEach
    void stop() {
        gate.open();
        if (server != null) {
            server.close();
        }
    }

    private CompletableFuture<HttpResponse<String>> predictAsync() {
        return http.sendAsync(
                HttpRequest.newBuilder(URI.create(server.url() + "v1/models/slow:predict"))
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"instances\": [" + TestModels.pixelsJson(0) + "]}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aFullQueueIsRefusedWith503() throws Exception {
        TestClient client =
                start(InferenceServer.options().maxQueue(1).maxBatch(1).maxDelay(Duration.ZERO));
        gate.close();
        var running = predictAsync();
        gate.awaitWaiting(1); // the worker holds the first request
        var queued = predictAsync();
        long deadline = System.currentTimeMillis() + 10_000;
        while (!client.get("metrics").body().contains("nabla_queue_depth{model=\"slow\",version=\"1\"} 1")) {
            assertTrue(System.currentTimeMillis() < deadline, "the second request never queued");
            Thread.sleep(10);
        }
        var refused = client.post("v1/models/slow:predict", "{\"instances\": [" + TestModels.pixelsJson(0) + "]}");
        assertEquals(503, refused.status(), refused.body());
        assertTrue(refused.error().contains("queue is full"), refused.error());
        gate.open();
        assertEquals(200, running.get().statusCode());
        assertEquals(200, queued.get().statusCode());
        String metrics = client.get("metrics").body();
        assertTrue(metrics.contains("nabla_requests_total{api=\"predict\",model=\"slow\",status=\"503\"} 1"), metrics);
    }

    @Test
    void aSlowAnswerTimesOutWith504AndTheServerGoesOn() throws Exception {
        TestClient client = start(InferenceServer.options().timeout(Duration.ofMillis(300)));
        gate.close();
        var r = client.post("v1/models/slow:predict", "{\"instances\": [" + TestModels.pixelsJson(0) + "]}");
        assertEquals(504, r.status(), r.body());
        assertTrue(r.error().contains("did not answer within 300 ms"), r.error());
        gate.open();
        var next = client.post("v1/models/slow:predict", "{\"instances\": [" + TestModels.pixelsJson(1) + "]}");
        assertEquals(200, next.status(), next.body());
    }

    @Test
    void aDrainClosesIdleKeepAliveConnectionsAndClosesBusyOnesAfterTheirAnswer() throws Exception {
        start(InferenceServer.options().maxBatch(1).maxDelay(Duration.ZERO).timeout(Duration.ofSeconds(120)));
        URI address = URI.create(server.url());
        try (Socket idle = new Socket(address.getHost(), address.getPort());
                Socket busy = new Socket(address.getHost(), address.getPort())) {
            idle.setSoTimeout(30_000);
            busy.setSoTimeout(30_000);
            // A keep-alive connection that has had its answer and waits for the next request.
            idle.getOutputStream().write("GET /health HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String first = HttpTransportTest.readResponse(idle.getInputStream());
            assertTrue(first.startsWith("HTTP/1.1 200 ") && !first.contains("Connection: close"), first);
            // A request held in the model when the drain starts.
            gate.close();
            byte[] body = ("{\"instances\": [" + TestModels.pixelsJson(0) + "]}").getBytes(StandardCharsets.UTF_8);
            busy.getOutputStream()
                    .write(("POST /v1/models/slow:predict HTTP/1.1\r\nHost: t\r\nContent-Length: " + body.length
                                    + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            busy.getOutputStream().write(body);
            gate.awaitWaiting(1);
            Thread closer = Thread.ofPlatform().start(server::close);
            // The idle connection is closed at the drain's start, while the held request still waits.
            assertEquals(-1, idle.getInputStream().read(), "the idle connection was closed");
            assertTrue(closer.isAlive(), "close() waits for the request in flight");
            gate.open();
            String answer = HttpTransportTest.readResponse(busy.getInputStream());
            assertTrue(answer.startsWith("HTTP/1.1 200 "), answer);
            assertTrue(answer.contains("Connection: close"), answer);
            assertEquals(-1, busy.getInputStream().read(), "the busy connection closes after its answer");
            closer.join(10_000);
            assertTrue(!closer.isAlive(), "the drain ended");
        }
    }

    @Test
    void closingDrainsTheRequestsInFlight() throws Exception {
        // A generous per-request timeout: this test is about draining, and on a loaded machine the
        // default 10 s could answer the held requests 504 before the gate opens.
        start(InferenceServer.options().maxBatch(1).maxDelay(Duration.ZERO).timeout(Duration.ofSeconds(120)));
        gate.close();
        List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            inFlight.add(predictAsync());
        }
        gate.awaitWaiting(1);
        Thread.sleep(200); // the other two reach the queue
        String url = server.url();
        Thread closer = Thread.ofPlatform().start(server::close);
        long deadline = System.currentTimeMillis() + 10_000;
        URI address = URI.create(url);
        while (true) { // the listener closes first: new connections are refused
            // a fresh socket each time: the client's pooled keep-alive connection may outlive the listener
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress(address.getHost(), address.getPort()), 1000);
            } catch (IOException e) {
                break;
            }
            assertTrue(System.currentTimeMillis() < deadline, "the server kept accepting connections");
            Thread.sleep(10);
        }
        assertTrue(closer.isAlive(), "close() waits for the requests in flight");
        gate.open();
        closer.join(10_000);
        for (var f : inFlight) {
            HttpResponse<String> r = f.get();
            assertEquals(200, r.statusCode(), r.body());
        }
        assertThrows(
                ConnectException.class,
                () -> http.send(
                        HttpRequest.newBuilder(URI.create(url + "health")).build(),
                        HttpResponse.BodyHandlers.ofString()));
    }
}
