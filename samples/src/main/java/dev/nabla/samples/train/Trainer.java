package dev.nabla.samples.train;

import dev.nabla.autograd.Autograd;
import dev.nabla.autograd.Variable;
import dev.nabla.export.Checkpoint;
import dev.nabla.export.TrainingState;
import dev.nabla.nn.CrossEntropyLoss;
import dev.nabla.nn.Module;
import dev.nabla.nn.data.Batch;
import dev.nabla.nn.data.DataLoader;
import dev.nabla.nn.data.ProgressBar;
import dev.nabla.nn.models.Models;
import dev.nabla.optim.Adam;
import dev.nabla.optim.AdamW;
import dev.nabla.optim.LrScheduler;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.SGD;
import dev.nabla.optim.Schedule;
import dev.nabla.quantize.distill.DistillationLoss;
import dev.nabla.quantize.distill.Teacher;
import dev.nabla.quantize.prune.ChannelPruning;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The training loop behind {@code ./nabla train}: builds model, optimizer and schedule from a
 * {@link Recipe}, trains with a progress bar per epoch, evaluates on the test split after every
 * epoch, checkpoints atomically at every epoch end (so an interrupted run resumes from the last
 * one) and stops at the first non-finite loss, naming the step and keeping the last good
 * checkpoint.
 */
final class Trainer {
    static final String CHECKPOINT_DIR = "checkpoint";
    static final String METRICS_FILE = "metrics.json";

    /** A loss that became NaN or infinite; the run stops instead of training on garbage. */
    static final class NonFiniteLossException extends RuntimeException {
        final long step;

        NonFiniteLossException(long step, int epoch, int batch, float loss) {
            super("the loss became " + loss + " at step " + step + " (epoch " + epoch + ", batch " + batch + ")");
            this.step = step;
        }
    }

    /** One epoch's figures, as metrics.json lists them and curves.png draws them. */
    record Epoch(
            int epoch,
            double trainLoss,
            double trainAccuracy,
            double testLoss,
            double testAccuracy,
            double lr,
            double seconds) {
        Json.Obj toJson() {
            return Json.obj()
                    .put("epoch", epoch)
                    .put("train_loss", trainLoss)
                    .put("train_accuracy", trainAccuracy)
                    .put("test_loss", testLoss)
                    .put("test_accuracy", testAccuracy)
                    .put("lr", lr)
                    .put("seconds", seconds);
        }
    }

    /** What a finished run reports. */
    record Result(Metrics test, List<Epoch> history, double trainSeconds, long images) {}

    private final Recipe recipe;
    private final DataSource data;
    private final Path out;
    private final PrintStream log;
    private final Module model;
    private final Optimizer optimizer;
    private final LrScheduler scheduler;
    private final DataLoader trainLoader;
    private final DataLoader testLoader;
    private final CrossEntropyLoss lossFn;
    private final List<Epoch> history = new ArrayList<>();
    private final Map<String, String> extra = new LinkedHashMap<>();
    private Teacher teacher;
    private DistillationLoss distillation;
    private int startEpoch = 1;
    private double priorSeconds;
    private long priorImages;

    Trainer(Recipe recipe, DataSource data, Path out, PrintStream log) {
        this(recipe, data, out, log, buildModel(recipe, data));
    }

    /** Trains a given model (a pruned one to fine-tune) with the recipe's optimizer and schedule. */
    Trainer(Recipe recipe, DataSource data, Path out, PrintStream log, Module model) {
        this.recipe = recipe;
        this.data = data;
        this.out = out;
        this.log = log;
        this.model = model;
        this.trainLoader = data.trainLoader(recipe);
        this.testLoader = data.testLoader();
        this.lossFn = new CrossEntropyLoss(CrossEntropyLoss.options().labelSmoothing(recipe.labelSmoothing()));
        this.optimizer = buildOptimizer(recipe, model);
        this.scheduler = new LrScheduler(optimizer, buildSchedule(recipe, trainLoader.size()));
    }

    static Module buildModel(Recipe r, DataSource d) {
        return Models.create(r.model(), d.channels(), d.size(), d.classes(), new Generator(r.seed()));
    }

    /**
     * The model a checkpoint holds, its weights restored: the recipe's model, shrunk first to the
     * widths that structured pruning recorded ({@value #WIDTHS_KEY}).
     */
    static Module buildModel(Recipe r, DataSource d, TrainingState state) {
        Module model = buildModel(r, d);
        String widths = state.extra().get(WIDTHS_KEY);
        if (widths != null && !widths.isEmpty()) {
            ChannelPruning.resize(model, parseWidths(widths), Variable.zeros(1, d.channels(), d.size(), d.size()));
        }
        state.restoreModel(model);
        return model;
    }

