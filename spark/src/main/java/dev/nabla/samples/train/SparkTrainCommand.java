package dev.nabla.samples.train;

import dev.nabla.export.Checkpoint;
import dev.nabla.export.TrainingState;
import dev.nabla.nn.data.Preprocessing;
import dev.nabla.optim.Adam;
import dev.nabla.optim.AdamW;
import dev.nabla.optim.SGD;
import dev.nabla.samples.cli.Args;
import dev.nabla.spark.ModelFactory;
import dev.nabla.spark.OptimizerFactory;
import dev.nabla.spark.SparkDataset;
import dev.nabla.spark.SparkEvaluator;
import dev.nabla.spark.SparkTrainer;
import dev.nabla.train.History;
import dev.nabla.train.Metrics;
import dev.nabla.train.ModelCheckpoint;
import dev.nabla.train.RunDirectory;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * {@code ./nabla spark-train}: {@code ./nabla train} on Apache Spark, with the same recipe flags,
 * defaults (the embedded MNIST digits and LeNet-5), run folder ({@code last/} checkpoint of every
 * epoch, readable by {@code ./nabla evaluate}) and final report. It lives in module {@code spark}
 * (in the command line's package, to share its recipe) so that nothing else depends on Spark.
 *
 * <pre>{@code
 * ./nabla spark-train --master local[2] --sync every-k --k 4 --epochs 3
 * spark-submit --class dev.nabla.samples.train.SparkTrainCommand --driver-java-options \
 *     --add-modules=jdk.incubator.vector ... nabla-spark-0.1.0-SNAPSHOT-all.jar --epochs 3
 * }</pre>
 */
public final class SparkTrainCommand {
    static final String USAGE = """
            usage: ./nabla spark-train [--master URL] [--sync every-step|every-k] [--k K] [--partitions P]
                                       [train options]
              --master URL          Spark master (default local[2]; under spark-submit, the one it gives)
              --sync every-step     average the workers' gradients every step: one machine's training with
                                    the global batch (default)
              --sync every-k        average weights and optimizer state every --k local steps (default 4)
              --partitions P        workers that train at once (default: the cluster's parallelism)
              --resume RUN          continue a run from its last/ checkpoint (e.g. after a driver restart)
            and the options of ./nabla train that apply: --dataset --data --download --model --epochs
            --batch-size (the global batch of one step) --seed --optimizer --lr --momentum --nesterov
            --weight-decay --schedule --warmup-epochs --label-smoothing --train-limit --test-limit --out
            --overwrite. Not in spark-train: augmentation, validation splits, early stopping, gradient
            clipping and accumulation, models of your own.
            """;

    private SparkTrainCommand() {}

    /** Entry point for {@code ./nabla spark-train} and {@code spark-submit}. */
    public static void main(String[] argv) {
        try {
            System.exit(run(argv, System.out));
        } catch (Args.UsageException e) {
            System.err.println("nabla spark-train: " + e.getMessage());
            System.err.println("run './nabla spark-train --help' for the options");
            System.exit(2);
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            System.err.println("nabla spark-train: " + e.getMessage());
            System.exit(1);
        }
    }

    /** Runs the command; returns the exit code. */
    public static int run(String[] argv, PrintStream log) throws IOException {
        List<String> args = new ArrayList<>(Arrays.asList(argv));
        if (!args.contains("--val-split") && !args.contains("--resume")) {
            args.add("--val-split");
            args.add("0");
        }
        Args a = Args.parse(args.toArray(String[]::new), Recipe.SWITCHES);
        if (a.flag("help")) {
            log.print(USAGE);
            return 0;
        }
        String master = a.string("master", null);
        String syncName = a.choice("sync", "every-step", "every-step", "every-k");
        int k = a.intValue("k", 4);
        if (k < 1) {
            throw new Args.UsageException("--k must be >= 1, got " + k);
        }
        int partitionsArg = a.intValue("partitions", 0);
        String resume = a.string("resume", null);
        Recipe recipe;
        TrainingState state = null;
        Path runPath;
        if (resume != null) {
            runPath = Path.of(resume);
            state = Checkpoint.load(runPath.resolve(ModelCheckpoint.LAST));
            recipe = Recipe.fromArgs(a, TrainCommand.recipeOf(state));
        } else {
            recipe = Recipe.fromArgs(a, null);
            String out = a.string("out", null);
            runPath = Path.of(out != null ? out : "runs/spark-" + recipe.dataset() + "-" + recipe.model());
        }
        boolean overwrite = a.flag("overwrite");
        a.finish();
        refuseUnsupported(recipe);
        SparkTrainer.Sync sync =
                syncName.equals("every-k") ? SparkTrainer.Sync.everyK(k) : SparkTrainer.Sync.everyStep();

        SparkConf conf = new SparkConf().setAppName("nabla spark-train");
        if (master != null || !conf.contains("spark.master")) {
            conf.setMaster(master != null ? master : "local[2]");
        }
        if (conf.get("spark.master").startsWith("local") && !conf.contains("spark.driver.host")) {
            conf.set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1");
        }
        conf.set("spark.ui.showConsoleProgress", "false");
        DataSource data = DataSource.load(recipe);
        Preprocessing pre = data.preprocessing();
        try (JavaSparkContext sc = new JavaSparkContext(conf);
                RunDirectory run = state != null
                        ? RunDirectory.open(runPath)
                        : RunDirectory.create(
                                runPath, overwrite ? RunDirectory.Existing.OVERWRITE : RunDirectory.Existing.NUMBER)) {
            sc.setLogLevel("WARN");
            int partitions = partitionsArg > 0 ? partitionsArg : sc.defaultParallelism();
            SparkDataset train = SparkDataset.fromImages(sc, data.train(), pre, partitions);
            SparkDataset test = SparkDataset.fromImages(sc, data.test(), pre, partitions);
            int steps = SparkTrainer.stepsPerEpoch(data.train().size(), recipe.batchSize());
            ModelFactory models =
                    ModelFactory.zoo(recipe.model(), data.channels(), data.size(), data.classes(), recipe.seed());
            Map<String, String> metadata = new LinkedHashMap<>();
            recipe.toMap().forEach((key, v) -> metadata.put("recipe." + key, v));
            SparkTrainer.Options options = SparkTrainer.options()
                    .epochs(recipe.epochs())
                    .batchSize(recipe.batchSize())
                    .seed(recipe.seed())
                    .sync(sync)
                    .schedule(Setup.build(recipe, data, steps).scheduler().schedule())
                    .labelSmoothing(recipe.labelSmoothing())
                    .checkpointDir(run.resolve(ModelCheckpoint.LAST))
                    .preprocessing(pre)
                    .metadata(metadata)
                    .log(log);
            SparkTrainer trainer = new SparkTrainer(sc, models, optimizers(recipe), options);
            log.printf(
                    Locale.ROOT,
                    "%s: %,d training / %,d test images, %d classes, %dx%dx%d%n",
                    recipe.dataset(),
                    data.train().size(),
                    data.test().size(),
                    data.classes(),
                    data.channels(),
                    data.size(),
                    data.train().width());
            log.println("recipe: " + recipe.commandLine());
            log.printf(
                    Locale.ROOT,
                    "model: %s, %,d parameters; Spark %s, master %s, %d partitions, sync %s; run folder %s%n",
                    recipe.model(),
                    trainer.model().parameterCount(),
                    sc.version(),
                    sc.master(),
                    partitions,
                    sync,
                    run.path());
            if (state != null) {
                trainer.restore(state);
                log.printf(Locale.ROOT, "resuming after epoch %d (step %d)%n", state.epoch(), state.step());
            }
            History history = trainer.fit(train, null);
            Metrics testMetrics = SparkEvaluator.evaluate(test, models, trainer.model());
            log.println();
            TrainCommand.report(log, testMetrics);
            log.printf(
                    Locale.ROOT,
                    "training time %.1f s for %,d images (%,.0f img/s)%n",
                    history.trainSeconds(),
                    history.images(),
                    history.images() / Math.max(1e-9, history.trainSeconds()));
            double wall = trainer.rounds().stream()
                    .mapToDouble(SparkTrainer.Round::wallSeconds)
                    .sum();
            double compute = trainer.rounds().stream()
                    .mapToDouble(SparkTrainer.Round::computeSeconds)
                    .sum();
            log.printf(
                    Locale.ROOT,
                    "rounds: %d, %.1f ms each, of which %.1f ms the slowest worker computing and %.1f ms "
                            + "communication and scheduling%n",
                    trainer.rounds().size(),
                    1000 * wall / Math.max(1, trainer.rounds().size()),
                    1000 * compute / Math.max(1, trainer.rounds().size()),
                    1000 * (wall - compute) / Math.max(1, trainer.rounds().size()));
            log.println("checkpoint: " + run.resolve(ModelCheckpoint.LAST)
                    + " (every epoch; model.safetensors loads in PyTorch, ./nabla evaluate reads it)");
            log.println(
                    "curves:     " + Pictures.curves(history, recipe, testMetrics, run.resolve(Pictures.CURVES_FILE)));
            log.println("confusion:  " + Pictures.confusion(testMetrics, run.resolve(Pictures.CONFUSION_FILE)));
            train.unpersist();
            test.unpersist();
        }
        return 0;
    }

    private static void refuseUnsupported(Recipe r) {
        List<String> no = new ArrayList<>();
        if (r.augment()) {
            no.add("--augment");
        }
        if (r.validates()) {
            no.add("--val-split/--val-data");
        }
        if (r.patience() > 0) {
            no.add("--patience");
        }
        if (r.clipGradNorm() > 0) {
            no.add("--clip-grad-norm");
        }
        if (r.accumulate() > 1) {
            no.add("--accumulate-grad-batches");
        }
        if (r.userModel()) {
            no.add("models of your own (--model " + r.model() + ")");
        }
        if (!no.isEmpty()) {
            throw new Args.UsageException("spark-train does not support " + String.join(", ", no)
                    + (r.augment() && r.dataset().startsWith("cifar")
                            ? " (CIFAR augments by default: add --no-augment)"
                            : ""));
        }
    }

    /** The recipe's optimizer, as a factory the executors can rebuild (captures only numbers). */
    private static OptimizerFactory optimizers(Recipe r) {
        String kind = r.optimizer();
        double lr = r.lr();
        double momentum = r.momentum();
        boolean nesterov = r.nesterov();
        double wd = r.weightDecay();
        return switch (kind) {
            case "sgd" ->
                p -> new SGD(p, lr).momentum(momentum).nesterov(nesterov).weightDecay(wd);
            case "adam" -> p -> new Adam(p, lr).weightDecay(wd);
            case "adamw" -> p -> new AdamW(p, lr).weightDecay(wd);
            default -> throw new IllegalArgumentException("unknown optimizer " + kind);
        };
    }
}
