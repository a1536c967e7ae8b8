package dev.nabla.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The deployable image: built by {@link ServeImage} (jlink with the modules jdeps finds), started
 * as its own process from its launcher, asked for a prediction (which must equal the library's),
 * checked by its health command, and stopped with SIGTERM while requests wait in a batch (they
 * are answered). The Dockerfile and the Kubernetes manifest are checked against the image they
 * name: paths, user, ports and probes.
 */
class ImageTest {
    private static Path image;
    private static ServeImage.Image built;
    private static final Path DEPLOY = Path.of("..", "deploy");

    @BeforeAll
    static void build() throws Exception {
        List<Path> classPath = new ArrayList<>();
        classPath.add(Path.of("target", "classes"));
        for (String e :
                Files.readString(Path.of("target", "classpath.txt")).trim().split(File.pathSeparator)) {
            classPath.add(Path.of(e));
        }
        image = Path.of("target", "test-image");
        built = ServeImage.build(image, classPath, List.of(ModelSource.checkpoint("digits", TestModels.lenet())));
    }

    @AfterAll
    static void report() {
        System.out.printf(
                "serve image: %.1f MB (runtime %.1f MB, modules %s; app %.1f MB; model %.2f MB)%n",
                built.totalBytes() / 1e6,
                built.runtimeBytes() / 1e6,
                built.modules(),
                built.appBytes() / 1e6,
                built.modelBytes() / 1e6);
    }

    @Test
    void theImageHoldsOnlyWhatTheServerNeeds() {
        assertEquals(
                List.of("java.base", "java.desktop", "java.logging", "jdk.incubator.vector", "jdk.management"),
                built.modules());
        assertTrue(Files.isExecutable(image.resolve("bin").resolve("java")));
        assertTrue(Files.isRegularFile(image.resolve("models/digits/model.safetensors")));
        assertFalse(Files.exists(image.resolve("jmods")), "no jmods in a runtime image");
    }

    @Test
    void theImageServesAndDrainsOnSigterm() throws Exception {
        Process p = new ProcessBuilder(
                        image.resolve("bin/nabla-serve").toString(),
                        "--port",
                        "0",
                        "--max-delay-ms",
                        "1500",
                        "--max-batch",
                        "64",
                        "--warmup",
                        "2")
                .redirectErrorStream(true)
                .start();
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread.ofVirtual().start(() -> {
            try (var r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                r.lines().forEach(lines::add);
            } catch (Exception e) {
                lines.add("read failed: " + e);
            }
        });
        try {
            String url = null;
            Pattern serving = Pattern.compile("serving at (http://\\S+/)");
            StringBuilder seen = new StringBuilder();
            while (url == null) {
                String line = lines.poll(60, TimeUnit.SECONDS);
                assertTrue(line != null, "the image printed no address within 60 s:\n" + seen);
                seen.append(line).append('\n');
                Matcher m = serving.matcher(line);
                if (m.find()) {
                    url = m.group(1);
                }
            }
            TestClient client = new TestClient(url);
            assertEquals(200, client.get("ready").status());
            var r = client.post("v1/models/digits:predict", "{\"instances\": [" + TestModels.pixelsJson(7) + "]}");
            assertEquals(200, r.status(), r.body());
            Map<?, ?> prediction = (Map<?, ?>) ((List<?>) r.json().get("predictions")).get(0);
            var oracle = TestModels.classifier(TestModels.lenet());
            assertEquals(
                    (long) oracle.predict(TestModels.DIGITS.test().pixels(7), 1)
                            .get(0)
                            .top(),
                    prediction.get("class"));

            int port = URI.create(url).getPort();
            Process health = new ProcessBuilder(
                            image.resolve("bin/nabla-health").toString(), "http://127.0.0.1:" + port + "/health")
                    .redirectErrorStream(true)
                    .start();
            assertEquals(0, health.waitFor(), new String(health.getInputStream().readAllBytes()));

            // Three requests wait up to 1.5 s for company in a batch; SIGTERM arrives meanwhile.
            HttpClient http = HttpClient.newHttpClient();
            List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                waiting.add(http.sendAsync(
                        HttpRequest.newBuilder(URI.create(url + "v1/models/digits:predict"))
                                .POST(HttpRequest.BodyPublishers.ofString(
                                        "{\"instances\": [" + TestModels.pixelsJson(i) + "]}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            Thread.sleep(500);
            p.toHandle().destroy(); // SIGTERM (Process.destroy would also close our end of its output)
            for (var f : waiting) {
                assertEquals(200, f.get(30, TimeUnit.SECONDS).statusCode());
            }
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the server exits after draining");
            StringBuilder rest = new StringBuilder();
            for (String line; (line = lines.poll(5, TimeUnit.SECONDS)) != null; ) {
                rest.append(line).append('\n');
                if (line.contains("stopped")) {
                    break;
                }
            }
            assertTrue(rest.toString().contains("nabla serve: stopped"), rest.toString());
            Process down = new ProcessBuilder(
                            image.resolve("bin/nabla-health").toString(), "http://127.0.0.1:" + port + "/health")
                    .redirectErrorStream(true)
                    .start();
            assertEquals(1, down.waitFor(), "the health check fails once the server is gone");
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void theDockerfileRunsTheImageAsBuilt() throws Exception {
        List<String> lines = Files.readAllLines(DEPLOY.resolve("Dockerfile")).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#"))
                .toList();
        String text = String.join("\n", lines);
        List<String> froms = lines.stream().filter(l -> l.startsWith("FROM ")).toList();
        assertEquals(2, froms.size(), "multi-stage: build, then run: " + froms);
        assertTrue(froms.get(0).endsWith(" AS build"), froms.get(0));
        // The build stage makes the image the way the README says: ./nabla serve-image --out /image.
        assertTrue(text.contains("./nabla serve-image --checkpoint \"$MODEL=$CHECKPOINT\" --out /image"), text);
        assertTrue(text.contains("COPY --from=build /image /opt/nabla"), text);
        // Every path the run stage calls is in the image, relative to /opt/nabla.
        Matcher paths = Pattern.compile("/opt/nabla/(\\S+?)\"").matcher(text);
        int checked = 0;
        while (paths.find()) {
            assertTrue(Files.isExecutable(image.resolve(paths.group(1))), "missing in the image: " + paths.group(1));
            checked++;
        }
        assertEquals(2, checked, "nabla-serve and nabla-health");
        String user =
                lines.stream().filter(l -> l.startsWith("USER ")).findFirst().orElseThrow();
        assertFalse(user.matches("USER (root|0)"), user);
        assertTrue(text.contains("HEALTHCHECK") && text.contains("/health"), text);
        assertTrue(text.contains("EXPOSE 8080") && text.contains("\"--port\", \"8080\""), text);
        assertTrue(text.contains("\"--host\", \"0.0.0.0\""), "a container listens on every interface");
        assertTrue(Files.readString(DEPLOY.resolve("Dockerfile.dockerignore")).contains("**/target"));
    }

    @Test
    void theKubernetesManifestProbesAndBoundsThePods() throws Exception {
        List<Map<String, Object>> docs = new ArrayList<>();
        for (Object d : new Yaml().loadAll(Files.readString(DEPLOY.resolve("kubernetes.yaml")))) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) d;
            docs.add(m);
        }
        assertEquals(
                List.of("Deployment", "Service"),
                docs.stream().map(d -> d.get("kind")).toList());
        Map<?, ?> deployment = docs.get(0);
        Map<?, ?> spec = (Map<?, ?>) deployment.get("spec");
        Map<?, ?> template = (Map<?, ?>) spec.get("template");
        Map<?, ?> labels = (Map<?, ?>) ((Map<?, ?>) template.get("metadata")).get("labels");
        assertEquals(((Map<?, ?>) spec.get("selector")).get("matchLabels"), labels);
        Map<?, ?> podSpec = (Map<?, ?>) template.get("spec");
        assertTrue((Integer) podSpec.get("terminationGracePeriodSeconds") > 30, "longer than the 30 s drain");
        Map<?, ?> container = (Map<?, ?>) ((List<?>) podSpec.get("containers")).get(0);
        Map<?, ?> port = (Map<?, ?>) ((List<?>) container.get("ports")).get(0);
        assertEquals(8080, port.get("containerPort"), "the port the image's entry point listens on");
        assertEquals("/ready", path(container, "readinessProbe"));
        assertEquals("/health", path(container, "livenessProbe"));
        Map<?, ?> resources = (Map<?, ?>) container.get("resources");
        for (String kind : List.of("requests", "limits")) {
            Map<?, ?> r = (Map<?, ?>) resources.get(kind);
            assertTrue(r.containsKey("cpu") && r.containsKey("memory"), kind + ": " + r);
        }
        Map<?, ?> service = (Map<?, ?>) docs.get(1).get("spec");
        assertEquals(labels, service.get("selector"));
        assertEquals(port.get("name"), ((Map<?, ?>) ((List<?>) service.get("ports")).get(0)).get("targetPort"));
    }

    private static Object path(Map<?, ?> container, String probe) {
        Map<?, ?> httpGet = (Map<?, ?>) ((Map<?, ?>) container.get(probe)).get("httpGet");
        assertEquals("http", httpGet.get("port"), probe + " on the container's port");
        return httpGet.get("path");
    }
}
