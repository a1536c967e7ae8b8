package dev.nabla.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.export.Checkpoint;
import dev.nabla.export.TrainingState;
import dev.nabla.nn.Module;
import dev.nabla.nn.data.DataLoader;
import dev.nabla.nn.data.ImageDataset;
import dev.nabla.nn.data.Mnist;
import dev.nabla.nn.data.Split;
import dev.nabla.nn.data.Transform;
import dev.nabla.nn.data.Transforms;
import dev.nabla.nn.models.LeNet5;
import dev.nabla.optim.Adam;
import dev.nabla.optim.LrScheduler;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.SGD;
import dev.nabla.optim.Schedule;
import dev.nabla.tensor.Generator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loop on slices of the embedded digits: a few hundred images, one to four epochs, LeNet-5. */
class TrainerTest {
    private static final Split PARTS = Mnist.embedded().train().slice(0, 768).stratifiedSplit(1.0 / 6, 0);
    private static final Transform NORM = Transforms.normalize(Mnist.STATS);

    @TempDir
    Path tmp;

    private static DataLoader train(int batch) {
        return train(PARTS.train(), batch);
    }

    private static DataLoader train(ImageDataset d, int batch) {
        return new DataLoader(
                d, DataLoader.options().batchSize(batch).shuffle(true).seed(3).transforms(NORM));
    }

    private static DataLoader val() {
        return new DataLoader(PARTS.test(), DataLoader.options().batchSize(128).transforms(NORM));
    }

    private static LeNet5 lenet() {
        return new LeNet5(1, 28, 10, new Generator(0));
    }

    private static Trainer.Options quiet() {
        return Trainer.options().log(null).progress(null);
    }

    /** A monitor reading a script of values, one per epoch, instead of a measured figure. */
    private static Monitor scripted(double... values) {
        return new Monitor("scripted", Monitor.Mode.MIN, e -> values[e.epoch() - 1]);
    }

    private static Map<String, float[]> weights(Module m) {
        Map<String, float[]> w = new LinkedHashMap<>();
        m.stateDict().forEach((k, t) -> w.put(k, t.toArray()));
        return w;
    }

    private static void assertSameWeights(Map<String, float[]> a, Map<String, float[]> b, String what) {
        assertEquals(a.keySet(), b.keySet());
        a.forEach((k, v) -> assertArrayEquals(v, b.get(k), what + ": " + k));
    }

    @Test
    void fitTrainsValidatesAndLogsALinePerEpoch() throws IOException {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        ByteArrayOutputStream bar = new ByteArrayOutputStream();
        LeNet5 model = lenet();
        Trainer t = new Trainer(
                model,
                new Adam(model.parameters(), 2e-3),
                Trainer.options()
                        .epochs(2)
                        .log(new PrintStream(log, true, StandardCharsets.UTF_8))
                        .progress(new PrintStream(bar, true, StandardCharsets.UTF_8)));
        History h = t.fit(train(32), val());
        assertEquals(2, h.size());
        assertEquals(2, t.epoch());
        Trainer.Epoch last = h.last().orElseThrow();
        // 640 digits, 2 epochs: far above chance, which a broken loop would not reach
        assertTrue(last.valAccuracy() > 0.7, h.toCsv());
        assertTrue(Double.isNaN(last.testLoss()), "the test set is not touched unless asked");
        assertEquals(PARTS.train().size(), last.images());
        // the validation figures are those of evaluate() on the same loader
        Metrics val = t.evaluate(val());
        assertEquals(val.meanLoss(), last.valLoss(), 1e-12);
        assertEquals(val.accuracy(), last.valAccuracy(), 1e-12);
        assertEquals(PARTS.test().size(), val.total());
        String lines = log.toString(StandardCharsets.UTF_8);
        assertTrue(
                lines.matches("(?s)epoch 1/2  train loss [0-9.]+ acc [0-9.]+%  val loss [0-9.]+ acc [0-9.]+%  lr .*\n"
                        + "epoch 2/2  .*"),
                lines);
        assertTrue(bar.toString(StandardCharsets.UTF_8).contains("epoch 2/2 ["), bar.toString(StandardCharsets.UTF_8));
    }

