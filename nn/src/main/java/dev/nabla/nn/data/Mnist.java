package dev.nabla.nn.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * MNIST handwritten digits: 28x28 grayscale images, 10 classes. {@link #embedded()} needs no files
 * or network: the project ships 10,000 real MNIST digits as resources. {@link #load(Path)} reads
 * the four standard IDX files of the full set (or of anything in the same layout, e.g.
 * Fashion-MNIST).
 *
 * <pre>{@code
 * Split s = Mnist.embedded();
 * s.train().size();          // 8000
 * s.test().label(0);         // 0
 * Split full = Mnist.load(Path.of("/data/mnist"));   // train-images-idx3-ubyte.gz etc.
 * }</pre>
 */
public final class Mnist {
    public static final List<String> CLASSES = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    /** The usual normalisation of MNIST (mean and std of the full training set's pixels). */
    public static final ChannelStats STATS = ChannelStats.of(0.1307f, 0.3081f);

    /** Size of the training part of {@link #embedded()}; the remaining records are its test part. */
    public static final int EMBEDDED_TRAIN = 8_000;

    private static final String RESOURCES = "mnist-10k/";

    private Mnist() {}

    /**
     * The 10,000 real MNIST digits shipped with the project (MIT licence, see the LICENSE beside
     * them): the first 8,000 as training set, the last 2,000 as test set. Loaded once and shared.
     */
    public static Split embedded() {
        return Embedded.SPLIT;
    }

    private static final class Embedded {
        static final Split SPLIT = loadEmbedded();

        private static Split loadEmbedded() {
            try (InputStream images = resource("images-idx3-ubyte.gz");
                    InputStream labels = resource("labels-idx1-ubyte.gz")) {
                ImageDataset all = read(
                        images,
                        "mnist-10k/images-idx3-ubyte.gz",
                        -1,
                        labels,
                        "mnist-10k/labels-idx1-ubyte.gz",
                        -1,
                        "mnist-10k",
                        CLASSES);
                return new Split(
                        all.slice(0, EMBEDDED_TRAIN, "mnist-10k-train"),
                        all.slice(EMBEDDED_TRAIN, all.size(), "mnist-10k-test"));
            } catch (IOException e) {
                throw new UncheckedIOException("the embedded MNIST resources are damaged", e);
            }
        }

        private static InputStream resource(String file) throws IOException {
            InputStream in = Mnist.class.getResourceAsStream(RESOURCES + file);
            if (in == null) {
                throw new NoSuchFileException(
                        "resource " + Mnist.class.getPackageName().replace('.', '/') + "/" + RESOURCES + file
                                + " (is nabla-nn's jar complete?)");
            }
            return in;
        }
    }

    /**
     * The full MNIST from {@code dir}: {@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte},
     * {@code t10k-images-idx3-ubyte} and {@code t10k-labels-idx1-ubyte}, each gzipped ({@code .gz}) or not.
     */
    public static Split load(Path dir) throws IOException {
        return load(dir, "mnist", CLASSES);
    }

    /** A data set in MNIST's file layout, under {@code name}, with the given class names. */
    static Split load(Path dir, String name, List<String> classes) throws IOException {
        return new Split(
                read(
                        find(dir, "train-images-idx3-ubyte"),
                        find(dir, "train-labels-idx1-ubyte"),
                        name + "-train",
                        classes),
                read(
                        find(dir, "t10k-images-idx3-ubyte"),
                        find(dir, "t10k-labels-idx1-ubyte"),
                        name + "-test",
                        classes));
    }

    /** True when {@code dir} holds the four IDX files (gzipped or not). */
    static boolean isComplete(Path dir) {
        for (String f : List.of(
                "train-images-idx3-ubyte",
                "train-labels-idx1-ubyte",
                "t10k-images-idx3-ubyte",
                "t10k-labels-idx1-ubyte")) {
            if (!Files.isRegularFile(dir.resolve(f + ".gz")) && !Files.isRegularFile(dir.resolve(f))) {
                return false;
            }
        }
        return true;
    }

    private static Path find(Path dir, String base) throws NoSuchFileException {
        Path gz = dir.resolve(base + ".gz");
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        Path raw = dir.resolve(base);
        if (Files.isRegularFile(raw)) {
            return raw;
        }
        throw new NoSuchFileException(gz.toString(), null, "neither " + base + ".gz nor " + base + " is in " + dir);
    }

    /** An images file (rank-3 IDX) and a labels file (rank-1 IDX) as one data set with the given classes. */
    public static ImageDataset read(Path images, Path labels, String name, List<String> classes) throws IOException {
        try (InputStream i = Files.newInputStream(images);
                InputStream l = Files.newInputStream(labels)) {
            return read(
                    i, images.toString(), Files.size(images), l, labels.toString(), Files.size(labels), name, classes);
        }
    }

    /** Streams of the two files with their lengths in bytes (-1 when unknown). */
    static ImageDataset read(
            InputStream images,
            String imagesName,
            long imagesBytes,
            InputStream labels,
            String labelsName,
            long labelsBytes,
            String name,
            List<String> classes)
            throws IOException {
        Idx.Contents img = Idx.read(images, imagesName, 3, imagesBytes);
        Idx.Contents lab = Idx.read(labels, labelsName, 1, labelsBytes);
        if (img.records() != lab.records()) {
            throw new CorruptDataException(
                    labelsName, -1, lab.records() + " labels for the " + img.records() + " images of " + imagesName);
        }
        byte[] raw = lab.data();
        int[] labelValues = new int[raw.length];
        for (int r = 0; r < raw.length; r++) {
            labelValues[r] = raw[r] & 0xFF;
            if (labelValues[r] >= classes.size()) {
                throw new CorruptDataException(
                        labelsName, r, "label " + labelValues[r] + " out of range [0, " + classes.size() + ")");
            }
        }
        int[] dims = img.dims();
        return new ImageDataset(name, img.data(), labelValues, 1, dims[1], dims[2], classes.size(), classes);
    }
}
