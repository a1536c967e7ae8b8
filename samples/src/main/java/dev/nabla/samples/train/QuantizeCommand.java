package dev.nabla.samples.train;

import dev.nabla.autograd.Autograd;
import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;
import dev.nabla.export.AtomicFiles;
import dev.nabla.export.Checkpoint;
import dev.nabla.nn.CrossEntropyLoss;
import dev.nabla.nn.LSTM;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Module;
import dev.nabla.nn.data.Batch;
import dev.nabla.nn.data.DataLoader;
import dev.nabla.optim.SGD;
import dev.nabla.quantize.QConfig;
import dev.nabla.quantize.QuantWrapper;
import dev.nabla.quantize.Quantization;
import dev.nabla.samples.bench.Timing;
import dev.nabla.samples.cli.Args;
import dev.nabla.tensor.Tensor;
import dev.nabla.tensor.Threads;
import dev.nabla.train.Metrics;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code ./nabla quantize}: makes an int8 model from a float checkpoint of {@code ./nabla train}
 * (post-training static, dynamic, or quantization-aware fine-tuning), saves it, and reports float
 * against int8 side by side: test accuracy, per-class F1, size on disk, batch-64 throughput and
 * batch-1 latency.
 *
 * <pre>{@code
 * ./nabla train --out runs/lenet
 * ./nabla quantize --checkpoint runs/lenet --out runs/lenet-int8    # the run's best/ checkpoint
 * ./nabla evaluate --checkpoint runs/lenet-int8
 * }</pre>
 */
public final class QuantizeCommand {
    static final String USAGE = """
            usage: ./nabla quantize --checkpoint RUN_OR_CHECKPOINT --out DIR [options]
              --method static|dynamic|qat   post-training static (default), dynamic (Linear and LSTM
                                            weights only), or quantization-aware fine-tuning
              --calibration-batches N       training batches the observers see (default 32)
              --observer minmax|percentile|histogram   activation observer of static (default histogram)
              --qat-epochs E  --qat-lr X    fine-tuning of qat (default 1 epoch, SGD momentum 0.9, lr
                                            a hundredth of the recipe's); observers and batch norms are
                                            frozen for the last third of the steps
              --threads T
              --no-timing                   leave out the speed rows (a quick accuracy check)
            Writes the int8 model (model.safetensors, with the recipe and preprocessing, so
            ./nabla evaluate reads it) and metrics.json into --out.
            """;
    /** Metadata key of an int8 checkpoint: the epochs its float model was trained for. */
    static final String EPOCH_KEY = "epochs_trained";
    /** The metrics file written beside the int8 model. */
    static final String METRICS_FILE = "metrics.json";

    private QuantizeCommand() {}

    /** Runs {@code ./nabla quantize}; returns the process exit code. */
    public static int run(String[] argv, PrintStream log) throws IOException {
        Args a = Args.parse(argv, Set.of("help", "no-timing"));
        if (a.flag("help")) {
            log.print(USAGE);
            return 0;
        }
        Threads.set(a.intValue("threads", Threads.get()));
        String checkpoint = a.string("checkpoint", null);
        String outArg = a.string("out", null);
        String method = a.choice("method", "static", "static", "dynamic", "qat");
        int batches = a.intValue("calibration-batches", Quantization.DEFAULT_CALIBRATION_BATCHES);
        String observer = a.choice("observer", "histogram", QConfig.OBSERVERS);
        int qatEpochs = a.intValue("qat-epochs", 1);
        double qatLr = a.doubleValue("qat-lr", 0);
        boolean timing = !a.flag("no-timing");
        a.finish();
        if (checkpoint == null || outArg == null) {
            throw new Args.UsageException("--checkpoint DIR and --out DIR are required");
        }
        if (batches < 1) {
            throw new Args.UsageException("--calibration-batches must be >= 1");
        }
        if (qatEpochs < 1) {
            throw new Args.UsageException("--qat-epochs must be >= 1");
        }
        TrainCommand.Loaded loaded = TrainCommand.Loaded.of(Path.of(checkpoint), null);
        Path in = loaded.dir();
        Path out = Path.of(outArg);
        if (Files.exists(out.resolve(Checkpoint.MODEL_FILE))
                && Files.isSameFile(out.resolve(Checkpoint.MODEL_FILE), in.resolve(Checkpoint.MODEL_FILE))) {
            throw new Args.UsageException("--out must differ from --checkpoint (the float model stays as it is)");
        }
        if (loaded.quantization() != null) {
            throw new IllegalArgumentException(
                    in + " already holds an int8 model (" + loaded.quantization() + "); quantize the float checkpoint");
        }
        Recipe recipe = loaded.recipe();
        DataSource source = data(loaded);
        Module fp32 = loaded.model();
        log.printf(
                Locale.ROOT,
                "%s (%s) on %s: %,d training / %,d test images; method %s%s; %d threads%n",
                in,
                recipe.model(),
                recipe.dataset(),
                source.train().size(),
                source.test().size(),
                method,
                method.equals("static") ? ", observer " + observer + ", " + batches + " calibration batches" : "",
                Threads.get());

        Module int8 = quantize(
                TrainCommand.Loaded.of(in, null).model(),
                recipe,
                source,
                method,
                observer,
                batches,
                qatEpochs,
                qatLr,
                log);

        Checkpoint.saveModel(out, int8, loaded.preprocessing(), loaded.int8Metadata(int8));
        DataLoader test = source.loader(source.test());
        Metrics before = Metrics.evaluate(fp32, test, new CrossEntropyLoss(), source.classNames());
        Metrics after = Metrics.evaluate(int8, test, new CrossEntropyLoss(), source.classNames());
        long sizeBefore = Files.size(in.resolve(Checkpoint.MODEL_FILE));
        long sizeAfter = Files.size(out.resolve(Checkpoint.MODEL_FILE));
        Tensor batch64 = firstImages(test, 64);
        Speed speed = timing ? Speed.measure(fp32, int8, batch64) : null;

        Report report = new Report(before, after, sizeBefore, sizeAfter, speed);
        log.println();
        log.print(report.table());
        Json.Obj json = Json.obj()
                .put("checkpoint", in.toString())
                .put("method", method)
                .put("observer", method.equals("static") ? observer : "")
                .put("calibration_batches", method.equals("static") ? batches : 0)
                .put("threads", Threads.get())
                .put("recipe", recipe.toJson())
                .put("float32", report.side(before, sizeBefore, true))
                .put("int8", report.side(after, sizeAfter, false))
                .put("accuracy_change_points", 100 * (after.accuracy() - before.accuracy()))
                .put("size_ratio", (double) sizeBefore / sizeAfter);
        if (speed != null) {
            json.put("throughput_ratio", speed.int8PerSecond() / speed.fp32PerSecond())
                    .put("latency_ratio", speed.fp32LatencyMs() / speed.int8LatencyMs());
        }
        byte[] bytes = json.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(out.resolve(METRICS_FILE), ch -> ch.write(ByteBuffer.wrap(bytes)));
        log.println();
        log.println(
                "int8 model: " + out.resolve(Checkpoint.MODEL_FILE) + " (./nabla evaluate --checkpoint " + out + ")");
        log.println("metrics:    " + out.resolve(METRICS_FILE));
        return 0;
    }

