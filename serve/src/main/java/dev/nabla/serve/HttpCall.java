package dev.nabla.serve;

import java.nio.charset.StandardCharsets;

/**
 * An HTTP request and its answer as the API sees them, apart from any server library: what the
 * transport reads off the wire, and what it writes back.
 */
final class HttpCall {
    private HttpCall() {}

    /**
     * @param method  GET, POST, ...
     * @param path    the decoded path, without the query
     * @param body    the request body (empty for none)
     * @param arrived {@link System#nanoTime()} when the request arrived, for timeouts and latency
     */
    record Request(String method, String path, byte[] body, long arrived) {}

    record Response(int status, String contentType, byte[] body) {
        static final String JSON = "application/json";

        static Response json(int status, String json) {
            return new Response(status, JSON, json.getBytes(StandardCharsets.UTF_8));
        }
    }
}
