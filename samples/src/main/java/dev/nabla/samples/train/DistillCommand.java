package dev.nabla.samples.train;

import dev.nabla.autograd.Variable;
import dev.nabla.export.AtomicFiles;
import dev.nabla.export.Checkpoint;
import dev.nabla.export.TrainingState;
import dev.nabla.nn.Module;
import dev.nabla.quantize.distill.DistillationLoss;
import dev.nabla.quantize.distill.Teacher;
import dev.nabla.samples.cli.Args;
import dev.nabla.tensor.kernel.Parallel;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
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
            folder default to the teacher's.
            """;

    private DistillCommand() {}

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
        TrainingState teacherState = Checkpoint.load(Path.of(teacherDir));
        Recipe teacherRecipe = Trainer.recipeOf(teacherState);
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
        Parallel.setThreads(a.intValue("threads", Parallel.threads()));
        Recipe recipe = Recipe.fromArgs(a);
        Path out = Path.of(a.string("out", null));
        a.finish();

        DataSource data = DataSource.load(recipe);
        Module teacherModel = Trainer.buildModel(teacherRecipe, data, teacherState);
        Teacher teacher = Teacher.of(teacherModel);
        Trainer trainer = new Trainer(recipe, data, out, log);
        teacher.checkCompatible(trainer.model(), Variable.zeros(1, data.channels(), data.size(), data.size()));
        trainer.distillFrom(teacher, kd);
        trainer.putExtra("distill.teacher", teacherDir);
        trainer.putExtra("distill.temperature", Double.toString(temperature));
        trainer.putExtra("distill.alpha", Double.toString(alpha));
        log.printf(
                Locale.ROOT,
                "teacher %s (%s, %,d parameters) -> student %s (%,d parameters), %s, T=%s alpha=%s%n",
                teacherDir,
                teacherRecipe.model(),
                teacherModel.parameterCount(),
                recipe.model(),
                trainer.model().parameterCount(),
                recipe.dataset(),
                temperature,
                alpha);
        double teacherAccuracy = Trainer.evaluate(teacherModel, data.testLoader(), data.classNames())
                .accuracy();
        teacherModel.eval();
        Trainer.Result result = trainer.run(0);
        TrainCommand.report(log, result.test());
        double teacherSpeed = PruneCommand.throughput(teacherModel, data);
        double studentSpeed = PruneCommand.throughput(trainer.model(), data);
        teacherModel.eval();
        log.printf(Locale.ROOT, "%-22s %14s %14s%n", "", "teacher", "student");
        log.printf(
                Locale.ROOT,
                "%-22s %13.2f%% %13.2f%%%n",
                "test accuracy",
                100 * teacherAccuracy,
                100 * result.test().accuracy());
        log.printf(
                Locale.ROOT,
                "%-22s %,14d %,14d%n",
                "parameters",
                teacherModel.parameterCount(),
                trainer.model().parameterCount());
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
                .put("parameters", trainer.model().parameterCount())
                .put("images_per_second", studentSpeed)
                .put("train_seconds", result.trainSeconds())
                .put("test", result.test().toJson());
        byte[] bytes = json.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(out.resolve(Trainer.METRICS_FILE), ch -> ch.write(ByteBuffer.wrap(bytes)));
        log.println("checkpoint: " + out.resolve(Trainer.CHECKPOINT_DIR));
        log.println("metrics:    " + out.resolve(Trainer.METRICS_FILE));
        return 0;
    }
}
