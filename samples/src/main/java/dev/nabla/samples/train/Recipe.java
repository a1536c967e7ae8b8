package dev.nabla.samples.train;

import dev.nabla.nn.models.Models;
import dev.nabla.samples.cli.Args;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every setting of a training run. Defaults depend on the data set (LeNet-5 with Adam 2e-3 and
 * cosine decay over 15 epochs for the embedded digits, the peer's small CNN for Fashion-MNIST, the peer's CIFAR recipe for CIFAR);
 * flags override them. A recipe is stored in each checkpoint, so {@code --resume} and
 * {@code evaluate} rebuild exactly the same model and data pipeline.
 */
record Recipe(
        String dataset,
        String data,
        boolean download,
        String model,
        int epochs,
        int batchSize,
        String optimizer,
        double lr,
        double momentum,
        boolean nesterov,
        double weightDecay,
        String schedule,
        double warmupEpochs,
        boolean augment,
        double labelSmoothing,
        long seed,
        int trainLimit,
        int testLimit) {

    static final String[] DATASETS = {"mnist-10k", "fashion-mnist", "cifar10", "cifar100"};
    static final String[] OPTIMIZERS = {"sgd", "adam", "adamw"};
    static final String[] SCHEDULES = {"none", "cosine", "step", "exponential", "inverse-time", "onecycle"};

    /** The flags that take no value. */
    static final java.util.Set<String> SWITCHES =
            java.util.Set.of("download", "augment", "no-augment", "nesterov", "help");

    static Recipe fromArgs(Args a) {
        String dataset = a.choice("dataset", "mnist-10k", DATASETS);
        boolean cifar = dataset.startsWith("cifar");
        boolean fashion = dataset.equals("fashion-mnist");
        String model = a.choice(
                "model", cifar ? "cnn-bn" : fashion ? "small-cnn" : "lenet5", Models.NAMES.toArray(new String[0]));
        String optimizer = a.choice("optimizer", cifar ? "sgd" : "adam", OPTIMIZERS);
        boolean sgd = optimizer.equals("sgd");
        boolean digits = dataset.equals("mnist-10k");
        double lr = a.doubleValue("lr", sgd ? (cifar ? 0.05 : 0.01) : digits ? 2e-3 : 1e-3);
        boolean augment = a.flag("augment") || (cifar && !a.flag("no-augment"));
        Recipe r = new Recipe(
                dataset,
                a.string("data", null),
                a.flag("download"),
                model,
                a.intValue("epochs", cifar ? 30 : fashion ? 5 : 15),
                a.intValue("batch-size", 64),
                optimizer,
                lr,
                a.doubleValue("momentum", sgd ? 0.9 : 0),
                a.flag("nesterov") || (sgd && cifar),
                a.doubleValue("weight-decay", cifar ? 5e-4 : optimizer.equals("adamw") ? 1e-2 : 0),
                a.choice("schedule", cifar || digits ? "cosine" : "none", SCHEDULES),
                a.doubleValue("warmup-epochs", 0),
                augment,
                a.doubleValue("label-smoothing", 0),
                a.intValue("seed", 0),
                a.intValue("train-limit", 0),
                a.intValue("test-limit", 0));
        r.validate();
        return r;
    }

    void validate() {
        require(epochs >= 1, "--epochs must be >= 1");
        require(batchSize >= 1, "--batch-size must be >= 1");
        require(lr > 0 && Double.isFinite(lr), "--lr must be a positive number");
        require(momentum >= 0 && momentum < 1, "--momentum must be in [0, 1)");
        require(!nesterov || momentum > 0, "--nesterov needs --momentum > 0");
        require(weightDecay >= 0, "--weight-decay must be >= 0");
        require(warmupEpochs >= 0, "--warmup-epochs must be >= 0");
        require(labelSmoothing >= 0 && labelSmoothing < 1, "--label-smoothing must be in [0, 1)");
        require(trainLimit >= 0 && testLimit >= 0, "--train-limit and --test-limit must be >= 0");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new Args.UsageException(message);
        }
    }

    /** The same recipe with another epoch count (resuming may extend a run). */
    Recipe withEpochs(int n) {
        return new Recipe(
                dataset,
                data,
                download,
                model,
                n,
                batchSize,
                optimizer,
                lr,
                momentum,
                nesterov,
                weightDecay,
                schedule,
                warmupEpochs,
                augment,
                labelSmoothing,
                seed,
                trainLimit,
                testLimit);
    }

    /** The recipe for fine-tuning this one's model: other epochs and learning rate, no warm-up. */
    Recipe withFineTune(int n, double learningRate) {
        return new Recipe(
                dataset,
                data,
                download,
                model,
                n,
                batchSize,
                optimizer,
                learningRate,
                momentum,
                nesterov,
                weightDecay,
                schedule,
                0,
                augment,
                labelSmoothing,
                seed,
                trainLimit,
                testLimit);
    }

    /** Flat string form, for a checkpoint's metadata. */
    Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("dataset", dataset);
        m.put("data", data == null ? "" : data);
        m.put("download", Boolean.toString(download));
        m.put("model", model);
        m.put("epochs", Integer.toString(epochs));
        m.put("batch_size", Integer.toString(batchSize));
        m.put("optimizer", optimizer);
        m.put("lr", Double.toString(lr));
        m.put("momentum", Double.toString(momentum));
        m.put("nesterov", Boolean.toString(nesterov));
        m.put("weight_decay", Double.toString(weightDecay));
        m.put("schedule", schedule);
        m.put("warmup_epochs", Double.toString(warmupEpochs));
        m.put("augment", Boolean.toString(augment));
        m.put("label_smoothing", Double.toString(labelSmoothing));
        m.put("seed", Long.toString(seed));
        m.put("train_limit", Integer.toString(trainLimit));
        m.put("test_limit", Integer.toString(testLimit));
        return m;
    }

    static Recipe fromMap(Map<String, String> m) {
        try {
            return new Recipe(
                    m.get("dataset"),
                    m.get("data").isEmpty() ? null : m.get("data"),
                    Boolean.parseBoolean(m.get("download")),
                    m.get("model"),
                    Integer.parseInt(m.get("epochs")),
                    Integer.parseInt(m.get("batch_size")),
                    m.get("optimizer"),
                    Double.parseDouble(m.get("lr")),
                    Double.parseDouble(m.get("momentum")),
                    Boolean.parseBoolean(m.get("nesterov")),
                    Double.parseDouble(m.get("weight_decay")),
                    m.get("schedule"),
                    Double.parseDouble(m.get("warmup_epochs")),
                    Boolean.parseBoolean(m.get("augment")),
                    Double.parseDouble(m.get("label_smoothing")),
                    Long.parseLong(m.get("seed")),
                    Integer.parseInt(m.get("train_limit")),
                    Integer.parseInt(m.get("test_limit")));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the checkpoint's recipe is incomplete or malformed: " + m, e);
        }
    }

    Json.Obj toJson() {
        Json.Obj o = Json.obj();
        toMap().forEach(o::put);
        return o;
    }

    /** The flags that reproduce this recipe on the command line. */
    String commandLine() {
        StringBuilder sb = new StringBuilder("./nabla train --dataset " + dataset);
        if (data != null) {
            sb.append(" --data ").append(data);
        }
        sb.append(" --model ")
                .append(model)
                .append(" --epochs ")
                .append(epochs)
                .append(" --batch-size ")
                .append(batchSize)
                .append(" --optimizer ")
                .append(optimizer)
                .append(" --lr ")
                .append(lr);
        if (momentum > 0) {
            sb.append(" --momentum ").append(momentum);
        }
        if (nesterov) {
            sb.append(" --nesterov");
        }
        if (weightDecay > 0) {
            sb.append(" --weight-decay ").append(weightDecay);
        }
        sb.append(" --schedule ").append(schedule);
        if (warmupEpochs > 0) {
            sb.append(" --warmup-epochs ").append(warmupEpochs);
        }
        sb.append(augment ? " --augment" : " --no-augment");
        if (labelSmoothing > 0) {
            sb.append(" --label-smoothing ").append(labelSmoothing);
        }
        return sb.append(" --seed ").append(seed).toString();
    }
}
