package dev.nabla.nn.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLConnection;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fetches a file over HTTP(S) so that an interruption never leaves a half file under the final
 * name: the bytes go to {@code <target>.part}; a later attempt resumes it with an HTTP
 * {@code Range} request (or starts over when the server ignores the range); the finished file's MD5
 * is checked before it is renamed atomically to {@code target}. A file whose MD5 is wrong is deleted
 * and reported. Failed transfers are retried, resuming, up to {@link #attempts(int)} times; what was
 * received stays in the {@code .part} file for the next run.
 *
 * <p>Immutable: each setter returns a new configuration.
 *
 * <pre>{@code
 * Path archive = Download.from(URI.create("https://example.org/data.tar.gz"))
 *         .md5("c32a1d4ab5d03f1284b67883e8d87530")
 *         .progress(System.err)
 *         .to(Path.of("data/data.tar.gz"));
 * }</pre>
 */
public final class Download {
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)");

    private final URI uri;
    private final String md5;
    private final int attempts;
    private final Duration retryDelay;
    private final Duration timeout;
    private final PrintStream progress;

    private Download(URI uri, String md5, int attempts, Duration retryDelay, Duration timeout, PrintStream progress) {
        this.uri = uri;
        this.md5 = md5;
        this.attempts = attempts;
        this.retryDelay = retryDelay;
        this.timeout = timeout;
        this.progress = progress;
    }

    /** A download of {@code uri}: 3 attempts, 2 s between them, 60 s timeouts, no MD5 check, silent. */
    public static Download from(URI uri) {
        Objects.requireNonNull(uri, "uri");
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            throw new IllegalArgumentException("download: only http and https URLs are supported, got " + uri);
        }
        return new Download(uri, null, 3, Duration.ofSeconds(2), Duration.ofSeconds(60), null);
    }

    /** Requires the file's MD5 to be {@code hex} (32 hex digits). */
    public Download md5(String hex) {
        if (hex == null || !hex.matches("[0-9a-fA-F]{32}")) {
            throw new IllegalArgumentException("download: an MD5 is 32 hex digits, got " + hex);
        }
        return new Download(uri, hex.toLowerCase(Locale.ROOT), attempts, retryDelay, timeout, progress);
    }

    /** How many transfers to try before giving up (each resumes the previous one). */
    public Download attempts(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("download: attempts must be >= 1, got " + n);
        }
        return new Download(uri, md5, n, retryDelay, timeout, progress);
    }

    public Download retryDelay(Duration delay) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("download: negative retry delay " + delay);
        }
        return new Download(uri, md5, attempts, delay, timeout, progress);
    }

    /** Connect and read timeout: a transfer that stalls this long fails (and is retried). */
    public Download timeout(Duration t) {
        if (t.isNegative() || t.isZero() || t.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("download: timeout must be positive, got " + t);
        }
        return new Download(uri, md5, attempts, retryDelay, t, progress);
    }

    /** Where the progress bar and retry notes go; null for silence. */
    public Download progress(PrintStream out) {
        return new Download(uri, md5, attempts, retryDelay, timeout, out);
    }

    public URI uri() {
        return uri;
    }

    /**
     * Downloads to {@code target} and returns it. If {@code target} exists already it is only
     * checked (it can exist only after a verified download, or if the user put it there).
     */
    public Path to(Path target) throws IOException {
        if (Files.exists(target)) {
            if (md5 != null) {
                String actual = md5(target);
                if (!actual.equals(md5)) {
                    throw new CorruptDataException(
                            target.toString(),
                            -1,
                            "MD5 is " + actual + ", expected " + md5
                                    + ": not the expected file (delete it to download again)");
                }
            }
            return target;
        }
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path part = parent.resolve(target.getFileName() + ".part");
        IOException last = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            try {
                transfer(part, target.getFileName().toString());
                last = null;
                break;
            } catch (UnknownHostException e) {
                // no network or no DNS: retrying in two seconds will not change that
                throw new IOException(
                        "download of " + uri + " failed: " + describe(e)
                                + (Files.exists(part)
                                        ? "; the " + Files.size(part) + " bytes in " + part
                                                + " are kept for the next run"
                                        : ""),
                        e);
            } catch (IOException e) {
                last = e;
                if (attempt < attempts) {
                    note("download of " + uri + " interrupted (" + describe(e) + "); retrying, "
                            + (Files.exists(part)
                                    ? "resuming after " + Files.size(part) + " bytes"
                                    : "from the start"));
                    sleep();
                }
            }
        }
        if (last != null) {
            throw new IOException(
                    "download of " + uri + " failed after " + attempts + " attempt(s)"
                            + (Files.exists(part)
                                    ? "; " + Files.size(part) + " bytes kept in " + part
                                            + ", the next run resumes there"
                                    : "")
                            + ": " + describe(last),
                    last);
        }
        if (md5 != null) {
            String actual = md5(part);
            if (!actual.equals(md5)) {
                Files.deleteIfExists(part);
                throw new CorruptDataException(
                        uri.toString(),
                        -1,
                        "MD5 of the downloaded file is " + actual + ", expected " + md5 + "; the download was deleted");
            }
        }
        Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    /** One request: resumes {@code part} if it has bytes, and leaves it complete or throws. */
    private void transfer(Path part, String label) throws IOException {
        long have = Files.exists(part) ? Files.size(part) : 0;
        HttpURLConnection c = open(have);
        int code = c.getResponseCode();
        if (code == 416 && have > 0) {
            // The part is as long as the file or longer: it cannot be resumed, so start over.
            c.disconnect();
            note("server refused to resume at byte " + have + " (HTTP 416); starting over");
            Files.delete(part);
            have = 0;
            c = open(0);
            code = c.getResponseCode();
        }
        long total;
        boolean append;
        if (code == HttpURLConnection.HTTP_PARTIAL && have > 0) {
            String range = c.getHeaderField("Content-Range");
            Matcher m = range == null ? null : CONTENT_RANGE.matcher(range.trim());
            if (m == null || !m.matches() || Long.parseLong(m.group(1)) != have) {
                c.disconnect();
                Files.delete(part);
                throw new IOException("server answered the resume at byte " + have + " with range " + range
                        + "; the partial file was discarded");
            }
            total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
            append = true;
        } else if (code == HttpURLConnection.HTTP_OK) {
            if (have > 0) {
                note("server ignored the resume request; downloading from the start");
            }
            total = c.getContentLengthLong();
            append = false;
        } else {
            c.disconnect();
            throw new IOException("HTTP " + code + " " + c.getResponseMessage() + " from " + uri);
        }
        long start = append ? have : 0;
        try (InputStream in = c.getInputStream();
                OutputStream out = Files.newOutputStream(
                        part,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE,
                        append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
                ProgressBar bar = progress == null ? null : ProgressBar.bytes(label, total, start, progress)) {
            byte[] buf = new byte[1 << 16];
            long done = start;
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                done += n;
                if (bar != null) {
                    bar.set(done);
                }
            }
        }
        long size = Files.size(part);
        if (total >= 0 && size != total) {
            if (size > total) {
                Files.delete(part);
            }
            throw new IOException("transfer ended after " + size + " of " + total + " bytes");
        }
    }

    /** What went wrong, in words: the JDK's messages for these are only a host name or "Read timed out". */
    private String describe(IOException e) {
        String host = uri.getHost();
        if (e instanceof UnknownHostException) {
            return "the host " + host + " could not be resolved (no network connection, or no DNS)";
        }
        if (e instanceof ConnectException) {
            return "could not connect to " + host + (uri.getPort() >= 0 ? ":" + uri.getPort() : "") + " ("
                    + e.getMessage() + ")";
        }
        if (e instanceof SocketTimeoutException) {
            return host + " did not answer within " + timeout.toSeconds() + " s (" + e.getMessage() + ")";
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private HttpURLConnection open(long from) throws IOException {
        URLConnection conn = uri.toURL().openConnection();
        if (!(conn instanceof HttpURLConnection c)) {
            throw new IOException("not an HTTP URL: " + uri);
        }
        c.setConnectTimeout((int) timeout.toMillis());
        c.setReadTimeout((int) timeout.toMillis());
        c.setInstanceFollowRedirects(true);
        // Compressed transfer would make byte offsets refer to the encoded stream.
        c.setRequestProperty("Accept-Encoding", "identity");
        if (from > 0) {
            c.setRequestProperty("Range", "bytes=" + from + "-");
        }
        return c;
    }

    private void note(String text) {
        if (progress != null) {
            progress.println(text);
        }
    }

    private void sleep() throws IOException {
        try {
            Thread.sleep(retryDelay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("download of " + uri + " interrupted", e);
        }
    }

    /** MD5 of a file as 32 lowercase hex digits. */
    static String md5(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no MD5", e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                digest.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    @Override
    public String toString() {
        return "Download[" + uri + (md5 == null ? "" : ", md5=" + md5) + ", attempts=" + attempts + "]";
    }
}
