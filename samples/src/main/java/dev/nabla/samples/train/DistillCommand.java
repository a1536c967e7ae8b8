package dev.nabla.samples.train;

import dev.nabla.autograd.Variable;
import dev.nabla.export.AtomicFiles;
import dev.nabla.export.Checkpoint;
import dev.nabla.nn.CrossEntropyLoss;
import dev.nabla.nn.Module;
import dev.nabla.nn.data.DataLoader;
import dev.nabla.nn.data.Preprocessing;
import dev.nabla.quantize.distill.DistillationLoss;
import dev.nabla.quantize.distill.Teacher;
import dev.nabla.samples.cli.Args;
import dev.nabla.tensor.Threads;
import dev.nabla.train.DivergenceException;
import dev.nabla.train.Metrics;
import dev.nabla.train.Trainer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code ./nabla distill}: trains a student model against a frozen teacher checkpoint with Hinton's
 * loss; the usual training flags apply, the data set defaults to the teacher's. Writes a checkpoint
 * ({@code ./nabla evaluate} and {@code ./nabla quantize} take it) and metrics.json with the
 * teacher's and the student's accuracy, parameters and throughput.
 *
 * <pre>{@code
 * ./nabla distill --teacher runs/fmnist-teacher/checkpoint --model lenet5 --out runs/kd --temperature 4 --alpha 0.7
 * }</pre>
 */
public final class DistillCommand {
    static final String USAGE = """
            usage: ./nabla distill --teacher DIR --model NAME --out DIR [--temperature T] [--alpha A] [training flags]
              --teacher DIR       a checkpoint of ./nabla train (frozen: eval mode, no gradients)
              --model NAME        the student (lenet5|small-cnn|cnn|cnn-bn|resnet20)
              --temperature T     softens teacher and student distributions (default 4)
              --alpha A           weight of the teacher term, 1 - A weights the labels (default 0.7)
            The training flags of ./nabla train (--epochs, --lr, --seed, ...) apply; the data set and its
            folder default to the teacher's, and the images are normalised as the teacher's checkpoint
            records. Only the loss differs from ./nabla train: compare with the student trained alone on the
            same flags. With SGD a temperature of 4 enlarges the soft term's gradient; the CIFAR subset's
            student needs --lr 0.01 rather than the recipe's 0.05 (BENCHMARKS.md, "Pruning and distillation").
            """;

    private DistillCommand() {}

    /**
     * {@code data} normalised as the teacher's checkpoint records, so teacher and student see the
     * same inputs: the student's own statistics (CIFAR's are measured on its training split, which
     * --val-split and --train-limit change) would feed the teacher inputs it was not trained on.
     */
    static DataSource withTeacherInput(DataSource data, Preprocessing teacher, String teacherDir) {
        if (teacher.channels() != data.channels()
                || teacher.height() != data.size()
                || teacher.width() != data.train().width()) {
            throw new IllegalArgumentException("distill: the teacher " + teacherDir + " takes [" + teacher.channels()
                    + ", " + teacher.height() + ", " + teacher.width() + "] images but the data set has ["
                    + data.channels() + ", " + data.size() + ", " + data.train().width()
                    + "]; train the teacher on the student's data set");
        }
        return new DataSource(data.train(), data.val(), data.test(), teacher.normalization());
    }