    /** Checkpoint metadata: the layer widths of a structurally pruned model, "layer=width,...". */
    static final String WIDTHS_KEY = "pruned.widths";

    static String formatWidths(Map<String, Integer> widths) {
        StringBuilder sb = new StringBuilder();
        widths.forEach((k, v) ->
                sb.append(sb.isEmpty() ? "" : ",").append(k).append('=').append(v));
        return sb.toString();
    }

    static Map<String, Integer> parseWidths(String s) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (String part : s.split(",")) {
            int eq = part.lastIndexOf('=');
            m.put(part.substring(0, eq), Integer.parseInt(part.substring(eq + 1)));
        }
        return m;
    }

    /** Metadata saved in every checkpoint of this run (beside the recipe). */
    void putExtra(String key, String value) {
        extra.put(key, value);
    }

    /** Trains against a frozen teacher's logits with the distillation loss instead of the labels alone. */
    void distillFrom(Teacher teacher, DistillationLoss loss) {
        this.teacher = teacher;
        this.distillation = loss;
    }

    private static Optimizer buildOptimizer(Recipe r, Module model) {
        return switch (r.optimizer()) {
            case "sgd" ->
                new SGD(model.parameters(), r.lr())
                        .momentum(r.momentum())
                        .nesterov(r.nesterov())
                        .weightDecay(r.weightDecay());
            case "adam" -> new Adam(model.parameters(), r.lr()).weightDecay(r.weightDecay());
            case "adamw" -> new AdamW(model.parameters(), r.lr()).weightDecay(r.weightDecay());
            default -> throw new IllegalArgumentException("unknown optimizer " + r.optimizer());
        };
    }

    /** Schedules step once per batch, as the peer's scripts do. */
    private static Schedule buildSchedule(Recipe r, int stepsPerEpoch) {
        int total = r.epochs() * stepsPerEpoch;
        int warm = (int) Math.round(r.warmupEpochs() * stepsPerEpoch);
        int rest = Math.max(1, total - warm);
        Schedule main = switch (r.schedule()) {
            case "none" -> Schedule.constant();
            case "cosine" -> Schedule.cosine(rest, 0);
            case "step" -> Schedule.step(Math.max(1, rest / 3), 0.1);
            case "exponential" -> Schedule.exponential(Math.pow(0.01, 1.0 / rest));
            case "inverse-time" -> Schedule.inverseTime(10.0 / rest);
            case "onecycle" -> Schedule.oneCycle(rest);
            default -> throw new IllegalArgumentException("unknown schedule " + r.schedule());
        };
        return warm > 0 ? Schedule.warmup(warm, 0.01, main) : main;
    }

    /** Continues from a checkpoint written by an earlier run of the same recipe. */
    void resume(TrainingState state) {
        state.restore(model, optimizer, scheduler, Map.of());
        startEpoch = (int) state.epoch() + 1;
        priorSeconds = Double.parseDouble(state.extra().getOrDefault("train_seconds", "0"));
        priorImages = Long.parseLong(state.extra().getOrDefault("train_images", "0"));
        log.printf(Locale.ROOT, "resuming after epoch %d (step %d)%n", state.epoch(), state.step());
    }

    Module model() {
        return model;
    }

    Optimizer optimizer() {
        return optimizer;
    }

    /**
     * Trains from the current epoch to the recipe's last, or only up to {@code pauseAfter} (then
     * the run stops as if interrupted, resumable from its checkpoint); 0 means no pause.
     */
    Result run(int pauseAfter) throws IOException {
        Files.createDirectories(out);
        double trainSeconds = priorSeconds;
        long images = priorImages;
        Metrics last = null;
        int lastEpoch = pauseAfter > 0 ? Math.min(pauseAfter, recipe.epochs()) : recipe.epochs();
        for (int epoch = startEpoch; epoch <= lastEpoch; epoch++) {
            long t0 = System.nanoTime();
            Metrics train = trainEpoch(epoch);
            double seconds = (System.nanoTime() - t0) / 1e9;
            trainSeconds += seconds;
            images += train.total();
            last = evaluate(model, testLoader, data.classNames());
            log.printf(
                    Locale.ROOT,
                    "epoch %d/%d  train loss %.4f acc %.2f%%  test loss %.4f acc %.2f%%  lr %.3g  "
                            + "%.1fs (%,.0f img/s)%n",
                    epoch,
                    recipe.epochs(),
                    train.meanLoss(),
                    100 * train.accuracy(),
                    last.meanLoss(),
                    100 * last.accuracy(),
                    scheduler.currentLr(),
                    seconds,
                    train.total() / seconds);
            history.add(new Epoch(
                    epoch,
                    train.meanLoss(),
                    train.accuracy(),
                    last.meanLoss(),
                    last.accuracy(),
                    scheduler.currentLr(),
                    seconds));
            saveCheckpoint(epoch, trainSeconds, images);
        }
        if (last == null) {
            last = evaluate(model, testLoader, data.classNames());
        }
        return new Result(last, history, trainSeconds, images);
    }

    private Metrics trainEpoch(int epoch) {
        model.train();
        Metrics m = new Metrics(data.classNames());
        int batches = trainLoader.size();
        String label = String.format("epoch %d/%d", epoch, recipe.epochs());
        try (ProgressBar bar = ProgressBar.count(label, data.train().size(), "img");
                DataLoader.BatchIterator it = trainLoader.epoch(epoch - 1).iterator()) {
            while (it.hasNext()) {
                Batch b = it.next();
                optimizer.zeroGrad();
                Variable logits = model.call(b.inputs());
                Variable loss = teacher == null
                        ? lossFn.call(logits, b.targets())
                        : distillation.call(logits, teacher.logits(b.inputs()), b.targets());
                float value = loss.item();
                if (!Float.isFinite(value)) {
                    throw new NonFiniteLossException(optimizer.stepCount() + 1, epoch, b.index() + 1, value);
                }
                loss.backward();
                optimizer.step();
                scheduler.step();
                count(m, logits.data(), b.targets().data(), value * b.size());
                bar.message(String.format(Locale.ROOT, "loss %.4f  acc %.2f%%", m.meanLoss(), 100 * m.accuracy()));
                bar.advance(b.size());
            }
        }
        if (m.total() == 0 || batches == 0) {
            throw new IllegalStateException("the training split yielded no batches");
        }
        return m;
    }

    /** Test-split metrics in eval mode, without recording gradients. */
    static Metrics evaluate(Module model, DataLoader loader, List<String> classes) {
        model.eval();
        Metrics m = new Metrics(classes);
        CrossEntropyLoss lossFn = new CrossEntropyLoss();
        try (Autograd.NoGrad ignored = Autograd.noGrad();
                DataLoader.BatchIterator it = loader.epoch(0).iterator()) {
            while (it.hasNext()) {
                Batch b = it.next();
                Variable logits = model.call(b.inputs());
                float loss = lossFn.call(logits, b.targets()).item();
                count(m, logits.data(), b.targets().data(), (double) loss * b.size());
            }
        } finally {
            model.train();
        }
        return m;
    }

    private static void count(Metrics m, Tensor logits, Tensor targets, double lossSum) {
        int[] predicted = logits.argmax(1, false).toIntArray();
        int[] truth = targets.toIntArray();
        for (int i = 0; i < truth.length; i++) {
            m.add(truth[i], predicted[i]);
        }
        m.addLoss(lossSum);
    }

    /** Saves the model as it is, as epoch {@code epoch}'s checkpoint (a pruned model without fine-tuning). */
    void save(int epoch) throws IOException {
        Files.createDirectories(out);
        saveCheckpoint(epoch, 0, 0);
    }

    private void saveCheckpoint(int epoch, double trainSeconds, long images) throws IOException {
        Map<String, String> extra = new LinkedHashMap<>(this.extra);
        recipe.toMap().forEach((k, v) -> extra.put("recipe." + k, v));
        extra.put("train_seconds", Double.toString(trainSeconds));
        extra.put("train_images", Long.toString(images));
        TrainingState state = TrainingState.capture(
                        model, optimizer, scheduler, Map.of(), epoch, optimizer.stepCount(), extra)
                .withPreprocessing(data.preprocessing());
        Checkpoint.save(out.resolve(CHECKPOINT_DIR), state);
    }

    /** Recovers the recipe a checkpoint was trained with. */
    static Recipe recipeOf(TrainingState state) {
        Map<String, String> m = new LinkedHashMap<>();
        state.extra().forEach((k, v) -> {
            if (k.startsWith("recipe.")) {
                m.put(k.substring("recipe.".length()), v);
            }
        });
        if (m.isEmpty()) {
            throw new IllegalArgumentException(
                    "the checkpoint holds no training recipe (was it written by ./nabla train?)");
        }
        return Recipe.fromMap(m);
    }
}
