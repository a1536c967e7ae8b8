package dev.nabla.quantize;

import dev.nabla.autograd.Autograd;
import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;
import dev.nabla.nn.BatchNorm2d;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.Linear;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.Module;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.data.Batch;
import dev.nabla.nn.data.DataLoader;
import dev.nabla.nn.data.Mnist;
import dev.nabla.nn.data.Split;
import dev.nabla.nn.data.Transforms;
import dev.nabla.optim.Adam;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A small CNN with every kind of layer quantization handles (conv-BN-ReLU, pooling, flatten,
 * linear-ReLU, linear), trained once per test JVM for one epoch on 4,096 of the embedded MNIST
 * digits (about 95% on the held-out ones), and the data around it.
 */
final class TinyNets {
    private static Map<String, Tensor> trained;

    private TinyNets() {}

    static Sequential cnn() {
        Generator g = new Generator(4);
        return new Sequential(
                new Conv2d(1, 8, 3, Conv2d.options().padding(1).generator(g)),
                new BatchNorm2d(8),
                new ReLU(),
                new MaxPool2d(2),
                new Conv2d(8, 16, 3, Conv2d.options().padding(1).generator(g)),
                new BatchNorm2d(16),
                new ReLU(),
                new MaxPool2d(2),
                new Flatten(),
                new Linear(16 * 7 * 7, 32, g),
                new ReLU(),
                new Linear(32, 10, g));
    }

    /** A fresh copy of the trained CNN, in inference mode. */
    static synchronized Sequential trained() {
        if (trained == null) {
            Sequential net = cnn();
            Adam opt = new Adam(net.parameters(), 2e-3);
            net.train();
            for (Batch b : batches(train(), 64)) {
                opt.zeroGrad();
                Functional.crossEntropy(net.call(b.inputs()), b.targets()).backward();
                opt.step();
            }
            trained = net.stateDict();
        }
        Sequential copy = cnn();
        copy.loadStateDict(trained);
        return copy.eval();
    }

    static Split mnist() {
        return Mnist.embedded();
    }

    static DataLoader train() {
        return new DataLoader(
                mnist().train().slice(0, 4096),
                DataLoader.options().batchSize(64).shuffle(true).seed(3).transforms(Transforms.normalize(Mnist.STATS)));
    }

    static DataLoader test() {
        return new DataLoader(
                mnist().test().slice(0, 1000),
                DataLoader.options().batchSize(250).transforms(Transforms.normalize(Mnist.STATS)));
    }

    static List<Batch> batches(DataLoader loader, int max) {
        List<Batch> out = new ArrayList<>();
        try (DataLoader.BatchIterator it = loader.epoch(0).iterator()) {
            while (it.hasNext() && out.size() < max) {
                out.add(it.next());
            }
        }
        return out;
    }

    /** The first training batch's inputs: the example quantization traces and checks with. */
    static Tensor example() {
        return batches(train(), 1).get(0).inputs().data();
    }

    /** Test-set accuracy of {@code model}, in percent. */
    static double accuracy(Module model) {
        long ok = 0;
        long n = 0;
        model.eval();
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            for (Batch b : batches(test(), Integer.MAX_VALUE)) {
                Tensor pred = model.call(b.inputs()).data().argmax(1, false);
                ok += pred.eq(b.targets().data()).sum().itemLong();
                n += b.size();
            }
        }
        return 100.0 * ok / n;
    }

    static Tensor logits(Module model, Tensor x) {
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            return model.call(Variable.of(x)).data();
        }
    }
}
