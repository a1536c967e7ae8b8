package dev.nabla.serve;

import dev.nabla.autograd.Autograd;
import dev.nabla.autograd.Variable;
import dev.nabla.export.Checkpoint;
import dev.nabla.export.FileFormatException;
import dev.nabla.export.SafeTensors;
import dev.nabla.export.onnx.Onnx;
import dev.nabla.export.onnx.OnnxModel;
import dev.nabla.inference.Classifier;
import dev.nabla.nn.Module;
import dev.nabla.nn.data.ChannelStats;
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
import java.util.stream.IntStream;
import java.util.stream.Stream;
import java.util.zip.CRC32;

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
        if (source.isOnnx()) {
            if (!Files.isRegularFile(path)) {
                throw new NoSuchFileException(path.toString(), null, "no such ONNX file");
            }
            found.put(0L, new Found(path, crc(Files.readAllBytes(path))));
            return found;
        }
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
        if (source.isOnnx()) {
            return loadOnnx(checkpoint, source.onnxNormalization());
        }
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

    /**
     * Imports the ONNX file: its input must be an image batch {@code [batch, C, H, W]} with a
     * dynamic batch and fixed C, H, W, its output {@code [batch, classes]}; classes are named 0..n-1.
     */
    private static Loaded loadOnnx(Path file, ChannelStats normalization) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        OnnxModel model = Onnx.load(bytes, file);
        List<Object> shape = model.inputShape();
        boolean image = shape.size() == 4 && !(shape.get(0) instanceof Long);
        for (int i = 1; image && i < 4; i++) {
            image = shape.get(i) instanceof Long n && n > 0 && n <= 1 << 16;
        }
        if (!image) {
            throw new FileFormatException(
                    file,
                    "serving needs an image input [batch, channels, height, width] with a dynamic batch "
                            + "(export without --static-batch); the file's input is " + shape);
        }
        int channels = (int) (long) (Long) shape.get(1);
        int height = (int) (long) (Long) shape.get(2);
        int width = (int) (long) (Long) shape.get(3);
        if (normalization.channels() != channels) {
            throw new IOException(file + ": the input has " + channels + " channels, the normalisation "
                    + normalization.channels() + "; give --onnx-mean and --onnx-std with " + channels
                    + " values each");
        }
        Variable logits;
        model.eval();
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            logits = model.call(Variable.zeros(2, channels, height, width));
        } catch (RuntimeException e) {
            throw new FileFormatException(
                    file,
                    "does not run on a [2, " + channels + ", " + height + ", " + width + "] input: " + e.getMessage());
        }
        if (logits.dim() != 2 || logits.size(0) != 2) {
            throw new FileFormatException(
                    file,
                    "serving needs logits [batch, classes] out; the file gives " + logits.shape()
                            + " for a batch of 2");
        }
        List<String> classes =
                IntStream.range(0, logits.size(1)).mapToObj(Integer::toString).toList();
        Preprocessing pre = new Preprocessing(channels, height, width, normalization, classes);
        return new Loaded(
                new Classifier(model, pre), "onnx (" + model.operators().size() + " nodes)", crc(bytes));
    }

    private static String crc(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes);
        return String.format("%08x", crc.getValue());
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
