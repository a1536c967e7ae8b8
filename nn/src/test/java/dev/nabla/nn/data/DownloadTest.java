package dev.nabla.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The downloader against the JDK's own HTTP server on the loopback address, serving an archive in
 * the official CIFAR-10 layout that the test builds. Nothing here contacts the real URL.
 */
@Timeout(60)
class DownloadTest {
    @TempDir
    Path root;

    private final DataFixtures.Cifar10Files data = DataFixtures.cifar10(17, 4, 3, 2, 3, 4, 5);
    private byte[] archive;
    private String md5;
    private HttpServer server;
    private URI uri;

    /** How the server answers one request. */
    private enum Behaviour {
        NORMAL,
        TRUNCATE,
        IGNORE_RANGE,
        NOT_FOUND
    }

    private final Deque<Behaviour> script = new ArrayDeque<>();
    private final List<String> ranges = new ArrayList<>();

    @BeforeEach
    void serve() throws Exception {
        Map<String, byte[]> files = new LinkedHashMap<>(data.files());
        files.put(
                "batches.meta.txt",
                String.join("\n", Cifar10.CLASSES).concat("\n").getBytes(StandardCharsets.UTF_8));
        archive = DataFixtures.tarGz("cifar-10-batches-bin", files);
        md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(archive));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/cifar-10-binary.tar.gz", this::handle);
        server.start();
        uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/cifar-10-binary.tar.gz");
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        Behaviour b;
        synchronized (script) {
            b = script.isEmpty() ? Behaviour.NORMAL : script.poll();
            ranges.add(ex.getRequestHeaders().getFirst("Range"));
        }
        String range = ex.getRequestHeaders().getFirst("Range");
        try (ex) {
            switch (b) {
                case NOT_FOUND -> ex.sendResponseHeaders(404, -1);
                case TRUNCATE -> {
                    // announces the whole file, sends 40% of it, then drops the connection
                    ex.sendResponseHeaders(200, archive.length);
                    OutputStream out = ex.getResponseBody();
                    out.write(archive, 0, archive.length * 2 / 5);
                    out.flush();
                    throw new IOException("test server: closing early on purpose");
                }
                case IGNORE_RANGE -> {
                    ex.sendResponseHeaders(200, archive.length);
                    ex.getResponseBody().write(archive);
                }
                case NORMAL -> {
                    if (range == null) {
                        ex.sendResponseHeaders(200, archive.length);
                        ex.getResponseBody().write(archive);
                        return;
                    }
                    int start = Integer.parseInt(range.replace("bytes=", "").replace("-", ""));
                    if (start >= archive.length) {
                        ex.getResponseHeaders().set("Content-Range", "bytes */" + archive.length);
                        ex.sendResponseHeaders(416, -1);
                        return;
                    }
                    ex.getResponseHeaders()
                            .set("Content-Range", "bytes " + start + "-" + (archive.length - 1) + "/" + archive.length);
                    ex.sendResponseHeaders(206, archive.length - start);
                    ex.getResponseBody().write(archive, start, archive.length - start);
                }
            }
        }
    }

    private void then(Behaviour... behaviours) {
        synchronized (script) {
            script.addAll(Arrays.asList(behaviours));
        }
    }

    private List<String> ranges() {
        synchronized (script) {
            return new ArrayList<>(ranges);
        }
    }

    private Download download(PrintStream progress) {
        return Download.from(uri)
                .md5(md5)
                .retryDelay(Duration.ZERO)
                .timeout(Duration.ofSeconds(10))
                .progress(progress);
    }

    private Path target() {
        return root.resolve(Cifar10.ARCHIVE);
    }

    private Path part() {
        return root.resolve(Cifar10.ARCHIVE + ".part");
    }

    private void assertLoadsTheServedData() throws IOException {
        Split s = Cifar10.load(root);
        assertEquals(4 + 3 + 2 + 3 + 4, s.train().size());
        assertEquals(5, s.test().size());
        assertArrayEquals(data.images().get("data_batch_2.bin")[1], s.train().pixels(5));
        assertEquals(data.labels().get("test_batch.bin")[4], s.test().label(4));
    }

    private void assertNoLeftovers() throws IOException {
        assertFalse(Files.exists(part()), "no .part file left");
        try (Stream<Path> files = Files.list(root)) {
            assertTrue(
                    files.noneMatch(p -> p.getFileName().toString().startsWith(".cifar-10-extract-")),
                    "no temporary extraction folder left");
        }
    }

    @Test
    void downloadsChecksAndExtractsTheArchive() throws IOException {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Path folder = Cifar10.ensure(root, download(new PrintStream(log, true, StandardCharsets.UTF_8)));
        assertEquals(root.resolve(Cifar10.FOLDER), folder);
        assertArrayEquals(archive, Files.readAllBytes(target()));
        assertArrayEquals(data.files().get("data_batch_4.bin"), Files.readAllBytes(folder.resolve("data_batch_4.bin")));
        assertTrue(Files.exists(folder.resolve("batches.meta.txt")));
        assertLoadsTheServedData();
        assertNoLeftovers();
        String progress = log.toString(StandardCharsets.UTF_8);
        assertTrue(progress.contains("100%") && progress.contains(Cifar10.ARCHIVE), progress);
        // present now: nothing is fetched again
        Cifar10.ensure(root, download(null));
        assertEquals(1, ranges().size());
    }

    @Test
    void aWrongChecksumLeavesNothingBehind() throws IOException {
        Download wrong =
                Download.from(uri).md5("0123456789abcdef0123456789abcdef").retryDelay(Duration.ZERO);
        CorruptDataException e = assertThrows(CorruptDataException.class, () -> Cifar10.ensure(root, wrong));
        assertTrue(
                e.getMessage()
                        .contains("MD5 of the downloaded file is " + md5
                                + ", expected 0123456789abcdef0123456789abcdef; the download was deleted"),
                e.getMessage());
        assertFalse(Files.exists(target()));
        assertFalse(Files.exists(root.resolve(Cifar10.FOLDER)));
        assertNoLeftovers();
        assertThrows(NoSuchFileException.class, () -> Cifar10.load(root));
    }

    @Test
    void aTruncatedTransferIsResumedByTheNextAttempt() throws IOException {
        then(Behaviour.TRUNCATE, Behaviour.NORMAL);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Cifar10.ensure(
                root,
                download(new PrintStream(log, true, StandardCharsets.UTF_8)).attempts(2));
        List<String> r = ranges();
        assertEquals(2, r.size());
        assertEquals(null, r.get(0));
        assertEquals("bytes=" + archive.length * 2 / 5 + "-", r.get(1), "the second request resumes");
        assertArrayEquals(archive, Files.readAllBytes(target()));
        assertLoadsTheServedData();
        assertNoLeftovers();
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("retrying, resuming after"), log.toString());
    }

    @Test
    void aRunThatFailsKeepsOnlyThePartFileAndTheNextRunResumes() throws IOException {
        then(Behaviour.TRUNCATE);
        IOException e = assertThrows(
                IOException.class, () -> Cifar10.ensure(root, download(null).attempts(1)));
        assertTrue(e.getMessage().contains("the next run resumes there"), e.getMessage());
        assertEquals(archive.length * 2 / 5, Files.size(part()));
        assertFalse(Files.exists(target()));
        // the half file never passes for data
        assertThrows(NoSuchFileException.class, () -> Cifar10.load(root));
        Cifar10.ensure(root, download(null).attempts(1));
        assertEquals("bytes=" + archive.length * 2 / 5 + "-", ranges().get(1));
        assertLoadsTheServedData();
        assertNoLeftovers();
    }

    @Test
    void aServerIgnoringTheRangeMakesItStartOver() throws IOException {
        then(Behaviour.TRUNCATE, Behaviour.IGNORE_RANGE);
        Cifar10.ensure(root, download(null).attempts(2));
        assertEquals("bytes=" + archive.length * 2 / 5 + "-", ranges().get(1));
        assertArrayEquals(archive, Files.readAllBytes(target()), "the answer replaced the part, not appended to it");
        assertLoadsTheServedData();
    }

    @Test
    void aPartFileLongerThanTheArchiveIsDiscarded() throws IOException {
        Files.write(part(), new byte[archive.length + 10]);
        Cifar10.ensure(root, download(null).attempts(1));
        assertEquals(
                List.of("bytes=" + (archive.length + 10) + "-", "null"),
                ranges().stream().map(String::valueOf).toList());
        assertLoadsTheServedData();
    }

    @Test
    void aDamagedPartFileFailsTheChecksumAndIsDeleted() throws IOException {
        Files.write(part(), new byte[100]); // not the archive's first 100 bytes
        CorruptDataException e = assertThrows(
                CorruptDataException.class,
                () -> Cifar10.ensure(root, download(null).attempts(1)));
        assertTrue(e.getMessage().contains("the download was deleted"), e.getMessage());
        assertFalse(Files.exists(part()));
        Cifar10.ensure(root, download(null).attempts(1));
        assertLoadsTheServedData();
    }

    @Test
    void httpErrorsAreReportedAfterTheAttempts() {
        then(Behaviour.NOT_FOUND, Behaviour.NOT_FOUND);
        IOException e =
                assertThrows(IOException.class, () -> download(null).attempts(2).to(target()));
        assertTrue(e.getMessage().contains("failed after 2 attempt(s)"), e.getMessage());
        assertTrue(e.getMessage().contains("HTTP 404"), e.getMessage());
        assertFalse(Files.exists(target()));
    }

    @Test
    void anExistingFileIsOnlyVerified() throws IOException {
        Files.write(target(), archive);
        assertEquals(target(), download(null).to(target()));
        assertEquals(0, ranges().size());
        Files.write(target(), new byte[] {1, 2, 3});
        CorruptDataException e =
                assertThrows(CorruptDataException.class, () -> download(null).to(target()));
        assertTrue(e.getMessage().contains("not the expected file"), e.getMessage());
    }

    @Test
    void configurationIsChecked() {
        assertThrows(IllegalArgumentException.class, () -> Download.from(URI.create("file:///etc/passwd")));
        assertThrows(IllegalArgumentException.class, () -> Download.from(uri).md5("abc"));
        assertThrows(IllegalArgumentException.class, () -> Download.from(uri).attempts(0));
        assertEquals(
                URI.create("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"),
                Cifar10.officialDownload().uri());
        assertTrue(Cifar10.officialDownload().toString().contains("c32a1d4ab5d03f1284b67883e8d87530"));
    }

    @Test
    void anUnresolvableHostIsNamedAndNotRetried() {
        // .invalid never resolves (RFC 2606), as no host does without a network
        Download d = Download.from(URI.create("http://cifar.nabla.invalid/data.tar.gz"))
                .attempts(3)
                .retryDelay(Duration.ofSeconds(30));
        long start = System.nanoTime();
        IOException e = assertThrows(IOException.class, () -> d.to(target()));
        assertTrue(e.getMessage().contains("the host cifar.nabla.invalid could not be resolved"), e.getMessage());
        assertTrue(System.nanoTime() - start < 20e9, "retried an unresolvable host");
        assertFalse(Files.exists(target()));
    }
}
