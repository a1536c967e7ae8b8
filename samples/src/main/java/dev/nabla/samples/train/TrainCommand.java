package dev.nabla.samples.train;

import dev.nabla.export.AtomicFiles;
import dev.nabla.export.Checkpoint;
import dev.nabla.export.TrainingState;
import dev.nabla.nn.CrossEntropyLoss;
import dev.nabla.nn.Module;
import dev.nabla.nn.data.DataLoader;
import dev.nabla.nn.data.Preprocessing;
import dev.nabla.quantize.Quantization;
import dev.nabla.samples.cli.Args;
import dev.nabla.tensor.Tensor;
import dev.nabla.tensor.Threads;
import dev.nabla.train.Callback;
import dev.nabla.train.CsvLogger;
import dev.nabla.train.DivergenceException;
import dev.nabla.train.EarlyStopping;
import dev.nabla.train.History;
import dev.nabla.train.Metrics;
import dev.nabla.train.ModelCheckpoint;
import dev.nabla.train.RunDirectory;
import dev.nabla.train.Trainer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code ./nabla train} and {@code ./nabla evaluate}: a thin layer over the library's
 * {@link Trainer}. The command turns flags into a {@link Recipe}, loads the data, builds model,
 * optimizer and schedule, takes a {@link RunDirectory}, and reports.
 *
 * <p>A run's folder:
 * <pre>
 * runs/mnist-10k-lenet5/      (the next run without --out: runs/mnist-10k-lenet5-2, ...)
 *   last/                     the last epoch's checkpoint (model.safetensors loads in PyTorch; training.safetensors)
 *   best/                     the best epoch's, by --monitor (val_accuracy by default)
 *   log.csv                   one row per epoch, written as the run goes
 *   metrics.json              the recipe, the history, the best epoch and the test metrics, typed
 *   curves.png, confusion.png the learning curves and the test confusion matrix
 *   .lock                     while the run lives
 * </pre>
 *
 * <pre>{@code
 * ./nabla train                                   # LeNet-5 on the embedded MNIST digits
 * ./nabla train --dataset cifar10 --data ../shared/data/cifar-10-subset --epochs 30
 * ./nabla train --resume runs/mnist-10k-lenet5 --epochs 20
 * ./nabla evaluate --checkpoint runs/mnist-10k-lenet5
 * ./nabla evaluate --checkpoint runs/mnist-10k-lenet5-int8     # written by ./nabla quantize
 * }</pre>
 */
public final class TrainCommand {
    static final String METRICS_FILE = "metrics.json";
    static final String LOG_FILE = "log.csv";

