package dev.nabla.samples.train;

import dev.nabla.export.Checkpoint;
import dev.nabla.export.TrainingState;
import dev.nabla.nn.Module;
import dev.nabla.nn.data.Preprocessing;
import dev.nabla.quantize.Quantization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@code ./nabla evaluate} and {@code ./nabla quantize} read from a checkpoint directory: a
 * float model written by {@code ./nabla train} (model and training state) or an int8 model written
 * by {@code ./nabla quantize} (one {@code model.safetensors} whose metadata holds the recipe, the
 * preprocessing and how it was quantized).
 */
record SavedModel(Path dir, Recipe recipe, Preprocessing preprocessing, long epoch, Map<String, String> metadata) {
    private static final String RECIPE = "recipe.";

    static SavedModel read(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + " is not a checkpoint directory");
        }
        Map<String, String> meta = Checkpoint.metadata(dir);
        if (meta.containsKey(Quantization.METHOD_KEY)) {
            Map<String, String> recipe = new LinkedHashMap<>();
            meta.forEach((k, v) -> {
                if (k.startsWith(RECIPE)) {
                    recipe.put(k.substring(RECIPE.length()), v);
                }
            });
            if (recipe.isEmpty()) {
                throw new IllegalArgumentException(dir.resolve(Checkpoint.MODEL_FILE)
                        + " holds an int8 model but no training recipe (was it written by ./nabla quantize?)");
            }
            Preprocessing p = Checkpoint.preprocessing(dir)
                    .orElseThrow(() -> new IllegalArgumentException(
                            dir.resolve(Checkpoint.MODEL_FILE) + " records no preprocessing"));
            return new SavedModel(
                    dir, Recipe.fromMap(recipe), p, Long.parseLong(meta.getOrDefault("epochs_trained", "0")), meta);
        }
        TrainingState state = Checkpoint.load(dir);
        if (state.preprocessing() == null) {
            throw new IllegalArgumentException(
                    "the checkpoint records no preprocessing (was it written by ./nabla train?)");
        }
        return new SavedModel(dir, Trainer.recipeOf(state), state.preprocessing(), state.epoch(), meta);
    }

    /** {@code static}, {@code qat} or {@code dynamic} for an int8 model, null for a float one. */
    String quantization() {
        return metadata.get(Quantization.METHOD_KEY);
    }

    /** The model, built for {@code source}'s images and filled from the file (int8 layers for an int8 model). */
    Module load(DataSource source) throws IOException {
        Module model = Trainer.buildModel(recipe, source);
        if (quantization() != null) {
            model = Quantization.rebuild(model, metadata);
        }
        return Checkpoint.loadModel(dir, model);
    }

    /** The metadata an int8 model's file carries so that {@link #read} can open it again. */
    Map<String, String> int8Metadata(Module quantized) {
        Map<String, String> meta = new LinkedHashMap<>(Quantization.metadata(quantized));
        recipe.toMap().forEach((k, v) -> meta.put(RECIPE + k, v));
        meta.put("epochs_trained", Long.toString(epoch));
        return meta;
    }
}
