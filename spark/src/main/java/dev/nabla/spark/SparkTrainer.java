package dev.nabla.spark;

import dev.nabla.autograd.Variable;
import dev.nabla.export.Checkpoint;
import dev.nabla.export.TrainingState;
import dev.nabla.nn.CrossEntropyLoss;
import dev.nabla.nn.Module;
import dev.nabla.nn.data.Preprocessing;
import dev.nabla.optim.LrScheduler;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.OptimizerState;
import dev.nabla.optim.ParamGroup;
import dev.nabla.optim.Schedule;
import dev.nabla.tensor.Tensor;
import dev.nabla.tensor.Threads;
import dev.nabla.train.History;
import dev.nabla.train.Metrics;
import dev.nabla.train.Trainer;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;

/**
 * Synchronous data-parallel training of any Nabla {@link Module} on Apache Spark. Each round, the
 * driver broadcasts the weights; every partition (a worker) trains on its own examples; the driver
 * combines what the workers return and updates its model, then the next round starts from the new
 * weights. Two ways of combining, as in DL4J's Spark training:
 *
 * <ul>
 *   <li>{@link Sync#everyStep()}: gradient averaging. Each worker computes the gradient of one batch
 *       (its share of the global batch) at the broadcast weights; the driver averages the gradients,
 *       weighted by examples, and takes one optimizer step. This is exactly single-machine training
 *       with the global batch, whatever the number of workers; optimizer state (Adam's moments)
 *       lives on the driver only.
 *   <li>{@link Sync#everyK(int)}: parameter averaging. Each worker takes {@code k} optimizer steps
 *       on its own batches, starting from the broadcast weights and optimizer state; the driver
 *       averages the weights, buffers and optimizer state (Adam's first and second moments,
 *       element by element; the step counts agree), weighted by examples. One round moves the same
 *       bytes as a gradient round but covers {@code k} steps.
 * </ul>
 *
 * <p>Determinism: partition {@code p} visits its examples in epoch {@code e} in an order that
 * depends only on the seed, {@code e} and {@code p}; a worker's result depends only on the
 * broadcast state and its shard; the driver collects the results and adds them in partition order
 * (not in the order tasks finish, as {@code treeAggregate} would: float addition is not
 * associative). So a task that fails and is retried, or a run resumed from a checkpoint, gives the
 * same bits.
 *
 * <p>Every epoch ends with a checkpoint in the format of {@code ./nabla train} (model, optimizer
 * and schedule, the history under {@code trainer.history}, the preprocessing), and
 * {@link #restore} continues from one after a driver restart.
 *
 * <pre>{@code
 * JavaSparkContext sc = new JavaSparkContext("local[2]", "nabla");
 * SparkDataset train = SparkDataset.fromImages(sc, Mnist.embedded().train(), pre, 2);
 * SparkTrainer t = new SparkTrainer(sc, ModelFactory.zoo("lenet5", 1, 28, 10, 42), p -> new Adam(p, 2e-3),
 *         SparkTrainer.options().epochs(3).batchSize(64).sync(SparkTrainer.Sync.everyK(4)));
 * History h = t.fit(train, test);
 * }</pre>
 */
public final class SparkTrainer {
    private static final String HISTORY = "trainer.history";

    /** How workers are combined: gradients every step, or parameters every {@code k} local steps. */
    public record Sync(boolean gradients, int k) implements Serializable {
        /** Checks {@code k}. */
        public Sync {
            if (k < 1 || (gradients && k != 1)) {
                throw new IllegalArgumentException("Sync: k must be >= 1 (1 for gradient averaging), got " + k);
            }
        }

        /** Gradient averaging after every step. */
        public static Sync everyStep() {
            return new Sync(true, 1);
        }

        /** Parameter (and optimizer state) averaging after every {@code k} local steps. */
        public static Sync everyK(int k) {
            return new Sync(false, k);
        }

        @Override
        public String toString() {
            return gradients ? "every-step" : "every-" + k;
        }
    }

    /**
     * The time of one round: {@code wallSeconds} on the driver from broadcast to update,
     * {@code computeSeconds} the slowest worker's time inside its task (loading the weights,
     * forward, backward, local steps), the rest is communication and scheduling.
     */
    public record Round(int epoch, int round, int steps, double wallSeconds, double computeSeconds, long bytes) {
        /** What is not the slowest worker's computing. */
        public double overheadSeconds() {
            return wallSeconds - computeSeconds;
        }
    }