    static final String TRAIN_USAGE = """
            usage: ./nabla train [options]
            data
              --dataset mnist-10k|mnist|fashion-mnist|cifar10|cifar100
                                    (default mnist-10k, shipped with Nabla; mnist when --data is given)
              --data DIR            where the data set lives (mnist: the four IDX files; fashion-mnist:
                                    /usr/share/datasets/fashion-mnist; cifar10: data/cifar10)
              --download            fetch CIFAR-10 into --data when it is absent (MD5-checked)
              --val-split F         hold out a seeded, stratified fraction of the training set to validate
                                    on and select the best epoch (default 0.1; 0: no validation)
              --val-data PATH       validate on a separate set instead (an IDX images file, or a folder with
                                    one pair; a CIFAR batch file)
              --train-limit N  --test-limit N   use only the first N images (quick trials)
            model and optimisation
              --model lenet5|small-cnn|cnn|cnn-bn|resnet20, or com.example.MyNet with --class-path DIRS_OR_JARS:
                                    a public Module with a public constructor (int channels, int height,
                                    int width, int classes), or else a public no-argument one
              --epochs N  --batch-size B  --seed S
              --optimizer sgd|adam|adamw  --lr X  --weight-decay W
              --momentum M  --nesterov | --no-nesterov     (sgd only)
              --schedule none|cosine|step|exponential|inverse-time|onecycle  --warmup-epochs E
              --augment | --no-augment   random crop (and flip, except for digits)
              --label-smoothing X  --clip-grad-norm X  --accumulate-grad-batches N
            selection and stopping
              --monitor val_accuracy|val_loss|train_loss|train_accuracy
                                    what selects best/ and early stopping watches (default val_accuracy,
                                    or train_loss without validation)
              --patience N          stop after N epochs without improvement of --monitor (default: never)
              --test-every-epoch    also evaluate the test set after every epoch (default: once, at the end)
            the run
              --out DIR             the run's folder (default runs/<dataset>-<model>, numbered -2, -3, ... when
                                    taken); an --out holding an earlier run is refused unless --overwrite
              --overwrite           replace the earlier run in --out
              --resume RUN          continue an interrupted run from its last/ checkpoint; only --epochs
                                    (to train longer), --pause-after and --threads may be given with it
              --pause-after E       stop after epoch E; continue later with --resume
              --threads T
            Defaults follow the data set: LeNet-5 + Adam 2e-3, cosine, 15 epochs for the digits; the peer's
            small CNN + Adam 1e-3 x 5 for fashion-mnist; the peer's CIFAR recipe (cnn-bn, SGD 0.05
            Nesterov, weight decay 5e-4, cosine, crop + flip, 30 epochs) for cifar10/100.
            """;
    static final String EVALUATE_USAGE = """
            usage: ./nabla evaluate --checkpoint RUN_OR_CHECKPOINT [--dataset NAME] [--data DIR] [--test-limit N]
                                    [--class-path CP] [--threads T]
                   ./nabla evaluate --onnx FILE.onnx [--dataset NAME] [--data DIR] [--test-limit N] [--threads T]
            Reports test accuracy, per-class precision/recall/F1 and the confusion matrix of a model
            saved by ./nabla train (a run's folder means its best/ checkpoint) or ./nabla quantize, by
            default on the test split of the data set it was trained on; or of an ONNX file imported into
            Nabla, by default on the embedded MNIST digits' test split, normalised as ./nabla train does
            (the file's input is the normalised image [N, C, H, W]).
            """;

    private TrainCommand() {}

    /** Runs {@code ./nabla train}; returns the process exit code. */
    public static int train(String[] argv, PrintStream log) throws IOException {
        Args a = Args.parse(argv, Recipe.SWITCHES);
        if (a.flag("help")) {
            log.print(TRAIN_USAGE);
            return 0;
        }
        int threads = threads(a);
        String resume = a.string("resume", null);
        Recipe recipe;
        TrainingState state = null;
        Path runPath;
        RunDirectory.Existing existing;
        if (resume != null) {
            for (String f : List.of("out", "overwrite")) {
                if (a.has(f)) {
                    throw new Args.UsageException(
                            "--" + f + " does not apply to --resume: the run continues in its " + "own folder");
                }
            }
            runPath = runFolder(Path.of(resume));
            state = Checkpoint.load(runPath.resolve(ModelCheckpoint.LAST));
            Recipe recorded = recipeOf(state);
            recipe = Recipe.fromArgs(a, recorded);
            checkUnchanged(recorded, recipe);
            var stopped = Trainer.stopReasonOf(state);
            if (stopped.isPresent()) {
                throw new Args.UsageException("the run in " + runPath + " ended after epoch " + state.epoch() + " ("
                        + stopped.get() + "): there is nothing to resume");
            }
            if (recipe.epochs() <= state.epoch()) {
                throw new Args.UsageException("the run in " + runPath + " has trained " + state.epoch() + " of its "
                        + recorded.epochs() + " epochs; to train further pass --epochs N with N > " + state.epoch());
            }
            existing = null;
        } else {
            recipe = Recipe.fromArgs(a, null);
            String out = a.string("out", null);
            boolean overwrite = a.flag("overwrite");
            runPath = Path.of(out != null ? out : "runs/" + recipe.dataset() + "-" + simpleName(recipe.model()));
            existing = overwrite
                    ? RunDirectory.Existing.OVERWRITE
                    : out != null ? RunDirectory.Existing.REFUSE : RunDirectory.Existing.NUMBER;
        }
        int done = state == null ? 0 : (int) state.epoch();
        int pauseAfter = a.intValue("pause-after", 0);
        if (a.has("pause-after") && (pauseAfter <= done || pauseAfter >= recipe.epochs())) {
            throw new Args.UsageException("--pause-after must be an epoch in [" + (done + 1) + ", "
                    + (recipe.epochs() - 1) + "] (the run trains epochs " + (done + 1) + " to " + recipe.epochs()
                    + "), got " + pauseAfter);
        }
        a.finish();
        Threads.set(threads);

        DataSource data = DataSource.load(recipe);
        DataLoader trainLoader = data.trainLoader(recipe);
        Setup setup = Setup.build(recipe, data, trainLoader.size());
        try (RunDirectory run = existing == null ? RunDirectory.open(runPath) : create(runPath, existing, recipe)) {
            return train(recipe, data, trainLoader, setup, state, run, pauseAfter, log);
        }
    }

