package dev.nabla.serve;

/**
 * A request the server refuses, with the HTTP status and the message the JSON error body carries
 * ({@code {"error": "..."}}): 400 for a malformed request, 404 for an unknown model, version or
 * prediction id, 405 for a wrong method, 413 for a body over the limit, 503 when the queue is full
 * or the server is draining, 504 when the model did not answer in time.
 */
final class ApiException extends Exception {
    private final int status;

    ApiException(int status, String message) {
        super(message, null, false, false); // an expected outcome: no stack trace to fill
        this.status = status;
    }

    int status() {
        return status;
    }
}