    /** Settings, immutable: every method returns a changed copy. */
    public static final class Options {
        private int epochs = 1;
        private int batchSize = 64;
        private long seed = 42;
        private Sync sync = Sync.everyStep();
        private Schedule schedule = Schedule.constant();
        private double labelSmoothing;
        private Path checkpointDir;
        private Preprocessing preprocessing;
        private Map<String, String> metadata = Map.of();
        private PrintStream log;
        private int workerThreads = 1;
        private int[] failOnce;

        private Options copy() {
            Options o = new Options();
            o.epochs = epochs;
            o.batchSize = batchSize;
            o.seed = seed;
            o.sync = sync;
            o.schedule = schedule;
            o.labelSmoothing = labelSmoothing;
            o.checkpointDir = checkpointDir;
            o.preprocessing = preprocessing;
            o.metadata = metadata;
            o.log = log;
            o.workerThreads = workerThreads;
            o.failOnce = failOnce;
            return o;
        }

        /** Epochs to train (default 1). */
        public Options epochs(int epochs) {
            if (epochs < 1) {
                throw new IllegalArgumentException("SparkTrainer: epochs must be >= 1, got " + epochs);
            }
            Options o = copy();
            o.epochs = epochs;
            return o;
        }

        /** The global batch of one step, split over the partitions (default 64). */
        public Options batchSize(int batchSize) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("SparkTrainer: batch size must be >= 1, got " + batchSize);
            }
            Options o = copy();
            o.batchSize = batchSize;
            return o;
        }

        /** Seeds the order in which each partition visits its examples (default 42). */
        public Options seed(long seed) {
            Options o = copy();
            o.seed = seed;
            return o;
        }

        /** Gradient averaging every step (default) or parameter averaging every k steps. */
        public Options sync(Sync sync) {
            Options o = copy();
            o.sync = sync;
            return o;
        }

        /** The learning-rate schedule, stepped once per global step (default constant). */
        public Options schedule(Schedule schedule) {
            if (schedule.momentum(0).isPresent()) {
                throw new IllegalArgumentException("SparkTrainer: schedules that cycle momentum (" + schedule
                        + ") are not supported; use one that sets only the learning rate");
            }
            Options o = copy();
            o.schedule = schedule;
            return o;
        }

        /** Label smoothing of the cross-entropy loss (default 0). */
        public Options labelSmoothing(double labelSmoothing) {
            Options o = copy();
            o.labelSmoothing = labelSmoothing;
            return o;
        }

        /** Where the checkpoint of every epoch is written (default: none), replacing the previous one. */
        public Options checkpointDir(Path dir) {
            Options o = copy();
            o.checkpointDir = dir;
            return o;
        }

        /** The preprocessing recorded in checkpoints, for inference. */
        public Options preprocessing(Preprocessing preprocessing) {
            Options o = copy();
            o.preprocessing = preprocessing;
            return o;
        }

        /** Strings stored in every checkpoint (e.g. the recipe). */
        public Options metadata(Map<String, String> metadata) {
            Options o = copy();
            o.metadata = Map.copyOf(metadata);
            return o;
        }

        /** Where the line of every epoch goes (default: nowhere). */
        public Options log(PrintStream log) {
            Options o = copy();
            o.log = log;
            return o;
        }

        /**
         * Kernel threads per task (default 1: Spark's task slots already use the cores). In local
         * mode the driver shares the setting.
         */
        public Options workerThreads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("SparkTrainer: worker threads must be >= 1, got " + threads);
            }
            Options o = copy();
            o.workerThreads = threads;
            return o;
        }

        /** For tests: the first attempt of the task of (epoch, round, partition) fails after computing. */
        Options failOnce(int epoch, int round, int partition) {
            Options o = copy();
            o.failOnce = new int[] {epoch, round, partition};
            return o;
        }
    }

    /** Default options. */
    public static Options options() {
        return new Options();
    }

    private final JavaSparkContext sc;
    private final ModelFactory modelFactory;
    private final OptimizerFactory optimizerFactory;
    private final Options options;
    private final Module model;
    private final Optimizer optimizer;
    private final LrScheduler scheduler;
    private final List<Trainer.Epoch> history = new ArrayList<>();
    private final List<Round> rounds = new ArrayList<>();
    private final String runKey = "train-" + UUID.randomUUID();
    private int epoch;

    /**
     * @param sc               the Spark context the data lives in
     * @param modelFactory     builds the model, on the driver (whose weights are the starting
     *                         point) and on every executor
     * @param optimizerFactory builds the optimizer over the model's parameters
     */
    public SparkTrainer(
            JavaSparkContext sc, ModelFactory modelFactory, OptimizerFactory optimizerFactory, Options options) {
        this.sc = sc;
        this.modelFactory = modelFactory;
        this.optimizerFactory = optimizerFactory;
        this.options = options;
        this.model = Replicas.model(modelFactory);
        this.optimizer = optimizerFactory.create(model.parameters());
        this.scheduler = new LrScheduler(optimizer, options.schedule);
    }

    /** The global steps of one epoch over {@code examples} examples with a global batch of {@code batchSize}. */
    public static int stepsPerEpoch(long examples, int batchSize) {
        return (int) Math.max(1, (examples + batchSize - 1) / batchSize);
    }

    /** The driver's model, holding the latest weights. */
    public Module model() {
        return model;
    }

    /** The driver's optimizer (with the averaged state under parameter averaging). */
    public Optimizer optimizer() {
        return optimizer;
    }

    /** The epochs trained so far. */
    public History history() {
        return new History(history);
    }

    /** The time of every round so far, for measuring the cost of synchronisation. */
    public List<Round> rounds() {
        return List.copyOf(rounds);
    }

    /** Epochs completed. */
    public int epoch() {
        return epoch;
    }

    /** Everything needed to continue: the checkpoint of the last completed epoch. */
    public TrainingState state() {
        Map<String, String> extra = new LinkedHashMap<>(options.metadata);
        extra.put(HISTORY, history().toCsv());
        extra.put("spark.sync", options.sync.toString());
        return TrainingState.capture(model, optimizer, scheduler, Map.of(), epoch, optimizer.stepCount(), extra)
                .withPreprocessing(options.preprocessing);
    }

    /** Continues from a checkpoint written by a trainer of the same model, optimizer and schedule. */
    public void restore(TrainingState state) {
        History h = Trainer.historyOf(state);
        state.restore(model, optimizer, scheduler, Map.of());
        history.clear();
        history.addAll(h.epochs());
        epoch = (int) state.epoch();
    }

    /**
     * Trains the epochs after {@link #epoch()} up to the options' count, evaluating on {@code test}
     * (may be null) after each and checkpointing.
     */
    public History fit(SparkDataset train, SparkDataset test) throws IOException {
        return fit(train, test, options.epochs);
    }

    /** As {@link #fit(SparkDataset, SparkDataset)}, stopping after epoch {@code until}. */
    public History fit(SparkDataset train, SparkDataset test, int until) throws IOException {
        int[] inputShape = train.inputShape();
        long examples = train.count();
        int steps = stepsPerEpoch(examples, options.batchSize);
        int previousThreads = Threads.get();
        Threads.set(options.workerThreads);
        try {
            while (epoch < Math.min(until, options.epochs)) {
                int e = epoch + 1;
                long t0 = System.nanoTime();
                double lossSum = 0;
                long correct = 0;
                long seen = 0;
                int round = 0;
                for (int first = 0; first < steps; first += options.sync.k(), round++) {
                    int n = Math.min(options.sync.k(), steps - first);
                    List<Result> results = runRound(train, inputShape, e, round, first, n, steps);
                    for (Result r : results) {
                        lossSum += r.lossSum;
                        correct += r.correct;
                        seen += r.examples;
                    }
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                epoch = e;
                Metrics t = test == null ? null : SparkEvaluator.evaluate(test, modelFactory, model);
                Trainer.Epoch record = new Trainer.Epoch(
                        e,
                        lossSum / seen,
                        (double) correct / seen,
                        Double.NaN,
                        Double.NaN,
                        t == null ? Double.NaN : t.meanLoss(),
                        t == null ? Double.NaN : t.accuracy(),
                        scheduler.currentLr(),
                        seconds,
                        seen);
                history.add(record);
                if (options.log != null) {
                    options.log.printf(
                            Locale.ROOT,
                            "epoch %d/%d  train loss %.4f acc %.2f%%%s  lr %.3g  %.1fs (%,.0f img/s, %d rounds, %s)%n",
                            e,
                            options.epochs,
                            record.trainLoss(),
                            100 * record.trainAccuracy(),
                            t == null
                                    ? ""
                                    : String.format(
                                            Locale.ROOT,
                                            "  test loss %.4f acc %.2f%%",
                                            t.meanLoss(),
                                            100 * t.accuracy()),
                            record.lr(),
                            seconds,
                            seen / seconds,
                            round,
                            options.sync);
                }
                if (options.checkpointDir != null) {
                    Checkpoint.save(options.checkpointDir, state());
                }
            }
        } finally {
            Threads.set(previousThreads);
        }
        return history();
    }

    private List<Result> runRound(
            SparkDataset train, int[] inputShape, int e, int round, int first, int n, int stepsPerEpoch) {
        long t0 = System.nanoTime();
        Sync sync = options.sync;
        Packed weights = Packed.of(model.stateDict());
        OptState opt = null;
        double[][] lrs = null;
        if (!sync.gradients()) {
            OptimizerState s = optimizer.stateDict();
            opt = new OptState(Packed.of(s.tensors()), new HashMap<>(s.metadata()));
            lrs = new double[n][];
            for (int j = 0; j < n; j++) {
                lrs[j] = groupLrs();
                scheduler.step();
            }
        }
        Broadcast<Packed> bw = sc.broadcast(weights);
        Broadcast<OptState> bo = opt == null ? null : sc.broadcast(opt);
        RoundTask task = new RoundTask(
                runKey,
                modelFactory,
                optimizerFactory,
                bw,
                bo,
                inputShape,
                options.seed,
                e,
                round,
                first,
                n,
                stepsPerEpoch,
                lrs,
                options.labelSmoothing,
                options.workerThreads,
                options.failOnce);
        List<Result> results;
        try {
            results = new ArrayList<>(
                    train.shards().mapPartitionsWithIndex(task, true).collect());
        } finally {
            bw.destroy();
            if (bo != null) {
                bo.destroy();
            }
        }
        results.sort(Comparator.comparingInt(r -> r.partition));
        results.removeIf(r -> r.examples == 0);
        if (results.isEmpty()) {
            throw new IllegalStateException("SparkTrainer: no partition held examples in round " + round);
        }
        double[] w = new double[results.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = results.get(i).examples;
        }
        if (sync.gradients()) {
            Map<String, Tensor> grads = Packed.weightedMean(
                            results.stream().map(r -> r.payload).toList(), w)
                    .toTensors();
            for (var p : model.namedParameters().entrySet()) {
                p.getValue().setGrad(grads.get(p.getKey()));
            }
            optimizer.step();
            scheduler.step();
            if (results.get(0).buffers.names.length > 0) {
                Map<String, Tensor> buffers = Packed.weightedMean(
                                results.stream().map(r -> r.buffers).toList(), w)
                        .toTensors();
                model.loadStateDict(buffers, false);
            }
        } else {
            model.loadStateDict(
                    Packed.weightedMean(results.stream().map(r -> r.payload).toList(), w)
                            .toTensors());
            Map<String, Tensor> state = Packed.weightedMean(
                            results.stream().map(r -> r.opt.tensors).toList(), w)
                    .toTensors();
            optimizer.loadStateDict(new OptimizerState(state, results.get(0).opt.metadata));
            double[] now = scheduler.lastLr();
            List<ParamGroup> groups = optimizer.paramGroups();
            for (int g = 0; g < groups.size(); g++) {
                groups.get(g).setLr(now[g]);
            }
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        double compute = results.stream().mapToDouble(r -> r.seconds).max().orElse(0);
        long bytes = 4L * (weights.floatCount() + (opt == null ? 0 : opt.tensors.floatCount()));
        rounds.add(new Round(e, round, n, wall, compute, bytes));
        return results;
    }

    private double[] groupLrs() {
        List<ParamGroup> groups = optimizer.paramGroups();
        double[] lr = new double[groups.size()];
        for (int g = 0; g < lr.length; g++) {
            lr[g] = groups.get(g).lr();
        }
        return lr;
    }

    /** An optimizer's state on the wire. */
    record OptState(Packed tensors, HashMap<String, String> metadata) implements Serializable {}

    /** What one partition returns from a round. */
    static final class Result implements Serializable {
        private static final long serialVersionUID = 1L;
        int partition;
        long examples;
        double lossSum;
        long correct;
        double seconds;
        /** Gradients (every step) or the model's state (every k). */
        Packed payload;
        /** Every step: the buffers after the step (BatchNorm statistics). */
        Packed buffers;
        /** Every k: the optimizer's state after the local steps. */
        OptState opt;
    }

    /** A worker's part of one round. */
    record RoundTask(
            String runKey,
            ModelFactory modelFactory,
            OptimizerFactory optimizerFactory,
            Broadcast<Packed> weights,
            Broadcast<OptState> opt,
            int[] inputShape,
            long seed,
            int epoch,
            int round,
            int firstStep,
            int steps,
            int stepsPerEpoch,
            double[][] lrs,
            double labelSmoothing,
            int threads,
            int[] failOnce)
            implements Function2<Integer, Iterator<Shard>, Iterator<Result>> {

        @Override
        public Iterator<Result> call(Integer partition, Iterator<Shard> shards) {
            List<Result> out = new ArrayList<>();
            while (shards.hasNext()) {
                out.add(train(partition, shards.next()));
            }
            TaskContext ctx = TaskContext.get();
            if (failOnce != null
                    && failOnce[0] == epoch
                    && failOnce[1] == round
                    && failOnce[2] == partition
                    && ctx != null
                    && ctx.attemptNumber() == 0) {
                throw new IllegalStateException("injected failure of the first attempt of epoch " + epoch + ", round "
                        + round + ", partition " + partition);
            }
            return out.iterator();
        }

        private Result train(int partition, Shard shard) {
            long t0 = System.nanoTime();
            if (Threads.get() != threads) {
                Threads.set(threads);
            }
            Module model = Replicas.borrow(runKey, k -> Replicas.model(modelFactory));
            try {
                model.loadStateDict(weights.value().toTensors());
                model.train();
                Optimizer optimizer = null;
                if (opt != null) {
                    optimizer = optimizerFactory.create(model.parameters());
                    OptState s = opt.value();
                    optimizer.loadStateDict(new OptimizerState(s.tensors().toTensors(), s.metadata()));
                }
                CrossEntropyLoss lossFn =
                        new CrossEntropyLoss(CrossEntropyLoss.options().labelSmoothing(labelSmoothing));
                int[] order = shard.order(seed, epoch, partition);
                Result r = new Result();
                r.partition = partition;
                int n = shard.size();
                for (int j = 0; j < steps; j++) {
                    int s = firstStep + j;
                    int from = (int) ((long) s * n / stepsPerEpoch);
                    int to = (int) ((long) (s + 1) * n / stepsPerEpoch);
                    if (to == from) {
                        continue;
                    }
                    int[] rows = Arrays.copyOfRange(order, from, to);
                    model.zeroGrad(true);
                    Variable logits = model.call(Variable.of(Batches.inputs(shard, rows, inputShape)));
                    Tensor y = Batches.labels(shard, rows);
                    Variable loss = lossFn.call(logits, Variable.of(y));
                    loss.backward();
                    r.lossSum += (double) loss.item() * rows.length;
                    int[] predicted = logits.data().argmax(1, false).toIntArray();
                    for (int i = 0; i < rows.length; i++) {
                        if (predicted[i] == shard.labels()[rows[i]]) {
                            r.correct++;
                        }
                    }
                    r.examples += rows.length;
                    if (optimizer != null) {
                        List<ParamGroup> groups = optimizer.paramGroups();
                        for (int g = 0; g < groups.size(); g++) {
                            groups.get(g).setLr(lrs[j][g]);
                        }
                        optimizer.step();
                    }
                }
                if (r.examples > 0) {
                    if (optimizer == null) {
                        Map<String, Tensor> grads = new LinkedHashMap<>();
                        for (var p : model.namedParameters().entrySet()) {
                            Tensor g = p.getValue().gradTensor();
                            grads.put(
                                    p.getKey(),
                                    g != null ? g : Tensor.zeros(p.getValue().shape()));
                        }
                        r.payload = Packed.of(grads);
                        r.buffers = Packed.of(model.namedBuffers());
                    } else {
                        r.payload = Packed.of(model.stateDict());
                        OptimizerState s = optimizer.stateDict();
                        r.opt = new OptState(Packed.of(s.tensors()), new HashMap<>(s.metadata()));
                    }
                }
                r.seconds = (System.nanoTime() - t0) / 1e9;
                return r;
            } finally {
                Replicas.giveBack(runKey, model);
            }
        }
    }
}