    static int threads(Args a) {
        int threads = a.intValue("threads", Threads.get());
        if (threads < 1) {
            throw new Args.UsageException("--threads must be >= 1, got " + threads);
        }
        return threads;
    }

    /** A run folder's name part for a model: the zoo name, or the class's simple name. */
    private static String simpleName(String model) {
        return model.substring(model.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
    }

    private static RunDirectory create(Path path, RunDirectory.Existing existing, Recipe recipe) throws IOException {
        try {
            return RunDirectory.create(path, existing);
        } catch (FileAlreadyExistsException e) {
            throw new Args.UsageException(e.getMessage()
                    + (existing == RunDirectory.Existing.REFUSE
                            ? "; pass --overwrite to replace it, --resume " + path + " to continue it, or another --out"
                            : ""));
        }
    }

    /** The run folder of {@code --resume PATH}: the folder itself, or the parent of its last/ checkpoint. */
    private static Path runFolder(Path p) throws IOException {
        if (!Files.exists(p)) {
            throw new NoSuchFileException(p.toString(), null, "--resume: not found");
        }
        if (!Files.isDirectory(p)) {
            throw new FileSystemException(p.toString(), null, "--resume: is a file; give the run's folder");
        }
        String name = p.toAbsolutePath().normalize().getFileName().toString();
        if (name.equals(ModelCheckpoint.BEST)) {
            throw new Args.UsageException("--resume continues from the last epoch, not the best: give the run's "
                    + "folder " + p.toAbsolutePath().normalize().getParent());
        }
        Path run = name.equals(ModelCheckpoint.LAST)
                ? p.toAbsolutePath().normalize().getParent()
                : p;
        if (!Files.exists(AtomicFiles.resolveDirectory(run.resolve(ModelCheckpoint.LAST)))) {
            throw new NoSuchFileException(
                    run.toString(),
                    null,
                    "--resume: holds no last/ checkpoint (is it a run written by ./nabla train?)");
        }
        return run;
    }

    /** A resumed run continues its recipe: a flag that changes it is refused, with the recorded value. */
    private static void checkUnchanged(Recipe recorded, Recipe given) {
        Map<String, String> before = recorded.toMap();
        Map<String, String> after = given.toMap();
        List<String> changed = new ArrayList<>();
        before.forEach((k, v) -> {
            if (!k.equals("epochs") && !v.equals(after.get(k))) {
                changed.add("--" + k.replace('_', '-') + " " + after.get(k) + " (the run has "
                        + (v.isEmpty() ? "none" : v) + ")");
            }
        });
        if (!changed.isEmpty()) {
            throw new Args.UsageException("a resumed run continues its recipe; " + String.join(", ", changed)
                    + " would change it: start a new run instead");
        }
    }

    private static int train(
            Recipe recipe,
            DataSource data,
            DataLoader trainLoader,
            Setup setup,
            TrainingState state,
            RunDirectory run,
            int pauseAfter,
            PrintStream log)
            throws IOException {
        Module model = setup.model();
        log.printf(
                Locale.ROOT,
                "%s: %,d training / %s / %,d test images, %d classes, %dx%dx%d%n",
                recipe.dataset(),
                data.train().size(),
                data.val() == null
                        ? "no validation"
                        : String.format(
                                Locale.ROOT, "%,d validation", data.val().size()),
                data.test().size(),
                data.classes(),
                data.channels(),
                data.size(),
                data.train().width());
        log.println("recipe: " + recipe.commandLine());
        log.printf(
                Locale.ROOT,
                "model: %s, %,d parameters; %d threads; run folder %s%n",
                recipe.model(),
                model.parameterCount(),
                Threads.get(),
                run.path());
        ModelCheckpoint checkpoints = new ModelCheckpoint(run.path(), recipe.monitorOf());
        List<Callback> callbacks = new ArrayList<>();
        callbacks.add(new CsvLogger(run.resolve(LOG_FILE)));
        if (recipe.patience() > 0) {
            callbacks.add(new EarlyStopping(recipe.monitorOf(), recipe.patience()));
        }
        callbacks.add(checkpoints);
        DataLoader testLoader = data.loader(data.test());
        Trainer.Options options = Trainer.options()
                .epochs(recipe.epochs())
                .loss(new CrossEntropyLoss(CrossEntropyLoss.options().labelSmoothing(recipe.labelSmoothing())))
                .scheduler(setup.scheduler())
                .clipGradNorm(recipe.clipGradNorm())
                .accumulateGradBatches(recipe.accumulate())
                .classNames(data.classNames())
                .metadata(recipeMetadata(recipe))
                .preprocessing(data.preprocessing())
                .callbacks(callbacks.toArray(Callback[]::new))
                .log(log);
        if (recipe.testEveryEpoch()) {
            options = options.testEveryEpoch(testLoader);
        }
        Trainer trainer = new Trainer(model, setup.optimizer(), options);
        if (state != null) {
            double lrBefore =
                    Trainer.historyOf(state).last().map(Trainer.Epoch::lr).orElse(Double.NaN);
            trainer.restore(state);
            log.printf(Locale.ROOT, "resuming after epoch %d (step %d)%n", state.epoch(), state.step());
            double lrNow = setup.optimizer().paramGroups().get(0).lr();
            if (!Double.isNaN(lrBefore) && Math.abs(lrNow - lrBefore) > 1e-12 * Math.max(1, Math.abs(lrBefore))) {
                log.printf(
                        Locale.ROOT,
                        "note: over %d epochs the %s schedule sets lr %.3g at this step (it was %.3g)%n",
                        recipe.epochs(),
                        recipe.schedule(),
                        lrNow,
                        lrBefore);
            }
        }
        DataLoader valLoader = data.val() == null ? null : data.loader(data.val());
        History history;
        try {
            history = trainer.fit(trainLoader, valLoader, pauseAfter > 0 ? pauseAfter : recipe.epochs());
        } catch (DivergenceException e) {
            log.println("stopped: " + e.getMessage() + ". "
                    + (trainer.epoch() > 0
                            ? "The last good checkpoint (epoch " + trainer.epoch() + ") is kept in "
                                    + checkpoints.last()
                            : "No checkpoint was written")
                    + "; lower --lr, add --warmup-epochs or --clip-grad-norm.");
            writeMetrics(run, recipe, model, trainer.history(), checkpoints, null, "diverged: " + e.getMessage());
            return 3;
        }
        if (trainer.stopReason().isEmpty() && trainer.epoch() < recipe.epochs()) {
            writeMetrics(run, recipe, model, history, checkpoints, null, "paused");
            log.println("paused after epoch " + trainer.epoch() + " of " + recipe.epochs()
                    + "; continue with: ./nabla train --resume " + run.path());
            return 0;
        }
        // the test set, once, with the selected model
        Checkpoint.loadModel(checkpoints.best(), model);
        Metrics test = trainer.evaluate(testLoader);
        log.printf(
                Locale.ROOT,
                "%nbest epoch %d of %d by %s (%.4g)%n",
                checkpoints.bestEpoch(),
                trainer.epoch(),
                recipe.monitor(),
                checkpoints.bestValue());
        report(log, test);
        log.printf(
                Locale.ROOT,
                "training time %.1f s for %,d images (%,.0f img/s)%n",
                history.trainSeconds(),
                history.images(),
                history.images() / Math.max(1e-9, history.trainSeconds()));
        Path metrics = writeMetrics(
                run,
                recipe,
                model,
                history,
                checkpoints,
                test,
                trainer.stopReason().orElse("completed"));
        log.println("checkpoint: " + checkpoints.best() + " (best), " + checkpoints.last()
                + " (last); model.safetensors loads in PyTorch");
        log.println("metrics:    " + metrics + ", " + run.resolve(LOG_FILE));
        log.println("curves:     " + Pictures.curves(history, recipe, test, run.resolve(Pictures.CURVES_FILE)));
        log.println("confusion:  " + Pictures.confusion(test, run.resolve(Pictures.CONFUSION_FILE)));
        return 0;
    }

    static Map<String, String> recipeMetadata(Recipe recipe) {
        Map<String, String> m = new LinkedHashMap<>();
        recipe.toMap().forEach((k, v) -> m.put("recipe." + k, v));
        return m;
    }

    /** metrics.json: everything typed (numbers as numbers), null where the run did not measure. */
    private static Path writeMetrics(
            RunDirectory run,
            Recipe recipe,
            Module model,
            History history,
            ModelCheckpoint checkpoints,
            Metrics test,
            String status)
            throws IOException {
        Json.Arr epochs = Json.arr();
        for (Trainer.Epoch e : history.epochs()) {
            epochs.add(Json.obj()
                    .put("epoch", e.epoch())
                    .put("train_loss", e.trainLoss())
                    .put("train_accuracy", e.trainAccuracy())
                    .put("val_loss", e.valLoss())
                    .put("val_accuracy", e.valAccuracy())
                    .put("test_loss", e.testLoss())
                    .put("test_accuracy", e.testAccuracy())
                    .put("lr", e.lr())
                    .put("seconds", e.seconds())
                    .put("images", e.images()));
        }
        Json.Obj json = Json.obj()
                .put("status", status)
                .put("recipe", recipe.toJson())
                .put("command", recipe.commandLine())
                .put("parameters", model.parameterCount())
                .put("threads", Threads.get())
                .put("train_seconds", history.trainSeconds())
                .put("train_images", history.images())
                .put(
                        "best",
                        checkpoints.bestEpoch() == 0
                                ? null
                                : Json.obj()
                                        .put("epoch", checkpoints.bestEpoch())
                                        .put("monitor", recipe.monitor())
                                        .put("value", checkpoints.bestValue()))
                .put("epochs", epochs)
                .put("test", test == null ? null : toJson(test));
        Path file = run.resolve(METRICS_FILE);
        byte[] bytes = json.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, ch -> ch.write(ByteBuffer.wrap(bytes)));
        return file;
    }

