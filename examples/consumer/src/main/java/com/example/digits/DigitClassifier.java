package com.example.digits;

import dev.nabla.autograd.Autograd;
import dev.nabla.autograd.Variable;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.CrossEntropyLoss;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.Linear;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.data.Batch;
import dev.nabla.nn.data.DataLoader;
import dev.nabla.nn.data.Mnist;
import dev.nabla.nn.data.Split;
import dev.nabla.nn.data.Transforms;
import dev.nabla.optim.Adam;
import dev.nabla.tensor.Generator;

/**
 * Trains a small CNN on the 10,000 MNIST digits that ship inside Nabla (8,000 to train, 2,000
 * held out) and prints the held-out accuracy.
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

    /** Trains a fresh model for {@code epochs} passes over the training digits; returns it. */
    public static Sequential train(Split digits, int epochs, long seed) {
        Sequential model = model(new Generator(seed));
        Adam optimizer = new Adam(model.parameters(), 2e-3);
        DataLoader loader = new DataLoader(
                digits.train(),
                DataLoader.options()
                        .batchSize(64)
                        .shuffle(true)
                        .seed(seed)
                        .transforms(Transforms.normalize(Mnist.STATS)));
        CrossEntropyLoss lossFn = new CrossEntropyLoss();
        model.train();
        for (int epoch = 0; epoch < epochs; epoch++) {
            for (Batch batch : loader.epoch(epoch)) {
                optimizer.zeroGrad();
                Variable loss = lossFn.call(model.call(batch.inputs()), batch.targets());
                loss.backward();
                optimizer.step();
            }
        }
        return model;
    }

    /** The fraction of the held-out digits the model classifies correctly. */
    public static double accuracy(Sequential model, Split digits) {
        DataLoader loader = new DataLoader(
                digits.test(), DataLoader.options().batchSize(500).transforms(Transforms.normalize(Mnist.STATS)));
        model.eval();
        long correct = 0;
        try (Autograd.NoGrad off = Autograd.noGrad()) {
            for (Batch batch : loader.epoch(0)) {
                Variable predicted = model.call(batch.inputs()).argmax(1, false);
                correct += predicted.data().eq(batch.targets().data()).sum().itemLong();
            }
        }
        return (double) correct / digits.test().size();
    }

    public static void main(String[] args) {
        int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        Split digits = Mnist.embedded();
        long start = System.nanoTime();
        Sequential model = train(digits, epochs, 42);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(
                "%s%ntrained %d epoch(s) on %,d digits in %.1f s; held-out accuracy %.2f%%%n",
                model, epochs, digits.train().size(), seconds, 100 * accuracy(model, digits));
    }
}
