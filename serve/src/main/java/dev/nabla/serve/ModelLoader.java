package dev.nabla.serve;

import dev.nabla.export.Checkpoint;
import dev.nabla.export.SafeTensors;
import dev.nabla.inference.Classifier;
import dev.nabla.nn.Module;
import dev.nabla.nn.data.Preprocessing;
import dev.nabla.nn.models.Models;
import dev.nabla.tensor.Generator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Finds a source's checkpoints and turns one into a {@link Classifier}: the preprocessing and the
 * architecture come from the checkpoint (the recipe {@code ./nabla train} writes into its training
 * file), unless the source names the architecture.
 */
final class ModelLoader {
    /** The recipe key {@code ./nabla train} stores the zoo model's name under (training file metadata). */
    static final String RECIPE_MODEL = "extra.recipe.model";

    private ModelLoader() {}

    /** A checkpoint on disk: its folder (or file) and the checksum of its weights, to notice changes. */
    record Found(Path checkpoint, String checksum) {}

    /** A loaded model, ready to run. */
    record Loaded(Classifier classifier, String architecture, String checksum) {}

    /**
     * The checkpoints of {@code source} by version: one, unnumbered (key 0), when its path is a
     * checkpoint; else each numbered folder that holds one.
     */
    static TreeMap<Long, Found> scan(ModelSource source) throws IOException {
        Path path = source.path();
        TreeMap<Long, Found> found = new TreeMap<>();
        if (Files.isRegularFile(path) || Files.isRegularFile(path.resolve(Checkpoint.MODEL_FILE))) {
            found.put(0L, new Found(path, checksum(path)));
            return found;
        }
        if (!Files.isDirectory(path)) {
            throw new NoSuchFileException(
                    path.toString(), null, "not found (expected a checkpoint folder or a folder of numbered versions)");
        }
        List<Path> numbered = new ArrayList<>();
        try (Stream<Path> children = Files.list(path)) {
            children.filter(p -> p.getFileName().toString().matches("[0-9]{1,18}"))
                    .filter(p -> Files.isRegularFile(p.resolve(Checkpoint.MODEL_FILE)))
                    .forEach(numbered::add);
        }
        for (Path p : numbered) {
            found.put(Long.parseLong(p.getFileName().toString()), new Found(p, checksum(p)));
        }
        if (found.isEmpty()) {
            throw new IOException(path + ": holds neither " + Checkpoint.MODEL_FILE
                    + " nor numbered version folders (1/, 2/, ...) with one");
        }
        return found;
    }

    /**
     * Builds the model {@code checkpoint} was trained as (by {@code source}'s factory, or the zoo
     * model it or the checkpoint names) and fills it with its weights.
     */
    static Loaded load(Path checkpoint, ModelSource source) throws IOException {
        Preprocessing pre = Checkpoint.preprocessing(checkpoint)
                .orElseThrow(() -> new IOException(modelFile(checkpoint)
                        + ": records no preprocessing (input shape, normalisation, class names); "
                        + "serve checkpoints written by ./nabla train or Checkpoint.saveModel with a Preprocessing"));
        if (pre.classNames().isEmpty()) {
            throw new IOException(
                    modelFile(checkpoint) + ": records no class names, so the number of classes is unknown");
        }
        String arch = source.architecture() != null ? source.architecture() : recordedArchitecture(checkpoint);
        Module model;
        if (source.factory() != null) {
            model = source.factory().apply(pre);
        } else {
            if (pre.height() != pre.width()) {
                throw new IOException(modelFile(checkpoint) + ": the zoo models take square images, the checkpoint "
                        + "records " + pre.height() + "x" + pre.width());
            }
            model = Models.create(
                    arch, pre.channels(), pre.height(), pre.classNames().size(), new Generator(0));
        }
        Checkpoint.loadModel(checkpoint, model);
        return new Loaded(new Classifier(model, pre), arch, checksum(checkpoint));
    }

    private static String recordedArchitecture(Path checkpoint) throws IOException {
        Path training = Files.isDirectory(checkpoint) ? checkpoint.resolve(Checkpoint.TRAINING_FILE) : null;
        if (training != null && Files.isRegularFile(training)) {
            Map<String, String> meta = SafeTensors.readHeader(training).metadata();
            String arch = meta.get(RECIPE_MODEL);
            if (arch != null) {
                return arch;
            }
        }
        throw new IOException(checkpoint + ": records no architecture (no training recipe beside "
                + Checkpoint.MODEL_FILE + "); name it with --model NAME, one of " + Models.NAMES);
    }

    /** The checksum a checkpoint records for its weights, or its size and time when it has none. */
    private static String checksum(Path checkpoint) throws IOException {
        Path file = modelFile(checkpoint);
        String crc = SafeTensors.readHeader(file).metadata().get(SafeTensors.CRC_KEY);
        return crc != null
                ? crc
                : Files.size(file) + "@" + Files.getLastModifiedTime(file).toMillis();
    }

    static Path modelFile(Path checkpoint) {
        return Files.isDirectory(checkpoint) ? checkpoint.resolve(Checkpoint.MODEL_FILE) : checkpoint;
    }
}