    /** The recipe's training and test splits (no validation split), normalised as in training. */
    private static DataSource data(TrainCommand.Loaded loaded) throws IOException {
        Map<String, String> m = loaded.recipe().toMap();
        m.put("download", "false");
        m.put("val_split", "0");
        m.put("val_data", "");
        m.put("monitor", "train_loss");
        DataSource d = DataSource.load(Recipe.fromMap(m));
        return new DataSource(d.train(), null, d.test(), loaded.preprocessing().normalization());
    }

    private static Module quantize(
            Module model,
            Recipe recipe,
            DataSource source,
            String method,
            String observer,
            int batches,
            int qatEpochs,
            double qatLr,
            PrintStream log)
            throws IOException {
        DataLoader train = source.trainLoader(recipe);
        return switch (method) {
            case "dynamic" -> Quantization.quantizeDynamic(model, Set.of(Linear.class, LSTM.class));
            case "static" -> {
                QuantWrapper q = Quantization.prepare(model, QConfig.observer(observer), firstImages(train, 0));
                Quantization.calibrate(q, train, batches);
                yield Quantization.convert(q);
            }
            case "qat" -> {
                QuantWrapper q = Quantization.prepareQat(model, QConfig.qat(), firstImages(train, 0));
                fineTune(q, train, recipe, qatEpochs, qatLr > 0 ? qatLr : recipe.lr() / 100, log);
                yield Quantization.convert(q);
            }
            default -> throw new IllegalArgumentException("unknown method " + method);
        };
    }

    /** Quantization-aware fine-tuning; the last third of the steps run with frozen observers and batch norms. */
    private static void fineTune(
            QuantWrapper q, DataLoader train, Recipe recipe, int epochs, double lr, PrintStream log) {
        SGD opt = new SGD(q.parameters(), lr).momentum(0.9).weightDecay(recipe.weightDecay());
        long steps = (long) epochs * train.size();
        long freezeAt = steps - steps / 3;
        long step = 0;
        for (int e = 0; e < epochs; e++) {
            q.train();
            double lossSum = 0;
            int n = 0;
            try (DataLoader.BatchIterator it = train.epoch(e).iterator()) {
                while (it.hasNext()) {
                    if (step == freezeAt) {
                        Quantization.freezeObservers(q);
                        Quantization.freezeBatchNorm(q);
                    }
                    Batch b = it.next();
                    opt.zeroGrad();
                    Variable loss = Functional.crossEntropy(q.call(b.inputs()), b.targets());
                    loss.backward();
                    opt.step();
                    lossSum += loss.item();
                    n++;
                    step++;
                }
            }
            log.printf(Locale.ROOT, "qat epoch %d/%d: train loss %.4f (lr %.3g)%n", e + 1, epochs, lossSum / n, lr);
        }
        q.eval();
    }

