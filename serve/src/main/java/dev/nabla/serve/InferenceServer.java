package dev.nabla.serve;

import dev.nabla.serve.HttpCall.Request;
import dev.nabla.serve.HttpCall.Response;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import javax.imageio.ImageIO;

/**
 * An HTTP server that serves Nabla models, in TensorFlow Serving's REST shape, with dynamic
 * batching, several models and versions with atomic reload, liveness and readiness, Prometheus
 * metrics, model-quality monitoring from feedback and a web page. {@code ./nabla serve} runs one;
 * an application can start one in its own JVM. The endpoints are listed at {@link Api}, and in the
 * README.
 *
 * <p>{@link #start} loads every model, warms each up (so the first real request does not pay for
 * the JIT compiling the kernels), then starts answering; {@code /ready} turns 200 once warm.
 * {@link #close} drains: it stops taking requests and answers the ones in flight first.
 *
 * <pre>{@code
 * try (var server = InferenceServer.start(
 *         InferenceServer.options().port(8080).maxBatch(32).maxDelay(Duration.ofMillis(5)),
 *         List.of(ModelSource.checkpoint("digits", Path.of("runs/mnist-10k-lenet5"))))) {
 *     System.out.println("serving at " + server.url());
 *     // POST {"instances": [[[0, 0, ..., 255, ...]]]} to server.url() + "v1/models/digits:predict"
 *     server.awaitShutdown();       // until close() from another thread, e.g. a shutdown hook
 * }
 * }</pre>
 */
