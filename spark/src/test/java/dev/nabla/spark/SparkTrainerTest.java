package dev.nabla.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.autograd.Variable;
import dev.nabla.export.Checkpoint;
import dev.nabla.nn.CrossEntropyLoss;
import dev.nabla.nn.Module;
import dev.nabla.nn.data.DataLoader;
import dev.nabla.nn.data.ImageDataset;
import dev.nabla.nn.data.Mnist;
import dev.nabla.nn.data.Preprocessing;
import dev.nabla.optim.Adam;
import dev.nabla.optim.SGD;
import dev.nabla.optim.Schedule;
import dev.nabla.tensor.Tensor;
import dev.nabla.train.Metrics;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training, evaluation and inference on {@code local[2]}, with one Spark for the whole class. */
class SparkTrainerTest {
    static SparkSession spark;
    static JavaSparkContext sc;
    static Preprocessing pre;
    static ImageDataset small;
    static SparkDataset smallTrain;

    static final ModelFactory LENET = ModelFactory.zoo("lenet5", 1, 28, 10, 7);
    static final OptimizerFactory ADAM = p -> new Adam(p, 2e-3);

    @BeforeAll
    static void start() {
        // local[2, 2]: two task slots, and a failed task is tried once more (local mode's default is
        // no retry, a cluster's four attempts).
        SparkConf conf = new SparkConf()
                .setMaster("local[2,2]")
                .setAppName("nabla-spark-test")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.ui.enabled", "false")
                .set("spark.sql.shuffle.partitions", "2");
        spark = SparkSession.builder().config(conf).getOrCreate();
        sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        sc.setLogLevel("ERROR");
        ImageDataset train = Mnist.embedded().train();
        pre = Preprocessing.of(train, Mnist.STATS);
        small = train.slice(0, 512);
        smallTrain = SparkDataset.fromImages(sc, small, pre, 2);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static SparkTrainer trainer(SparkTrainer.Options o) {
        return new SparkTrainer(sc, LENET, ADAM, o.batchSize(64).seed(3));
    }

    private static float[][] weights(Module m) {
        return m.stateDict().values().stream().map(Tensor::toArray).toArray(float[][]::new);
    }

    private static void assertSameBits(float[][] expected, float[][] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], actual[i], "tensor " + i);
        }
    }

    @Test
    void aRetriedTaskGivesTheSameWeightsBitForBit() throws Exception {
        for (SparkTrainer.Sync sync : List.of(SparkTrainer.Sync.everyStep(), SparkTrainer.Sync.everyK(3))) {
            SparkTrainer clean = trainer(SparkTrainer.options().sync(sync));
            clean.fit(smallTrain, null);
            SparkTrainer failing = trainer(SparkTrainer.options().sync(sync).failOnce(1, 2, 1));
            failing.fit(smallTrain, null);
            assertSameBits(weights(clean.model()), weights(failing.model()));
            // the failure did happen: the job of that round ran a second attempt
            assertTrue(failing.rounds().size() >= 3, sync.toString());
        }
    }

    @Test
    void gradientAveragingIsOneStepOnTheWholeBatch() throws Exception {
        // 64 examples and a global batch of 64: one round, in which each partition computes the
        // gradient of its 32 examples. The update must be the one SGD step of one machine on all 64.
        ImageDataset batch = small.slice(0, 64);
        SparkDataset data = SparkDataset.fromImages(sc, batch, pre, 2);
        OptimizerFactory sgd = p -> new SGD(p, 0.1);
        SparkTrainer t = new SparkTrainer(sc, LENET, sgd, SparkTrainer.options().batchSize(64));
        t.fit(data, null);
        assertEquals(1, t.rounds().size());
        data.unpersist();

        Module single = LENET.create();
        Tensor x = pre.apply(pixels(batch));
        long[] y = new long[64];
        for (int i = 0; i < 64; i++) {
            y[i] = batch.label(i);
        }
        new CrossEntropyLoss()
                .call(single.call(Variable.of(x)), Variable.of(Tensor.fromArray(y, 64)))
                .backward();
        new SGD(single.parameters(), 0.1).step();
        float[][] expected = weights(single);
        float[][] actual = weights(t.model());
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], actual[i], 1e-6f, "tensor " + i);
        }
        // and it moved: the initial weights differ from both
        assertTrue(maxDiff(weights(LENET.create()), actual) > 1e-4);
    }

    @Test
    void resumingFromTheCheckpointContinuesBitForBit(@TempDir Path dir) throws Exception {
        SparkTrainer.Options o = SparkTrainer.options()
                .epochs(2)
                .sync(SparkTrainer.Sync.everyK(2))
                .schedule(Schedule.cosine(2 * SparkTrainer.stepsPerEpoch(512, 64), 0))
                .preprocessing(pre);
        SparkTrainer straight = trainer(o);
        straight.fit(smallTrain, null);

        SparkTrainer first = trainer(o.checkpointDir(dir));
        first.fit(smallTrain, null, 1);
        // a new driver: everything from the checkpoint on disk
        SparkTrainer second = trainer(o.checkpointDir(dir));
        second.restore(Checkpoint.load(dir));
        assertEquals(1, second.epoch());
        second.fit(smallTrain, null);
        assertEquals(2, second.history().size());
        assertSameBits(weights(straight.model()), weights(second.model()));
        assertEquals(straight.optimizer().stepCount(), second.optimizer().stepCount(), "optimizer steps after resume");
    }

    @Test
    void distributedEvaluationAndInferenceAgreeWithOneMachine() {
        Module model = LENET.create();
        ImageDataset test = Mnist.embedded().test().slice(0, 600);
        SparkDataset data = SparkDataset.fromImages(sc, test, pre, 2);
        Metrics distributed = SparkEvaluator.evaluate(data, LENET, model);
        DataLoader loader =
                new DataLoader(test, DataLoader.options().batchSize(100).transforms(pre.normalize()));
        Metrics local = Metrics.evaluate(model, loader, new CrossEntropyLoss(), Mnist.CLASSES);
        assertEquals(local.total(), distributed.total());
        for (int t = 0; t < 10; t++) {
            for (int p = 0; p < 10; p++) {
                assertEquals(local.count(t, p), distributed.count(t, p), "confusion[" + t + "][" + p + "]");
            }
        }
        assertEquals(local.meanLoss(), distributed.meanLoss(), 1e-4);
        data.unpersist();

        Dataset<Row> df = SparkDataset.toDataFrame(spark, test, pre, 3);
        Dataset<Row> scored = SparkInference.predict(df, "features", LENET, model.stateDict(), new int[] {1, 28, 28});
        List<Row> rows = scored.select("label", "prediction", "probability").collectAsList();
        assertEquals(600, rows.size());
        long correct = rows.stream().filter(r -> r.getInt(0) == r.getInt(1)).count();
        assertEquals(local.correct(), correct, "correct predictions");
        List<Float> probs = rows.get(0).getList(2);
        assertEquals(1.0, probs.stream().mapToDouble(Float::doubleValue).sum(), 1e-4);

        // a DataFrame trains too
        SparkDataset fromRows =
                SparkDataset.fromDataFrame(df, "features", "label", new int[] {1, 28, 28}, Mnist.CLASSES);
        assertEquals(600, fromRows.count());
        assertEquals(3, fromRows.partitions());
        fromRows.unpersist();
    }

    /**
     * The CI-sized form of the comparison (the full one, LeNet-5 on all 8,000 digits against
     * {@code ./nabla train}, is in BENCHMARKS.md): 2,048 digits, 2 epochs, batch 64, Adam. The oracle
     * is one machine training on the same global batches (each step, the rows the partitions draw,
     * in partition order) with a plain loop: gradient averaging must reach its test accuracy within
     * 0.5 points. (Against a differently shuffled run, two epochs on 2,048 digits differ by about
     * two points whichever runs where: the shuffle, not Spark, decides that much.)
     */
    @Test
    void trainsToTheAccuracyOfOneMachine() throws Exception {
        ImageDataset train = Mnist.embedded().train().slice(0, 2048);
        ImageDataset test = Mnist.embedded().test().slice(0, 1000);
        SparkDataset sparkTrain = SparkDataset.fromImages(sc, train, pre, 2);
        SparkDataset sparkTest = SparkDataset.fromImages(sc, test, pre, 2);
        int epochs = 2;
        SparkTrainer distributed = new SparkTrainer(
                sc,
                LENET,
                ADAM,
                SparkTrainer.options().epochs(epochs).batchSize(64).seed(1));
        distributed.fit(sparkTrain, null);
        Metrics onSpark = SparkEvaluator.evaluate(sparkTest, LENET, distributed.model());
        List<Shard> shards = sparkTrain.shards().collect();
        sparkTrain.unpersist();
        sparkTest.unpersist();

        Module model = LENET.create();
        var adam = ADAM.create(model.parameters());
        CrossEntropyLoss lossFn = new CrossEntropyLoss();
        int steps = SparkTrainer.stepsPerEpoch(train.size(), 64);
        for (int e = 1; e <= epochs; e++) {
            int[][] orders = new int[shards.size()][];
            for (int p = 0; p < shards.size(); p++) {
                orders[p] = shards.get(p).order(1, e, p);
            }
            for (int s = 0; s < steps; s++) {
                float[] x = new float[64 * 784];
                long[] y = new long[64];
                int b = 0;
                for (int p = 0; p < shards.size(); p++) {
                    Shard shard = shards.get(p);
                    int n = shard.size();
                    for (int i = s * n / steps; i < (s + 1) * n / steps; i++) {
                        int row = orders[p][i];
                        System.arraycopy(shard.features(), row * 784, x, b * 784, 784);
                        y[b++] = shard.labels()[row];
                    }
                }
                model.zeroGrad(true);
                lossFn.call(
                                model.call(Variable.of(Tensor.fromArray(Arrays.copyOf(x, b * 784), b, 1, 28, 28))),
                                Variable.of(Tensor.fromArray(Arrays.copyOf(y, b), b)))
                        .backward();
                adam.step();
            }
        }
        Metrics alone = Metrics.evaluate(
                model,
                new DataLoader(test, DataLoader.options().batchSize(500).transforms(pre.normalize())),
                lossFn,
                Mnist.CLASSES);
        assertTrue(alone.accuracy() > 0.85, "one machine learns: " + alone.accuracy());
        assertEquals(
                alone.accuracy(),
                onSpark.accuracy(),
                0.005,
                "Spark " + onSpark.accuracy() + " against one machine " + alone.accuracy());
    }

    private static byte[] pixels(ImageDataset d) {
        byte[] out = new byte[d.size() * d.imageSize()];
        for (int i = 0; i < d.size(); i++) {
            System.arraycopy(d.pixels(i), 0, out, i * d.imageSize(), d.imageSize());
        }
        return out;
    }

    private static double maxDiff(float[][] a, float[][] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                m = Math.max(m, Math.abs(a[i][j] - b[i][j]));
            }
        }
        return m;
    }
}