    /** The inputs of a loader's first batch, cut to {@code n} images when {@code n > 0}. */
    private static Tensor firstImages(DataLoader loader, int n) {
        try (DataLoader.BatchIterator it = loader.epoch(0).iterator()) {
            if (!it.hasNext()) {
                throw new IllegalArgumentException("the data set has no images to quantize with");
            }
            Tensor x = it.next().inputs().data();
            return n > 0 && x.size(0) > n ? x.narrow(0, 0, n).contiguous() : x;
        }
    }

    /** Batch-64 throughput and batch-1 latency of both models, measured alternately (A B A B), best of two. */
    record Speed(double fp32PerSecond, double int8PerSecond, double fp32LatencyMs, double int8LatencyMs) {
        static Speed measure(Module fp32, Module int8, Tensor batch) {
            fp32.eval();
            int8.eval();
            Tensor one = batch.narrow(0, 0, 1).contiguous();
            int b = batch.size(0);
            double f = 0, q = 0, fl = Double.MAX_VALUE, ql = Double.MAX_VALUE;
            try (Autograd.NoGrad ignored = Autograd.noGrad()) {
                for (int round = 0; round < 2; round++) {
                    f = Math.max(f, b / seconds(fp32, batch));
                    q = Math.max(q, b / seconds(int8, batch));
                    fl = Math.min(fl, 1000 * seconds(fp32, one));
                    ql = Math.min(ql, 1000 * seconds(int8, one));
                }
            }
            return new Speed(f, q, fl, ql);
        }

        private static double seconds(Module m, Tensor x) {
            Variable v = Variable.of(x);
            return Timing.secondsPerCall(() -> m.call(v), 0.5);
        }
    }

    /** The side-by-side table and the JSON halves; {@code speed} is null when not measured. */
    record Report(Metrics before, Metrics after, long sizeBefore, long sizeAfter, Speed speed) {
        String table() {
            StringBuilder sb = new StringBuilder();
            row(sb, "", "float32", "int8", "change");
            row(
                    sb,
                    "test accuracy",
                    pct(before.accuracy()),
                    pct(after.accuracy()),
                    String.format(Locale.ROOT, "%+.2f points", 100 * (after.accuracy() - before.accuracy())));
            row(
                    sb,
                    "size on disk",
                    kb(sizeBefore),
                    kb(sizeAfter),
                    String.format(Locale.ROOT, "%.2fx smaller", (double) sizeBefore / sizeAfter));
            if (speed == null) {
                sb.append("(speed not measured: --no-timing)\n");
            } else {
                speedRows(sb);
            }
            sb.append('\n');
            row(sb, "per-class F1", "float32", "int8", "change");
            List<String> classes = before.classes();
            for (int k = 0; k < classes.size(); k++) {
                row(
                        sb,
                        "  " + classes.get(k),
                        String.format(Locale.ROOT, "%.4f", before.f1(k)),
                        String.format(Locale.ROOT, "%.4f", after.f1(k)),
                        String.format(Locale.ROOT, "%+.4f", after.f1(k) - before.f1(k)));
            }
            return sb.toString();
        }

        private void speedRows(StringBuilder sb) {
            row(
                    sb,
                    "batch-64 images/s",
                    String.format(Locale.ROOT, "%,.0f", speed.fp32PerSecond()),
                    String.format(Locale.ROOT, "%,.0f", speed.int8PerSecond()),
                    String.format(Locale.ROOT, "%.2fx", speed.int8PerSecond() / speed.fp32PerSecond()));
            row(
                    sb,
                    "batch-1 latency",
                    String.format(Locale.ROOT, "%.3f ms", speed.fp32LatencyMs()),
                    String.format(Locale.ROOT, "%.3f ms", speed.int8LatencyMs()),
                    faster(speed.fp32LatencyMs() / speed.int8LatencyMs()));
        }

        Json.Obj side(Metrics m, long bytes, boolean fp32) {
            Json.Arr f1 = Json.arr();
            for (int k = 0; k < m.classes().size(); k++) {
                f1.add(m.f1(k));
            }
            Json.Obj o = Json.obj()
                    .put("test_accuracy", m.accuracy())
                    .put("test_loss", m.meanLoss())
                    .put("f1", f1)
                    .put("bytes", bytes);
            if (speed != null) {
                o.put("batch64_images_per_second", fp32 ? speed.fp32PerSecond() : speed.int8PerSecond())
                        .put("batch1_latency_ms", fp32 ? speed.fp32LatencyMs() : speed.int8LatencyMs());
            }
            return o;
        }

        private static void row(StringBuilder sb, String name, String a, String b, String c) {
            sb.append(String.format(Locale.ROOT, "%-20s %14s %14s   %s%n", name, a, b, c));
        }

        private static String faster(double ratio) {
            return ratio >= 1
                    ? String.format(Locale.ROOT, "%.2fx faster", ratio)
                    : String.format(Locale.ROOT, "%.2fx slower", 1 / ratio);
        }

        private static String pct(double v) {
            return String.format(Locale.ROOT, "%.2f%%", 100 * v);
        }

        private static String kb(long bytes) {
            return String.format(Locale.ROOT, "%,.1f kB", bytes / 1000.0);
        }
    }
}
