package dev.nabla.spark;

import dev.nabla.nn.data.Cifar10;
import dev.nabla.nn.data.ImageDataset;
import dev.nabla.nn.data.Mnist;
import dev.nabla.nn.data.Preprocessing;
import dev.nabla.optim.Adam;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The figures of BENCHMARKS.md's Spark section: per-round wall, compute and overhead time for
 * LeNet-5 (MNIST) and the VGG-style CNN (CIFAR-10 subset) at a given master, both sync modes.
 * Not a test; run by hand (see BENCHMARKS.md):
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp ... dev.nabla.spark.SparkRoundBench local[2] ../shared/data/cifar-10-subset 24
 * </pre>
 */
final class SparkRoundBench {
    private SparkRoundBench() {}

    public static void main(String[] args) throws Exception {
        String master = args[0];
        Path cifar = Path.of(args[1]);
        int steps = Integer.parseInt(args[2]);
        SparkConf conf = new SparkConf()
                .setMaster(master)
                .setAppName("nabla-round-bench")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.ui.enabled", "false");
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            sc.setLogLevel("ERROR");
            int workers = sc.defaultParallelism();
            ImageDataset mnist = Mnist.embedded().train();
            ImageDataset cifarTrain = Cifar10.load(cifar).train();
            for (String model : List.of("lenet5", "cnn")) {
                ImageDataset d = model.equals("lenet5") ? mnist : cifarTrain;
                Preprocessing pre = Preprocessing.of(d, model.equals("lenet5") ? Mnist.STATS : d.channelStats());
                int batch = 64;
                ImageDataset part = d.slice(0, Math.min(d.size(), steps * batch));
                SparkDataset data = SparkDataset.fromImages(sc, part, pre, workers);
                ModelFactory f = ModelFactory.zoo(model, d.channels(), d.height(), d.numClasses(), 1);
                for (SparkTrainer.Sync sync : List.of(SparkTrainer.Sync.everyStep(), SparkTrainer.Sync.everyK(4))) {
                    SparkTrainer t = new SparkTrainer(
                            sc,
                            f,
                            p -> new Adam(p, 1e-3),
                            SparkTrainer.options().batchSize(batch).sync(sync).epochs(2));
                    t.fit(data, null);
                    // the second epoch only: the first warms up the JIT
                    List<SparkTrainer.Round> r =
                            t.rounds().stream().filter(x -> x.epoch() == 2).toList();
                    double wall = r.stream()
                            .mapToDouble(SparkTrainer.Round::wallSeconds)
                            .average()
                            .orElse(0);
                    double compute = r.stream()
                            .mapToDouble(SparkTrainer.Round::computeSeconds)
                            .average()
                            .orElse(0);
                    int stepsPerRound = sync.k();
                    System.out.printf(
                            Locale.ROOT,
                            "%s %-7s %-10s params %,9d  bytes/round %,10d  rounds %3d  round %7.1f ms  compute %7.1f ms"
                                    + "  overhead %6.1f ms  per step %7.1f ms%n",
                            master,
                            model,
                            sync,
                            t.model().parameterCount(),
                            r.get(0).bytes(),
                            r.size(),
                            1000 * wall,
                            1000 * compute,
                            1000 * (wall - compute),
                            1000 * wall / stepsPerRound);
                }
                data.unpersist();
            }
        }
    }
}
