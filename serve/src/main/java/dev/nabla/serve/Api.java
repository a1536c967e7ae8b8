package dev.nabla.serve;

import dev.nabla.export.Json;
import dev.nabla.inference.Prediction;
import dev.nabla.nn.data.Preprocessing;
import dev.nabla.serve.HttpCall.Request;
import dev.nabla.serve.HttpCall.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The server's endpoints, apart from the HTTP library: a {@link Request} in, a {@link Response}
 * out, every failure a JSON error ({@code {"error": "..."}}) with its status. The predict API
 * follows TensorFlow Serving's REST API.
 *
 * <pre>
 * GET  /                                        the web page
 * GET  /health                                  liveness: 200 while the process runs
 * GET  /ready                                   readiness: 200 once every model is loaded and warm
 * GET  /metrics                                 Prometheus text format
 * GET  /v1/models                               the models, their versions, inputs and classes
 * GET  /v1/models/{name}[/versions/{v}]         TensorFlow Serving's version status
 * GET  /v1/models/{name}[/versions/{v}]/metadata  input shape, normalisation, class names
 * POST /v1/models/{name}[/versions/{v}]:predict {"instances": [...], "top_k": k}
 * POST /v1/models/{name}:feedback               {"feedback": [{"id": "...", "label": 7}, ...]}
 * GET  /v1/models/{name}/quality                accuracy, per-class precision/recall/F1, confusion matrix
 * POST /v1/models/{name}:reload                 load what changed on disk, swap atomically
 * </pre>
 */
final class Api {
    private static final System.Logger LOG = System.getLogger(Api.class.getName());
    private static final String MODELS = "/v1/models";
    private static final Map<String, String> STATIC = Map.of(
            "/", "index.html",
            "/index.html", "index.html",
            "/app.js", "app.js",
            "/style.css", "style.css",
            "/favicon.svg", "favicon.svg");

    /** The server state the endpoints read. */
    interface State {
        ServedModel model(String name);

        List<ServedModel> models();

        /** "ready", or why not: "starting", "draining". */
        String readiness();
    }

    private final InferenceServer.Options options;
    private final State state;
    private final ServerMetrics metrics;
    private final PredictionLog log;
    private final Map<String, Response> statics = new LinkedHashMap<>();

    Api(InferenceServer.Options options, State state, ServerMetrics metrics, PredictionLog log) {
        this.options = options;
        this.state = state;
        this.metrics = metrics;
        this.log = log;
        for (var e : STATIC.entrySet()) {
            statics.put(e.getKey(), resource(e.getValue()));
        }
    }

    /** A parsed API path: the model, version and endpoint it names. */
    private record Route(String model, Long version, String api) {}

    /** Answers {@code r}; never throws. */
    Response handle(Request r) {
        Route route = null;
        Response response;
        try {
            route = route(r.path());
            response = route == null ? plain(r) : model(r, route);
        } catch (ApiException e) {
            response = error(e.status(), e.getMessage());
        } catch (RuntimeException | Error e) {
            // A bug or an exhausted JVM: the request fails, the server goes on.
            LOG.log(Level.ERROR, "internal error on " + r.method() + " " + r.path(), e);
            response = error(500, "internal error: " + e);
        }
        if (route != null) {
            // Unknown names share one label, so random URLs cannot grow the metrics without bound.
            String model = state.model(route.model()) != null ? route.model() : "(unknown)";
            metrics.requests
                    .labelValues(model, route.api(), Integer.toString(response.status()))
                    .inc();
            metrics.latency.labelValues(model, route.api()).observe((System.nanoTime() - r.arrived()) / 1e9);
        }
        return response;
    }

    /** The model API's route of {@code path}, or null for the other endpoints. */
    private static Route route(String path) throws ApiException {
        if (!path.startsWith(MODELS + "/")) {
            return null;
        }
        String rest = path.substring(MODELS.length() + 1);
        String verb = null;
        int colon = rest.lastIndexOf(':');
        if (colon >= 0) {
            verb = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
        }
        String[] parts = rest.split("/", -1);
        String name = parts[0];
        Long version = null;
        int next = 1;
        if (parts.length >= 3 && parts[1].equals("versions")) {
            try {
                version = Long.parseLong(parts[2]);
            } catch (NumberFormatException e) {
                throw new ApiException(400, "version '" + parts[2] + "' in " + path + " is not a number");
            }
            next = 3;
        }
        String tail = parts.length == next + 1 ? parts[next] : parts.length == next ? null : "?";
        String api;
        if (verb != null && tail == null) {
            api = verb;
        } else if (verb == null && tail == null) {
            api = "status";
        } else if (verb == null && (tail.equals("metadata") || tail.equals("quality"))) {
            api = tail;
        } else {
            throw new ApiException(404, "no such endpoint: " + path);
        }
        return new Route(name, version, api);
    }

