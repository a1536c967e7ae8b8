package dev.nabla.samples.train;

import dev.nabla.export.AtomicFiles;
import dev.nabla.export.Checkpoint;
import dev.nabla.export.TrainingState;
import dev.nabla.samples.cli.Args;
import dev.nabla.tensor.kernel.Parallel;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code ./nabla train} and {@code ./nabla evaluate}.
 *
 * <pre>{@code
 * ./nabla train                                   # LeNet-5 on the embedded MNIST digits
 * ./nabla train --dataset cifar10 --data ../shared/data/cifar-10-subset --epochs 30
 * ./nabla train --resume runs/mnist-10k-lenet5/checkpoint --epochs 15
 * ./nabla evaluate --checkpoint runs/mnist-10k-lenet5/checkpoint
 * }</pre>
 */
public final class TrainCommand {
    static final String TRAIN_USAGE = """
            usage: ./nabla train [options]
              --dataset mnist-10k|fashion-mnist|cifar10|cifar100   (default mnist-10k, shipped with Nabla)
              --data DIR            where the data set lives (fashion-mnist: /usr/share/datasets/fashion-mnist,
                                    cifar10: data/cifar10)
              --download            fetch CIFAR-10 into --data when it is absent (MD5-checked)
              --model lenet5|small-cnn|cnn|cnn-bn|resnet20
              --epochs N  --batch-size B  --seed S  --threads T
              --optimizer sgd|adam|adamw  --lr X  --momentum M  --nesterov  --weight-decay W
              --schedule none|cosine|step|exponential|inverse-time|onecycle  --warmup-epochs E
              --augment | --no-augment   random crop (and flip, except for digits)
              --label-smoothing X
              --out DIR             checkpoint and metrics.json (default runs/<dataset>-<model>)
              --resume CHECKPOINT   continue an interrupted run from its last epoch's checkpoint
              --pause-after E       stop after epoch E's checkpoint; continue later with --resume
              --train-limit N  --test-limit N   use only the first N images (quick trials)
            Defaults follow the data set: LeNet-5 + Adam 2e-3, cosine, 15 epochs for mnist-10k; the peer's
            small CNN + Adam 1e-3 x 5 for fashion-mnist; the peer's CIFAR recipe (cnn-bn, SGD 0.05
            Nesterov, weight decay 5e-4, cosine, crop + flip, 30 epochs) for cifar10/100.
            """;
    static final String EVALUATE_USAGE = """
            usage: ./nabla evaluate --checkpoint DIR [--dataset NAME] [--data DIR] [--threads T]
            Reports test accuracy, per-class precision/recall/F1 and the confusion matrix of a model
            saved by ./nabla train (by default on the data set it was trained on).
            """;

    private TrainCommand() {}

