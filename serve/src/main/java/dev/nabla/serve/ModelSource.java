package dev.nabla.serve;

import dev.nabla.export.Checkpoint;
import dev.nabla.nn.Module;
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
 * <pre>{@code
 * ModelSource digits = ModelSource.checkpoint("digits", Path.of("runs/mnist-10k-lenet5"));
 * ModelSource zoo = ModelSource.checkpoint("cifar", Path.of("models/cifar")).architecture("resnet20");
 * ModelSource mine = ModelSource.checkpoint("mine", Path.of("models/mine"))
 *         .model("MyNet", pre -> new MyNet(pre.channels(), pre.classNames().size()));
 * }</pre>
 *
 * @param name         the model's name in URLs: letters, digits, '.', '_' and '-'
 * @param path         a checkpoint folder (or {@code .safetensors} file), or a folder of numbered versions
 * @param architecture the zoo model to build (or the description of {@code factory}'s), or null to
 *                     read it from the checkpoint
 * @param factory      builds the module for a checkpoint's preprocessing, or null for a zoo model
 */
public record ModelSource(
        String name, Path path, String architecture, Function<Preprocessing, ? extends Module> factory) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    public ModelSource {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(path, "path");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("model name '" + name
                    + "' must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
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
        return new ModelSource(name, path, Objects.requireNonNull(zooName, "zooName"), null);
    }

    /**
     * The same source, loading the weights into the module {@code factory} builds (called once per
     * version, with that checkpoint's preprocessing); {@code description} names it in the metadata.
     */
    public ModelSource model(String description, Function<Preprocessing, ? extends Module> factory) {
        return new ModelSource(
                name, path, Objects.requireNonNull(description, "description"), Objects.requireNonNull(factory));
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
