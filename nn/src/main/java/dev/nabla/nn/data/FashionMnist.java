package dev.nabla.nn.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Fashion-MNIST: 60,000 training and 10,000 test 28x28 grayscale images of clothing, 10 classes,
 * in MNIST's IDX layout. The Debian package {@code dataset-fashion-mnist} installs it under
 * {@link #DEFAULT_DIR}.
 *
 * <pre>{@code
 * if (FashionMnist.isAvailable()) {
 *     Split s = FashionMnist.load();
 *     s.train().classNames().get(s.train().label(0));   // "Ankle boot"
 *     Transform norm = Transforms.normalize(FashionMnist.STATS);
 * }
 * }</pre>
 */
public final class FashionMnist {
    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    /** Mean and std of the training set's pixels, the usual normalisation. */
    public static final ChannelStats STATS = ChannelStats.of(0.2860f, 0.3530f);

    public static final List<String> CLASSES = List.of(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private FashionMnist() {}

    /** True when {@link #DEFAULT_DIR} holds the four files. */
    public static boolean isAvailable() {
        return isAvailable(DEFAULT_DIR);
    }

    public static boolean isAvailable(Path dir) {
        return Mnist.isComplete(dir);
    }

    /** Reads the set from {@link #DEFAULT_DIR}. */
    public static Split load() throws IOException {
        return load(DEFAULT_DIR);
    }

    /** Reads {@code train-images-idx3-ubyte.gz} etc. (gzipped or not) from {@code dir}. */
    public static Split load(Path dir) throws IOException {
        return Mnist.load(dir, "fashion-mnist", CLASSES);
    }
}