    public static int run(String[] argv, PrintStream log) throws IOException {
        Set<String> switches = new HashSet<>(Recipe.SWITCHES);
        Args a = Args.parse(argv, switches);
        if (a.flag("help")) {
            log.print(USAGE);
            return 0;
        }
        String teacherDir = a.string("teacher", null);
        if (teacherDir == null || !a.has("model") || !a.has("out")) {
            throw new Args.UsageException("--teacher DIR, --model NAME and --out DIR are required");
        }
        TrainCommand.Loaded teacherLoaded = TrainCommand.Loaded.of(Path.of(teacherDir), null, "--teacher");
        Recipe teacherRecipe = teacherLoaded.recipe();
        // The data set defaults to the teacher's: re-parse with its flags in front of the user's.
        List<String> full = new ArrayList<>();
        if (!a.has("dataset")) {
            full.addAll(List.of("--dataset", teacherRecipe.dataset()));
            if (!a.has("data") && teacherRecipe.data() != null) {
                full.addAll(List.of("--data", teacherRecipe.data()));
            }
        }
        full.addAll(Arrays.asList(argv));
        a = Args.parse(full.toArray(new String[0]), switches);
        a.string("teacher", null);
        double temperature = a.doubleValue("temperature", 4);
        double alpha = a.doubleValue("alpha", 0.7);
        DistillationLoss kd;
        try {
            kd = new DistillationLoss(temperature, alpha);
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("--temperature must be > 0 and --alpha in [0, 1]: " + e.getMessage());
        }
        Threads.set(a.intValue("threads", Threads.get()));
        Recipe recipe = Recipe.fromArgs(a, null);
        Path out = Path.of(a.string("out", null));
        a.finish();

        DataSource data = withTeacherInput(DataSource.load(recipe), teacherLoaded.preprocessing(), teacherDir);
        DataLoader train = data.trainLoader(recipe);
        DataLoader test = data.loader(data.test());
        Setup setup = Setup.build(recipe, data, train.size());
        Module teacherModel = teacherLoaded.model();
        Teacher teacher = Teacher.of(teacherModel);
        Module student = setup.model();
        teacher.checkCompatible(
                student,
                Variable.zeros(1, data.channels(), data.size(), data.train().width()));
        Map<String, String> metadata = new LinkedHashMap<>(TrainCommand.recipeMetadata(recipe));
        metadata.put("distill.teacher", teacherDir);
        metadata.put("distill.temperature", Double.toString(temperature));
        metadata.put("distill.alpha", Double.toString(alpha));
        log.printf(
                Locale.ROOT,
                "teacher %s (%s, %,d parameters) -> student %s (%,d parameters), %s, T=%s alpha=%s%n",
                teacherDir,
                teacherRecipe.model(),
                teacherModel.parameterCount(),
                recipe.model(),
                student.parameterCount(),
                recipe.dataset(),
                temperature,
                alpha);
        CrossEntropyLoss ce = new CrossEntropyLoss();
        double teacherAccuracy =
                Metrics.evaluate(teacherModel, test, ce, data.classNames()).accuracy();
        teacherModel.eval();
        Trainer trainer;
        long t0 = System.nanoTime();
        try (DistillationLoss.Bound loss = kd.bind(teacher, student)) {
            // The recipe as ./nabla train runs it, only the loss differs.
            Trainer.Options options = Trainer.options()
                    .epochs(recipe.epochs())
                    .loss(loss)
                    .scheduler(setup.scheduler())
                    .clipGradNorm(recipe.clipGradNorm())
                    .accumulateGradBatches(recipe.accumulate())
                    .classNames(data.classNames())
                    .metadata(metadata)
                    .preprocessing(data.preprocessing())
                    .log(log);
            if (recipe.testEveryEpoch()) {
                options = options.testEveryEpoch(test);
            }
            trainer = new Trainer(student, setup.optimizer(), options);
            // The held-out images (--val-split, --val-data) are validated on after each epoch, as
            // ./nabla train does; the student tested is the last epoch's.
            trainer.fit(train, data.val() == null ? null : data.loader(data.val()));
        } catch (DivergenceException e) {
            log.println("stopped: " + e.getMessage()
                    + ". No checkpoint was written; lower --lr, --temperature or --alpha, or add --warmup-epochs"
                    + " or --clip-grad-norm.");
            return 3;
        }
        double trainSeconds = (System.nanoTime() - t0) / 1e9;
        Metrics result = Metrics.evaluate(student, test, ce, data.classNames());
        Checkpoint.save(out.resolve("checkpoint"), trainer.state());
        TrainCommand.report(log, result);
        double teacherSpeed = PruneCommand.throughput(teacherModel, data);
        double studentSpeed = PruneCommand.throughput(student, data);
        teacherModel.eval();
        log.printf(Locale.ROOT, "%-22s %14s %14s%n", "", "teacher", "student");
        log.printf(
                Locale.ROOT,
                "%-22s %13.2f%% %13.2f%%%n",
                "test accuracy",
                100 * teacherAccuracy,
                100 * result.accuracy());
        log.printf(
                Locale.ROOT,
                "%-22s %,14d %,14d%n",
                "parameters",
                teacherModel.parameterCount(),
                student.parameterCount());
        log.printf(Locale.ROOT, "%-22s %,14.0f %,14.0f%n", "throughput (img/s)", teacherSpeed, studentSpeed);
        Json.Obj json = Json.obj()
                .put("recipe", recipe.toJson())
                .put(
                        "teacher",
                        Json.obj()
                                .put("checkpoint", teacherDir)
                                .put("model", teacherRecipe.model())
                                .put("accuracy", teacherAccuracy)
                                .put("parameters", teacherModel.parameterCount())
                                .put("images_per_second", teacherSpeed))
                .put("temperature", temperature)
                .put("alpha", alpha)
                .put("parameters", student.parameterCount())
                .put("images_per_second", studentSpeed)
                .put("train_seconds", trainSeconds)
                .put("test", TrainCommand.toJson(result));
        byte[] bytes = json.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(out.resolve("metrics.json"), ch -> ch.write(ByteBuffer.wrap(bytes)));
        log.println("checkpoint: " + out.resolve("checkpoint") + " (./nabla evaluate and ./nabla quantize take it)");
        log.println("metrics:    " + out.resolve("metrics.json"));
        return 0;
    }
}
