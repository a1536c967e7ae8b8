package dev.nabla.samples.train;

import dev.nabla.nn.data.ChannelStats;
import dev.nabla.nn.data.Cifar10;
import dev.nabla.nn.data.Cifar100;
import dev.nabla.nn.data.DataLoader;
import dev.nabla.nn.data.FashionMnist;
import dev.nabla.nn.data.ImageDataset;
import dev.nabla.nn.data.Mnist;
import dev.nabla.nn.data.Preprocessing;
import dev.nabla.nn.data.Split;
import dev.nabla.nn.data.Transform;
import dev.nabla.nn.data.Transforms;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Resolves a recipe's data set to its parts: what to train on, what to validate on (held out of
 * the training set, or a separate set, or nothing), the test split, and the normalisation.
 *
 * @param val null when the recipe does not validate
 */
record DataSource(ImageDataset train, ImageDataset val, ImageDataset test, ChannelStats stats) {

    static DataSource load(Recipe r) throws IOException {
        Split split = split(r);
        ImageDataset train = limit(split.train(), r.trainLimit());
        ImageDataset test = limit(split.test(), r.testLimit());
        ImageDataset val = null;
        if (r.valData() != null) {
            val = readValidation(r, Path.of(r.valData()), train);
        } else if (r.valSplit() > 0) {
            Split parts = train.stratifiedSplit(r.valSplit(), r.seed());
            train = parts.train();
            val = parts.test();
        }
        ChannelStats stats = r.dataset().startsWith("mnist")
                ? Mnist.STATS
                : r.dataset().equals("fashion-mnist") ? FashionMnist.STATS : train.channelStats();
        return new DataSource(train, val, test, stats);
    }

    private static Split split(Recipe r) throws IOException {
        return switch (r.dataset()) {
            case "mnist-10k" -> Mnist.embedded();
            case "mnist" -> {
                if (r.data() == null) {
                    throw new IOException("--dataset mnist reads your MNIST files: pass --data DIR holding "
                            + "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and "
                            + "t10k-labels-idx1-ubyte (gzipped or not); the embedded digits are --dataset mnist-10k");
                }
                yield Mnist.load(existingFolder(Path.of(r.data())));
            }
            case "fashion-mnist" -> {
                Path dir = r.data() == null ? FashionMnist.DEFAULT_DIR : Path.of(r.data());
                if (!FashionMnist.isAvailable(dir)) {
                    throw new IOException("Fashion-MNIST is not in " + dir + ": install it with 'apt-get install "
                            + "dataset-fashion-mnist' or pass --data DIR holding the four IDX files");
                }
                yield FashionMnist.load(dir);
            }
            case "cifar10" -> {
                Path dir = Path.of(r.data() == null ? "data/cifar10" : r.data());
                if (!r.download() && !Files.exists(dir)) {
                    throw new IOException("CIFAR-10 is not in " + dir + ": pass --data DIR (the extracted "
                            + Cifar10.FOLDER + " folder, its parent, or " + Cifar10.ARCHIVE
                            + "), or add --download to fetch it there");
                }
                yield Cifar10.load(dir, r.download());
            }
            case "cifar100" -> {
                if (r.data() == null) {
                    throw new IOException("CIFAR-100: pass --data DIR (the extracted " + Cifar100.FOLDER + " folder or "
                            + Cifar100.ARCHIVE + ")");
                }
                yield Cifar100.load(Path.of(r.data()));
            }
            default -> throw new IllegalArgumentException("unknown data set " + r.dataset());
        };
    }

    private static Path existingFolder(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "not found");
        }
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "is a file; --data takes the folder holding the files");
        }
        return dir;
    }

    /**
     * A separate validation set in the training set's format: for the IDX data sets an images
     * file ({@code ...images-idx3-ubyte[.gz]}, its labels found by name beside it) or a folder
     * holding one such pair; for CIFAR a batch file.
     */
    private static ImageDataset readValidation(Recipe r, Path path, ImageDataset train) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "--val-data: not found");
        }
        ImageDataset val;
        if (r.dataset().startsWith("cifar")) {
            if (Files.isDirectory(path)) {
                throw new NoSuchFileException(
                        path.toString(),
                        null,
                        "--val-data: is a folder; give a CIFAR batch file (e.g. test_batch.bin)");
            }
            val = r.dataset().equals("cifar10") ? Cifar10.read(path) : Cifar100.read(path, false);
        } else {
            Path images = path;
            if (Files.isDirectory(path)) {
                List<Path> found;
                try (Stream<Path> s = Files.list(path)) {
                    found = s.filter(p -> p.getFileName().toString().contains("images-idx3-ubyte"))
                            .sorted()
                            .toList();
                }
                if (found.size() != 1) {
                    throw new NoSuchFileException(
                            path.toString(),
                            null,
                            "--val-data: expected one *images-idx3-ubyte[.gz] file in the folder, found "
                                    + found.size());
                }
                images = found.get(0);
            }
            String name = images.getFileName().toString();
            if (!name.contains("images-idx3-ubyte")) {
                throw new NoSuchFileException(
                        images.toString(), null, "--val-data: not an IDX images file (*images-idx3-ubyte[.gz])");
            }
            Path labels = images.resolveSibling(name.replace("images-idx3-ubyte", "labels-idx1-ubyte"));
            if (!Files.isRegularFile(labels)) {
                throw new NoSuchFileException(labels.toString(), null, "--val-data: the labels file is not found");
            }
            val = Mnist.read(images, labels, "validation", train.classNames());
        }
        if (val.channels() != train.channels()
                || val.height() != train.height()
                || val.width() != train.width()
                || val.numClasses() != train.numClasses()) {
            throw new IllegalArgumentException(
                    "--val-data " + path + ": " + val + " does not match the training set " + train);
        }
        return val;
    }

    private static ImageDataset limit(ImageDataset d, int n) {
        return n > 0 && n < d.size() ? d.slice(0, n) : d;
    }

    int channels() {
        return train.channels();
    }

    int size() {
        return train.height();
    }

    int classes() {
        return train.numClasses();
    }

    /** What the model's inputs need, recorded in its checkpoints for inference. */
    Preprocessing preprocessing() {
        return new Preprocessing(channels(), train.height(), train.width(), stats, classNames());
    }

    /** The data set's class names, or the class numbers when it has none. */
    List<String> classNames() {
        if (!train.classNames().isEmpty()) {
            return train.classNames();
        }
        List<String> names = new ArrayList<>();
        for (int k = 0; k < classes(); k++) {
            names.add(Integer.toString(k));
        }
        return names;
    }

    /**
     * Shuffled training batches, with crop and flip when the recipe augments (no flip for digits).
     * Normalisation comes first, so the crop's zero padding is the mean image, as in the peer
     * scripts, which pad normalised tensors.
     */
    DataLoader trainLoader(Recipe r) {
        List<Transform> t = new ArrayList<>();
        t.add(preprocessing().normalize());
        if (r.augment()) {
            t.add(Transforms.randomCrop(size(), size() >= 32 ? 4 : 2));
            if (!r.dataset().startsWith("mnist")) {
                t.add(Transforms.randomHorizontalFlip());
            }
        }
        return new DataLoader(
                train,
                DataLoader.options()
                        .batchSize(r.batchSize())
                        .shuffle(true)
                        .seed(r.seed())
                        .transforms(t.toArray(new Transform[0])));
    }

    /** In order, every image, normalised as in training. */
    DataLoader loader(ImageDataset d) {
        return new DataLoader(
                d,
                DataLoader.options().batchSize(500).transforms(preprocessing().normalize()));
    }
}
