package dev.nabla.samples.train;

import dev.nabla.autograd.Autograd;
import dev.nabla.autograd.Variable;
import dev.nabla.export.AtomicFiles;
import dev.nabla.export.Checkpoint;
import dev.nabla.export.TrainingState;
import dev.nabla.nn.CrossEntropyLoss;
import dev.nabla.nn.Module;
import dev.nabla.nn.data.DataLoader;
import dev.nabla.quantize.prune.ChannelPruning;
import dev.nabla.quantize.prune.GradualSchedule;
import dev.nabla.quantize.prune.Pruning;
import dev.nabla.quantize.prune.SparseFile;
import dev.nabla.samples.cli.Args;
import dev.nabla.tensor.Threads;
import dev.nabla.train.Metrics;
import dev.nabla.train.Trainer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code ./nabla prune}: prunes a checkpoint of {@code ./nabla train}, optionally fine-tunes it with
 * the masks held (or on Zhu and Gupta's gradual schedule), and reports before and after: test
 * accuracy, parameters, nonzeros, size on disk and inference throughput, also as
 * {@code prune-metrics.json}. The result is an ordinary checkpoint ({@code ./nabla evaluate} and
 * {@code ./nabla quantize} take it) plus, for unstructured pruning, a compact
 * {@code model.sparse.safetensors}.
 *
 * <pre>{@code
 * ./nabla prune --checkpoint runs/lenet-dense --out runs/lenet-p90 --sparsity 0.9 --global --gradual --fine-tune-epochs 15
 * ./nabla prune --checkpoint runs/fmnist-cnn/checkpoint --out runs/cnn-half --sparsity 0.5 --structured --fine-tune-epochs 2
 * }</pre>
 */
public final class PruneCommand {
    static final String USAGE = """
            usage: ./nabla prune --checkpoint DIR --out DIR --sparsity S [options]
              --sparsity S            fraction in [0, 1) of the weights (or with --structured, of each hidden
                                      layer's channels) to remove
              --global                rank all Conv2d/Linear weights together (default: each layer on its own)
              --structured            remove whole channels/units and shrink the network (chain models only)
              --fine-tune-epochs N    train N epochs afterwards with the masks held (default 0)
              --gradual               reach the sparsity on Zhu & Gupta's cubic schedule over the first
                                      two thirds of the fine-tuning (needs --fine-tune-epochs)
              --prune-every K         steps between gradual prunings (default: 10 prunings in all)
              --lr X                  fine-tuning learning rate (default: the training one, its schedule
                                      restarted over the fine-tuning: "learning-rate rewinding")
              --threads T
            Writes DIR/checkpoint (evaluate and quantize take it), DIR/model.sparse.safetensors (unstructured)
            and DIR/prune-metrics.json with the before/after report.
            LeNet-5 at 90% sparsity keeps its dense accuracy (3 seeds) with --global --gradual
            --fine-tune-epochs 15, as many epochs as its training (BENCHMARKS.md, "Pruning and distillation").
            """;

    private PruneCommand() {}

    /** One side of the report. */
    record Report(
            double accuracy, long parameters, long nonzeros, long bytes, long compactBytes, double imagesPerSecond) {
        Report withSpeed(double speed) {
            return new Report(accuracy, parameters, nonzeros, bytes, compactBytes, speed);
        }

        Json.Obj toJson() {
            return Json.obj()
                    .put("accuracy", accuracy)
                    .put("parameters", parameters)
                    .put("nonzeros", nonzeros)
                    .put("size_bytes", bytes)
                    .put("compact_size_bytes", compactBytes)
                    .put("images_per_second", imagesPerSecond);
        }
    }

    /** Checkpoint metadata: the layer widths of a structurally pruned model, "layer=width,...". */
    static final String WIDTHS_KEY = "pruned.widths";

    /** Shrinks a freshly built model to the widths a structurally pruned checkpoint records. */
    static void resizeIfPruned(Module model, TrainingState state) {
        String widths = state.extra().get(WIDTHS_KEY);
        if (widths == null || widths.isEmpty()) {
            return;
        }
        Map<String, Integer> m = new LinkedHashMap<>();
        for (String part : widths.split(",")) {
            int eq = part.lastIndexOf('=');
            m.put(part.substring(0, eq), Integer.parseInt(part.substring(eq + 1)));
        }
        var pre = state.preprocessing();
        ChannelPruning.resize(model, m, Variable.zeros(1, pre.channels(), pre.height(), pre.width()));
    }

    public static int run(String[] argv, PrintStream log) throws IOException {
        Args a = Args.parse(argv, Set.of("help", "global", "structured", "gradual"));
        if (a.flag("help")) {
            log.print(USAGE);
            return 0;
        }
        Threads.set(a.intValue("threads", Threads.get()));
        String dir = a.string("checkpoint", null);
        String outDir = a.string("out", null);
        if (dir == null || outDir == null) {
            throw new Args.UsageException("--checkpoint DIR and --out DIR are required");
        }
        if (!a.has("sparsity")) {
            throw new Args.UsageException("--sparsity S is required");
        }
        double sparsity = a.doubleValue("sparsity", 0);
        if (!(sparsity >= 0 && sparsity < 1)) {
            throw new Args.UsageException("--sparsity must be in [0, 1), got " + sparsity);
        }
        boolean global = a.flag("global");
        boolean structured = a.flag("structured");
        boolean gradual = a.flag("gradual");
        int epochs = a.intValue("fine-tune-epochs", 0);
        if (epochs < 0) {
            throw new Args.UsageException("--fine-tune-epochs must be >= 0");
        }
        if (gradual && (epochs == 0 || structured)) {
            throw new Args.UsageException("--gradual needs --fine-tune-epochs N and unstructured pruning");
        }
        TrainCommand.Loaded loaded = TrainCommand.Loaded.of(Path.of(dir), null);
        if (loaded.quantization() != null) {
            throw new Args.UsageException(
                    loaded.dir() + " holds an int8 model: prune the float checkpoint, then quantize");
        }
        Recipe trained = loaded.recipe();
        // Renda et al. 2020: fine-tuning at the training rate on its schedule recovers more than a smaller
        // one (LeNet-5 at 90%, 30 epochs, 3 seeds: 98.07% against 97.87% with a quarter of the rate).
        double lr = a.doubleValue("lr", trained.lr());
        int every = a.intValue("prune-every", 0);
        a.finish();
        Path in = loaded.dir();
        Path out = Path.of(outDir);

        Recipe tune = trained.withFineTune(Math.max(1, epochs), lr);
        DataSource raw = DataSource.load(tune);
        DataSource data = new DataSource(
                raw.train(), null, raw.test(), loaded.preprocessing().normalization());
        DataLoader test = data.loader(data.test());
        Module model = loaded.model();
        Variable sample =
                Variable.zeros(1, data.channels(), data.size(), data.train().width());
        log.printf(
                Locale.ROOT,
                "%s: %s on %s, %,d test images%n",
                in,
                trained.model(),
                trained.dataset(),
                data.test().size());
        Report before = report(model, data, in.resolve(Checkpoint.MODEL_FILE), 0);

        Map<String, String> metadata = new LinkedHashMap<>(TrainCommand.recipeMetadata(tune));
        metadata.put("pruned.from", in.toString());
        metadata.put("pruned.sparsity", Double.toString(sparsity));
        metadata.put("pruned.kind", structured ? "structured" : global ? "global" : "layer-wise");
        if (structured) {
            ChannelPruning.Plan plan = ChannelPruning.plan(model, sparsity, sample);
            plan.shrink(model);
            StringBuilder sb = new StringBuilder();
            plan.widths()
                    .forEach((k, v) -> sb.append(sb.isEmpty() ? "" : ",")
                            .append(k)
                            .append('=')
                            .append(v));
            metadata.put(WIDTHS_KEY, sb.toString());
            log.println("structured: output widths now " + plan.widths());
        }
        // The optimizer is built after shrinking, so it holds the new layers' parameters.
        DataLoader train = data.trainLoader(tune);
        Setup setup = Setup.forModel(tune, model, train.size());
        Pruning pruning = null;
        List<String> names = Pruning.weights(model);
        if (!structured) {
            pruning = Pruning.of(model).attach(setup.optimizer());
            if (gradual) {
                long steps = (long) epochs * train.size();
                long end = Math.max(1, steps * 2 / 3);
                long freq = every > 0 ? every : Math.max(1, end / 10);
                new GradualSchedule(0, sparsity, 1, end, freq).attach(pruning, names, global, setup.optimizer());
                log.printf(Locale.ROOT, "gradual: 0 -> %.3f over steps 1..%d, every %d steps%n", sparsity, end, freq);
            } else if (global) {
                pruning.globalUnstructured(names, sparsity);
            } else {
                for (String n : names) {
                    pruning.l1Unstructured(n, sparsity);
                }
            }
        }
        double prunedAccuracy = gradual ? before.accuracy() : accuracy(model, data);
        if (!gradual) {
            log.printf(Locale.ROOT, "pruned, before fine-tuning: test accuracy %.2f%%%n", 100 * prunedAccuracy);
        }
        Trainer trainer = new Trainer(
                model,
                setup.optimizer(),
                Trainer.options()
                        .epochs(Math.max(1, epochs))
                        .loss(new CrossEntropyLoss())
                        .scheduler(setup.scheduler())
                        .classNames(data.classNames())
                        .metadata(metadata)
                        .preprocessing(data.preprocessing())
                        .testEveryEpoch(test)
                        .log(log));
        if (epochs > 0) {
            trainer.fit(train);
        }
        if (pruning != null) {
            log.printf(Locale.ROOT, "sparsity of the pruned weights: %.4f%n", pruning.sparsity());
            pruning.remove();
        }
        Path checkpoint = out.resolve("checkpoint");
        Checkpoint.save(checkpoint, trainer.state());
        long compact = 0;
        if (!structured) {
            Path sparse = out.resolve("model.sparse.safetensors");
            SparseFile.write(sparse, model.stateDict());
            compact = Files.size(sparse);
        }
        Report after = report(model, data, checkpoint.resolve(Checkpoint.MODEL_FILE), compact);
        // Throughput side by side, alternating dense and pruned (A B A B) once both are warm, so that
        // neither the JIT's warm-up nor a burst of load on a shared machine favours one of them.
        Module dense = TrainCommand.Loaded.of(in, null).model();
        double denseSpeed = 0;
        double prunedSpeed = 0;
        for (int round = 0; round < 2; round++) {
            denseSpeed = Math.max(denseSpeed, throughput(dense, data));
            prunedSpeed = Math.max(prunedSpeed, throughput(model, data));
        }
        before = before.withSpeed(denseSpeed);
        after = after.withSpeed(prunedSpeed);

        log.println();
        log.printf(Locale.ROOT, "%-22s %14s %14s%n", "", "before", "after");
        log.printf(
                Locale.ROOT,
                "%-22s %13.2f%% %13.2f%%%n",
                "test accuracy",
                100 * before.accuracy(),
                100 * after.accuracy());
        log.printf(Locale.ROOT, "%-22s %,14d %,14d%n", "parameters", before.parameters(), after.parameters());
        log.printf(Locale.ROOT, "%-22s %,14d %,14d%n", "nonzeros", before.nonzeros(), after.nonzeros());
        log.printf(Locale.ROOT, "%-22s %,14d %,14d%n", "model file (bytes)", before.bytes(), after.bytes());
        if (compact > 0) {
            log.printf(Locale.ROOT, "%-22s %14s %,14d%n", "compact file (bytes)", "-", compact);
        }
        log.printf(
                Locale.ROOT,
                "%-22s %,14.0f %,14.0f  (x%.2f)%n",
                "throughput (img/s)",
                before.imagesPerSecond(),
                after.imagesPerSecond(),
                after.imagesPerSecond() / before.imagesPerSecond());
        Json.Obj json = Json.obj()
                .put("checkpoint", in.toString())
                .put("sparsity", sparsity)
                .put("kind", structured ? "structured" : global ? "global" : "layer-wise")
                .put("gradual", gradual)
                .put("fine_tune_epochs", epochs)
                .put("fine_tune_lr", lr)
                .put("threads", Threads.get())
                .put("pruned_accuracy_before_fine_tuning", prunedAccuracy)
                .put("before", before.toJson())
                .put("after", after.toJson());
        byte[] bytes = json.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(out.resolve("prune-metrics.json"), ch -> ch.write(ByteBuffer.wrap(bytes)));
        log.println("checkpoint: " + checkpoint + " (./nabla evaluate and ./nabla quantize take it)");
        log.println("metrics:    " + out.resolve("prune-metrics.json"));
        return 0;
    }

    static double accuracy(Module model, DataSource data) {
        return Metrics.evaluate(model, data.loader(data.test()), new CrossEntropyLoss(), data.classNames())
                .accuracy();
    }

    static Report report(Module model, DataSource data, Path file, long compactBytes) throws IOException {
        double accuracy = accuracy(model, data);
        long params = model.parameterCount();
        long nonzeros = 0;
        for (Variable p : model.parameters()) {
            for (float v : p.data().contiguous().toArray()) {
                nonzeros += v != 0 ? 1 : 0;
            }
        }
        return new Report(accuracy, params, nonzeros, Files.size(file), compactBytes, 0);
    }

    /**
     * Images per second of inference over the test split's first batches, already normalised in memory so
     * only the model is timed: one warm-up pass, then the best of three.
     */
    static double throughput(Module model, DataSource data) {
        model.eval();
        List<Variable> inputs = new ArrayList<>();
        try (DataLoader.BatchIterator it = data.loader(data.test()).epoch(0).iterator()) {
            // The first 2,000 test images (4 batches) are enough for a rate and keep the report quick.
            while (it.hasNext() && inputs.size() < 4) {
                inputs.add(it.next().inputs());
            }
        }
        double best = 0;
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            for (int round = 0; round < 4; round++) {
                long images = 0;
                long t0 = System.nanoTime();
                for (Variable x : inputs) {
                    model.call(x);
                    images += x.size(0);
                }
                double rate = images / ((System.nanoTime() - t0) / 1e9);
                if (round > 0) {
                    best = Math.max(best, rate);
                }
            }
        } finally {
            model.train();
        }
        return best;
    }
}
