package dev.nabla.serve;

import dev.nabla.export.Checkpoint;
import dev.nabla.nn.Module;
import dev.nabla.nn.data.ChannelStats;
import dev.nabla.nn.data.Mnist;
import dev.nabla.nn.data.Preprocessing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Where a served model comes from: its name in the URLs ({@code /v1/models/{name}:predict}) and a
 * folder, either one checkpoint (a {@code model.safetensors} written by {@code ./nabla train}) or a
 * folder of numbered versions, TensorFlow Serving's layout ({@code DIR/1/}, {@code DIR/2/}, ... each
 * a checkpoint), of which every version is served and the highest is the default.
 *
 * <p>The architecture is read from the checkpoint (the recipe {@code ./nabla train} records); name
 * a zoo model ({@code lenet5}, {@code resnet20}, ... see {@code Models.NAMES}) for a checkpoint
 * saved without one, or give a factory for a model class of your own: it gets the checkpoint's
 * {@link Preprocessing} (input shape, class names) and returns the module the weights load into.
 *
 * <p>An ONNX file ({@link #onnx}) is served too: the model is the file imported by
 * {@code Onnx.load}, its input shape {@code [batch, C, H, W]} comes from the file, its classes are
 * named {@code 0..n-1}, and, as the file records no normalisation, the source carries it (the
 * embedded MNIST digits' by default, as for {@code ./nabla evaluate --onnx}). A changed file is
 * served as the next version on reload.
 *
 * <pre>{@code
 * ModelSource digits = ModelSource.checkpoint("digits", Path.of("runs/mnist-10k-lenet5"));
 * ModelSource zoo = ModelSource.checkpoint("cifar", Path.of("models/cifar")).architecture("resnet20");
 * ModelSource mine = ModelSource.checkpoint("mine", Path.of("models/mine"))
 *         .model("MyNet", pre -> new MyNet(pre.channels(), pre.classNames().size()));
 * ModelSource onnx = ModelSource.onnx("lenet", Path.of("lenet5.onnx"));   // MNIST's normalisation
 * ModelSource rgb = ModelSource.onnx("cifar", Path.of("resnet20.onnx"),
 *         new ChannelStats(new float[] {0.49f, 0.48f, 0.45f}, new float[] {0.25f, 0.24f, 0.26f}));
 * }</pre>
 *
 * @param name         the model's name in URLs: letters, digits, '.', '_' and '-'
 * @param path         a checkpoint folder (or {@code .safetensors} file), a folder of numbered versions,
 *                     or an ONNX file
 * @param architecture the zoo model to build (or the description of {@code factory}'s), or null to
 *                     read it from the checkpoint
 * @param factory      builds the module for a checkpoint's preprocessing, or null for a zoo model
 * @param onnxNormalization for an ONNX file, the per-channel normalisation its input expects (values
 *                     in [0, 1]); null for a checkpoint, which records its own
 */
public record ModelSource(
        String name,
        Path path,
        String architecture,
        Function<Preprocessing, ? extends Module> factory,
        ChannelStats onnxNormalization) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    public ModelSource {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(path, "path");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("model name '" + name
                    + "' must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        if (onnxNormalization != null && (architecture != null || factory != null)) {
            throw new IllegalArgumentException("an ONNX file is its own architecture: no zoo model or factory");
        }
    }

    /** A checkpoint source (see the class comment); {@code architecture} and {@code factory} may be null. */
    public ModelSource(String name, Path path, String architecture, Function<Preprocessing, ? extends Module> factory) {
        this(name, path, architecture, factory, null);
    }

    /**
     * The ONNX file {@code file} (as {@code ./nabla export} or {@code torch.onnx.export} write it:
     * one image input {@code [batch, C, H, W]}, logits {@code [batch, classes]} out), served as
     * {@code name}, its inputs normalised with {@code normalization} (one mean and std per channel).
     */
    public static ModelSource onnx(String name, Path file, ChannelStats normalization) {
        return new ModelSource(name, file, null, null, Objects.requireNonNull(normalization, "normalization"));
    }

    /**
     * The ONNX file {@code file} with the embedded MNIST digits' normalisation ({@link Mnist#STATS}),
     * the default of {@code ./nabla evaluate --onnx}: for one-channel 28x28 digit models.
     */
    public static ModelSource onnx(String name, Path file) {
        return onnx(name, file, Mnist.STATS);
    }

    /** Whether this source is an ONNX file ({@link #onnx}) rather than a checkpoint. */
    public boolean isOnnx() {
        return onnxNormalization != null;
    }

    /**
     * The checkpoint (or folder of numbered checkpoints) at {@code path}, served as {@code name}. A
     * run's folder written by {@code ./nabla train} (one holding {@code best/} and {@code last/})
     * means its {@code best/} checkpoint, as for {@code ./nabla evaluate}.
     */
    public static ModelSource checkpoint(String name, Path path) {
        return new ModelSource(name, runsBest(path), null, null);
    }

    /** {@code path/best} when {@code path} is a run's folder (no checkpoint of its own, a best one inside). */
    private static Path runsBest(Path path) {
        Path best = path.resolve("best"); // dev.nabla.train.ModelCheckpoint.BEST, without depending on train
        if (Files.isDirectory(path)
                && !Files.exists(path.resolve(Checkpoint.MODEL_FILE))
                && Files.isRegularFile(best.resolve(Checkpoint.MODEL_FILE))) {
            return best;
        }
        return path;
    }

    /** The same source, building the zoo model {@code name} instead of the one the checkpoint records. */
    public ModelSource architecture(String zooName) {
        return new ModelSource(name, path, Objects.requireNonNull(zooName, "zooName"), null, onnxNormalization);
    }

    /**
     * The same source, loading the weights into the module {@code factory} builds (called once per
     * version, with that checkpoint's preprocessing); {@code description} names it in the metadata.
     */
    public ModelSource model(String description, Function<Preprocessing, ? extends Module> factory) {
        return new ModelSource(
                name,
                path,
                Objects.requireNonNull(description, "description"),
                Objects.requireNonNull(factory),
                onnxNormalization);
    }

    /**
     * A name for a model served from {@code path} when none is given: the folder's name, or its
     * parent's when the folder is a run's generic {@code checkpoint}, {@code best} or {@code last}
     * ({@code runs/mnist-10k-lenet5/checkpoint} is served as {@code mnist-10k-lenet5}).
     */
    public static String defaultName(Path path) {
        Path abs = path.toAbsolutePath().normalize();
        String name = abs.getFileName() == null ? "model" : abs.getFileName().toString();
        if (name.endsWith(".safetensors") || name.endsWith(".onnx")) {
            name = name.substring(0, name.lastIndexOf('.'));
        }
        if ((name.equals("checkpoint") || name.equals("best") || name.equals("last") || name.equals("model"))
                && abs.getParent() != null
                && abs.getParent().getFileName() != null) {
            name = abs.getParent().getFileName().toString();
        }
        String cleaned = name.replaceAll("[^A-Za-z0-9._-]", "-").replaceAll("^[._-]+", "");
        return cleaned.isEmpty() ? "model" : cleaned.substring(0, Math.min(64, cleaned.length()));
    }
}
