package com.example.digits;

import dev.nabla.nn.Conv2d;
import dev.nabla.nn.CrossEntropyLoss;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.Linear;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.data.DataLoader;
import dev.nabla.nn.data.ImageDataset;
import dev.nabla.nn.data.Mnist;
import dev.nabla.nn.data.Split;
import dev.nabla.nn.data.Transforms;
import dev.nabla.optim.Adam;
import dev.nabla.tensor.Generator;
import dev.nabla.train.Metrics;
import dev.nabla.train.Trainer;
import java.io.IOException;
import java.io.PrintStream;

/**
 * Trains a small CNN on the 10,000 MNIST digits that ship inside Nabla (8,000 to train and
 * validate, 2,000 held out) with the library's {@link Trainer}, and prints the held-out metrics.
 *
 * <pre>
 * mvn -q compile exec:exec         # one epoch; the POM adds --add-modules jdk.incubator.vector
 * java --add-modules jdk.incubator.vector -cp CLASSPATH com.example.digits.DigitClassifier 3
 * </pre>
 */
public final class DigitClassifier {
    private DigitClassifier() {}

    /** conv 3x3 (8) - ReLU - pool, conv 3x3 (16) - ReLU - pool, linear: about 9,000 parameters. */
    public static Sequential model(Generator g) {
        return new Sequential(
                new Conv2d(1, 8, 3, Conv2d.options().padding(1).generator(g)),
                new ReLU(),
                new MaxPool2d(2), // [N, 8, 14, 14]
                new Conv2d(8, 16, 3, Conv2d.options().padding(1).generator(g)),
                new ReLU(),
                new MaxPool2d(2), // [N, 16, 7, 7]
                new Flatten(),
                new Linear(16 * 7 * 7, 10, g)); // [N, 10] class scores
    }

    /**
     * Trains a fresh model for {@code epochs} passes over 90% of the training digits with the
     * library's {@link Trainer}, validating on the other 10% after each epoch; returns it. The
     * line per epoch goes to {@code log} (null: silent).
     */
    public static Sequential train(Split digits, int epochs, long seed, PrintStream log) throws IOException {
        Split parts = digits.train().stratifiedSplit(0.1, seed);
        Sequential model = model(new Generator(seed));
        Trainer trainer = new Trainer(
                model,
                new Adam(model.parameters(), 2e-3),
                Trainer.options()
                        .epochs(epochs)
                        .classNames(Mnist.CLASSES)
                        .log(log)
                        .progress(null));
        DataLoader train = new DataLoader(
                parts.train(),
                DataLoader.options()
                        .batchSize(64)
                        .shuffle(true)
                        .seed(seed)
                        .transforms(Transforms.normalize(Mnist.STATS)));
        trainer.fit(train, loader(parts.test()));
        return model;
    }

    /** The held-out test digits' metrics: accuracy, per-class precision, recall and F1, the confusion matrix. */
    public static Metrics test(Sequential model, Split digits) {
        return Metrics.evaluate(model, loader(digits.test()), new CrossEntropyLoss(), Mnist.CLASSES);
    }

    private static DataLoader loader(ImageDataset images) {
        return new DataLoader(
                images, DataLoader.options().batchSize(500).transforms(Transforms.normalize(Mnist.STATS)));
    }

    public static void main(String[] args) throws IOException {
        int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        Split digits = Mnist.embedded();
        long start = System.nanoTime();
        Sequential model = train(digits, epochs, 42, System.out);
        double seconds = (System.nanoTime() - start) / 1e9;
        Metrics test = test(model, digits);
        System.out.printf(
                "%s%ntrained %d epoch(s) in %.1f s; held-out accuracy %.2f%%%n%n%s",
                model, epochs, seconds, 100 * test.accuracy(), test.report());
    }
}
