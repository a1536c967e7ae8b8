package dev.nabla.serve;

import dev.nabla.autograd.Variable;
import dev.nabla.export.Checkpoint;
import dev.nabla.export.TrainingState;
import dev.nabla.inference.Classifier;
import dev.nabla.nn.CrossEntropyLoss;
import dev.nabla.nn.Module;
import dev.nabla.nn.data.Batch;
import dev.nabla.nn.data.ChannelStats;
import dev.nabla.nn.data.DataLoader;
import dev.nabla.nn.data.Mnist;
import dev.nabla.nn.data.Preprocessing;
import dev.nabla.nn.data.Split;
import dev.nabla.nn.models.LeNet5;
import dev.nabla.nn.models.Models;
import dev.nabla.optim.Adam;
import dev.nabla.tensor.Generator;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * A LeNet-5 trained for one epoch on the embedded MNIST digits (about 97% held out), saved as
 * {@code ./nabla train} saves it: the weights with the preprocessing, and a training file whose
 * recipe names the architecture. Trained once per test JVM (about two seconds).
 */
final class TestModels {
    static final Split DIGITS = Mnist.embedded();
    private static Path lenet;

    private TestModels() {}

    /** A LeNet-5 checkpoint folder trained once per test JVM (one epoch on the embedded digits). */
    static synchronized Path lenet() {
        if (lenet == null) {
            try {
                Path dir = Files.createTempDirectory("nabla-serve-lenet");
                dir.toFile().deleteOnExit();
                lenet = save(dir.resolve("checkpoint"), 1, 0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return lenet;
    }

    /** Trains LeNet-5 for {@code epochs} with {@code seed} and saves it into {@code dir}. */
    static Path save(Path dir, int epochs, long seed) throws IOException {
        Preprocessing pre = Preprocessing.of(DIGITS.train(), Mnist.STATS);
        LeNet5 model = new LeNet5(1, 28, 10, new Generator(seed));
        Adam opt = new Adam(model.parameters(), 2e-3);
        DataLoader loader = new DataLoader(
                DIGITS.train(),
                DataLoader.options().batchSize(64).shuffle(true).seed(seed).transforms(pre.normalize()));
        CrossEntropyLoss loss = new CrossEntropyLoss();
        model.train();
        for (int epoch = 0; epoch < epochs; epoch++) {
            for (Batch b : loader.epoch(epoch)) {
                opt.zeroGrad();
                Variable l = loss.call(model.call(b.inputs()), b.targets());
                l.backward();
                opt.step();
            }
        }
        TrainingState state = TrainingState.capture(
                        model, opt, null, Map.of(), epochs, opt.stepCount(), Map.of("recipe.model", "lenet5"))
                .withPreprocessing(pre);
        Checkpoint.save(dir, state);
        return dir;
    }

    /**
     * An untrained zoo model ({@code cnn}, {@code resnet20}, ...) for {@code channels x size x size}
     * images and ten classes, saved as {@code ./nabla train} would: for load tests of bigger models,
     * where what matters is the work per image, not the answers.
     */
    static Path untrained(Path dir, String arch, int channels, int size) throws IOException {
        Module model = Models.create(arch, channels, size, 10, new Generator(0));
        float[] mean = new float[channels];
        float[] std = new float[channels];
        Arrays.fill(mean, 0.5f);
        Arrays.fill(std, 0.25f);
        Preprocessing pre = new Preprocessing(channels, size, size, new ChannelStats(mean, std), Mnist.CLASSES);
        Adam opt = new Adam(model.parameters(), 1e-3);
        Checkpoint.save(
                dir,
                TrainingState.capture(model, opt, null, Map.of(), 0, 0, Map.of("recipe.model", arch))
                        .withPreprocessing(pre));
        return dir;
    }

    /** The oracle: the checkpoint loaded in-process through the library's inference helper. */
    static Classifier classifier(Path checkpoint, String arch) throws IOException {
        Preprocessing pre = Checkpoint.preprocessing(checkpoint).orElseThrow();
        return Classifier.load(
                checkpoint,
                Models.create(
                        arch, pre.channels(), pre.height(), pre.classNames().size(), new Generator(0)));
    }

    /** The oracle: the same checkpoint loaded in-process through the library's inference helper. */
    static Classifier classifier(Path checkpoint) throws IOException {
        return Classifier.load(checkpoint, new LeNet5(1, 28, 10, new Generator(0)));
    }

    /** Test digit {@code i} as a PNG file. */
    static byte[] png(int i) {
        byte[] pixels = DIGITS.test().pixels(i);
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setDataElements(0, 0, 28, 28, pixels);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Test digit {@code i} as the JSON of a nested [28][28] array of pixel values. */
    static String pixelsJson(int i) {
        byte[] pixels = DIGITS.test().pixels(i);
        StringBuilder sb = new StringBuilder("[");
        for (int y = 0; y < 28; y++) {
            sb.append(y == 0 ? "[" : ",[");
            for (int x = 0; x < 28; x++) {
                sb.append(x == 0 ? "" : ",").append(pixels[y * 28 + x] & 0xFF);
            }
            sb.append(']');
        }
        return sb.append(']').toString();
    }
}
