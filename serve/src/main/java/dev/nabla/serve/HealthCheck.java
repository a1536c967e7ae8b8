package dev.nabla.serve;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;

/**
 * A container health check with nothing but the image's own Java: exits 0 when the URL answers
 * 200, 1 otherwise. The image's {@code bin/nabla-health} runs it; the Dockerfile's
 * {@code HEALTHCHECK} calls that.
 *
 * <pre>{@code
 * java -cp 'app/*' dev.nabla.serve.HealthCheck http://127.0.0.1:8080/health
 * }</pre>
 */
public final class HealthCheck {
    private HealthCheck() {}

    public static void main(String[] args) {
        String url = args.length > 0 ? args[0] : "http://127.0.0.1:8080/health";
        int status;
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
            c.setConnectTimeout(3000);
            c.setReadTimeout(3000);
            status = c.getResponseCode();
            try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
                if (in != null) {
                    in.readAllBytes();
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("health check of " + url + " failed: " + e);
            System.exit(1);
            return;
        }
        if (status != 200) {
            System.err.println("health check of " + url + ": HTTP " + status);
        }
        System.exit(status == 200 ? 0 : 1);
    }
}
