/**
 * Nabla on Apache Spark: data-parallel training of any {@link dev.nabla.nn.Module}
 * ({@link dev.nabla.spark.SparkTrainer}), distributed evaluation
 * ({@link dev.nabla.spark.SparkEvaluator}) and batch inference over a DataFrame
 * ({@link dev.nabla.spark.SparkInference}), on data spread as a {@link dev.nabla.spark.SparkDataset}.
 * Spark is a {@code provided} dependency of this module only; the library modules know nothing of
 * it.
 *
 * <pre>{@code
 * JavaSparkContext sc = new JavaSparkContext("local[2]", "nabla");
 * Split digits = Mnist.embedded();
 * Preprocessing pre = Preprocessing.of(digits.train(), Mnist.STATS);
 * SparkDataset train = SparkDataset.fromImages(sc, digits.train(), pre, 2);
 * SparkDataset test = SparkDataset.fromImages(sc, digits.test(), pre, 2);
 * ModelFactory lenet = ModelFactory.zoo("lenet5", 1, 28, 10, 0);
 * SparkTrainer trainer = new SparkTrainer(sc, lenet, p -> new Adam(p, 2e-3),
 *         SparkTrainer.options().epochs(15).batchSize(64).checkpointDir(Path.of("runs/spark/last")));
 * trainer.fit(train, test);
 * System.out.println(SparkEvaluator.evaluate(test, lenet, trainer.model()).report());
 * }</pre>
 *
 * <p>What we took from DL4J's Spark training and Elephas, and from what their users reported:
 *
 * <ul>
 *   <li>Both of DL4J's modes, as two settings of one synchronous loop: parameter averaging every k
 *       steps (its {@code ParameterAveragingTrainingMaster}, which also averages the updater state
 *       by default, as we average Adam's moments) and gradient sharing, of which we keep the exact,
 *       synchronous form (gradients averaged every step). DL4J's maintainers recommend gradient
 *       sharing over averaging for accuracy (issue 6437); we make it the default for the same reason
 *       and measure what each round costs (BENCHMARKS.md).
 *   <li>DL4J tests Spark training against one machine ({@code TestCompareParameterAveragingSparkVsSingleMachine});
 *       so do we, with the gradient of one averaged step checked against the whole batch's.
 *   <li>A DL4J user found rounds stuck in {@code treeAggregate} (issue 7195), and aggregation in
 *       task-completion order makes float sums differ from run to run; we collect the partitions'
 *       results and add them in partition order on the driver, which also makes retries
 *       bit-for-bit reproducible.
 *   <li>Elephas users reported that building the model on the workers for every batch was costly
 *       (elephas issue 10), and accuracy that fell with more workers or silently broke in its
 *       synchronous mode (issues 126, 135): here each executor keeps its replicas between rounds,
 *       the global batch does not grow with the number of workers, and synchronous training is the
 *       only mode (no asynchronous parameter server).
 *   <li>Data is prepared once: {@link dev.nabla.spark.SparkDataset} caches each partition packed as
 *       arrays, and rounds address batches by index (DL4J's advice of exporting data once, issue 6437).
 * </ul>
 */
package dev.nabla.spark;
