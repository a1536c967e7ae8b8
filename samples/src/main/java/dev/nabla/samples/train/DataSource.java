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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Resolves a recipe's data set to its train/test splits, normalisation and loaders. */
record DataSource(ImageDataset train, ImageDataset test, ChannelStats stats) {

    static DataSource load(Recipe r) throws IOException {
        Split split = switch (r.dataset()) {
            case "mnist-10k" -> Mnist.embedded();
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
        ImageDataset train = limit(split.train(), r.trainLimit());
        ImageDataset test = limit(split.test(), r.testLimit());
        ChannelStats stats = switch (r.dataset()) {
            case "mnist-10k" -> Mnist.STATS;
            case "fashion-mnist" -> FashionMnist.STATS;
            default -> split.train().channelStats();
        };
        return new DataSource(train, test, stats);
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

    DataLoader testLoader() {
        return new DataLoader(
                test,
                DataLoader.options().batchSize(500).transforms(preprocessing().normalize()));
    }
}
