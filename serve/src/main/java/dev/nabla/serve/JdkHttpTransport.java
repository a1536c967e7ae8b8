package dev.nabla.serve;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.nabla.serve.HttpCall.Request;
import dev.nabla.serve.HttpCall.Response;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * The HTTP layer: the JDK's own server ({@code jdk.httpserver}), one virtual thread per request,
 * so a request waiting for its batch holds no platform thread. It reads the body up to the limit
 * (answering 413 from the {@code Content-Length} alone when that is over it), hands the request to
 * the API and writes the answer.
 */
final class JdkHttpTransport implements AutoCloseable {
    /** How much of an oversized body is read and dropped after the 413, so the client sees it. */
    private static final long LINGER_BYTES = 16 << 20;

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Function<Request, Response> api;
    private final long maxBody;
    private final ServerMetrics metrics;

    JdkHttpTransport(String host, int port, long maxBody, Function<Request, Response> api, ServerMetrics metrics)
            throws IOException {
        this.api = api;
        this.maxBody = maxBody;
        this.metrics = metrics;
        this.server = HttpServer.create(new InetSocketAddress(host, port), 1024);
        server.setExecutor(executor);
        server.createContext("/", this::exchange);
        server.start();
    }

    /** The port the server listens on (the one chosen when asked for port 0). */
    int port() {
        return server.getAddress().getPort();
    }

    private void exchange(HttpExchange ex) throws IOException {
        long arrived = System.nanoTime();
        metrics.inFlight.inc();
        try (ex) {
            byte[] body = readBody(ex);
            if (body == null) {
                ex.getResponseHeaders().set("Connection", "close");
                send(
                        ex,
                        Response.json(
                                413,
                                "{\"error\":\"the body is larger than the limit of " + maxBody
                                        + " bytes (--max-body-bytes)\"}"));
                // Read (and drop) what the client is still sending, up to a bound: closing on
                // unread data would reset the connection, and the client could lose the answer.
                drain(ex.getRequestBody(), LINGER_BYTES);
                return;
            }
            String path = ex.getRequestURI().getPath();
            send(ex, api.apply(new Request(ex.getRequestMethod(), path == null ? "" : path, body, arrived)));
        } finally {
            metrics.inFlight.dec();
        }
    }

    private static void send(HttpExchange ex, Response response) throws IOException {
        ex.getResponseHeaders().set("Content-Type", response.contentType());
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(response.status(), response.body().length == 0 ? -1 : response.body().length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(response.body());
        }
    }

    /** The body, or null when it is over the limit (the rest is left unread). */
    private byte[] readBody(HttpExchange ex) throws IOException {
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            try {
                if (Long.parseLong(declared.trim()) > maxBody) {
                    return null;
                }
            } catch (NumberFormatException e) {
                // the server itself refuses malformed lengths before we get here
            }
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] chunk = new byte[8192];
        InputStream in = ex.getRequestBody();
        for (int n; (n = in.read(chunk)) > 0; ) {
            if (buf.size() + n > maxBody) {
                return null;
            }
            buf.write(chunk, 0, n);
        }
        return buf.toByteArray();
    }

    private static void drain(InputStream in, long limit) {
        byte[] chunk = new byte[16384];
        try {
            for (long read = 0, n; read < limit && (n = in.read(chunk)) > 0; read += n) {
                // dropped
            }
        } catch (IOException e) {
            // the client went away: nothing left to protect
        }
    }

    /**
     * Stops listening at once and waits up to {@code seconds} for the requests being handled to
     * be answered.
     */
    void stop(int seconds) {
        server.stop(seconds);
        executor.shutdown();
    }

    @Override
    public void close() {
        stop(0);
    }
}
