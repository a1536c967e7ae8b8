package dev.nabla.serve;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;

/**
 * The server's Prometheus metrics, on a registry of its own (two servers in one JVM, as in the
 * tests, do not mix their counts), written in the Prometheus text format by the client library:
 * <ul>
 *   <li>{@code nabla_requests_total{model, api, status}}: API requests by model, endpoint
 *       (predict, feedback, reload, ...) and HTTP status;</li>
 *   <li>{@code nabla_request_duration_seconds{model, api}}: their latency, a histogram;</li>
 *   <li>{@code nabla_batch_size{model, version}}: images per forward pass, a histogram;</li>
 *   <li>{@code nabla_queue_depth{model, version}}: requests waiting for the model;</li>
 *   <li>{@code nabla_in_flight_requests}: HTTP requests being handled;</li>
 *   <li>{@code nabla_model_load_seconds} and {@code nabla_model_warmup_seconds{model, version}};</li>
 *   <li>model quality from feedback, per served version: {@code nabla_feedback_total},
 *       {@code nabla_model_accuracy}, {@code nabla_model_macro_f1}, per class
 *       {@code nabla_model_precision}, {@code nabla_model_recall}, {@code nabla_model_f1}, and
 *       {@code nabla_confusion_total{model, version, true_class, predicted_class}};</li>
 *   <li>the JVM's memory ({@code jvm_memory_used_bytes} and its kin).</li>
 * </ul>
 */
final class ServerMetrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    final Counter requests = Counter.builder()
            .name("nabla_requests_total")
            .help("API requests by model, endpoint and HTTP status")
            .labelNames("model", "api", "status")
            .register(registry);
    final Histogram latency = Histogram.builder()
            .name("nabla_request_duration_seconds")
            .help("API request latency, from the request's arrival to its answer")
            .labelNames("model", "api")
            .classicOnly()
            .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
            .register(registry);
    final Histogram batchSize = Histogram.builder()
            .name("nabla_batch_size")
            .help("Images per forward pass of the model")
            .labelNames("model", "version")
            .classicOnly()
            .classicUpperBounds(1, 2, 4, 8, 16, 32, 64, 128, 256)
            .register(registry);
    final Gauge inFlight = Gauge.builder()
            .name("nabla_in_flight_requests")
            .help("HTTP requests being handled")
            .register(registry);
    final Gauge loadSeconds = Gauge.builder()
            .name("nabla_model_load_seconds")
            .help("Time to read the checkpoint and build the model")
            .labelNames("model", "version")
            .register(registry);
    final Gauge warmupSeconds = Gauge.builder()
            .name("nabla_model_warmup_seconds")
            .help("Time spent warming the model up before it took requests")
            .labelNames("model", "version")
            .register(registry);

    /** @param served the versions served now (read at each scrape) */
    ServerMetrics(Supplier<Collection<ModelVersion>> served) {
        GaugeWithCallback.builder()
                .name("nabla_queue_depth")
                .help("Requests waiting for the model")
                .labelNames("model", "version")
                .callback(cb ->
                        served.get().forEach(v -> cb.call(v.batcher().queued(), v.model(), Long.toString(v.version()))))
                .register(registry);
        registry.register(new QualityCollector(served));
        JvmMemoryMetrics.builder().register(registry);
    }

    void loaded(ModelVersion v) {
        String version = Long.toString(v.version());
        loadSeconds.labelValues(v.model(), version).set(v.loadSeconds());
        warmupSeconds.labelValues(v.model(), version).set(v.warmupSeconds());
    }

    void retired(ModelVersion v) {
        String version = Long.toString(v.version());
        loadSeconds.remove(v.model(), version);
        warmupSeconds.remove(v.model(), version);
        batchSize.remove(v.model(), version);
    }

    /** Every metric in the Prometheus text format. */
    byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 << 10);
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }

    String contentType() {
        return writer.getContentType();
    }

    /** Quality from feedback, computed from each served version's confusion matrix at scrape time. */
    private record QualityCollector(Supplier<Collection<ModelVersion>> served) implements MultiCollector {
        @Override
        public MetricSnapshots collect() {
            var feedback =
                    CounterSnapshot.builder().name("nabla_feedback").help("Predictions whose true label was sent back");
            var confusion = CounterSnapshot.builder()
                    .name("nabla_confusion")
                    .help("Feedback by true and predicted class (the confusion matrix)");
            var accuracy = gauge("nabla_model_accuracy", "Accuracy on the predictions with feedback");
            var macroF1 = gauge(
                    "nabla_model_macro_f1", "Mean F1 over the classes present in the feedback or the predictions");
            var precision = gauge("nabla_model_precision", "Per-class precision, from feedback");
            var recall = gauge("nabla_model_recall", "Per-class recall, from feedback");
            var f1 = gauge("nabla_model_f1", "Per-class F1, from feedback");
            for (ModelVersion v : served.get()) {
                Quality.Snapshot q = v.quality().snapshot();
                String version = Long.toString(v.version());
                Labels labels = Labels.of("model", v.model(), "version", version);
                feedback.dataPoint(counter(labels, q.total()));
                add(accuracy, labels, q.accuracy());
                add(macroF1, labels, q.macroF1());
                List<String> names = q.classNames();
                for (int k = 0; k < names.size(); k++) {
                    Labels cls = labels.add("class", names.get(k));
                    add(precision, cls, q.precision(k));
                    add(recall, cls, q.recall(k));
                    add(f1, cls, q.f1(k));
                    for (int j = 0; j < names.size(); j++) {
                        if (q.confusion()[k][j] > 0) {
                            confusion.dataPoint(counter(
                                    labels.add("true_class", names.get(k)).add("predicted_class", names.get(j)),
                                    q.confusion()[k][j]));
                        }
                    }
                }
            }
            List<MetricSnapshot> all = new ArrayList<>();
            all.add(feedback.build());
            all.add(confusion.build());
            for (var g : List.of(accuracy, macroF1, precision, recall, f1)) {
                all.add(g.build());
            }
            return new MetricSnapshots(all);
        }

        private static GaugeSnapshot.Builder gauge(String name, String help) {
            return GaugeSnapshot.builder().name(name).help(help);
        }

        /** Rates without data (no feedback yet for a class) are left out rather than exported as NaN. */
        private static void add(GaugeSnapshot.Builder g, Labels labels, double value) {
            if (!Double.isNaN(value)) {
                g.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                        .labels(labels)
                        .value(value)
                        .build());
            }
        }

        private static CounterSnapshot.CounterDataPointSnapshot counter(Labels labels, long value) {
            return CounterSnapshot.CounterDataPointSnapshot.builder()
                    .labels(labels)
                    .value(value)
                    .build();
        }
    }
}