    @Test
    void earlyStoppingStopsAtTheExpectedEpochOfAScriptedMetric() throws IOException {
        // best at epoch 3; epochs 4 and 5 do not improve by more than 0.05: patience 2 stops after epoch 5
        EarlyStopping stop = new EarlyStopping(scripted(5, 4, 3, 2.96, 3.5, 1, 1), 2, 0.05);
        LeNet5 model = lenet();
        Trainer t = new Trainer(
                model, new SGD(model.parameters(), 0.01), quiet().epochs(7).callbacks(stop));
        History h = t.fit(train(PARTS.train().slice(0, 64), 32));
        assertEquals(5, h.size());
        assertEquals(5, stop.stoppedEpoch());
        assertEquals(3, stop.bestEpoch());
        assertTrue(
                t.stopReason().orElseThrow().contains("scripted has not improved for 2 epochs"),
                t.stopReason().orElseThrow());
    }

    @Test
    void theBestCheckpointHoldsTheEpochWithTheBestMonitoredValue() throws IOException {
        Map<Integer, Map<String, float[]>> snapshots = new LinkedHashMap<>();
        Callback snapshot = new Callback() {
            @Override
            public void onEpochEnd(Trainer trainer, Trainer.Epoch e) {
                snapshots.put(e.epoch(), weights(trainer.model()));
            }
        };
        ModelCheckpoint ckpt = new ModelCheckpoint(tmp, scripted(3, 1, 2, 4));
        LeNet5 model = lenet();
        new Trainer(model, new Adam(model.parameters(), 1e-3), quiet().epochs(4).callbacks(ckpt, snapshot))
                .fit(train(64), val());
        assertEquals(2, ckpt.bestEpoch());
        TrainingState best = Checkpoint.load(ckpt.best());
        assertEquals(2, best.epoch());
        assertSameWeights(snapshots.get(2), weights(Checkpoint.loadModel(ckpt.best(), lenet())), "best");
        assertEquals(4, Checkpoint.load(ckpt.last()).epoch());
        assertSameWeights(snapshots.get(4), weights(Checkpoint.loadModel(ckpt.last(), lenet())), "last");

        // with the real validation loss: best/ is the epoch History.best names, and its weights give that loss
        ModelCheckpoint real = new ModelCheckpoint(tmp.resolve("real"), Monitor.VAL_LOSS);
        LeNet5 m2 = lenet();
        Trainer t = new Trainer(
                m2, new Adam(m2.parameters(), 5e-3), quiet().epochs(3).callbacks(real));
        History h = t.fit(train(64), val());
        Trainer.Epoch bestEpoch = h.best(Monitor.VAL_LOSS).orElseThrow();
        assertEquals(bestEpoch.epoch(), real.bestEpoch());
        LeNet5 reloaded = Checkpoint.loadModel(real.best(), lenet());
        Metrics again = new Trainer(reloaded, new SGD(reloaded.parameters(), 0.1), quiet()).evaluate(val());
        assertEquals(bestEpoch.valLoss(), again.meanLoss(), 1e-12);
    }

    /** The same run, built fresh: model, optimizer, scheduler and callbacks of the same shape. */
    private record Run(LeNet5 model, Trainer trainer, ModelCheckpoint ckpt, EarlyStopping stop, CsvLogger csv) {
        static Run build(Path dir, int epochs) {
            LeNet5 model = lenet();
            Optimizer opt = new Adam(model.parameters(), 2e-3);
            int steps = epochs * train(64).size();
            LrScheduler sched = new LrScheduler(opt, Schedule.cosine(steps, 0));
            ModelCheckpoint ckpt = new ModelCheckpoint(dir, Monitor.VAL_LOSS);
            EarlyStopping stop = new EarlyStopping(Monitor.VAL_ACCURACY, 5);
            CsvLogger csv = new CsvLogger(dir.resolve("log.csv"));
            Trainer t = new Trainer(
                    model, opt, quiet().epochs(epochs).scheduler(sched).callbacks(ckpt, stop, csv));
            return new Run(model, t, ckpt, stop, csv);
        }
    }

