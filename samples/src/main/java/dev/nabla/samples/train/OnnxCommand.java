package dev.nabla.samples.train;

import dev.nabla.autograd.Variable;
import dev.nabla.export.onnx.ExportOptions;
import dev.nabla.export.onnx.Onnx;
import dev.nabla.export.onnx.OnnxModel;
import dev.nabla.nn.CrossEntropyLoss;
import dev.nabla.nn.Module;
import dev.nabla.nn.data.Preprocessing;
import dev.nabla.samples.cli.Args;
import dev.nabla.tensor.Threads;
import dev.nabla.train.Metrics;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code ./nabla export} (a checkpoint of {@code ./nabla train} to an ONNX file) and
 * {@code ./nabla evaluate --onnx} (an ONNX file, imported into Nabla, on a test split).
 *
 * <pre>{@code
 * ./nabla export --checkpoint runs/mnist-10k-lenet5 --out lenet5.onnx        # the run's best/ checkpoint
 * ./nabla evaluate --onnx lenet5.onnx                     # the embedded MNIST digits' test split
 * }</pre>
 */
final class OnnxCommand {
    static final String EXPORT_USAGE = """
            usage: ./nabla export --checkpoint RUN_OR_CHECKPOINT --out FILE.onnx [--opset 13..17] [--batch N]
                                  [--static-batch] [--class-path CP]
            Writes the model of a checkpoint saved by ./nabla train (a run's folder means its best/
            checkpoint) as an ONNX file (opset 17 by default)
            that ONNX Runtime and other ONNX runtimes run. The batch dimension stays dynamic unless
            --static-batch fixes it to --batch (default 1). Inputs are the normalised images, as in training.
            """;

    private OnnxCommand() {}

    static int export(String[] argv, PrintStream log) throws IOException {
        Args a = Args.parse(argv, Set.of("help", "static-batch"));
        if (a.flag("help")) {
            log.print(EXPORT_USAGE);
            return 0;
        }
        String dir = a.string("checkpoint", null);
        String out = a.string("out", null);
        int opset = a.intValue("opset", 17);
        int batch = a.intValue("batch", 1);
        boolean fixed = a.flag("static-batch");
        String classPath = a.string("class-path", null);
        a.finish();
        if (dir == null || out == null) {
            throw new Args.UsageException("--checkpoint DIR and --out FILE.onnx are required");
        }
        if (batch < 1) {
            throw new Args.UsageException("--batch must be >= 1");
        }
        TrainCommand.Loaded loaded = TrainCommand.Loaded.of(Path.of(dir), classPath);
        Module model = loaded.model();
        Recipe recipe = loaded.recipe();
        Preprocessing pre = loaded.preprocessing();
        ExportOptions options = ExportOptions.defaults().opset(opset).dynamicBatch(!fixed);
        Path file = Path.of(out);
        Onnx.export(model, Variable.zeros(batch, pre.channels(), pre.height(), pre.width()), file, options);
        OnnxModel check = Onnx.load(file);
        log.printf(
                Locale.ROOT,
                "%s: %s, opset %d, input %s [%s, %d, %d, %d] (normalised as in training), %d nodes, %,d bytes%n",
                file,
                recipe.model(),
                opset,
                options.inputName(),
                fixed ? String.valueOf(batch) : "batch",
                pre.channels(),
                pre.height(),
                pre.width(),
                check.operators().size(),
                Files.size(file));
        return 0;
    }

    /** {@code ./nabla evaluate --onnx FILE}: the file imported into Nabla, on a test split. */
    static int evaluate(Args a, PrintStream log) throws IOException {
        Path file = Path.of(a.string("onnx", null));
        List<String> recipeArgs =
                new ArrayList<>(List.of("--dataset", a.choice("dataset", "mnist-10k", Recipe.DATASETS)));
        if (a.has("data")) {
            recipeArgs.addAll(List.of("--data", a.string("data", null)));
        }
        if (a.has("test-limit")) {
            recipeArgs.addAll(List.of("--test-limit", String.valueOf(a.intValue("test-limit", 0))));
        }
        int threads = TrainCommand.threads(a);
        a.finish();
        // Only the test split is read: no validation split taken out of the training set.
        recipeArgs.addAll(List.of("--val-split", "0"));
        Recipe r = Recipe.fromArgs(Args.parse(recipeArgs.toArray(new String[0]), Recipe.SWITCHES), null);
        Threads.set(threads);
        OnnxModel model = Onnx.load(file);
        DataSource source = DataSource.load(r);
        log.printf(
                Locale.ROOT,
                "%s (%d ONNX nodes, input %s) on the %s test split (%,d images)%n",
                file,
                model.operators().size(),
                model.inputShape(),
                r.dataset(),
                source.test().size());
        TrainCommand.report(
                log,
                Metrics.evaluate(model, source.loader(source.test()), new CrossEntropyLoss(), source.classNames()));
        return 0;
    }
}
