package dev.nabla.samples.train;

import dev.nabla.nn.Module;
import dev.nabla.nn.models.Models;
import dev.nabla.optim.Adam;
import dev.nabla.optim.AdamW;
import dev.nabla.optim.LrScheduler;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.SGD;
import dev.nabla.optim.Schedule;
import dev.nabla.tensor.Generator;
import java.io.IOException;

/**
 * A recipe's model, optimizer and schedule, built fresh: for a new run, or to restore a
 * checkpoint into. The model is from the zoo, or the user's own class ({@link UserModel}).
 */
record Setup(Module model, Optimizer optimizer, LrScheduler scheduler) {

    static Setup build(Recipe r, DataSource d, int batchesPerEpoch) throws IOException {
        Module model = model(r, d.channels(), d.size(), d.train().width(), d.classes());
        Optimizer opt = optimizer(r, model);
        int stepsPerEpoch = (batchesPerEpoch + r.accumulate() - 1) / r.accumulate();
        return new Setup(model, opt, new LrScheduler(opt, schedule(r, stepsPerEpoch)));
    }

    /** The recipe's optimizer and schedule for a model that exists (a pruned one to fine-tune). */
    static Setup forModel(Recipe r, Module model, int batchesPerEpoch) {
        Optimizer opt = optimizer(r, model);
        int stepsPerEpoch = (batchesPerEpoch + r.accumulate() - 1) / r.accumulate();
        return new Setup(model, opt, new LrScheduler(opt, schedule(r, stepsPerEpoch)));
    }

    static Module model(Recipe r, int channels, int height, int width, int classes) throws IOException {
        if (r.userModel()) {
            return UserModel.create(r.model(), r.classPath(), channels, height, width, classes);
        }
        if (height != width) {
            throw new IllegalArgumentException(
                    "the zoo's models take square images, these are " + height + "x" + width);
        }
        return Models.create(r.model(), channels, height, classes, new Generator(r.seed()));
    }

    private static Optimizer optimizer(Recipe r, Module model) {
        return switch (r.optimizer()) {
            case "sgd" ->
                new SGD(model.parameters(), r.lr())
                        .momentum(r.momentum())
                        .nesterov(r.nesterov())
                        .weightDecay(r.weightDecay());
            case "adam" -> new Adam(model.parameters(), r.lr()).weightDecay(r.weightDecay());
            case "adamw" -> new AdamW(model.parameters(), r.lr()).weightDecay(r.weightDecay());
            default -> throw new IllegalArgumentException("unknown optimizer " + r.optimizer());
        };
    }

    /** Schedules count optimizer steps, as the peer's scripts do (per batch without accumulation). */
    private static Schedule schedule(Recipe r, int stepsPerEpoch) {
        int total = r.epochs() * stepsPerEpoch;
        int warm = (int) Math.round(r.warmupEpochs() * stepsPerEpoch);
        int rest = Math.max(1, total - warm);
        Schedule main = switch (r.schedule()) {
            case "none" -> Schedule.constant();
            case "cosine" -> Schedule.cosine(rest, 0);
            case "step" -> Schedule.step(Math.max(1, rest / 3), 0.1);
            case "exponential" -> Schedule.exponential(Math.pow(0.01, 1.0 / rest));
            case "inverse-time" -> Schedule.inverseTime(10.0 / rest);
            case "onecycle" -> Schedule.oneCycle(rest);
            default -> throw new IllegalArgumentException("unknown schedule " + r.schedule());
        };
        return warm > 0 ? Schedule.warmup(warm, 0.01, main) : main;
    }
}
