package dev.nabla.serve;

import dev.nabla.export.Json;
import dev.nabla.serve.HttpCall.Request;
import dev.nabla.serve.HttpCall.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The HTTP/1.1 layer: blocking sockets, one virtual thread per connection, reading each request
 * into a buffer the connection keeps, handing it to the API and writing the answer in one write.
 * It speaks what the API's clients send: {@code Content-Length} and chunked bodies,
 * {@code Expect: 100-continue}, keep-alive and pipelining, HTTP/1.0. A body over the limit is
 * answered 413 from its {@code Content-Length} alone (before a 100 Continue), and what the client
 * still sends is read and dropped up to a bound, so it sees the answer.
 *
 * <p>Why not the JDK's {@code com.sun.net.httpserver}: it hands every request on a keep-alive
 * connection from its selector thread to a handler and back (re-registering the channel after each
 * answer), which cost LeNet-5's requests more CPU than the model did on two cores, and it offers no
 * way to close idle keep-alive connections when a drain starts. Here a drain ({@link #stop}) closes
 * the listener and every idle connection at once, answers the requests in flight with
 * {@code Connection: close}, and waits for them.
 */
final class HttpTransport implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(HttpTransport.class.getName());
    /** How much of an oversized body is read and dropped after the 413, so the client sees it. */
    private static final long LINGER_BYTES = 16 << 20;
    /** The largest request line and headers. */
    private static final int MAX_HEAD = 64 << 10;
    /**
     * The head's line breaks and the Connection header's list separators, compiled once: {@code
     * String.split} compiles a pattern of more than one character on every call, which was two
     * compilations per request (about 4% of the request threads' samples under load).
     */
    private static final Pattern LINES = Pattern.compile("\r?\n");

    private static final Pattern COMMA = Pattern.compile(" *, *");
    /** How long a connection may sit idle, or a request take to arrive, before it is closed. */
    private static final int IDLE_MILLIS = 30_000;

    private static final int IDLE = 0;
    private static final int BUSY = 1;
    private static final int CLOSED = 2;

    private final ServerSocket listener;
    private final Function<Request, Response> api;
    private final long maxBody;
    private final ServerMetrics metrics;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean draining;

    HttpTransport(String host, int port, long maxBody, Function<Request, Response> api, ServerMetrics metrics)
            throws IOException {
        this.api = api;
        this.maxBody = maxBody;
        this.metrics = metrics;
        this.listener = new ServerSocket();
        try {
            listener.bind(new InetSocketAddress(host, port), 1024);
        } catch (IOException e) {
            listener.close();
            throw new IOException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        this.acceptor = Thread.ofPlatform().name("nabla-http-accept").daemon().start(this::accept);
    }

    /** The port the server listens on (the one chosen when asked for port 0). */
    int port() {
        return listener.getLocalPort();
    }

    private void accept() {
        while (!listener.isClosed()) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                if (!listener.isClosed()) {
                    // e.g. out of file descriptors: say so, and give the connections time to end
                    LOG.log(System.Logger.Level.WARNING, "accept failed: " + e.getMessage());
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException stop) {
                        return;
                    }
                }
                continue;
            }
            Connection c = new Connection(socket);
            connections.add(c);
            Thread.ofVirtual().start(c::serve);
            if (draining) {
                c.closeIfIdle(); // accepted as the drain began: it never gets a request in
            }
        }
    }

    /**
     * Drains: stops listening, closes the idle keep-alive connections, lets the requests in flight
     * finish (answered with {@code Connection: close}) for up to {@code millis}, then closes what
     * is left.
     */
    void stop(long millis) {
        draining = true;
        try {
            listener.close();
        } catch (IOException e) {
            // closed already
        }
        connections.forEach(Connection::closeIfIdle);
        long deadline = System.nanoTime() + millis * 1_000_000;
        try {
            while (!connections.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            acceptor.join(Math.max(1, millis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        connections.forEach(Connection::close);
    }

    @Override
    public void close() {
        stop(0);
    }

    /** A request's line and the headers the transport acts on. */
    private record Head(
            String method, String target, boolean http10, long length, boolean chunked, boolean close, String expect) {}

    /** Why a request cannot be read: answered with {@code status} and the connection closed. */
    private static final class BadRequest extends Exception {
        final int status;

        BadRequest(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    private final class Connection {
        private final Socket socket;
        private final AtomicInteger state = new AtomicInteger(IDLE);
        private byte[] buf = new byte[16 << 10];
        private int start; // the unread bytes are buf[start, end)
        private int end;
        private InputStream in;
        private OutputStream out;

        Connection(Socket socket) {
            this.socket = socket;
        }

        void closeIfIdle() {
            if (state.compareAndSet(IDLE, CLOSED)) {
                close();
            }
        }

        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closed already
            }
        }

        void serve() {
            try (socket) {
                socket.setTcpNoDelay(true);
                socket.setSoTimeout(IDLE_MILLIS);
                in = socket.getInputStream();
                out = socket.getOutputStream();
                while (!draining) {
                    if (start == end && !fill()) {
                        return; // the client closed it, or the drain did
                    }
                    if (!state.compareAndSet(IDLE, BUSY)) {
                        return;
                    }
                    if (!exchange(System.nanoTime()) || !state.compareAndSet(BUSY, IDLE)) {
                        return;
                    }
                }
            } catch (IOException e) {
                // the client went away or timed out: nothing to answer
            } finally {
                state.set(CLOSED);
                connections.remove(this);
            }
        }

        /** Reads one request and answers it; false when the connection must close. */
        private boolean exchange(long arrived) throws IOException {
            Head head;
            byte[] body;
            try {
                head = head();
                if (head.length > maxBody) {
                    tooLarge(head.expect == null ? head.length : 0);
                    return false;
                }
                if (head.expect != null) {
                    if (!head.expect.equalsIgnoreCase("100-continue")) {
                        throw new BadRequest(417, "unsupported Expect: " + head.expect);
                    }
                    if (!head.http10 && (head.chunked || head.length > 0)) {
                        out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                    }
                }
                body = head.chunked ? chunked() : bytes((int) head.length);
                if (body == null) {
                    tooLarge(LINGER_BYTES);
                    return false;
                }
            } catch (BadRequest e) {
                send(Response.json(e.status, Json.write(Map.of("error", e.getMessage()))), true, false);
                return false;
            }
            String path;
            try {
                path = new URI(head.target).getPath();
            } catch (URISyntaxException e) {
                path = null;
            }
            if (path == null) {
                send(Response.json(400, "{\"error\":\"malformed request target\"}"), true, false);
                return false;
            }
            Response response;
            metrics.inFlight.inc();
            try {
                response = api.apply(new Request(head.method, path, body, arrived));
            } finally {
                metrics.inFlight.dec();
            }
            boolean close = head.close || head.http10 || draining;
            send(response, close, head.method.equals("HEAD"));
            return !close;
        }

        private void tooLarge(long linger) throws IOException {
            send(
                    Response.json(
                            413,
                            "{\"error\":\"the body is larger than the limit of " + maxBody
                                    + " bytes (--max-body-bytes)\"}"),
                    true,
                    false);
            // Read (and drop) what the client is still sending, up to a bound: closing on unread
            // data would reset the connection, and the client could lose the answer.
            socket.shutdownOutput();
            long dropped = end - start;
            start = end = 0;
            try {
                for (int n; dropped < linger && (n = in.read(buf)) > 0; ) {
                    dropped += n;
                }
            } catch (IOException e) {
                // the client went away
            }
        }

        private void send(Response r, boolean close, boolean head) throws IOException {
            byte[] body = r.body();
            byte[] h = ("HTTP/1.1 " + r.status() + " " + reason(r.status()) + "\r\nContent-Type: " + r.contentType()
                            + "\r\nCache-Control: no-store\r\nContent-Length: " + body.length
                            + (close ? "\r\nConnection: close\r\n\r\n" : "\r\n\r\n"))
                    .getBytes(StandardCharsets.ISO_8859_1);
            if (head) {
                out.write(h);
            } else {
                byte[] all = Arrays.copyOf(h, h.length + body.length);
                System.arraycopy(body, 0, all, h.length, body.length);
                out.write(all);
            }
            out.flush();
        }

        /** The request line and headers (the body stays in the buffer). */
        private Head head() throws IOException, BadRequest {
            int headEnd;
            while (true) {
                while (start < end && (buf[start] == '\r' || buf[start] == '\n')) {
                    start++; // empty lines before a request are allowed (RFC 9112, 2.2)
                }
                headEnd = endOfHead(start);
                if (headEnd >= 0) {
                    break;
                }
                if (end - start >= MAX_HEAD) {
                    throw new BadRequest(431, "the request line and headers exceed " + MAX_HEAD + " bytes");
                }
                if (!fill()) {
                    throw new IOException("the client closed the connection inside a request");
                }
            }
            String[] lines = LINES.split(new String(buf, start, headEnd - start, StandardCharsets.ISO_8859_1));
            start = headEnd;
            String[] line = lines[0].split(" ", -1);
            if (line.length != 3 || line[0].isEmpty() || line[1].isEmpty() || !line[2].startsWith("HTTP/")) {
                throw new BadRequest(400, "malformed request line");
            }
            if (!line[2].equals("HTTP/1.1") && !line[2].equals("HTTP/1.0")) {
                throw new BadRequest(505, "HTTP version " + line[2] + " is not supported; use HTTP/1.1");
            }
            long length = -1;
            String transferEncoding = null;
            String connection = "";
            String expect = null;
            for (int i = 1; i < lines.length; i++) {
                String l = lines[i];
                int colon = l.indexOf(':');
                if (colon <= 0 || l.charAt(0) == ' ' || l.charAt(0) == '\t' || l.charAt(colon - 1) == ' ') {
                    throw new BadRequest(400, "malformed header line");
                }
                String name = l.substring(0, colon).toLowerCase(Locale.ROOT);
                String value = l.substring(colon + 1).trim();
                switch (name) {
                    case "content-length" -> {
                        long n;
                        try {
                            n = Long.parseLong(value);
                        } catch (NumberFormatException e) {
                            n = -1;
                        }
                        if (n < 0 || (length >= 0 && n != length)) {
                            throw new BadRequest(400, "malformed Content-Length");
                        }
                        length = n;
                    }
                    case "transfer-encoding" ->
                        transferEncoding = transferEncoding == null ? value : transferEncoding + "," + value;
                    case "connection" -> connection += "," + value.toLowerCase(Locale.ROOT);
                    case "expect" -> expect = value;
                    default -> {
                        // the API needs no other header
                    }
                }
            }
            boolean chunked = false;
            if (transferEncoding != null) {
                if (length >= 0 || !transferEncoding.trim().equalsIgnoreCase("chunked")) {
                    throw new BadRequest(400, "unsupported Transfer-Encoding (send a Content-Length or chunked)");
                }
                chunked = true;
            }
            boolean http10 = line[2].equals("HTTP/1.0"); // answered, then closed: no keep-alive for 1.0
            boolean close = Arrays.asList(COMMA.split(connection)).contains("close");
            return new Head(line[0], line[1], http10, Math.max(0, length), chunked, close, expect);
        }

        /** The index just past the blank line ending the head in the buffer (from {@code from}), or -1. */
        private int endOfHead(int from) {
            for (int i = from; i < end; i++) {
                if (buf[i] == '\n') {
                    if (i + 1 < end && buf[i + 1] == '\n') {
                        return i + 2;
                    }
                    if (i + 2 < end && buf[i + 1] == '\r' && buf[i + 2] == '\n') {
                        return i + 3;
                    }
                }
            }
            return -1;
        }

        /** The next {@code n} bytes. */
        private byte[] bytes(int n) throws IOException {
            while (end - start < n) {
                if (!fill()) {
                    throw new IOException("the client closed the connection inside a body");
                }
            }
            byte[] body = Arrays.copyOfRange(buf, start, start + n);
            start += n;
            return body;
        }

        /** A chunked body, or null when it grows over the limit. */
        private byte[] chunked() throws IOException, BadRequest {
            byte[] body = new byte[0];
            while (true) {
                String sizeLine = line();
                int semicolon = sizeLine.indexOf(';');
                long size;
                try {
                    size = Long.parseLong((semicolon >= 0 ? sizeLine.substring(0, semicolon) : sizeLine).trim(), 16);
                } catch (NumberFormatException e) {
                    throw new BadRequest(400, "malformed chunk size");
                }
                if (size < 0) {
                    throw new BadRequest(400, "malformed chunk size");
                }
                if (size == 0) {
                    while (!line().isEmpty()) {
                        // trailers: ignored
                    }
                    return body;
                }
                if (body.length + size > maxBody) {
                    return null;
                }
                byte[] chunk = bytes((int) size);
                body = Arrays.copyOf(body, body.length + chunk.length);
                System.arraycopy(chunk, 0, body, body.length - chunk.length, chunk.length);
                if (!line().isEmpty()) {
                    throw new BadRequest(400, "malformed chunk");
                }
            }
        }

        /** One line of a chunked body, without its line end. */
        private String line() throws IOException, BadRequest {
            while (true) {
                for (int i = start; i < end; i++) {
                    if (buf[i] == '\n') {
                        int to = i > start && buf[i - 1] == '\r' ? i - 1 : i;
                        String s = new String(buf, start, to - start, StandardCharsets.ISO_8859_1);
                        start = i + 1;
                        return s;
                    }
                }
                if (end - start >= MAX_HEAD) {
                    throw new BadRequest(400, "a chunk line is too long");
                }
                if (!fill()) {
                    throw new IOException("the client closed the connection inside a body");
                }
            }
        }

        /** Reads more bytes after the unread ones (moving them to the front, or growing); false at the end. */
        private boolean fill() throws IOException {
            if (start == end) {
                start = end = 0;
            } else if (end == buf.length) {
                if (start > 0) {
                    System.arraycopy(buf, start, buf, 0, end - start);
                    end -= start;
                    start = 0;
                } else {
                    buf = Arrays.copyOf(buf, buf.length * 2);
                }
            }
            int n = in.read(buf, end, buf.length - end);
            if (n < 0) {
                return false;
            }
            end += n;
            return true;
        }
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 413 -> "Content Too Large";
            case 417 -> "Expectation Failed";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            case 505 -> "HTTP Version Not Supported";
            default -> "Status";
        };
    }
}
