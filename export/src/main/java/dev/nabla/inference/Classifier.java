package dev.nabla.inference;

import dev.nabla.autograd.Autograd;
import dev.nabla.autograd.Variable;
import dev.nabla.export.Checkpoint;
import dev.nabla.nn.Module;
import dev.nabla.nn.data.Preprocessing;
import dev.nabla.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * An image classifier ready to predict: a trained model and the {@link Preprocessing} its inputs
 * need. {@link #load} builds one from a checkpoint in one call; each {@code predict} prepares the
 * raw images as the model was trained, runs the model in eval mode without recording gradients,
 * and returns the top classes with their probabilities.
 *
 * <pre>{@code
 * Path dir = Path.of("runs/mnist-10k-lenet5/best");          // written by ./nabla train
 * Classifier digits = Classifier.load(dir, new LeNet5(1, 28, 10, new Generator(0)));
 * Prediction p = digits.predict(ImageIO.read(new File("seven.png")), 3);
 * p.label();                   // "7"
 * p.probability();             // 0.998
 * List<Prediction> batch = digits.predict(Mnist.embedded().test().pixels(0), 1);   // raw bytes
 * }</pre>
 */
public final class Classifier {
    private final Module model;
    private final Preprocessing preprocessing;

    /** Puts {@code model} in eval mode (and each {@code predict} keeps it there). */
    public Classifier(Module model, Preprocessing preprocessing) {
        this.model = Objects.requireNonNull(model, "model");
        this.preprocessing = Objects.requireNonNull(preprocessing, "preprocessing");
        model.eval();
    }

    /**
     * Loads the checkpoint's weights into {@code model} (built with the architecture it was
     * trained with) and its recorded preprocessing.
     *
     * @throws IOException when the checkpoint is missing or corrupt, or recorded no preprocessing
     */
    public static Classifier load(Path checkpoint, Module model) throws IOException {
        Checkpoint.loadModel(checkpoint, model);
        Preprocessing pre = Checkpoint.preprocessing(checkpoint)
                .orElseThrow(
                        () -> new IOException(
                                checkpoint + " records no preprocessing (input shape, "
                                        + "normalisation, class names); build the Classifier with new Classifier(model, preprocessing)"));
        return new Classifier(model, pre);
    }

    public Module model() {
        return model;
    }

    public Preprocessing preprocessing() {
        return preprocessing;
    }

    /** The top {@code k} classes of each already prepared input of {@code inputs} ({@code [N, C, H, W]}). */
    public List<Prediction> predict(Tensor inputs, int k) {
        model.eval();
        Tensor logits;
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            logits = model.call(Variable.of(inputs)).data();
        }
        if (logits.dim() != 2) {
            throw new IllegalStateException("Classifier: the model gave " + logits.shape() + " for input "
                    + inputs.shape() + ", not [N, classes]");
        }
        return Prediction.topK(logits, k, preprocessing.classNames());
    }

    /** The top {@code k} classes of one image. */
    public Prediction predict(BufferedImage image, int k) {
        return predict(preprocessing.apply(image), k).get(0);
    }

    /** The top {@code k} classes of each image of {@code images}. */
    public List<Prediction> predict(List<BufferedImage> images, int k) {
        return predict(preprocessing.apply(images.toArray(new BufferedImage[0])), k);
    }

    /** The top {@code k} classes of one or more images given as pixel bytes in {@code [C, H, W]} order. */
    public List<Prediction> predict(byte[] pixels, int k) {
        return predict(preprocessing.apply(pixels), k);
    }

    /** The top {@code k} classes of one or more images given as values in [0, 1] in {@code [C, H, W]} order. */
    public List<Prediction> predict(float[] pixels, int k) {
        return predict(preprocessing.apply(pixels), k);
    }
}
