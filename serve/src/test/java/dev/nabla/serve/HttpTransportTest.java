package dev.nabla.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.serve.HttpCall.Response;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP/1.1 layer on its own, behind an API that echoes what it was given: the request forms
 * clients send (Content-Length, chunked, Expect: 100-continue, pipelined, HTTP/1.0, HEAD) and the
 * malformed ones, each answered or refused as HTTP says, written on raw sockets where the JDK's
 * client would not send them.
 */
class HttpTransportTest {
    private HttpTransport transport;

    @BeforeEach
    void start() throws IOException {
        transport = new HttpTransport(
                "127.0.0.1",
                0,
                1024,
                r -> Response.json(
                        200,
                        "{\"method\":\"" + r.method() + "\",\"path\":\"" + r.path() + "\",\"body\":\""
                                + new String(r.body(), StandardCharsets.US_ASCII) + "\"}"),
                new ServerMetrics(List::of));
    }

    @AfterEach
    void stop() {
        transport.close();
    }

    /** Writes {@code request} on a fresh connection and returns everything the server sends until it closes. */
    private String raw(String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", transport.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.shutdownOutput();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void bodiesArriveWhateverTheirFraming() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI uri = URI.create("http://127.0.0.1:" + transport.port() + "/v1/models/m:predict?q=1");
        var plain = http.send(
                HttpRequest.newBuilder(uri)
                        .POST(HttpRequest.BodyPublishers.ofString("abc"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals("{\"method\":\"POST\",\"path\":\"/v1/models/m:predict\",\"body\":\"abc\"}", plain.body());
        var continued = http.send(
                HttpRequest.newBuilder(uri)
                        .expectContinue(true)
                        .POST(HttpRequest.BodyPublishers.ofString("def"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(continued.body().contains("\"body\":\"def\""), continued.body());

        String chunked = raw("POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                + "3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: t\r\n\r\n");
        assertTrue(chunked.startsWith("HTTP/1.1 200 OK\r\n"), chunked);
        assertTrue(chunked.endsWith("\"body\":\"abcde\"}"), chunked);
    }

    @Test
    void keepAlivePipeliningAndClosing() throws Exception {
        // Two requests in one write, then a third that asks to close: three answers, then the end.
        String replies = raw("GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
                + "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nxy"
                + "GET /c HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
        assertEquals(3, replies.split("HTTP/1.1 200 OK", -1).length - 1, replies);
        assertTrue(replies.contains("\"path\":\"/b\",\"body\":\"xy\""), replies);
        assertTrue(replies.endsWith("\"path\":\"/c\",\"body\":\"\"}"), replies);
        assertTrue(replies.contains("Connection: close"), replies);
        // HTTP/1.0 gets its answer and the connection closes (raw() returns only at the close).
        String old = raw("GET /old HTTP/1.0\r\n\r\n");
        assertTrue(old.startsWith("HTTP/1.1 200 OK\r\n") && old.contains("Connection: close"), old);
        // HEAD: the headers, the length the body would have, no body.
        String head = raw("HEAD /h HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
        assertTrue(head.contains("Content-Length: 39\r\n"), head);
        assertTrue(head.endsWith("\r\n\r\n"), head);
    }

    @Test
    void malformedRequestsAreRefusedAndTheConnectionClosed() throws Exception {
        assertTrue(raw("NONSENSE\r\n\r\n").startsWith("HTTP/1.1 400 "));
        assertTrue(raw("GET / HTTP/2.0\r\n\r\n").startsWith("HTTP/1.1 505 "));
        assertTrue(raw("GET /a|b HTTP/1.1\r\n\r\n").contains("malformed request target"));
        assertTrue(raw("POST / HTTP/1.1\r\nContent-Length: -3\r\n\r\n").contains("malformed Content-Length"));
        assertTrue(raw("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd")
                .startsWith("HTTP/1.1 400 "));
        assertTrue(raw("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc")
                .startsWith("HTTP/1.1 400 "));
        assertTrue(raw("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
                .contains("chunk size"));
        assertTrue(
                raw("GET / HTTP/1.1\r\nX: " + "y".repeat(70_000) + "\r\n\r\n").startsWith("HTTP/1.1 431 "));
        String big = raw("POST / HTTP/1.1\r\nContent-Length: 5000\r\n\r\n" + "z".repeat(5000));
        assertTrue(big.startsWith("HTTP/1.1 413 ") && big.contains("larger than the limit of 1024"), big);
        // A client that asks first is told at once, before it sends the body.
        try (Socket s = new Socket("127.0.0.1", transport.port())) {
            s.getOutputStream()
                    .write("POST / HTTP/1.1\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(answer.startsWith("HTTP/1.1 413 "), answer);
        }
        // The server goes on.
        assertTrue(raw("GET /after HTTP/1.1\r\nConnection: close\r\n\r\n").startsWith("HTTP/1.1 200 "));
    }

    /** Reads one response with a Content-Length: its head and body. */
    static String readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int last4 = 0;
        for (int b; (b = in.read()) >= 0; ) {
            head.write(b);
            last4 = (last4 << 8) | b;
            if (last4 == 0x0D0A0D0A) {
                String h = head.toString(StandardCharsets.ISO_8859_1);
                int at = h.toLowerCase().indexOf("content-length:");
                int length = Integer.parseInt(
                        h.substring(at + 15, h.indexOf('\r', at)).trim());
                return h + new String(in.readNBytes(length), StandardCharsets.UTF_8);
            }
        }
        throw new IOException("the connection closed after " + head.size() + " bytes");
    }
}
