package dev.nabla.spark;

import dev.nabla.autograd.Autograd;
import dev.nabla.autograd.Variable;
import dev.nabla.nn.CrossEntropyLoss;
import dev.nabla.nn.Module;
import dev.nabla.tensor.Tensor;
import dev.nabla.train.Metrics;
import java.io.Serializable;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Distributed evaluation of a classifier: every partition counts its confusion matrix and loss
 * sum with a replica of the model (weights broadcast once), and Spark adds the counts up with
 * {@code treeAggregate} (integer counts: any order gives the same result). The outcome is the
 * library's {@link Metrics}: accuracy, per-class precision, recall and F1, and the confusion
 * matrix, as {@code ./nabla evaluate} prints them.
 *
 * <pre>{@code
 * Metrics m = SparkEvaluator.evaluate(test, ModelFactory.zoo("lenet5", 1, 28, 10, 0), trainedModel);
 * System.out.println(m.report());
 * }</pre>
 */
public final class SparkEvaluator {
    private static final int BATCH = 500;

    private SparkEvaluator() {}

    /** The metrics of {@code model} (its current weights) over {@code data}. */
    public static Metrics evaluate(SparkDataset data, ModelFactory factory, Module model) {
        return evaluate(data, factory, model.stateDict());
    }

    /** The metrics of a model built by {@code factory} holding {@code weights}, over {@code data}. */
    public static Metrics evaluate(SparkDataset data, ModelFactory factory, Map<String, Tensor> weights) {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(data.shards().context());
        Broadcast<Packed> bw = sc.broadcast(Packed.of(weights));
        int classes = data.classNames().size();
        int[] inputShape = data.inputShape();
        String key = "eval-" + UUID.randomUUID();
        try {
            Counts total = data.shards()
                    .map(shard -> count(shard, factory, bw.value(), key, inputShape, classes))
                    .treeAggregate(new Counts(classes), Counts::add, Counts::add);
            Metrics m = new Metrics(data.classNames());
            for (int t = 0; t < classes; t++) {
                for (int p = 0; p < classes; p++) {
                    for (long c = total.confusion[t * classes + p]; c > 0; c--) {
                        m.add(t, p);
                    }
                }
            }
            m.addLoss(total.lossSum, total.examples);
            return m;
        } finally {
            bw.destroy();
        }
    }

    private static Counts count(
            Shard shard, ModelFactory factory, Packed weights, String key, int[] inputShape, int classes) {
        Module model = Replicas.borrow(key, k -> Replicas.model(factory));
        try {
            model.loadStateDict(weights.toTensors());
            model.eval();
            Counts c = new Counts(classes);
            CrossEntropyLoss lossFn = new CrossEntropyLoss();
            try (Autograd.NoGrad ignored = Autograd.noGrad()) {
                for (int from = 0; from < shard.size(); from += BATCH) {
                    int b = Math.min(BATCH, shard.size() - from);
                    Tensor x = Batches.inputs(shard, from, b, inputShape);
                    Tensor y = Batches.labels(shard, from, b);
                    Variable logits = model.call(Variable.of(x));
                    c.lossSum += (double) lossFn.call(logits, Variable.of(y)).item() * b;
                    int[] predicted = logits.data().argmax(1, false).toIntArray();
                    for (int i = 0; i < b; i++) {
                        c.confusion[shard.labels()[from + i] * classes + predicted[i]]++;
                    }
                    c.examples += b;
                }
            }
            return c;
        } finally {
            model.train();
            Replicas.giveBack(key, model);
        }
    }

    /** A partition's (and then the total's) confusion counts and loss sum. */
    static final class Counts implements Serializable {
        private static final long serialVersionUID = 1L;
        final long[] confusion;
        double lossSum;
        long examples;

        Counts(int classes) {
            confusion = new long[classes * classes];
        }

        Counts add(Counts o) {
            for (int i = 0; i < confusion.length; i++) {
                confusion[i] += o.confusion[i];
            }
            lossSum += o.lossSum;
            examples += o.examples;
            return this;
        }
    }
}
