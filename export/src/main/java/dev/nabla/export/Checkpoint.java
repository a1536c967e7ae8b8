package dev.nabla.export;

import dev.nabla.nn.Module;
import dev.nabla.nn.data.Preprocessing;
import dev.nabla.optim.OptimizerState;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Tensor;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Saves and loads a {@link TrainingState} as a directory of two safetensors files:
 * <ul>
 *   <li>{@value #MODEL_FILE}: the model's state dict alone, so PyTorch and other tools load the
 *       weights directly, and in its metadata the model's {@link Preprocessing} when recorded;</li>
 *   <li>{@value #TRAINING_FILE}: the optimizer's buffers as tensors ({@code optimizer.state.<i>.<name>}),
 *       and in its metadata the optimizer's scalars ({@code optimizer.*}), the scheduler
 *       ({@code scheduler.*}), the generators ({@code generator.<name>}, four hex longs), the epoch,
 *       the step, the caller's extras ({@code extra.*}) and the model file's data checksum.</li>
 * </ul>
 * A save replaces the folder as a unit ({@link AtomicFiles#replaceDirectory}): both files are
 * written into a fresh folder beside it, which takes its place only once complete, so a kill or a
 * full disk during a save leaves the previous checkpoint whole, and no half-written files behind.
 * The model file's checksum, recorded in the training file, ties the pair together besides: files
 * copied together from different saves are reported rather than resuming a model with another
 * run's optimizer state.
 *
 * <p>For inference only the model file is needed: {@link #loadModel} fills a freshly built model
 * from it in one call, and {@link #preprocessing} reads how its inputs must be prepared;
 * {@link #saveModel} writes just that file.
 *
 * <pre>{@code
 * Path dir = Path.of("runs/mlp/step-1000");
 * Checkpoint.save(dir, TrainingState.capture(model, optimizer, scheduler, Map.of("shuffle", g), epoch, step));
 * TrainingState s = Checkpoint.load(dir);
 * s.restore(model, optimizer, scheduler, Map.of("shuffle", g));
 *
 * LeNet5 net = Checkpoint.loadModel(Path.of("runs/mnist-10k-lenet5/best"), new LeNet5(1, 28, 10, new Generator(0)));
 * Preprocessing pre = Checkpoint.preprocessing(Path.of("runs/mnist-10k-lenet5/best")).orElseThrow();
 * }</pre>
 */
public final class Checkpoint {
    public static final String MODEL_FILE = "model.safetensors";
    public static final String TRAINING_FILE = "training.safetensors";
    private static final String FORMAT = "nabla-training-state-1";
    private static final String OPT = "optimizer.";
    private static final String SCHED = "scheduler.";
    private static final String GEN = "generator.";
    private static final String EXTRA = "extra.";
    /** The metadata key a quantized model's file carries (see {@code dev.nabla.quantize.Quantization}). */
    static final String QUANTIZATION_KEY = "quantization";

    private Checkpoint() {}

    /**
     * Writes both files as a unit: {@code dir} goes from the previous complete checkpoint (if any)
     * to the new complete one. {@code dir} must be a folder of its own: it is replaced as a whole.
     *
     * @throws IOException when writing fails (the previous checkpoint is then kept), or when
     *     {@code dir} holds other files than a checkpoint's (naming them)
     */
    public static void save(Path dir, TrainingState state) throws IOException {
        Objects.requireNonNull(state, "state");
        requireOwnFolder(dir);
        AtomicFiles.replaceDirectory(dir, fresh -> write(fresh, state));
    }

    /**
     * Makes {@code to} a checkpoint equal to the one in {@code from} (e.g. the best epoch's, beside
     * the last), replaced as a unit like {@link #save}. The files are hard links where the file
     * system allows, so the copy takes no space; copies otherwise.
     */
    public static void copy(Path from, Path to) throws IOException {
        Path source = AtomicFiles.resolveDirectory(from);
        if (!Files.isRegularFile(source.resolve(MODEL_FILE))) {
            throw new NoSuchFileException(
                    source.resolve(MODEL_FILE).toString(), null, "not found: " + from + " holds no checkpoint");
        }
        requireOwnFolder(to);
        AtomicFiles.replaceDirectory(to, fresh -> {
            for (String name : List.of(MODEL_FILE, TRAINING_FILE)) {
                Path f = source.resolve(name);
                if (Files.isRegularFile(f)) {
                    try {
                        Files.createLink(fresh.resolve(name), f);
                    } catch (IOException | UnsupportedOperationException e) {
                        Files.copy(f, fresh.resolve(name));
                    }
                }
            }
        });
    }

    /** Refuses to replace a folder that holds more than a checkpoint (and a save's leftover temporary files). */
    private static void requireOwnFolder(Path dir) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new FileSystemException(dir.toString(), null, "is a file, not a checkpoint folder");
        }
        if (!Files.isDirectory(dir)) {
            return;
        }
        List<String> foreign = new ArrayList<>();
        try (var entries = Files.list(dir)) {
            for (Path p : entries.toList()) {
                String n = p.getFileName().toString();
                boolean leftover = n.startsWith(".") && n.endsWith(".tmp");
                if (!n.equals(MODEL_FILE) && !n.equals(TRAINING_FILE) && !leftover) {
                    foreign.add(n);
                }
            }
        }
        if (!foreign.isEmpty()) {
            Collections.sort(foreign);
            throw new FileSystemException(
                    dir.toString(),
                    null,
                    "holds files that are not part of a checkpoint (" + String.join(", ", foreign)
                            + "); a checkpoint replaces its folder as a whole, so save it into a folder of its own");
        }
    }

    private static void write(Path dir, TrainingState state) throws IOException {
        Path modelFile = dir.resolve(MODEL_FILE);
        SafeTensors.write(modelFile, state.model(), modelMetadata(state.preprocessing()));
        String modelCrc = SafeTensors.readHeader(modelFile).metadata().get(SafeTensors.CRC_KEY);

        Map<String, Tensor> tensors = new LinkedHashMap<>();
        state.optimizer().tensors().forEach((k, t) -> tensors.put(OPT + k, t));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("epoch", Long.toString(state.epoch()));
        meta.put("step", Long.toString(state.step()));
        meta.put("model." + SafeTensors.CRC_KEY, modelCrc);
        state.optimizer().metadata().forEach((k, v) -> meta.put(OPT + k, v));
        state.scheduler().forEach((k, v) -> meta.put(SCHED + k, v));
        state.generators().forEach((k, s) -> {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < s.length; i++) {
                sb.append(i == 0 ? "" : ",").append(Long.toHexString(s[i]));
            }
            meta.put(GEN + k, sb.toString());
        });
        state.extra().forEach((k, v) -> meta.put(EXTRA + k, v));
        SafeTensors.write(dir.resolve(TRAINING_FILE), tensors, meta);
    }

    /**
     * Writes only the model file, {@code dir/}{@value #MODEL_FILE}, with {@code preprocessing}
     * (may be null) in its metadata: what inference needs, without the optimizer's state.
     */
    public static void saveModel(Path dir, Module model, Preprocessing preprocessing) throws IOException {
        saveModel(dir, model, preprocessing, Map.of());
    }

    /**
     * {@link #saveModel(Path, Module, Preprocessing)} with more string metadata in the file's header,
     * e.g. how a quantized model was made ({@code dev.nabla.quantize.Quantization.metadata}) and the
     * recipe it was trained with; {@link #metadata} reads it back.
     */
    public static void saveModel(Path dir, Module model, Preprocessing preprocessing, Map<String, String> metadata)
            throws IOException {
        Files.createDirectories(dir);
        Map<String, String> meta = modelMetadata(preprocessing);
        metadata.forEach(meta::putIfAbsent);
        SafeTensors.write(dir.resolve(MODEL_FILE), model.stateDict(), meta);
    }

    /** The string metadata of the checkpoint's {@value #MODEL_FILE} (or of the file {@code dir} names). */
    public static Map<String, String> metadata(Path dir) throws IOException {
        return SafeTensors.readHeader(modelFile(dir)).metadata();
    }

    private static Map<String, String> modelMetadata(Preprocessing preprocessing) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        if (preprocessing != null) {
            meta.putAll(preprocessing.toMetadata());
        }
        return meta;
    }

    /**
     * Loads the weights of the checkpoint in {@code dir} (its {@value #MODEL_FILE}; the training
     * file is not needed) into {@code model}, strictly, and returns the model, so
     * {@code var net = Checkpoint.loadModel(dir, new LeNet5(1, 28, 10, g));} builds and fills it in
     * one statement. {@code dir} may also name a {@code .safetensors} file.
     *
     * @throws IOException when the file is missing or corrupt (naming it)
     * @throws IllegalArgumentException listing every missing, unexpected and mis-shaped key
     */
    public static <M extends Module> M loadModel(Path dir, M model) throws IOException {
        Path file = modelFile(dir);
        SafeTensors.Contents contents = SafeTensors.read(file);
        String method = contents.metadata().get(QUANTIZATION_KEY);
        boolean int8Model = model.stateDict().values().stream().anyMatch(t -> t.dtype() == DType.INT8);
        if (method != null && !int8Model) {
            throw new IllegalArgumentException(
                    file + " holds an int8 model (quantization: " + method + "), which a float "
                            + model.getClass().getSimpleName() + " cannot load; make the quantized structure first with"
                            + " dev.nabla.quantize.Quantization.rebuild(model, Checkpoint.metadata(dir)) and load into that");
        }
        if (method == null && int8Model) {
            throw new IllegalArgumentException(
                    file + " holds a float model, and " + model.getClass().getSimpleName()
                            + " is quantized; load it into the float model (and quantize that, e.g. ./nabla quantize)");
        }
        try {
            model.loadStateDict(contents.tensors());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
        return model;
    }

    /**
     * The {@link Preprocessing} recorded with the checkpoint's model (read from the header of its
     * {@value #MODEL_FILE}, or of the {@code .safetensors} file {@code dir} names), empty when the
     * model was saved without one.
     */
    public static Optional<Preprocessing> preprocessing(Path dir) throws IOException {
        Path file = modelFile(dir);
        try {
            return Preprocessing.fromMetadata(SafeTensors.readHeader(file).metadata());
        } catch (IllegalArgumentException e) {
            throw new FileFormatException(file, e.getMessage());
        }
    }

    private static Path modelFile(Path dirOrFile) throws NoSuchFileException {
        Path dir = AtomicFiles.resolveDirectory(dirOrFile);
        if (Files.isDirectory(dir)) {
            return dir.resolve(MODEL_FILE);
        }
        if (!Files.exists(dirOrFile)) {
            throw new NoSuchFileException(dirOrFile.toString(), null, "not found");
        }
        return dirOrFile;
    }

    /**
     * Reads and checks both files; nothing is applied until {@link TrainingState#restore}. When a
     * save into {@code dir} was interrupted between its two renames, the previous checkpoint it
     * left beside {@code dir} is read.
     */
    public static TrainingState load(Path dir) throws IOException {
        if (!Files.exists(AtomicFiles.resolveDirectory(dir))) {
            throw new NoSuchFileException(dir.toString(), null, "not found");
        }
        if (!Files.isDirectory(dir) && Files.exists(dir)) {
            throw new FileSystemException(
                    dir.toString(),
                    null,
                    "is a file; a checkpoint is a folder holding " + MODEL_FILE + " and " + TRAINING_FILE);
        }
        dir = AtomicFiles.resolveDirectory(dir);
        Path modelFile = dir.resolve(MODEL_FILE);
        Path trainingFile = dir.resolve(TRAINING_FILE);
        SafeTensors.Contents model = SafeTensors.read(modelFile);
        SafeTensors.Contents training = SafeTensors.read(trainingFile);
        Map<String, String> meta = training.metadata();
        if (!FORMAT.equals(meta.get("format"))) {
            throw new FileFormatException(
                    trainingFile,
                    "is not a Nabla training state (format '" + meta.get("format") + "', expected '" + FORMAT + "')");
        }
        String linked = meta.get("model." + SafeTensors.CRC_KEY);
        String actual = model.metadata().get(SafeTensors.CRC_KEY);
        if (linked == null || !linked.equals(actual)) {
            throw new FileFormatException(
                    dir,
                    MODEL_FILE + " (data checksum " + actual + ") is not the model "
                            + TRAINING_FILE + " was saved with (checksum " + linked
                            + "): the two files come from different "
                            + "saves, perhaps an interrupted one");
        }
        Map<String, Tensor> optTensors = new LinkedHashMap<>();
        for (var e : training.tensors().entrySet()) {
            if (!e.getKey().startsWith(OPT)) {
                throw new FileFormatException(trainingFile, "unexpected tensor '" + e.getKey() + "'");
            }
            optTensors.put(e.getKey().substring(OPT.length()), e.getValue());
        }
        Map<String, String> optMeta = new LinkedHashMap<>();
        Map<String, String> sched = new LinkedHashMap<>();
        Map<String, long[]> gens = new LinkedHashMap<>();
        Map<String, String> extra = new LinkedHashMap<>();
        for (var e : meta.entrySet()) {
            String k = e.getKey();
            if (k.startsWith(OPT)) {
                optMeta.put(k.substring(OPT.length()), e.getValue());
            } else if (k.startsWith(SCHED)) {
                sched.put(k.substring(SCHED.length()), e.getValue());
            } else if (k.startsWith(GEN)) {
                gens.put(k.substring(GEN.length()), generatorState(trainingFile, k, e.getValue()));
            } else if (k.startsWith(EXTRA)) {
                extra.put(k.substring(EXTRA.length()), e.getValue());
            }
        }
        Preprocessing preprocessing;
        try {
            preprocessing = Preprocessing.fromMetadata(model.metadata()).orElse(null);
        } catch (IllegalArgumentException e) {
            throw new FileFormatException(modelFile, e.getMessage());
        }
        return new TrainingState(
                model.tensors(),
                new OptimizerState(optTensors, optMeta),
                sched,
                gens,
                counter(trainingFile, meta, "epoch"),
                counter(trainingFile, meta, "step"),
                extra,
                preprocessing);
    }

    private static long[] generatorState(Path file, String key, String text) throws FileFormatException {
        String[] parts = text.split(",", -1);
        if (parts.length != 4) {
            throw new FileFormatException(file, key + " = '" + text + "' is not four hex numbers");
        }
        long[] s = new long[4];
        try {
            for (int i = 0; i < 4; i++) {
                s[i] = Long.parseUnsignedLong(parts[i], 16);
            }
        } catch (NumberFormatException e) {
            throw new FileFormatException(file, key + " = '" + text + "' is not four hex numbers");
        }
        if ((s[0] | s[1] | s[2] | s[3]) == 0) {
            throw new FileFormatException(file, key + " is all zero, which is not a generator state");
        }
        return s;
    }

    private static long counter(Path file, Map<String, String> meta, String key) throws FileFormatException {
        String v = meta.get(key);
        try {
            long x = Long.parseLong(v);
            if (x >= 0) {
                return x;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new FileFormatException(file, "metadata '" + key + "' = '" + v + "' is not a non-negative integer");
    }
}