public final class InferenceServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(InferenceServer.class.getName());

    /**
     * The server's settings; {@link #options()} gives the defaults, each method a copy with one
     * setting changed.
     *
     * @param host           the address to listen on (127.0.0.1: this machine only; 0.0.0.0: every interface)
     * @param port           the port, or 0 for any free one (see {@link InferenceServer#port()})
     * @param maxBatch       the most images run in one forward pass
     * @param maxDelay       how long a batch waits for more requests after its first
     * @param maxQueue       requests that may wait for a model; more are refused with 503
     * @param maxInstances   images in one request; more are refused with 400
     * @param maxBodyBytes   the largest request body; larger ones are refused with 413
     * @param timeout        how long a request may take; longer ones are answered 504
     * @param feedbackWindow how many recent predictions accept feedback
     * @param warmup         forward passes run on each model version before it takes requests
     * @param drainTimeout   how long {@link InferenceServer#close()} waits for requests in flight
     * @param watch          how often to reload what changed on disk (a watched directory), or zero for never
     */
    public record Options(
            String host,
            int port,
            int maxBatch,
            Duration maxDelay,
            int maxQueue,
            int maxInstances,
            long maxBodyBytes,
            Duration timeout,
            int feedbackWindow,
            int warmup,
            Duration drainTimeout,
            Duration watch) {
        private static final Options DEFAULTS = new Options(
                "127.0.0.1",
                8080,
                32,
                Duration.ofMillis(5),
                256,
                64,
                4 << 20,
                Duration.ofSeconds(10),
                100_000,
                20,
                Duration.ofSeconds(30),
                Duration.ZERO);

        public Options {
            Objects.requireNonNull(host, "host");
            require(port >= 0 && port <= 65535, "port must be in [0, 65535], got " + port);
            require(maxBatch >= 1, "maxBatch must be >= 1, got " + maxBatch);
            require(!maxDelay.isNegative(), "maxDelay must not be negative, got " + maxDelay);
            require(maxQueue >= 1, "maxQueue must be >= 1, got " + maxQueue);
            require(maxInstances >= 1, "maxInstances must be >= 1, got " + maxInstances);
            require(maxBodyBytes >= 1024, "maxBodyBytes must be >= 1024, got " + maxBodyBytes);
            require(timeout.isPositive(), "timeout must be positive, got " + timeout);
            require(feedbackWindow >= 1, "feedbackWindow must be >= 1, got " + feedbackWindow);
            require(warmup >= 0, "warmup must be >= 0, got " + warmup);
            require(!drainTimeout.isNegative(), "drainTimeout must not be negative, got " + drainTimeout);
            require(!watch.isNegative(), "watch must not be negative, got " + watch);
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException("InferenceServer.Options: " + message);
            }
        }

        public Options host(String v) {
            return new Options(
                    v,
                    port,
                    maxBatch,
                    maxDelay,
                    maxQueue,
                    maxInstances,
                    maxBodyBytes,
                    timeout,
                    feedbackWindow,
                    warmup,
                    drainTimeout,
                    watch);
        }

        public Options port(int v) {
            return new Options(
                    host,
                    v,
                    maxBatch,
                    maxDelay,
                    maxQueue,
                    maxInstances,
                    maxBodyBytes,
                    timeout,
                    feedbackWindow,
                    warmup,
                    drainTimeout,
                    watch);
        }

        public Options maxBatch(int v) {
            return new Options(
                    host,
                    port,
                    v,
                    maxDelay,
                    maxQueue,
                    maxInstances,
                    maxBodyBytes,
                    timeout,
                    feedbackWindow,
                    warmup,
                    drainTimeout,
                    watch);
        }

        public Options maxDelay(Duration v) {
            return new Options(
                    host,
                    port,
                    maxBatch,
                    v,
                    maxQueue,
                    maxInstances,
                    maxBodyBytes,
                    timeout,
                    feedbackWindow,
                    warmup,
                    drainTimeout,
                    watch);
        }

        public Options maxQueue(int v) {
            return new Options(
                    host,
                    port,
                    maxBatch,
                    maxDelay,
                    v,
                    maxInstances,
                    maxBodyBytes,
                    timeout,
                    feedbackWindow,
                    warmup,
                    drainTimeout,
                    watch);
        }

        public Options maxInstances(int v) {
            return new Options(
                    host,
                    port,
                    maxBatch,
                    maxDelay,
                    maxQueue,
                    v,
                    maxBodyBytes,
                    timeout,
                    feedbackWindow,
                    warmup,
                    drainTimeout,
                    watch);
        }

        public Options maxBodyBytes(long v) {
            return new Options(
                    host,
                    port,
                    maxBatch,
                    maxDelay,
                    maxQueue,
                    maxInstances,
                    v,
                    timeout,
                    feedbackWindow,
                    warmup,
                    drainTimeout,
                    watch);
        }

        public Options timeout(Duration v) {
            return new Options(
                    host,
                    port,
                    maxBatch,
                    maxDelay,
                    maxQueue,
                    maxInstances,
                    maxBodyBytes,
                    v,
                    feedbackWindow,
                    warmup,
                    drainTimeout,
                    watch);
        }

        public Options feedbackWindow(int v) {
            return new Options(
                    host,
                    port,
                    maxBatch,
                    maxDelay,
                    maxQueue,
                    maxInstances,
                    maxBodyBytes,
                    timeout,
                    v,
                    warmup,
                    drainTimeout,
                    watch);
        }

        public Options warmup(int v) {
            return new Options(
                    host,
                    port,
                    maxBatch,
                    maxDelay,
                    maxQueue,
                    maxInstances,
                    maxBodyBytes,
                    timeout,
                    feedbackWindow,
                    v,
                    drainTimeout,
                    watch);
        }

        public Options drainTimeout(Duration v) {
            return new Options(
                    host,
                    port,
                    maxBatch,
                    maxDelay,
                    maxQueue,
                    maxInstances,
                    maxBodyBytes,
                    timeout,
                    feedbackWindow,
                    warmup,
                    v,
                    watch);
        }

        /**
         * How often to look for new, changed or removed versions on disk and swap them in as
         * {@code :reload} does; {@link Duration#ZERO} (the default) never looks.
         */
        public Options watch(Duration v) {
            return new Options(
                    host,
                    port,
                    maxBatch,
                    maxDelay,
                    maxQueue,
                    maxInstances,
                    maxBodyBytes,
                    timeout,
                    feedbackWindow,
                    warmup,
                    drainTimeout,
                    v);
        }
    }

    /** The default settings (port 8080 on 127.0.0.1, batches of up to 32 within 5 ms, ...). */
    public static Options options() {
        return Options.DEFAULTS;
    }

    private final Options options;
    private final Map<String, ServedModel> models = new LinkedHashMap<>();
    private final ServerMetrics metrics;
    private final Api api;
    private final HttpTransport transport;
    private final Thread watcher;
    private volatile String readiness = "starting";
    private final Object lifecycle = new Object();
    private boolean closing; // guarded by lifecycle
    private boolean closed; // guarded by lifecycle

    private InferenceServer(Options options, List<ModelSource> sources) throws IOException {
        this.options = options;
        this.metrics = new ServerMetrics(this::servedVersions);
        for (ModelSource s : sources) {
            if (models.putIfAbsent(s.name(), new ServedModel(s, this::loadVersion)) != null) {
                throw new IllegalArgumentException("two models are named '" + s.name() + "'; give each its own name");
            }
        }
        this.api = new Api(
                options,
                new Api.State() {
                    @Override
                    public ServedModel model(String name) {
                        return models.get(name);
                    }

                    @Override
                    public List<ServedModel> models() {
                        return List.copyOf(models.values());
                    }

                    @Override
                    public String readiness() {
                        return readiness;
                    }
                },
                metrics,
                new PredictionLog(options.feedbackWindow()));
        try {
            for (ServedModel m : models.values()) {
                m.reload().loaded().forEach(metrics::loaded);
            }
        } catch (IOException | RuntimeException e) {
            models.values().forEach(ServedModel::close);
            throw e;
        }
        // Listening before the request path is warm lets /health answer during warm-up; /ready
        // says 503 until it is done.
        this.transport =
                new HttpTransport(options.host(), options.port(), options.maxBodyBytes(), api::handle, metrics);
        warmUpRequests();
        readiness = "ready";
        this.watcher = options.watch().isPositive()
                ? Thread.ofPlatform().name("nabla-watch").daemon().start(this::watch)
                : null;
    }

    /**
     * Every {@link Options#watch()}, reloads each model as {@code :reload} does: a new version
     * folder is loaded, warmed up and swapped in atomically, a changed one replaced, a removed one
     * retired. A version that fails to load changes nothing and is tried again next time (logged
     * once per distinct problem), so a folder still being copied in is picked up once complete.
     */
    private void watch() {
        Map<String, String> problems = new LinkedHashMap<>();
        while (true) {
            try {
                Thread.sleep(options.watch());
            } catch (InterruptedException e) {
                return; // close()
            }
            for (ServedModel m : models.values()) {
                synchronized (lifecycle) {
                    if (closing) {
                        return;
                    }
                }
                try {
                    ServedModel.Change change = m.reload();
                    change.loaded().forEach(metrics::loaded);
                    change.retired().forEach(metrics::retired);
                    if (!change.loaded().isEmpty() || !change.retired().isEmpty()) {
                        LOG.log(
                                Level.INFO,
                                "watch: " + m.name() + " now serves versions " + change.serving() + " (retired "
                                        + change.retired().stream()
                                                .map(ModelVersion::version)
                                                .toList() + ")");
                    }
                    problems.remove(m.name());
                } catch (IOException | RuntimeException e) {
                    String problem = String.valueOf(e.getMessage());
                    if (!problem.equals(problems.put(m.name(), problem))) {
                        LOG.log(
                                Level.WARNING,
                                "watch: " + m.name() + " still serves versions "
                                        + m.versions().keySet() + "; what changed on disk does not load: " + problem);
                    }
                }
            }
        }
    }

    /**
     * Loads every model of {@code sources}, warms each up and starts answering on
     * {@code options.host():options.port()}.
     *
     * @throws IOException when a checkpoint is missing or corrupt (naming it), or the port is taken
     */
    public static InferenceServer start(Options options, List<ModelSource> sources) throws IOException {
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("InferenceServer.start: no models to serve");
        }
        return new InferenceServer(options, sources);
    }

    /** The port the server listens on. */
    public int port() {
        return transport.port();
    }

    /** The server's base URL, e.g. {@code http://127.0.0.1:8080/}. */
    public String url() {
        String host = options.host().equals("0.0.0.0") ? "127.0.0.1" : options.host();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port() + "/";
    }

    /** The names of the models served, and the versions of each. */
    public Map<String, List<Long>> models() {
        Map<String, List<Long>> out = new LinkedHashMap<>();
        models.values().forEach(m -> out.put(m.name(), List.copyOf(m.versions().keySet())));
        return out;
    }

    /** Blocks until {@link #close()} has finished (from another thread). */
    public void awaitShutdown() throws InterruptedException {
        synchronized (lifecycle) {
            while (!closed) {
                lifecycle.wait();
            }
        }
    }

    /**
     * Drains and stops: {@code /ready} turns 503, the server stops listening, the requests in
     * flight are answered (up to {@link Options#drainTimeout()}), then the models' workers stop.
     * Safe to call more than once.
     */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closing) {
                return;
            }
            closing = true;
        }
        readiness = "draining";
        if (watcher != null) {
            watcher.interrupt();
            try {
                watcher.join(options.drainTimeout().toMillis() + 1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        transport.stop(options.drainTimeout().toMillis());
        models.values().forEach(ServedModel::close);
        for (ModelVersion v : servedVersions()) {
            try {
                v.batcher().awaitDrained(options.drainTimeout().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        synchronized (lifecycle) {
            closed = true;
            lifecycle.notifyAll();
        }
    }

    private Collection<ModelVersion> servedVersions() {
        List<ModelVersion> all = new ArrayList<>();
        models.values().forEach(m -> all.addAll(m.versions().values()));
        return all;
    }

    /** Loads one version and warms it up: forward passes of one image and of a full batch. */
    private ModelVersion loadVersion(ServedModel model, long version, ModelLoader.Found found) throws IOException {
        long t0 = System.nanoTime();
        ModelLoader.Loaded loaded = ModelLoader.load(found.checkpoint(), model.source());
        double loadSeconds = (System.nanoTime() - t0) / 1e9;
        String label = model.name() + "-v" + version;
        var pre = loaded.classifier().preprocessing();
        Batcher batcher = new Batcher(
                label,
                loaded.classifier(),
                options.maxBatch(),
                options.maxDelay().toNanos(),
                options.maxQueue(),
                n -> metrics.batchSize
                        .labelValues(model.name(), Long.toString(version))
                        .observe(n));
        long t1 = System.nanoTime();
        float[] one = new float[pre.imageSize()];
        float[] full = new float[options.maxBatch() * pre.imageSize()];
        for (int i = 0; i < options.warmup(); i++) {
            if (i % 2 == 0) {
                batcher.runNow(one, 1);
            } else {
                batcher.runNow(full, options.maxBatch());
            }
        }
        double warmupSeconds = (System.nanoTime() - t1) / 1e9;
        LOG.log(
                Level.INFO,
                () -> String.format(
                        Locale.ROOT,
                        "loaded %s version %d (%s) from %s in %.2f s, warmed up in %.2f s",
                        model.name(),
                        version,
                        loaded.architecture(),
                        found.checkpoint(),
                        loadSeconds,
                        warmupSeconds));
        return new ModelVersion(
                model.name(),
                version,
                found.checkpoint(),
                loaded.checksum(),
                loaded.architecture(),
                loaded.classifier(),
                batcher,
                new Quality(pre.classNames()),
                loadSeconds,
                warmupSeconds);
    }

    /**
     * Sends a few requests of each kind (pixel arrays, a PNG) through the API itself, so parsing,
     * decoding and the batcher are compiled before the first real request; then forgets them in the
     * metrics.
     */
    private void warmUpRequests() {
        for (ServedModel m : models.values()) {
            var pre = m.latest().preprocessing();
            Supplier<Request> request = Api.warmupRequests(m.name(), png(pre.width(), pre.height()), pre.imageSize());
            for (int i = 0; i < options.warmup(); i++) {
                Response r = api.handle(request.get());
                if (r.status() != 200) {
                    throw new IllegalStateException("warm-up request to " + m.name() + " failed: "
                            + new String(r.body(), StandardCharsets.UTF_8));
                }
            }
        }
        metrics.requests.clear();
        metrics.latency.clear();
        metrics.batchSize.clear();
    }

    private static byte[] png(int width, int height) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