    @Test
    void aRunRestoredFromItsLastCheckpointEndsWithTheSameBits() throws IOException {
        Run whole = Run.build(tmp.resolve("whole"), 3);
        History straight = whole.trainer().fit(train(64), val());

        Run first = Run.build(tmp.resolve("parts"), 3);
        first.trainer().fit(train(64), val(), 2); // interrupted after epoch 2
        Run second = Run.build(tmp.resolve("parts"), 3);
        second.trainer().restore(Checkpoint.load(first.ckpt().last()));
        assertEquals(2, second.trainer().epoch());
        History resumed = second.trainer().fit(train(64), val());

        assertSameWeights(weights(whole.model()), weights(second.model()), "resumed weights");
        assertEquals(whole.trainer().step(), second.trainer().step());
        // the whole history, with the epochs before the interruption (times aside)
        assertEquals(3, resumed.size());
        for (int i = 0; i < 3; i++) {
            Trainer.Epoch a = straight.epochs().get(i);
            Trainer.Epoch b = resumed.epochs().get(i);
            assertEquals(
                    List.of(a.trainLoss(), a.valLoss(), a.valAccuracy(), a.lr()),
                    List.of(b.trainLoss(), b.valLoss(), b.valAccuracy(), b.lr()));
        }
        assertEquals(whole.ckpt().bestEpoch(), second.ckpt().bestEpoch());
        assertEquals(whole.stop().bestEpoch(), second.stop().bestEpoch());
        String csv = Files.readString(second.csv().file());
        assertEquals(4, csv.lines().count(), csv);
        assertEquals(resumed.toCsv(), csv);
    }

    @Test
    void accumulatingTwoBatchesOf16StepsAsOneBatchOf32() throws IOException {
        ImageDataset d = PARTS.train().slice(0, 256);
        LeNet5 a = lenet();
        new Trainer(a, new SGD(a.parameters(), 0.05), quiet()).fit(train(d, 32));
        LeNet5 b = lenet();
        Trainer acc = new Trainer(b, new SGD(b.parameters(), 0.05), quiet().accumulateGradBatches(2));
        acc.fit(train(d, 16));
        assertEquals(8, acc.step(), "one step per two batches");
        // the same permutation and the same mean gradients: equal up to summation order
        Map<String, float[]> wa = weights(a);
        Map<String, float[]> wb = weights(b);
        wa.forEach((k, v) -> {
            float[] u = wb.get(k);
            for (int i = 0; i < v.length; i++) {
                assertEquals(v[i], u[i], 1e-5 * (1 + Math.abs(v[i])), k + "[" + i + "]");
            }
        });
    }

    @Test
    void clippingBoundsEveryStep() throws IOException {
        LeNet5 model = lenet();
        Map<String, float[]> before = weights(model);
        // SGD without momentum, lr 1: each step moves the weights by the clipped gradient
        Trainer t = new Trainer(model, new SGD(model.parameters(), 1.0), quiet().clipGradNorm(1e-3));
        t.fit(train(PARTS.train().slice(0, 64), 64));
        double moved = 0;
        Map<String, float[]> after = weights(model);
        for (var e : before.entrySet()) {
            float[] x = e.getValue();
            float[] y = after.get(e.getKey());
            for (int i = 0; i < x.length; i++) {
                moved += (double) (y[i] - x[i]) * (y[i] - x[i]);
            }
        }
        assertEquals(1, t.step());
        assertTrue(Math.sqrt(moved) <= 1e-3 * 1.001, "moved " + Math.sqrt(moved));
        assertTrue(Math.sqrt(moved) > 0.9e-3, "the gradient of an untrained model is larger than the bound");
    }

    @Test
    void anExplodingFiniteLossStopsTheRunBeforeAnyCheckpoint() {
        LeNet5 model = lenet();
        ModelCheckpoint ckpt = new ModelCheckpoint(tmp, Monitor.TRAIN_LOSS);
        // Adam at lr 1e6: the loss is about 1e37 after the first step, finite but diverged
        Trainer t = new Trainer(
                model, new Adam(model.parameters(), 1e6), quiet().epochs(2).callbacks(ckpt));
        DivergenceException e = assertThrows(DivergenceException.class, () -> t.fit(train(32)));
        assertTrue(
                e.getMessage()
                        .matches("the loss exploded to \\S+ at step 2 \\(epoch 1, batch 2\\), more than 1\\.00e\\+04"
                                + " times its starting level 2\\.\\d+"),
                e.getMessage());
        assertTrue(Double.isFinite(e.value()) && e.value() > 1e4, "finite, yet diverged: " + e.value());
        assertEquals(2, e.step());
        assertEquals(1, t.step(), "the diverged step was not taken");
        assertFalse(Files.exists(ckpt.last()), "no checkpoint of a diverged run");
    }

