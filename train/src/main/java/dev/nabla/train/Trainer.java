package dev.nabla.train;

import dev.nabla.autograd.Variable;
import dev.nabla.export.TrainingState;
import dev.nabla.nn.CrossEntropyLoss;
import dev.nabla.nn.Loss;
import dev.nabla.nn.Module;
import dev.nabla.nn.data.Batch;
import dev.nabla.nn.data.DataLoader;
import dev.nabla.nn.data.Preprocessing;
import dev.nabla.nn.data.ProgressBar;
import dev.nabla.optim.GradClip;
import dev.nabla.optim.LrScheduler;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.Schedule;
import dev.nabla.tensor.Generator;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The training loop as a library: what Keras' {@code model.fit} and Lightning's {@code Trainer} do,
 * for a Nabla {@link Module} and {@link Optimizer}. {@link #fit} trains epoch after epoch with a
 * progress bar, evaluates on a validation loader after each epoch (and on a test loader when
 * asked), logs a line per epoch, and runs the {@link Callback}s: {@link EarlyStopping},
 * {@link ModelCheckpoint} (best and last), {@link CsvLogger}, {@link LearningRateMonitor}, or
 * your own. {@link #evaluate} gives a loader's {@link Metrics}: loss, accuracy, per-class
 * precision, recall and F1, and the confusion matrix.
 *
 * <p><b>Each batch</b>: forward through {@link Module#call}, the loss, backward; every
 * {@link Options#accumulateGradBatches} batches (the last group of an epoch may be smaller, and
 * each loss is divided by its group's size so the gradient is the group's mean) the gradients are
 * clipped to {@link Options#clipGradNorm} when set, the optimizer steps, the scheduler steps, and
 * the gradients are dropped. The scheduler therefore counts optimizer steps: build its
 * {@link Schedule} over {@code epochs * ceil(batches / accumulation)} steps.
 *
 * <p><b>Divergence stops the run</b> ({@link DivergenceException}) before the optimizer applies
 * the offending step: a NaN or infinite loss or gradient norm, a loss more than
 * {@link Options#divergenceFactor} times its starting level (the mean of the run's first ten
 * batch losses), or an epoch whose mean figures are not finite. No checkpoint is written after it.
 *
 * <p><b>Exact resume</b>: {@link #state()} captures everything the run needs to continue (model,
 * optimizer, scheduler, the generators given in the options, the epoch, the history, the
 * divergence reference and every callback's state), and {@link #restore} puts it back into a
 * freshly built trainer of the same shape. Data loaders draw each epoch's order and augmentation
 * from (seed, epoch), so a run restored after epoch {@code e} trains exactly as an uninterrupted
 * one: the same bits.
 *
 * <pre>{@code
 * Split digits = Mnist.embedded();
 * Split parts = digits.train().stratifiedSplit(0.1, 0);             // 7,200 to train, 800 to validate
 * Transform norm = Transforms.normalize(Mnist.STATS);
 * var train = new DataLoader(parts.train(), DataLoader.options().batchSize(64).shuffle(true).transforms(norm));
 * var val = new DataLoader(parts.test(), DataLoader.options().batchSize(500).transforms(norm));
 * var model = new LeNet5(1, 28, 10, new Generator(0));
 * var opt = new Adam(model.parameters(), 2e-3);
 * var sched = new LrScheduler(opt, Schedule.cosine(5 * train.size(), 0));
 * var trainer = new Trainer(model, opt, Trainer.options()
 *         .epochs(5)
 *         .scheduler(sched)
 *         .callbacks(new EarlyStopping(Monitor.VAL_LOSS, 2), new ModelCheckpoint(Path.of("runs/lenet"), Monitor.VAL_LOSS)));
 * History h = trainer.fit(train, val);
 * Metrics test = trainer.evaluate(new DataLoader(digits.test(), DataLoader.options().batchSize(500).transforms(norm)));
 * System.out.println(test.report());
 * }</pre>
 */
public final class Trainer {
    private static final int REFERENCE_BATCHES = 10;
    private static final String HISTORY = "trainer.history";
    private static final String REFERENCE_SUM = "trainer.reference_loss_sum";
    private static final String REFERENCE_COUNT = "trainer.reference_batches";
    private static final String STOP_REASON = "trainer.stop_reason";
    private static final String CALLBACK = "callback.";

    /**
     * One epoch's figures: what the log line prints, {@code log.csv} holds and the curves draw.
     * Figures the epoch did not measure are NaN: the validation ones without a validation loader,
     * the test ones unless {@link Options#testEveryEpoch} was given, the accuracies for a loss
     * that is not a classification.
     *
     * @param epoch         counted from 1
     * @param trainLoss     the mean loss over the epoch's training batches (as they were trained)
     * @param trainAccuracy the accuracy over the same batches
     * @param valLoss       the validation loss after the epoch
     * @param valAccuracy   the validation accuracy after the epoch
     * @param testLoss      the test loss after the epoch
     * @param testAccuracy  the test accuracy after the epoch
     * @param lr            the first parameter group's learning rate at the end of the epoch
     * @param seconds       the time spent training (not evaluating)
     * @param images        the examples trained on
     */
    public record Epoch(
            int epoch,
            double trainLoss,
            double trainAccuracy,
            double valLoss,
            double valAccuracy,
            double testLoss,
            double testAccuracy,
            double lr,
            double seconds,
            long images) {}

    /**
     * The settings of a {@link Trainer}, with Lightning's names where it has them. Immutable: each
     * method returns a changed copy.
     *
     * <pre>{@code
     * Trainer.Options o = Trainer.options().epochs(30).clipGradNorm(1.0).accumulateGradBatches(2);
     * }</pre>
     */
    public static final class Options {
        private int epochs = 1;
        private Loss loss = new CrossEntropyLoss();
        private LrScheduler scheduler;
        private List<Callback> callbacks = List.of();
        private double clipGradNorm;
        private int accumulateGradBatches = 1;
        private List<String> classNames = List.of();
        private Map<String, Generator> generators = Map.of();
        private Map<String, String> metadata = Map.of();
        private Preprocessing preprocessing;
        private DataLoader testEveryEpoch;
        private PrintStream log = System.out;
        private PrintStream progress = System.err;
        private double divergenceFactor = 1e4;

        private Options() {}

        private Options copy() {
            Options o = new Options();
            o.epochs = epochs;
            o.loss = loss;
            o.scheduler = scheduler;
            o.callbacks = callbacks;
            o.clipGradNorm = clipGradNorm;
            o.accumulateGradBatches = accumulateGradBatches;
            o.classNames = classNames;
            o.generators = generators;
            o.metadata = metadata;
            o.preprocessing = preprocessing;
            o.testEveryEpoch = testEveryEpoch;
            o.log = log;
            o.progress = progress;
            o.divergenceFactor = divergenceFactor;
            return o;
        }

        /** Epochs to train in all (1); a restored run trains the ones it has not. */
        public Options epochs(int epochs) {
            if (epochs < 1) {
                throw new IllegalArgumentException("Trainer: epochs must be >= 1, got " + epochs);
            }
            Options o = copy();
            o.epochs = epochs;
            return o;
        }

        /** The loss ({@link CrossEntropyLoss}), called as {@code loss.call(model output, targets)}. */
        public Options loss(Loss loss) {
            Options o = copy();
            o.loss = Objects.requireNonNull(loss, "loss");
            return o;
        }

        /** Steps after every optimizer step (none); must drive the trainer's optimizer. */
        public Options scheduler(LrScheduler scheduler) {
            Options o = copy();
            o.scheduler = scheduler;
            return o;
        }

        /** Run at the points of the loop, in this order, {@link ModelCheckpoint}s last (none). */
        public Options callbacks(Callback... callbacks) {
            Options o = copy();
            o.callbacks = List.of(callbacks);
            return o;
        }

        /** Scales the gradients to this total 2-norm before each step when larger (0: no clipping). */
        public Options clipGradNorm(double maxNorm) {
            if (!(maxNorm >= 0) || Double.isInfinite(maxNorm)) {
                throw new IllegalArgumentException("Trainer: clipGradNorm must be finite and >= 0, got " + maxNorm);
            }
            Options o = copy();
            o.clipGradNorm = maxNorm;
            return o;
        }

        /** Batches whose gradients are averaged into one optimizer step (1). */
        public Options accumulateGradBatches(int batches) {
            if (batches < 1) {
                throw new IllegalArgumentException("Trainer: accumulateGradBatches must be >= 1, got " + batches);
            }
            Options o = copy();
            o.accumulateGradBatches = batches;
            return o;
        }

        /** The class names in reports (the data set's; by default the class numbers). */
        public Options classNames(List<String> names) {
            Options o = copy();
            o.classNames = List.copyOf(names);
            return o;
        }

        /** Generators the model draws from (dropout, noise), saved and restored with the run's state (none). */
        public Options generators(Map<String, Generator> generators) {
            Options o = copy();
            o.generators = Map.copyOf(generators);
            return o;
        }

        /**
         * Strings every checkpoint records (a recipe, a git commit), read back with
         * {@code TrainingState.extra()}; keys must not start with {@code trainer.} or {@code callback.}.
         */
        public Options metadata(Map<String, String> metadata) {
            for (String k : metadata.keySet()) {
                if (k.startsWith("trainer.") || k.startsWith(CALLBACK)) {
                    throw new IllegalArgumentException("Trainer: metadata key '" + k + "' is reserved");
                }
            }
            Options o = copy();
            o.metadata = Map.copyOf(metadata);
            return o;
        }

        /** What the model's inputs need, recorded in checkpoints for inference (none). */
        public Options preprocessing(Preprocessing preprocessing) {
            Options o = copy();
            o.preprocessing = preprocessing;
            return o;
        }

        /**
         * Also evaluates on {@code test} after every epoch, into the test fields of {@link Epoch}
         * (null: the test set is left for one evaluation at the end, as model selection should).
         */
        public Options testEveryEpoch(DataLoader test) {
            Options o = copy();
            o.testEveryEpoch = test;
            return o;
        }

        /** Where the line per epoch goes (standard output); null for none. */
        public Options log(PrintStream log) {
            Options o = copy();
            o.log = log;
            return o;
        }

        /** Where the progress bar goes (standard error); null for none. */
        public Options progress(PrintStream progress) {
            Options o = copy();
            o.progress = progress;
            return o;
        }

        /**
         * How many times its starting level a finite loss may reach before the run counts as
         * diverged (10,000); {@code Double.POSITIVE_INFINITY} turns the check off (NaN and infinite
         * losses still stop the run).
         */
        public Options divergenceFactor(double factor) {
            if (!(factor > 1)) {
                throw new IllegalArgumentException("Trainer: divergenceFactor must be > 1, got " + factor);
            }
            Options o = copy();
            o.divergenceFactor = factor;
            return o;
        }
    }

    private final Module model;
    private final Optimizer optimizer;
    private final Options options;
    private final List<Callback> callbacks;
    private final List<Epoch> history = new ArrayList<>();
    private int epoch;
    private double referenceSum;
    private int referenceCount;
    private String stopReason;
    private Metrics lastValidation;

    /** The default options, to change and pass to the constructor. */
    public static Options options() {
        return new Options();
    }

    /** A trainer of {@code model} with {@code optimizer}, with the default options. */
    public Trainer(Module model, Optimizer optimizer) {
        this(model, optimizer, options());
    }

    public Trainer(Module model, Optimizer optimizer, Options options) {
        this.model = Objects.requireNonNull(model, "model");
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        this.options = Objects.requireNonNull(options, "options");
        List<Callback> ordered = new ArrayList<>();
        options.callbacks.stream().filter(c -> !(c instanceof ModelCheckpoint)).forEach(ordered::add);
        options.callbacks.stream().filter(c -> c instanceof ModelCheckpoint).forEach(ordered::add);
        this.callbacks = List.copyOf(ordered);
    }

    public Module model() {
        return model;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public Optional<LrScheduler> scheduler() {
        return Optional.ofNullable(options.scheduler);
    }

    /** The callbacks in the order they run. */
    public List<Callback> callbacks() {
        return callbacks;
    }

    /** Epochs to train in all. */
    public int epochs() {
        return options.epochs;
    }

    /** Epochs completed (0 before training). */
    public int epoch() {
        return epoch;
    }

    /** Optimizer steps taken. */
    public long step() {
        return optimizer.stepCount();
    }

    /** Every completed epoch, including those before a {@link #restore}. */
    public History history() {
        return new History(history);
    }

    /** The validation metrics of the last epoch, when there was a validation loader. */
    public Optional<Metrics> lastValidation() {
        return Optional.ofNullable(lastValidation);
    }

    /**
     * Ends {@link #fit} after the current epoch (its callbacks and checkpoints still run): for
     * callbacks such as {@link EarlyStopping}. The reason is logged and recorded in the state.
     */
    public void stop(String reason) {
        stopReason = Objects.requireNonNull(reason, "reason");
    }

    /** Why the run was stopped early, if it was. */
    public Optional<String> stopReason() {
        return Optional.ofNullable(stopReason);
    }

    /** Trains all remaining epochs without validation. */
    public History fit(DataLoader train) throws IOException {
        return fit(train, null, options.epochs);
    }

    /** Trains all remaining epochs, validating on {@code val} (may be null) after each. */
    public History fit(DataLoader train, DataLoader val) throws IOException {
        return fit(train, val, options.epochs);
    }

    /**
     * Trains from the next epoch up to epoch {@code until} (at most {@link #epochs()}) and returns
     * the whole history. Stopping before the last epoch leaves the run resumable: the schedule
     * and everything else still count to {@link #epochs()}.
     *
     * @throws DivergenceException when training diverges (see the class comment)
     * @throws IOException         when a callback cannot write (a checkpoint, the log)
     */
    public History fit(DataLoader train, DataLoader val, int until) throws IOException {
        Objects.requireNonNull(train, "train");
        if (until <= epoch || until > options.epochs) {
            throw new IllegalArgumentException(String.format(
                    Locale.ROOT,
                    "Trainer.fit: %d of %d epochs are done; the run can train up to an epoch in [%d, %d], not %d",
                    epoch,
                    options.epochs,
                    epoch + 1,
                    options.epochs,
                    until));
        }
        stopReason = null;
        for (Callback c : callbacks) {
            c.onFitStart(this);
        }
        while (epoch < until && stopReason == null) {
            int e = epoch + 1;
            for (Callback c : callbacks) {
                c.onEpochStart(this, e);
            }
            long t0 = System.nanoTime();
            Metrics trained = trainEpoch(train, e);
            double seconds = (System.nanoTime() - t0) / 1e9;
            Metrics validated = val == null ? null : evaluate(val);
            Metrics tested = options.testEveryEpoch == null ? null : evaluate(options.testEveryEpoch);
            lastValidation = validated;
            Epoch figures = new Epoch(
                    e,
                    trained.meanLoss(),
                    trained.accuracy(),
                    validated == null ? Double.NaN : validated.meanLoss(),
                    validated == null ? Double.NaN : validated.accuracy(),
                    tested == null ? Double.NaN : tested.meanLoss(),
                    tested == null ? Double.NaN : tested.accuracy(),
                    optimizer.paramGroups().get(0).lr(),
                    seconds,
                    trained.examples());
            checkFinite(figures, "training", trained.meanLoss());
            if (validated != null) {
                checkFinite(figures, "validation", validated.meanLoss());
            }
            if (tested != null) {
                checkFinite(figures, "test", tested.meanLoss());
            }
            history.add(figures);
            epoch = e;
            logLine(figures);
            for (Callback c : callbacks) {
                c.onEpochEnd(this, figures);
            }
            if (stopReason != null && options.log != null) {
                options.log.println("stopped after epoch " + e + ": " + stopReason);
            }
        }
        for (Callback c : callbacks) {
            c.onFitEnd(this);
        }
        return history();
    }

    private void checkFinite(Epoch e, String what, double loss) {
        if (!Double.isFinite(loss)) {
            throw new DivergenceException(
                    "the mean " + what + " loss of epoch " + e.epoch() + " is " + loss, step(), e.epoch(), loss);
        }
    }

    private Metrics trainEpoch(DataLoader loader, int e) {
        model.train();
        Metrics m = null;
        int batches = loader.size();
        int k = options.accumulateGradBatches;
        String label = String.format(Locale.ROOT, "epoch %d/%d", e, options.epochs);
        List<Variable> params = optimizer.parameters();
        try (ProgressBar bar = options.progress == null
                        ? null
                        : ProgressBar.count(
                                label,
                                Math.min(
                                        (long) batches * loader.batchSize(),
                                        loader.dataset().size()),
                                "img",
                                options.progress);
                DataLoader.BatchIterator it = loader.epoch(e - 1).iterator()) {
            optimizer.zeroGrad();
            while (it.hasNext()) {
                Batch b = it.next();
                int i = b.index();
                int groupStart = i - i % k;
                int group = Math.min(k, batches - groupStart);
                Variable output = model.call(b.inputs());
                Variable loss = options.loss.call(output, b.targets());
                double value = loss.item();
                checkLoss(value, e, i);
                (group > 1 ? loss.div(group) : loss).backward();
                boolean stepNow = i - groupStart == group - 1;
                if (stepNow) {
                    if (options.clipGradNorm > 0) {
                        double norm = GradClip.clipGradNorm(params, options.clipGradNorm);
                        if (!Double.isFinite(norm)) {
                            throw new DivergenceException(
                                    String.format(
                                            Locale.ROOT,
                                            "the gradient norm became %s at step %d (epoch %d, batch %d)",
                                            norm,
                                            step() + 1,
                                            e,
                                            i + 1),
                                    step() + 1,
                                    e,
                                    norm);
                        }
                    }
                    optimizer.step();
                    if (options.scheduler != null) {
                        options.scheduler.step();
                    }
                    optimizer.zeroGrad();
                }
                m = Metrics.accumulate(m, output.data(), b.targets().data(), value, b.size(), options.classNames);
                for (Callback c : callbacks) {
                    c.onBatchEnd(this, e, i + 1, value);
                }
                if (bar != null) {
                    bar.message(String.format(
                            Locale.ROOT,
                            "loss %.4f%s",
                            m.meanLoss(),
                            m.total() > 0 ? String.format(Locale.ROOT, "  acc %.2f%%", 100 * m.accuracy()) : ""));
                    bar.advance(b.size());
                }
            }
        }
        if (m == null) {
            throw new IllegalStateException("Trainer: the training loader yielded no batches in epoch " + e);
        }
        return m;
    }

    /** NaN, infinity, or an explosion past the factor times the run's first batch losses. */
    private void checkLoss(double value, int e, int batch) {
        long nextStep = step() + 1;
        if (!Double.isFinite(value)) {
            throw new DivergenceException(
                    String.format(
                            Locale.ROOT,
                            "the loss became %s at step %d (epoch %d, batch %d)",
                            value,
                            nextStep,
                            e,
                            batch + 1),
                    nextStep,
                    e,
                    value);
        }
        if (referenceCount > 0) {
            double reference = referenceSum / referenceCount;
            if (reference > 0 && value > options.divergenceFactor * reference) {
                throw new DivergenceException(
                        String.format(
                                Locale.ROOT,
                                "the loss exploded to %.3g at step %d (epoch %d, batch %d), more than %.3g times its"
                                        + " starting level %.4g",
                                value,
                                nextStep,
                                e,
                                batch + 1,
                                options.divergenceFactor,
                                reference),
                        nextStep,
                        e,
                        value);
            }
        }
        if (referenceCount < REFERENCE_BATCHES) {
            referenceSum += value;
            referenceCount++;
        }
    }

    /**
     * The metrics of {@code loader} with this trainer's loss and class names: {@link
     * Metrics#evaluate}. The model is back in its previous mode afterwards.
     */
    public Metrics evaluate(DataLoader loader) {
        return Metrics.evaluate(model, loader, options.loss, options.classNames);
    }

    private void logLine(Epoch e) {
        if (options.log == null) {
            return;
        }
        StringBuilder sb = new StringBuilder(
                String.format(Locale.ROOT, "epoch %d/%d  train loss %.4f", e.epoch(), options.epochs, e.trainLoss()));
        accuracy(sb, e.trainAccuracy());
        if (!Double.isNaN(e.valLoss())) {
            sb.append(String.format(Locale.ROOT, "  val loss %.4f", e.valLoss()));
            accuracy(sb, e.valAccuracy());
        }
        if (!Double.isNaN(e.testLoss())) {
            sb.append(String.format(Locale.ROOT, "  test loss %.4f", e.testLoss()));
            accuracy(sb, e.testAccuracy());
        }
        sb.append(String.format(
                Locale.ROOT,
                "  lr %.3g  %.1fs (%,.0f img/s)",
                e.lr(),
                e.seconds(),
                e.images() / Math.max(1e-9, e.seconds())));
        options.log.println(sb);
    }

    private static void accuracy(StringBuilder sb, double a) {
        if (!Double.isNaN(a)) {
            sb.append(String.format(Locale.ROOT, " acc %.2f%%", 100 * a));
        }
    }

    /**
     * Everything needed to continue this run exactly, for {@code Checkpoint.save}: the model,
     * optimizer, scheduler and generators as they are now (live tensors: save before training
     * goes on), the completed epochs, the history, the divergence reference, the stop reason and
     * each callback's {@link Callback#state()}, beside the options' metadata and preprocessing.
     */
    public TrainingState state() {
        Map<String, String> extra = new LinkedHashMap<>(options.metadata);
        extra.put(HISTORY, history().toCsv());
        extra.put(REFERENCE_SUM, Double.toString(referenceSum));
        extra.put(REFERENCE_COUNT, Integer.toString(referenceCount));
        if (stopReason != null) {
            extra.put(STOP_REASON, stopReason);
        }
        List<String> ids = callbackIds();
        for (int i = 0; i < callbacks.size(); i++) {
            String prefix = CALLBACK + ids.get(i) + ".";
            callbacks.get(i).state().forEach((k, v) -> extra.put(prefix + k, v));
        }
        return TrainingState.capture(model, optimizer, options.scheduler, options.generators, epoch, step(), extra)
                .withPreprocessing(options.preprocessing);
    }

    /**
     * The history a state written by {@link #state()} holds, to look at a checkpoint without
     * building its trainer.
     *
     * @throws IllegalArgumentException when the state was not written by a trainer
     */
    public static History historyOf(TrainingState state) {
        String csv = state.extra().get(HISTORY);
        if (csv == null) {
            throw new IllegalArgumentException(
                    "the state holds no training history (was it written by Trainer.state()?)");
        }
        return History.parseCsv(csv);
    }

    /** Why the run a state written by {@link #state()} comes from was stopped early, if it was. */
    public static Optional<String> stopReasonOf(TrainingState state) {
        return Optional.ofNullable(state.extra().get(STOP_REASON));
    }

    /**
     * Continues from {@code state}, written by {@link #state()} of a trainer built the same way
     * (model, optimizer, scheduler, generators and callbacks of the same kinds): puts everything
     * back, so the next {@link #fit} trains the epochs after {@code state.epoch()} as the
     * interrupted run would have. {@link #epochs()} may be larger than the original run's.
     *
     * @throws IllegalArgumentException when the state does not fit this trainer (nothing changed
     *     in the model or optimizer then)
     */
    public void restore(TrainingState state) {
        Map<String, String> extra = state.extra();
        History h;
        try {
            h = historyOf(state);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Trainer.restore: " + e.getMessage(), e);
        }
        if (h.size() != state.epoch()) {
            throw new IllegalArgumentException("Trainer.restore: the state is at epoch " + state.epoch()
                    + " but its history has " + h.size() + " epochs");
        }
        if (state.epoch() > options.epochs) {
            throw new IllegalArgumentException("Trainer.restore: the state has trained " + state.epoch()
                    + " epochs, more than the " + options.epochs + " this trainer is set up for");
        }
        List<String> ids = callbackIds();
        List<Map<String, String>> callbackStates = new ArrayList<>();
        for (int i = 0; i < callbacks.size(); i++) {
            String prefix = CALLBACK + ids.get(i) + ".";
            Map<String, String> s = new LinkedHashMap<>();
            extra.forEach((k, v) -> {
                if (k.startsWith(prefix)) {
                    s.put(k.substring(prefix.length()), v);
                }
            });
            if (s.isEmpty() && !callbacks.get(i).state().isEmpty()) {
                throw new IllegalArgumentException("Trainer.restore: the state holds nothing for callback " + ids.get(i)
                        + " (" + callbacks.get(i) + ")");
            }
            callbackStates.add(s);
        }
        double refSum;
        int refCount;
        try {
            refSum = Double.parseDouble(extra.getOrDefault(REFERENCE_SUM, "0"));
            refCount = Integer.parseInt(extra.getOrDefault(REFERENCE_COUNT, "0"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Trainer.restore: malformed divergence reference in the state", e);
        }
        state.restore(model, optimizer, options.scheduler, options.generators);
        for (int i = 0; i < callbacks.size(); i++) {
            if (!callbackStates.get(i).isEmpty()) {
                callbacks.get(i).loadState(callbackStates.get(i));
            }
        }
        history.clear();
        history.addAll(h.epochs());
        epoch = (int) state.epoch();
        referenceSum = refSum;
        referenceCount = refCount;
        stopReason = extra.get(STOP_REASON);
    }

    /** Each callback's key in the state: its class name, numbered when a class appears more than once. */
    private List<String> callbackIds() {
        List<String> ids = new ArrayList<>();
        Map<String, Integer> seen = new LinkedHashMap<>();
        for (Callback c : callbacks) {
            String name = c.getClass().getSimpleName().isEmpty()
                    ? "Callback"
                    : c.getClass().getSimpleName();
            int n = seen.merge(name, 1, Integer::sum);
            ids.add(n == 1 ? name : name + "-" + n);
        }
        return ids;
    }

    @Override
    public String toString() {
        return "Trainer(" + model.getClass().getSimpleName() + ", " + optimizer.kind() + ", epoch " + epoch + " of "
                + options.epochs + ")";
    }
}