    // =================================================================== endpoints without a model

    private Response plain(Request r) throws ApiException {
        String path = r.path();
        if (path.equals("/health")) {
            requireMethod(r, "GET");
            return Response.json(200, "{\"status\":\"alive\"}");
        }
        if (path.equals("/ready")) {
            requireMethod(r, "GET");
            String readiness = state.readiness();
            return Response.json(readiness.equals("ready") ? 200 : 503, Json.write(Map.of("status", readiness)));
        }
        if (path.equals("/metrics")) {
            requireMethod(r, "GET");
            return new Response(200, metrics.contentType(), metrics.scrape());
        }
        if (path.equals(MODELS)) {
            requireMethod(r, "GET");
            List<Object> models = new ArrayList<>();
            for (ServedModel m : state.models()) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("name", m.name());
                o.put(
                        "versions",
                        m.versions().keySet().stream().map(String::valueOf).toList());
                ModelVersion latest = m.latest();
                if (latest != null) {
                    o.put("default_version", Long.toString(latest.version()));
                    o.putAll(describe(latest));
                }
                models.add(o);
            }
            return Response.json(200, Json.write(Map.of("models", models)));
        }
        Response page = statics.get(path);
        if (page != null) {
            requireMethod(r, "GET");
            return page;
        }
        throw new ApiException(404, "no such endpoint: " + r.method() + " " + path);
    }

    // =================================================================== the model API

    private Response model(Request r, Route route) throws ApiException {
        ServedModel m = state.model(route.model());
        if (m == null) {
            throw new ApiException(
                    404,
                    "no model named '" + route.model() + "'; serving "
                            + state.models().stream().map(ServedModel::name).toList());
        }
        return switch (route.api()) {
            case "predict" -> {
                requireMethod(r, "POST");
                yield predict(r, m, route.version());
            }
            case "feedback" -> {
                requireMethod(r, "POST");
                noVersion(route);
                yield feedback(r, m);
            }
            case "reload" -> {
                requireMethod(r, "POST");
                noVersion(route);
                yield reload(m);
            }
            case "status" -> {
                requireMethod(r, "GET");
                yield status(m, route.version());
            }
            case "metadata" -> {
                requireMethod(r, "GET");
                ModelVersion v = version(m, route.version());
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("model_spec", Map.of("name", m.name(), "version", Long.toString(v.version())));
                o.put("metadata", describe(v));
                yield Response.json(200, Json.write(o));
            }
            case "quality" -> {
                requireMethod(r, "GET");
                noVersion(route);
                yield quality(m);
            }
            default ->
                throw new ApiException(
                        404, "no such method ':" + route.api() + "'; a model answers :predict, :feedback and :reload");
        };
    }

    private Response predict(Request r, ServedModel m, Long versionNumber) throws ApiException {
        if (state.readiness().equals("draining")) {
            throw new ApiException(503, "the server is shutting down");
        }
        // Plain pixel arrays (nearly every request) are read straight into pixel bytes; anything
        // else, including every malformed body, goes through the JSON tree, which names the problem.
        ModelVersion v = versionNumber == null ? m.latest() : m.versions().get(versionNumber);
        PixelBody.Parsed fast = v == null ? null : PixelBody.parse(r.body(), v.preprocessing(), options.maxInstances());
        Map<String, Object> body = fast == null ? object(r) : null;
        List<?> instances = fast == null ? instances(body) : null;
        int count = fast == null ? instances.size() : fast.count();
        v = version(m, versionNumber);
        int topK = topK(fast == null ? body.get("top_k") : fast.topK(), v.classes());
        Preprocessing prepared = v.preprocessing();
        float[] inputs = fast != null ? fast.inputs() : Instances.prepare(instances, prepared);
        Batcher.Job job = new Batcher.Job(inputs, count);
        // A reload may retire v between the lookup and the submit: ask for the version serving now.
        for (int attempt = 0; ; attempt++) {
            try {
                if (v.batcher().submit(job)) {
                    break;
                }
            } catch (Batcher.QueueFullException e) {
                throw new ApiException(503, e.getMessage());
            }
            if (attempt == 10) {
                throw new ApiException(503, "the model is being replaced; try again");
            }
            v = version(m, versionNumber);
            if (!v.preprocessing().equals(prepared)) {
                prepared = v.preprocessing();
                fast = PixelBody.parse(r.body(), prepared, options.maxInstances());
                if (fast == null && instances == null) {
                    instances = instances(object(r));
                }
                inputs = fast != null ? fast.inputs() : Instances.prepare(instances, prepared);
                job = new Batcher.Job(inputs, count);
            }
        }
        List<Prediction> predictions = await(job, r);
        return Response.json(200, reply(predictions, v, m, topK));
    }

    /** The checked {@code instances} of a predict body read as a JSON tree. */
    private List<?> instances(Map<String, Object> body) throws ApiException {
        for (String key : body.keySet()) {
            if (!Set.of("instances", "top_k", "signature_name").contains(key)) {
                throw new ApiException(
                        400,
                        "unknown key \"" + key + "\"; a predict request has \"instances\" and optionally \"top_k\"");
            }
        }
        if (body.containsKey("signature_name") && !"serving_default".equals(body.get("signature_name"))) {
            throw new ApiException(
                    400,
                    "unknown signature_name " + Json.write(body.get("signature_name"))
                            + "; the one signature is \"serving_default\"");
        }
        if (!(body.get("instances") instanceof List<?> instances)) {
            throw new ApiException(
                    400,
                    body.containsKey("instances")
                            ? "\"instances\" must be an array"
                            : "missing \"instances\": send {\"instances\": [...]}");
        }
        if (instances.isEmpty()) {
            throw new ApiException(400, "\"instances\" is empty");
        }
        if (instances.size() > options.maxInstances()) {
            throw new ApiException(
                    400,
                    instances.size() + " instances in one request; at most " + options.maxInstances()
                            + " (--max-instances)");
        }
        return instances;
    }

    private List<Prediction> await(Batcher.Job job, Request r) throws ApiException {
        long waited = System.nanoTime() - r.arrived();
        long left = options.timeout().toNanos() - waited;
        try {
            return job.result.get(Math.max(0, left), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | CancellationException e) {
            job.result.cancel(false); // the batcher skips it if it has not run yet
            throw new ApiException(
                    504, "the model did not answer within " + options.timeout().toMillis() + " ms (--timeout-ms)");
        } catch (ExecutionException e) {
            LOG.log(Level.ERROR, "the model failed on a batch", e.getCause());
            throw new ApiException(500, "the model failed on this request's batch: " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            job.result.cancel(false);
            throw new ApiException(503, "the server is shutting down");
        }
    }

    /**
     * The predict reply, {@code {"predictions": [...], "model_version": "v"}}, written straight as
     * text (as {@link Json#write} would write the same maps, without building them).
     */
    private String reply(List<Prediction> predictions, ModelVersion v, ServedModel m, int topK) {
        int classes = v.classes();
        StringBuilder out = new StringBuilder(64 + predictions.size() * (96 + classes * 14 + topK * 48));
        out.append("{\"predictions\":[");
        float[] probabilities = new float[classes];
        for (int i = 0; i < predictions.size(); i++) {
            Prediction p = predictions.get(i);
            int[] order = p.classes();
            float[] sorted = p.probabilities();
            for (int j = 0; j < order.length; j++) {
                probabilities[order[j]] = sorted[j];
            }
            out.append(i == 0 ? "{\"class\":" : ",{\"class\":").append(p.top());
            out.append(",\"label\":");
            Json.quote(out, p.label());
            number(out.append(",\"probability\":"), p.probability());
            out.append(",\"probabilities\":[");
            for (int j = 0; j < order.length; j++) {
                number(j == 0 ? out : out.append(','), probabilities[j]);
            }
            out.append(']');
            if (topK > 0) {
                out.append(",\"top_k\":[");
                for (int j = 0; j < topK; j++) {
                    out.append(j == 0 ? "{\"class\":" : ",{\"class\":").append(order[j]);
                    Json.quote(out.append(",\"label\":"), p.labels().get(j));
                    number(out.append(",\"probability\":"), sorted[j]);
                    out.append('}');
                }
                out.append(']');
            }
            out.append(",\"id\":\"")
                    .append(log.add(new PredictionLog.Entry(m.name(), v, p.top())))
                    .append("\"}");
        }
        return out.append("],\"model_version\":\"")
                .append(v.version())
                .append("\"}")
                .toString();
    }

    /** {@code f} as {@link Json#write} writes a float: its shortest form, without a trailing ".0". */
    private static void number(StringBuilder out, float f) {
        if (!Float.isFinite(f)) {
            throw new IllegalStateException("the model gave a probability of " + f);
        }
        int from = out.length();
        out.append(f);
        int n = out.length();
        if (n - from >= 2 && out.charAt(n - 2) == '.' && out.charAt(n - 1) == '0') {
            out.setLength(n - 2);
        }
    }

    private static int topK(Object value, int classes) throws ApiException {
        if (value == null) {
            return 0;
        }
        if (!(value instanceof Long k) || k < 1 || k > classes) {
            throw new ApiException(
                    400, "\"top_k\" must be a whole number from 1 to " + classes + ", got " + Json.write(value));
        }
        return k.intValue();
    }

    private Response feedback(Request r, ServedModel m) throws ApiException {
        Map<String, Object> body = object(r);
        if (body.size() != 1 || !(body.get("feedback") instanceof List<?> items) || items.isEmpty()) {
            throw new ApiException(
                    400, "send {\"feedback\": [{\"id\": \"<prediction id>\", \"label\": <true class>}, ...]}");
        }
        if (items.size() > options.feedbackWindow()) {
            throw new ApiException(400, items.size() + " feedback items; at most " + options.feedbackWindow());
        }
        List<String> ids = new ArrayList<>(items.size());
        List<Object> labels = new ArrayList<>(items.size());
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < items.size(); i++) {
            if (!(items.get(i) instanceof Map<?, ?> item)
                    || !(item.get("id") instanceof String id)
                    || !item.containsKey("label")
                    || item.size() != 2) {
                throw new ApiException(
                        400, "feedback[" + i + "] must be {\"id\": \"<prediction id>\", \"label\": <true class>}");
            }
            if (!seen.add(id)) {
                throw new ApiException(400, "feedback names prediction id " + id + " twice");
            }
            ids.add(id);
            labels.add(item.get("label"));
        }
        int[] truth = new int[ids.size()];
        PredictionLog.Result result = log.takeAll(m.name(), ids, entries -> {
            for (int i = 0; i < entries.size(); i++) {
                List<String> names = entries.get(i).version().preprocessing().classNames();
                Object label = labels.get(i);
                int k = label instanceof Long l && l >= 0 && l < names.size()
                        ? l.intValue()
                        : label instanceof String s ? names.indexOf(s) : -1;
                if (k < 0) {
                    return "feedback[" + i + "].label " + Json.write(label)
                            + " is not a class of the model: give its index (0 to " + (names.size() - 1)
                            + ") or its name " + names;
                }
                truth[i] = k;
            }
            return null;
        });
        if (!result.unknown().isEmpty()) {
            throw new ApiException(
                    404,
                    "unknown prediction id(s) "
                            + result.unknown().stream().limit(5).toList()
                            + (result.unknown().size() > 5
                                    ? " and " + (result.unknown().size() - 5) + " more"
                                    : "")
                            + ": never made by model '" + m.name() + "', labelled already, or older than the last "
                            + options.feedbackWindow() + " predictions; nothing was recorded");
        }
        if (result.problem() != null) {
            throw new ApiException(400, result.problem() + "; nothing was recorded");
        }
        for (int i = 0; i < truth.length; i++) {
            PredictionLog.Entry e = result.taken().get(i);
            e.version().quality().add(truth[i], e.predicted());
        }
        return Response.json(200, Json.write(Map.of("recorded", truth.length)));
    }

    private Response reload(ServedModel m) throws ApiException {
        ServedModel.Change change;
        try {
            change = m.reload();
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "reload of " + m.name() + " failed: " + e.getMessage());
            throw new ApiException(
                    500,
                    "reload of '" + m.name() + "' failed, still serving versions "
                            + m.versions().keySet() + ": " + e.getMessage());
        }
        change.loaded().forEach(metrics::loaded);
        change.retired().forEach(metrics::retired);
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("model", m.name());
        o.put("loaded", versions(change.loaded()));
        o.put("retired", versions(change.retired()));
        o.put("serving", change.serving().stream().map(String::valueOf).toList());
        return Response.json(200, Json.write(o));
    }

    private static List<String> versions(List<ModelVersion> vs) {
        return vs.stream().map(v -> Long.toString(v.version())).toList();
    }

    private Response status(ServedModel m, Long versionNumber) throws ApiException {
        List<ModelVersion> shown = versionNumber == null
                ? List.copyOf(m.versions().descendingMap().values())
                : List.of(version(m, versionNumber));
        List<Object> out = new ArrayList<>();
        for (ModelVersion v : shown) {
            out.add(Map.of(
                    "version",
                    Long.toString(v.version()),
                    "state",
                    "AVAILABLE",
                    "status",
                    Map.of("error_code", "OK", "error_message", "")));
        }
        return Response.json(200, Json.write(Map.of("model_version_status", out)));
    }

    private Response quality(ServedModel m) {
        List<Object> out = new ArrayList<>();
        for (ModelVersion v : m.versions().descendingMap().values()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("version", Long.toString(v.version()));
            o.putAll(v.quality().snapshot().toJson());
            out.add(o);
        }
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("model", m.name());
        reply.put("versions", out);
        return Response.json(200, Json.write(reply));
    }

    private static Map<String, Object> describe(ModelVersion v) {
        Preprocessing p = v.preprocessing();
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("architecture", v.architecture());
        o.put("input_shape", new int[] {p.channels(), p.height(), p.width()});
        o.put("class_names", p.classNames());
        o.put(
                "normalization",
                Map.of(
                        "mean",
                        p.normalization().mean(),
                        "std",
                        p.normalization().std()));
        return o;
    }

    // =================================================================== helpers

    private static ModelVersion version(ServedModel m, Long number) throws ApiException {
        if (number == null) {
            ModelVersion v = m.latest();
            if (v == null) {
                throw new ApiException(503, "model '" + m.name() + "' is not loaded yet");
            }
            return v;
        }
        ModelVersion v = m.versions().get(number);
        if (v == null) {
            throw new ApiException(
                    404,
                    "model '" + m.name() + "' has no version " + number + "; serving "
                            + m.versions().keySet());
        }
        return v;
    }

    private static void noVersion(Route route) throws ApiException {
        if (route.version() != null) {
            throw new ApiException(
                    404, ":" + route.api() + " is per model: drop /versions/" + route.version() + " from the path");
        }
    }

    private static void requireMethod(Request r, String method) throws ApiException {
        if (!r.method().equals(method)) {
            throw new ApiException(405, r.method() + " " + r.path() + " is not allowed; use " + method);
        }
    }

    /** The request body as a JSON object. */
    private static Map<String, Object> object(Request r) throws ApiException {
        String text;
        try {
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(r.body()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ApiException(400, "the body is not UTF-8 text");
        }
        if (text.isBlank()) {
            throw new ApiException(400, "the body is empty; send a JSON object");
        }
        Object parsed;
        try {
            parsed = Json.parse(text);
        } catch (Json.SyntaxError e) {
            String at = text.substring(e.offset());
            for (String word : List.of("NaN", "Infinity", "-Infinity")) {
                if (at.startsWith(word)) {
                    throw new ApiException(
                            400,
                            "malformed JSON: " + word + " at character " + e.offset()
                                    + " is not a JSON number (and pixel values must be within [0, 255])");
                }
            }
            throw new ApiException(400, "malformed JSON: " + e.getMessage());
        }
        if (!(parsed instanceof Map<?, ?> map)) {
            throw new ApiException(
                    400,
                    "the body must be a JSON object, not " + Json.write(parsed).charAt(0) + "...");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) map;
        return m;
    }

    private static Response error(int status, String message) {
        return Response.json(status, Json.write(Map.of("error", message)));
    }

    private static Response resource(String name) {
        try (InputStream in = Api.class.getResourceAsStream("web/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the jar lacks its web page resource web/" + name);
            }
            String type = name.endsWith(".html")
                    ? "text/html; charset=utf-8"
                    : name.endsWith(".js")
                            ? "text/javascript; charset=utf-8"
                            : name.endsWith(".css") ? "text/css; charset=utf-8" : "image/svg+xml";
            return new Response(200, type, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Synthetic one-image requests for warming the server up, taking turns through both predict
     * paths: pixel arrays and a PNG.
     */
    static Supplier<Request> warmupRequests(String model, byte[] png, int imageSize) {
        StringBuilder pixels = new StringBuilder("{\"instances\":[[");
        for (int i = 0; i < imageSize; i++) {
            pixels.append(i == 0 ? "" : ",").append(i % 256);
        }
        List<byte[]> bodies = List.of(
                pixels.append("]],\"top_k\":1}").toString().getBytes(StandardCharsets.UTF_8),
                ("{\"instances\":[{\"b64\":\"" + Base64.getEncoder().encodeToString(png) + "\"}]}")
                        .getBytes(StandardCharsets.UTF_8));
        int[] turn = {0};
        return () ->
                new Request("POST", MODELS + "/" + model + ":predict", bodies.get(turn[0]++ % 2), System.nanoTime());
    }
}