    @Test
    void aNaNLossNamesTheStep() {
        LeNet5 model = lenet();
        Trainer t = new Trainer(
                model,
                new SGD(model.parameters(), 0.1),
                quiet().loss((out, target) -> out.sum().mul(Float.NaN)));
        DivergenceException e = assertThrows(DivergenceException.class, () -> t.fit(train(32)));
        assertEquals("the loss became NaN at step 1 (epoch 1, batch 1)", e.getMessage());
    }

    @Test
    void aNonFiniteValidationLossStopsTheRun() {
        // validation images with a NaN pixel (a corrupt file, say): the validation loss is not a number
        Transform huge = Transforms.custom("nan", (data, off, c, h, w, g) -> data[off] = Float.NaN);
        DataLoader bad =
                new DataLoader(PARTS.test(), DataLoader.options().batchSize(128).transforms(NORM, huge));
        LeNet5 model = lenet();
        Trainer t = new Trainer(model, new Adam(model.parameters(), 1e-3), quiet().epochs(2));
        DivergenceException e = assertThrows(DivergenceException.class, () -> t.fit(train(64), bad));
        assertTrue(e.getMessage().startsWith("the mean validation loss of epoch 1 is "), e.getMessage());
        assertEquals(0, t.history().size());
    }

    @Test
    void theLearningRateMonitorRecordsEveryStep() throws IOException {
        LeNet5 model = lenet();
        Optimizer opt = new SGD(model.parameters(), 0.1);
        Schedule schedule = Schedule.cosine(8, 0);
        LearningRateMonitor lrs = new LearningRateMonitor();
        new Trainer(
                        model,
                        opt,
                        quiet().epochs(2)
                                .scheduler(new LrScheduler(opt, schedule))
                                .accumulateGradBatches(2)
                                .callbacks(lrs))
                .fit(train(PARTS.train().slice(0, 256), 32));
        List<LearningRateMonitor.Entry> entries = lrs.entries();
        assertEquals(8, entries.size(), entries.toString()); // 8 batches of 32, 2 per step, 2 epochs
        for (int i = 0; i < 8; i++) {
            assertEquals(i + 1, entries.get(i).step());
            assertEquals(i < 4 ? 1 : 2, entries.get(i).epoch());
            assertEquals(schedule.lr(i + 1, 0.1), entries.get(i).lrs()[0], 1e-15);
        }
    }

    @Test
    void restoringIntoADifferentTrainerIsRefused() throws IOException {
        Run r = Run.build(tmp, 2);
        r.trainer().fit(train(64), val(), 1);
        TrainingState s = Checkpoint.load(r.ckpt().last());
        LeNet5 model = lenet();
        Trainer shorter = new Trainer(model, new Adam(model.parameters(), 1e-3), quiet());
        var tooMany = assertThrows(
                IllegalArgumentException.class,
                () -> shorter.restore(Checkpoint.load(r.ckpt().last())));
        assertTrue(
                tooMany.getMessage().contains("holds nothing for")
                        || tooMany.getMessage().contains("scheduler"),
                tooMany.getMessage());
        assertEquals(1, s.epoch());
        List<String> keys = new ArrayList<>(s.extra().keySet());
        assertTrue(keys.contains("trainer.history") && keys.contains("callback.EarlyStopping.best"), keys.toString());
    }

    @Test
    void evaluateCountsEveryExampleInEvalMode() {
        LeNet5 model = lenet();
        Trainer t = new Trainer(model, new SGD(model.parameters(), 0.1), quiet());
        Metrics m = t.evaluate(val());
        assertEquals(PARTS.test().size(), m.total());
        assertTrue(model.isTraining(), "back in train mode");
        // the oracle: the model's own outputs on the same batches, counted by hand
        long correct = 0;
        model.eval();
        for (var b : val().epoch(0)) {
            int[] predicted = model.call(b.inputs()).data().argmax(1, false).toIntArray();
            long[] truth = b.targets().data().toLongArray();
            for (int i = 0; i < predicted.length; i++) {
                correct += predicted[i] == truth[i] ? 1 : 0;
            }
        }
        assertEquals(correct, m.correct());
    }
}