    /** The metrics as a JSON object. */
    static Json.Obj toJson(Metrics m) {
        Json.Arr perClass = Json.arr();
        for (int k = 0; k < m.classes().size(); k++) {
            perClass.add(Json.obj()
                    .put("class", m.classes().get(k))
                    .put("precision", m.precision(k))
                    .put("recall", m.recall(k))
                    .put("f1", m.f1(k))
                    .put("support", m.support(k)));
        }
        Json.Arr matrix = Json.arr();
        for (int t = 0; t < m.classes().size(); t++) {
            Json.Arr row = Json.arr();
            for (int p = 0; p < m.classes().size(); p++) {
                row.add(m.count(t, p));
            }
            matrix.add(row);
        }
        return Json.obj()
                .put("accuracy", m.accuracy())
                .put("loss", m.meanLoss())
                .put("examples", m.total())
                .put("correct", m.correct())
                .put("macro_f1", m.macroF1())
                .put("per_class", perClass)
                .put("confusion_matrix", matrix);
    }

    static void report(PrintStream log, Metrics test) {
        log.printf(
                Locale.ROOT,
                "test accuracy %.2f%% (%,d / %,d), test loss %.4f%n%n",
                100 * test.accuracy(),
                test.correct(),
                test.total(),
                test.meanLoss());
        log.println(test.report());
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

    /**
     * A checkpoint folder named on the command line by {@code flag} (named in the errors): a run's
     * folder means its best/.
     */
    static Path checkpointFolder(Path p, String flag) throws IOException {
        if (!Files.exists(AtomicFiles.resolveDirectory(p))) {
            throw new NoSuchFileException(p.toString(), null, flag + ": not found");
        }
        if (!Files.isDirectory(AtomicFiles.resolveDirectory(p))) {
            throw new FileSystemException(
                    p.toString(), null, flag + ": is a file; give a run's folder or its best/ or last/ folder");
        }
        Path best = p.resolve(ModelCheckpoint.BEST);
        if (Files.exists(AtomicFiles.resolveDirectory(best))) {
            return best;
        }
        if (!Files.exists(AtomicFiles.resolveDirectory(p).resolve(Checkpoint.MODEL_FILE))) {
            throw new NoSuchFileException(
                    p.toString(), null, flag + ": holds neither best/ nor " + Checkpoint.MODEL_FILE + ": not found");
        }
        return p;
    }

    /**
     * A checkpoint and the model it holds, rebuilt from its recipe and checked for non-finite
     * weights: a float model written by {@code ./nabla train}, or an int8 model written by
     * {@code ./nabla quantize} (one {@code model.safetensors} whose metadata holds the recipe, the
     * preprocessing and how it was quantized; {@code quantization} is then static, qat or dynamic).
     */
    record Loaded(Path dir, Recipe recipe, Preprocessing preprocessing, long epoch, String quantization, Module model) {
        static Loaded of(Path dirArg, String classPath) throws IOException {
            return of(dirArg, classPath, "--checkpoint");
        }

        /** As {@link #of(Path, String)}, for a checkpoint given by another option ({@code --teacher}). */
        static Loaded of(Path dirArg, String classPath, String flag) throws IOException {
            Path dir = checkpointFolder(dirArg, flag);
            Map<String, String> meta = Checkpoint.metadata(dir);
            String quantization = meta.get(Quantization.METHOD_KEY);
            TrainingState state = quantization == null ? Checkpoint.load(dir) : null;
            Recipe recipe = state != null ? TrainCommand.recipeOf(state) : int8Recipe(dir, meta);
            if (classPath != null) {
                if (!recipe.userModel()) {
                    throw new Args.UsageException("--class-path is for a model of your own; this checkpoint holds "
                            + recipe.model() + " from the zoo");
                }
                Map<String, String> m = recipe.toMap();
                m.put("class_path", classPath);
                recipe = Recipe.fromMap(m);
            }
            Preprocessing pre = state != null
                    ? state.preprocessing()
                    : Checkpoint.preprocessing(dir).orElse(null);
            if (pre == null) {
                throw new IllegalArgumentException(
                        dir + ": the checkpoint records no preprocessing (was it written by ./nabla train?)");
            }
            Module model = Setup.model(
                    recipe,
                    pre.channels(),
                    pre.height(),
                    pre.width(),
                    pre.classNames().size());
            long epoch;
            if (state != null) {
                PruneCommand.resizeIfPruned(model, state);
                state.restoreModel(model);
                epoch = state.epoch();
            } else {
                model = Checkpoint.loadModel(dir, Quantization.rebuild(model, meta));
                epoch = Long.parseLong(meta.getOrDefault(QuantizeCommand.EPOCH_KEY, "0"));
            }
            for (var e : model.stateDict().entrySet()) {
                Tensor t = e.getValue();
                if (t.dtype().isFloatingPoint()) {
                    for (float v : t.toArray()) {
                        if (!Float.isFinite(v)) {
                            throw new IllegalStateException(dir + " holds non-finite weights (" + e.getKey() + " has "
                                    + v + "): the run that wrote it diverged; use an earlier checkpoint");
                        }
                    }
                }
            }
            return new Loaded(dir, recipe, pre, epoch, quantization, model);
        }

        /** The recipe an int8 checkpoint's metadata records ({@code recipe.*} keys, as ./nabla quantize writes). */
        private static Recipe int8Recipe(Path dir, Map<String, String> meta) {
            Map<String, String> m = new LinkedHashMap<>();
            meta.forEach((k, v) -> {
                if (k.startsWith("recipe.")) {
                    m.put(k.substring("recipe.".length()), v);
                }
            });
            if (m.isEmpty()) {
                throw new IllegalArgumentException(dir.resolve(Checkpoint.MODEL_FILE)
                        + " holds an int8 model but no training recipe (was it written by ./nabla quantize?)");
            }
            return Recipe.fromMap(m);
        }

        /** The metadata an int8 model's file carries so that {@link #of} opens it again. */
        Map<String, String> int8Metadata(Module quantized) {
            Map<String, String> meta = new LinkedHashMap<>(Quantization.metadata(quantized));
            meta.putAll(recipeMetadata(recipe));
            meta.put(QuantizeCommand.EPOCH_KEY, Long.toString(epoch));
            return meta;
        }
    }

    /** Runs {@code ./nabla export}: a checkpoint's model as an ONNX file; returns the process exit code. */
    public static int export(String[] argv, PrintStream log) throws IOException {
        return OnnxCommand.export(argv, log);
    }

    /** Runs {@code ./nabla evaluate}; returns the process exit code. */
    public static int evaluate(String[] argv, PrintStream log) throws IOException {
        Args a = Args.parse(argv, Set.of("help"));
        if (a.flag("help")) {
            log.print(EVALUATE_USAGE);
            return 0;
        }
        if (a.has("onnx")) {
            if (a.has("checkpoint")) {
                throw new Args.UsageException("give --checkpoint DIR or --onnx FILE, not both");
            }
            return OnnxCommand.evaluate(a, log);
        }
        int threads = threads(a);
        String dirArg = a.string("checkpoint", null);
        if (dirArg == null) {
            throw new Args.UsageException("--checkpoint DIR or --onnx FILE is required");
        }
        String classPath = a.string("class-path", null);
        String datasetArg = a.has("dataset") ? a.choice("dataset", null, Recipe.DATASETS) : null;
        String dataArg = a.string("data", null);
        int testLimit = a.intValue("test-limit", -1);
        if (a.has("test-limit") && testLimit < 0) {
            throw new Args.UsageException("--test-limit must be >= 0 (0: all), got " + testLimit);
        }
        a.finish();
        Threads.set(threads);
        Loaded loaded = Loaded.of(Path.of(dirArg), classPath);
        Recipe trained = loaded.recipe();
        String dataset = datasetArg != null
                ? datasetArg
                : dataArg != null && trained.dataset().equals("mnist-10k") ? "mnist" : trained.dataset();
        boolean same = dataset.equals(trained.dataset());
        String data = dataArg != null ? dataArg : same ? trained.data() : null;
        if (dataset.equals("mnist-10k") && data != null) {
            throw new Args.UsageException("--data does not apply to mnist-10k, the digits embedded in Nabla; for "
                    + "MNIST files of your own use --dataset mnist --data DIR");
        }
        // Only the test split matters: no validation split, no training limit.
        Map<String, String> m = trained.toMap();
        m.put("dataset", dataset);
        m.put("data", data == null ? "" : data);
        m.put("download", "false");
        m.put("val_split", "0");
        m.put("val_data", "");
        m.put("monitor", "train_loss");
        m.put("train_limit", "0");
        m.put("test_limit", Integer.toString(testLimit >= 0 ? testLimit : same ? trained.testLimit() : 0));
        Recipe r = Recipe.fromMap(m);
        DataSource loadedData = DataSource.load(r);
        // Normalise with the statistics the model was trained with, whatever the data set.
        DataSource source = new DataSource(
                loadedData.train(),
                null,
                loadedData.test(),
                loaded.preprocessing().normalization());
        log.printf(
                Locale.ROOT,
                "%s (%s%s, after epoch %d) on the %s test split (%,d images)%n",
                loaded.dir(),
                trained.model(),
                loaded.quantization() == null ? "" : ", int8 " + loaded.quantization(),
                loaded.epoch(),
                dataset,
                source.test().size());
        report(
                log,
                Metrics.evaluate(
                        loaded.model(),
                        source.loader(source.test()),
                        new CrossEntropyLoss(CrossEntropyLoss.options().labelSmoothing(trained.labelSmoothing())),
                        source.classNames()));
        return 0;
    }
}