    /** Runs {@code ./nabla train}; returns the process exit code. */
    public static int train(String[] argv, PrintStream log) throws IOException {
        Args a = Args.parse(argv, Recipe.SWITCHES);
        if (a.flag("help")) {
            log.print(TRAIN_USAGE);
            return 0;
        }
        Parallel.setThreads(a.intValue("threads", Parallel.threads()));
        String resume = a.string("resume", null);
        Recipe recipe;
        TrainingState state = null;
        if (resume != null) {
            state = Checkpoint.load(Path.of(resume));
            recipe = Trainer.recipeOf(state);
            recipe = recipe.withEpochs(a.intValue("epochs", recipe.epochs()));
        } else {
            recipe = Recipe.fromArgs(a);
        }
        Path out = Path.of(a.string(
                "out",
                resume != null
                        ? Path.of(resume).toAbsolutePath().getParent().toString()
                        : "runs/" + recipe.dataset() + "-" + recipe.model()));
        int pauseAfter = a.intValue("pause-after", 0);
        a.finish();

        DataSource data = DataSource.load(recipe);
        Trainer trainer = new Trainer(recipe, data, out, log);
        log.printf(
                Locale.ROOT,
                "%s: %,d training / %,d test images, %d classes, %dx%dx%d%n",
                recipe.dataset(),
                data.train().size(),
                data.test().size(),
                data.classes(),
                data.channels(),
                data.size(),
                data.size());
        log.println("recipe: " + recipe.commandLine());
        log.printf(
                Locale.ROOT,
                "model: %s, %,d parameters; %d threads%n",
                recipe.model(),
                trainer.model().parameterCount(),
                Parallel.threads());
        if (state != null) {
            trainer.resume(state);
        }
        Trainer.Result result;
        try {
            result = trainer.run(pauseAfter);
        } catch (Trainer.NonFiniteLossException e) {
            log.println("stopped: " + e.getMessage() + ". The last good checkpoint (end of the previous epoch, if any) "
                    + "is kept in " + out.resolve(Trainer.CHECKPOINT_DIR) + "; lower --lr or add --warmup-epochs.");
            return 3;
        }
        if (pauseAfter > 0 && pauseAfter < recipe.epochs()) {
            log.println("paused after epoch " + pauseAfter + " of " + recipe.epochs()
                    + "; continue with: ./nabla train --resume " + out.resolve(Trainer.CHECKPOINT_DIR));
            return 0;
        }
        report(log, result.test());
        log.printf(
                Locale.ROOT,
                "training time %.1f s for %,d images (%,.0f img/s)%n",
                result.trainSeconds(),
                result.images(),
                result.images() / Math.max(1e-9, result.trainSeconds()));
        Path metrics = out.resolve(Trainer.METRICS_FILE);
        Json.Obj json = Json.obj()
                .put("recipe", recipe.toJson())
                .put("command", recipe.commandLine())
                .put("parameters", trainer.model().parameterCount())
                .put("threads", Parallel.threads())
                .put("train_seconds", result.trainSeconds())
                .put("train_images", result.images())
                .put("epochs", toArr(result))
                .put("test", result.test().toJson());
        byte[] bytes = json.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(metrics, ch -> ch.write(ByteBuffer.wrap(bytes)));
        log.println("checkpoint: " + out.resolve(Trainer.CHECKPOINT_DIR) + " (model.safetensors loads in PyTorch)");
        log.println("metrics:    " + metrics);
        log.println("curves:     " + Pictures.curves(result.history(), recipe, out.resolve(Pictures.CURVES_FILE)));
        log.println("confusion:  " + Pictures.confusion(result.test(), out.resolve(Pictures.CONFUSION_FILE)));
        return 0;
    }

    private static Json.Arr toArr(Trainer.Result r) {
        Json.Arr arr = Json.arr();
        r.history().forEach(e -> arr.add(e.toJson()));
        return arr;
    }

    static void report(PrintStream log, Metrics test) {
        log.printf(
                Locale.ROOT,
                "%ntest accuracy %.2f%% (%,d / %,d), test loss %.4f%n%n",
                100 * test.accuracy(),
                test.correct(),
                test.total(),
                test.meanLoss());
        log.println(test.report());
    }

    /** Runs {@code ./nabla evaluate}; returns the process exit code. */
    public static int evaluate(String[] argv, PrintStream log) throws IOException {
        Args a = Args.parse(argv, java.util.Set.of("help"));
        if (a.flag("help")) {
            log.print(EVALUATE_USAGE);
            return 0;
        }
        Parallel.setThreads(a.intValue("threads", Parallel.threads()));
        String dir = a.string("checkpoint", null);
        if (dir == null) {
            throw new Args.UsageException("--checkpoint DIR is required");
        }
        TrainingState state = Checkpoint.load(Path.of(dir));
        Recipe trained = Trainer.recipeOf(state);
        String dataset = a.choice("dataset", trained.dataset(), Recipe.DATASETS);
        String data = a.string("data", dataset.equals(trained.dataset()) ? trained.data() : null);
        a.finish();
        Recipe r = new Recipe(
                dataset,
                data,
                false,
                trained.model(),
                1,
                trained.batchSize(),
                trained.optimizer(),
                trained.lr(),
                trained.momentum(),
                trained.nesterov(),
                trained.weightDecay(),
                trained.schedule(),
                0,
                false,
                0,
                trained.seed(),
                0,
                dataset.equals(trained.dataset()) ? trained.testLimit() : 0);
        // Normalise with the statistics the model was trained with, whatever the data set.
        DataSource loaded = DataSource.load(r);
        if (state.preprocessing() == null) {
            throw new IllegalArgumentException(
                    "the checkpoint records no preprocessing (was it written by ./nabla train?)");
        }
        DataSource source = new DataSource(
                loaded.train(), loaded.test(), state.preprocessing().normalization());
        var model = Trainer.buildModel(trained, source, state);
        log.printf(
                Locale.ROOT,
                "%s (%s, trained %d epochs) on the %s test split (%,d images)%n",
                dir,
                trained.model(),
                state.epoch(),
                dataset,
                source.test().size());
        Metrics m = Trainer.evaluate(model, source.testLoader(), source.classNames());
        report(log, m);
        return 0;
    }
}
