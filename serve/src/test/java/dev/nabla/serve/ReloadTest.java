package dev.nabla.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.export.Checkpoint;
import dev.nabla.export.SafeTensors;
import dev.nabla.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Versions and reload: TensorFlow Serving's numbered folders, a reload under load that fails no
 * request, a changed single checkpoint served as the next version, and a broken reload that
 * changes nothing.
 */
class ReloadTest {
    @TempDir
    Path tmp;

    private static void copyCheckpoint(Path from, Path to) throws Exception {
        Files.createDirectories(to);
        for (String f : List.of(Checkpoint.MODEL_FILE, Checkpoint.TRAINING_FILE)) {
            Files.copy(from.resolve(f), to.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static Map<?, ?> first(TestClient.Reply r) {
        assertEquals(200, r.status(), r.body());
        return (Map<?, ?>) ((List<?>) r.json().get("predictions")).get(0);
    }

    @Test
    void numberedVersionsReloadUnderLoadWithoutAFailedRequest() throws Exception {
        Path base = tmp.resolve("digits");
        copyCheckpoint(TestModels.lenet(), base.resolve("1"));
        try (var server = InferenceServer.start(
                InferenceServer.options().port(0).warmup(2).maxDelay(Duration.ofMillis(1)),
                List.of(ModelSource.checkpoint("digits", base)))) {
            TestClient client = new TestClient(server.url());
            String body = "{\"instances\": [" + TestModels.pixelsJson(0) + "]}";
            assertEquals(
                    "1", client.post("v1/models/digits:predict", body).json().get("model_version"));

            // Clients keep predicting while versions 2 and 3 arrive and version 1 goes.
            AtomicBoolean stop = new AtomicBoolean();
            List<String> failures = new CopyOnWriteArrayList<>();
            Map<Object, Integer> seen = new ConcurrentHashMap<>();
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                clients.add(Thread.ofVirtual().start(() -> {
                    TestClient own = new TestClient(server.url());
                    while (!stop.get()) {
                        try {
                            var r = own.post("v1/models/digits:predict", body);
                            if (r.status() != 200) {
                                failures.add(r.status() + " " + r.body());
                            } else {
                                seen.merge(r.json().get("model_version"), 1, Integer::sum);
                            }
                        } catch (Exception e) {
                            failures.add(e.toString());
                        }
                    }
                }));
            }
            Thread.sleep(200);
            copyCheckpoint(TestModels.lenet(), base.resolve("2"));
            var reload = client.post("v1/models/digits:reload", "");
            assertEquals(200, reload.status(), reload.body());
            assertEquals(List.of("2"), reload.json().get("loaded"));
            assertEquals(List.of("1", "2"), reload.json().get("serving"));
            Thread.sleep(200);
            copyCheckpoint(TestModels.lenet(), base.resolve("3"));
            deleteTree(base.resolve("1"));
            reload = client.post("v1/models/digits:reload", "{}");
            assertEquals(200, reload.status(), reload.body());
            assertEquals(List.of("3"), reload.json().get("loaded"));
            assertEquals(List.of("1"), reload.json().get("retired"));
            assertEquals(List.of("2", "3"), reload.json().get("serving"));
            Thread.sleep(200);
            stop.set(true);
            for (Thread t : clients) {
                t.join();
            }
            assertEquals(List.of(), failures);
            assertTrue(seen.keySet().containsAll(List.of("1", "2", "3")), "every version answered: " + seen);

            assertEquals(
                    "3", client.post("v1/models/digits:predict", body).json().get("model_version"));
            assertEquals(
                    "2",
                    client.post("v1/models/digits/versions/2:predict", body)
                            .json()
                            .get("model_version"));
            var gone = client.post("v1/models/digits/versions/1:predict", body);
            assertEquals(404, gone.status());
            assertTrue(gone.error().contains("no version 1"), gone.error());
            var status = client.get("v1/models/digits").json().get("model_version_status");
            assertEquals(2, ((List<?>) status).size());
            String metrics = client.get("metrics").body();
            assertTrue(metrics.contains("nabla_model_load_seconds{model=\"digits\",version=\"3\"}"), metrics);
            assertTrue(!metrics.contains("nabla_model_load_seconds{model=\"digits\",version=\"1\"}"), metrics);
        }
    }

    @Test
    void aChangedCheckpointIsServedAsTheNextVersion() throws Exception {
        Path dir = tmp.resolve("checkpoint");
        copyCheckpoint(TestModels.lenet(), dir);
        try (var server = InferenceServer.start(
                InferenceServer.options().port(0).warmup(1), List.of(ModelSource.checkpoint("digits", dir)))) {
            TestClient client = new TestClient(server.url());
            String body = "{\"instances\": [" + TestModels.pixelsJson(0) + "]}";
            Map<?, ?> before = first(client.post("v1/models/digits:predict", body));
            var same = client.post("v1/models/digits:reload", "");
            assertEquals(List.of(), same.json().get("loaded"), "nothing changed on disk: " + same.body());

            // New weights in the same folder, as a finished training run leaves them: class 0 favoured.
            var contents = SafeTensors.read(dir.resolve(Checkpoint.MODEL_FILE));
            Map<String, Tensor> tensors = new LinkedHashMap<>(contents.tensors());
            float[] bias = tensors.get("f3.bias").toArray();
            bias[0] += 50;
            tensors.put("f3.bias", Tensor.wrap(bias, bias.length));
            Map<String, String> meta = new LinkedHashMap<>(contents.metadata());
            meta.remove(SafeTensors.CRC_KEY);
            SafeTensors.write(dir.resolve(Checkpoint.MODEL_FILE), tensors, meta);

            var reload = client.post("v1/models/digits:reload", "");
            assertEquals(200, reload.status(), reload.body());
            assertEquals(List.of("2"), reload.json().get("loaded"));
            assertEquals(List.of("1"), reload.json().get("retired"));
            Map<?, ?> after = first(client.post("v1/models/digits:predict", body));
            assertEquals(0L, after.get("class"));
            assertNotEquals(before.get("probabilities"), after.get("probabilities"));
        }
    }

    @Test
    void aBrokenReloadChangesNothing() throws Exception {
        Path base = tmp.resolve("digits");
        copyCheckpoint(TestModels.lenet(), base.resolve("1"));
        try (var server = InferenceServer.start(
                InferenceServer.options().port(0).warmup(1), List.of(ModelSource.checkpoint("digits", base)))) {
            TestClient client = new TestClient(server.url());
            Files.createDirectories(base.resolve("2"));
            byte[] model = Files.readAllBytes(TestModels.lenet().resolve(Checkpoint.MODEL_FILE));
            Files.write(base.resolve("2").resolve(Checkpoint.MODEL_FILE), Arrays.copyOf(model, 1000));
            var reload = client.post("v1/models/digits:reload", "");
            assertEquals(500, reload.status(), reload.body());
            assertTrue(reload.error().contains("still serving versions [1]"), reload.error());
            assertTrue(reload.error().contains(Checkpoint.MODEL_FILE), reload.error());
            var r = client.post("v1/models/digits:predict", "{\"instances\": [" + TestModels.pixelsJson(0) + "]}");
            assertEquals("1", r.json().get("model_version"));
        }
    }

    @Test
    void aWatchedDirectorySwapsVersionsInAndOutByItself() throws Exception {
        Path base = tmp.resolve("digits");
        copyCheckpoint(TestModels.lenet(), base.resolve("1"));
        try (var server = InferenceServer.start(
                InferenceServer.options().port(0).warmup(1).watch(Duration.ofMillis(50)),
                List.of(ModelSource.checkpoint("digits", base)))) {
            TestClient client = new TestClient(server.url());
            String body = "{\"instances\": [" + TestModels.pixelsJson(0) + "]}";
            assertEquals(
                    "1", client.post("v1/models/digits:predict", body).json().get("model_version"));
            // A broken version folder appears: nothing changes, and the server goes on.
            Files.createDirectories(base.resolve("3"));
            byte[] model = Files.readAllBytes(TestModels.lenet().resolve(Checkpoint.MODEL_FILE));
            Files.write(base.resolve("3").resolve(Checkpoint.MODEL_FILE), Arrays.copyOf(model, 1000));
            Thread.sleep(500); // ten looks
            assertEquals(List.of(1L), server.models().get("digits"));
            assertEquals(
                    "1", client.post("v1/models/digits:predict", body).json().get("model_version"));
            deleteTree(base.resolve("3"));
            // Version 2 appears (copied beside, then renamed in, as a deployment would): it is served
            // without a :reload; then version 1's folder goes, and so does version 1.
            copyCheckpoint(TestModels.lenet(), tmp.resolve("incoming"));
            Files.move(tmp.resolve("incoming"), base.resolve("2"), StandardCopyOption.ATOMIC_MOVE);
            awaitVersions(server, List.of(1L, 2L));
            assertEquals(
                    "2", client.post("v1/models/digits:predict", body).json().get("model_version"));
            deleteTree(base.resolve("1"));
            awaitVersions(server, List.of(2L));
            var r = client.post("v1/models/digits:predict", body);
            assertEquals(200, r.status(), r.body());
            assertEquals("2", r.json().get("model_version"));
            assertTrue(
                    client.get("metrics").body().contains("nabla_model_load_seconds{model=\"digits\",version=\"2\"}"));
        }
    }

    private static void awaitVersions(InferenceServer server, List<Long> versions) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!server.models().get("digits").equals(versions)) {
            assertTrue(System.nanoTime() < deadline, "still serving " + server.models() + ", not " + versions);
            Thread.sleep(20);
        }
    }

    private static void deleteTree(Path dir) throws Exception {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
