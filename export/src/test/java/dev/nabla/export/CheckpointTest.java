package dev.nabla.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.autograd.Variable;
import dev.nabla.nn.Linear;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.data.ChannelStats;
import dev.nabla.nn.data.Preprocessing;
import dev.nabla.optim.AdamW;
import dev.nabla.optim.GradClip;
import dev.nabla.optim.LrScheduler;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.ParamGroup;
import dev.nabla.optim.SGD;
import dev.nabla.optim.Schedule;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run stopped after k steps, checkpointed to disk and resumed in fresh objects ends with the same
 * bits as an uninterrupted run: model, optimizer moments, scheduler and generators all come back.
 */
class CheckpointTest {
    private static final int SAMPLES = 64;
    private static final int BATCH = 16;
    private static final int STEPS_PER_EPOCH = SAMPLES / BATCH;
    private static final int TOTAL = 40;

    @TempDir
    Path dir;

    private static final Tensor X = Tensor.randn(new Generator(5), SAMPLES, 4);
    private static final Tensor Y =
            X.matmul(Tensor.randn(new Generator(6), 4, 3)).relu();

    /** A training run: model, AdamW without decay on 1-D parameters, warm-up + cosine, two generators. */
    private static final class Run {
        final Sequential model;
        final AdamW opt;
        final LrScheduler sched;
        final Generator shuffle;
        final Generator noise;
        /** Shuffle state before this epoch's permutation was drawn: what a mid-epoch checkpoint saves. */
        final Generator epochStart = new Generator(0);

        int[] perm;

        Run(long seed) {
            Generator init = new Generator(seed);
            model = new Sequential(new Linear(4, 16, init), new ReLU(), new Linear(16, 3, init));
            opt = new AdamW(ParamGroup.splitWeightDecay(model.namedParameters(), (n, p) -> p.dim() <= 1), 0.02)
                    .weightDecay(0.05)
                    .amsgrad(true);
            sched = new LrScheduler(opt, Schedule.warmup(5, 0.1, Schedule.cosine(TOTAL - 5, 1e-4)));
            shuffle = new Generator(seed + 100);
            noise = new Generator(seed + 200);
        }

        void train(int from, int to) {
            for (int step = from; step < to; step++) {
                int b = step % STEPS_PER_EPOCH;
                if (b == 0 || perm == null) {
                    // Start of an epoch, or resuming mid-epoch from the saved epoch-start state.
                    epochStart.setState(shuffle.state());
                    perm = Tensor.permutation(shuffle, SAMPLES);
                }
                Tensor index = Tensor.ofInts(Arrays.copyOfRange(perm, b * BATCH, (b + 1) * BATCH));
                Variable x = Variable.of(X.indexSelect(0, index)
                        .add(Tensor.randn(noise, BATCH, 4).mul(0.01f)));
                Variable y = Variable.of(Y.indexSelect(0, index));
                opt.zeroGrad();
                Variable loss = model.call(x).sub(y).square().mean();
                loss.backward();
                GradClip.clipGradNorm(model.parameters(), 1.0);
                opt.step();
                sched.step();
            }
        }

        TrainingState capture(long step) {
            return TrainingState.capture(
                    model,
                    opt,
                    sched,
                    Map.of("shuffle", epochStart, "noise", noise),
                    step / STEPS_PER_EPOCH,
                    step,
                    Map.of("note", "mid-epoch"));
        }

        void restore(TrainingState s) {
            s.restore(model, opt, sched, Map.of("shuffle", shuffle, "noise", noise));
            perm = null;
        }
    }

    private static void assertSameBits(Map<String, Tensor> a, Map<String, Tensor> b, String what) {
        assertEquals(a.keySet(), b.keySet(), what);
        a.forEach((k, t) -> assertArrayEquals(t.toArray(), b.get(k).toArray(), what + " " + k));
    }

    @Test
    void resumedRunMatchesUninterruptedRunBitForBit() throws IOException {
        Run straight = new Run(1);
        straight.train(0, TOTAL);
        // Precondition: the run itself repeats exactly (kernels give the same bits warm or cold).
        Run again = new Run(1);
        again.train(0, TOTAL);
        assertSameBits(straight.model.stateDict(), again.model.stateDict(), "a repeated run");

        int k = 14; // mid-epoch: epoch 3, batch 2
        Run first = new Run(1);
        first.train(0, k);
        Checkpoint.save(dir, first.capture(k));

        Run resumed = new Run(999); // different initial weights and generator seeds: all must be overwritten
        TrainingState s = Checkpoint.load(dir);
        assertEquals(k, s.step());
        assertEquals(3, s.epoch());
        assertEquals("mid-epoch", s.extra().get("note"));
        resumed.restore(s);
        assertEquals(first.sched.currentLr(), resumed.sched.currentLr());
        resumed.train(k, TOTAL);

        assertSameBits(straight.model.stateDict(), resumed.model.stateDict(), "model");
        assertSameBits(
                straight.opt.stateDict().tensors(), resumed.opt.stateDict().tensors(), "optimizer");
        assertEquals(
                straight.opt.stateDict().metadata(), resumed.opt.stateDict().metadata());
        assertEquals(straight.sched.stateDict(), resumed.sched.stateDict());
        assertArrayEquals(straight.shuffle.state(), resumed.shuffle.state());
        assertArrayEquals(straight.noise.state(), resumed.noise.state());
    }

    @Test
    void theModelFileAloneIsAPlainWeightsFile() throws IOException {
        Run r = new Run(3);
        r.train(0, 3);
        Checkpoint.save(dir, r.capture(3));
        Sequential fresh = new Run(4).model;
        SafeTensors.load(fresh, dir.resolve(Checkpoint.MODEL_FILE));
        assertSameBits(r.model.stateDict(), fresh.stateDict(), "weights");
    }

    @Test
    void filesFromDifferentSavesAreNotMixed() throws IOException {
        Run r = new Run(3);
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        Checkpoint.save(a, r.capture(0));
        r.train(0, 2);
        Checkpoint.save(b, r.capture(2));
        Files.copy(
                b.resolve(Checkpoint.MODEL_FILE),
                a.resolve(Checkpoint.MODEL_FILE),
                StandardCopyOption.REPLACE_EXISTING);
        FileFormatException e = assertThrows(FileFormatException.class, () -> Checkpoint.load(a));
        assertTrue(e.getMessage().contains("different saves"), e.getMessage());
        // A plain weights file is not a training state.
        SafeTensors.write(b.resolve(Checkpoint.TRAINING_FILE), Map.of(), Map.of());
        assertThrows(FileFormatException.class, () -> Checkpoint.load(b));
    }

    @Test
    void restoreIsAllOrNothing() throws IOException {
        Run src = new Run(3);
        src.train(0, 5);
        Checkpoint.save(dir, src.capture(5));
        TrainingState s = Checkpoint.load(dir);

        // The optimizer does not fit (SGD instead of AdamW): the model must not keep the loaded weights.
        Run other = new Run(7);
        Map<String, Tensor> before = new LinkedHashMap<>();
        other.model.stateDict().forEach((key, t) -> before.put(key, t.copy()));
        Optimizer sgd = new SGD(other.model.parameters(), 0.1);
        assertThrows(
                IllegalArgumentException.class,
                () -> s.restore(
                        other.model, sgd, null, Map.of("shuffle", new Generator(1), "noise", new Generator(2))));
        assertThrows(
                IllegalArgumentException.class,
                () -> s.restore(
                        other.model,
                        sgd,
                        new LrScheduler(sgd, Schedule.constant()),
                        Map.of("shuffle", new Generator(1), "noise", new Generator(2))));
        assertSameBits(before, other.model.stateDict(), "model after a failed restore");

        Generator g = new Generator(1);
        long[] gBefore = g.state();
        assertThrows(
                IllegalArgumentException.class,
                () -> s.restore(other.model, other.opt, other.sched, Map.of("shuffle", g)));
        assertArrayEquals(gBefore, g.state());
        assertSameBits(before, other.model.stateDict(), "model after a failed restore");
    }

    @Test
    void corruptTrainingFilesAreRejected() throws IOException {
        Run r = new Run(3);
        r.train(0, 2);
        Checkpoint.save(dir, r.capture(2));
        Path training = dir.resolve(Checkpoint.TRAINING_FILE);
        byte[] b = Files.readAllBytes(training);
        Files.write(training, Arrays.copyOf(b, b.length - 10));
        FileFormatException e = assertThrows(FileFormatException.class, () -> Checkpoint.load(dir));
        assertTrue(e.getMessage().contains(Checkpoint.TRAINING_FILE), e.getMessage());
    }

    private static final Preprocessing PRE = new Preprocessing(
            1, 2, 2, ChannelStats.of(0.25f, 0.5f), List.of("zero", "one, with a comma", "two \"quoted\"\n"));

    @Test
    void theModelAndItsPreprocessingLoadInOneCallEachWithoutTheTrainingFile() throws IOException {
        Run r = new Run(3);
        r.train(0, 3);
        Checkpoint.save(dir, r.capture(3).withPreprocessing(PRE));
        Files.delete(dir.resolve(Checkpoint.TRAINING_FILE)); // inference needs only the model file
        Sequential fresh = new Run(4).model;
        assertSame(fresh, Checkpoint.loadModel(dir, fresh));
        assertSameBits(r.model.stateDict(), fresh.stateDict(), "weights");
        assertEquals(Optional.of(PRE), Checkpoint.preprocessing(dir));
        assertEquals(Optional.of(PRE), Checkpoint.preprocessing(dir.resolve(Checkpoint.MODEL_FILE)));

        // saveModel writes the same inference bundle; without preprocessing, none is recorded.
        Path plain = dir.resolve("plain");
        Checkpoint.saveModel(plain, r.model, null);
        assertEquals(Optional.empty(), Checkpoint.preprocessing(plain));
        assertSameBits(
                r.model.stateDict(),
                Checkpoint.loadModel(plain, new Run(5).model).stateDict(),
                "saveModel");
    }

    @Test
    void theRecordedPreprocessingComesBackWithTheTrainingState() throws IOException {
        Run r = new Run(3);
        Checkpoint.save(dir, r.capture(0).withPreprocessing(PRE));
        assertEquals(PRE, Checkpoint.load(dir).preprocessing());
        Checkpoint.save(dir, r.capture(0));
        assertNull(Checkpoint.load(dir).preprocessing());
    }

    @Test
    void loadingWeightsIntoTheWrongModelNamesTheFileAndTheKeys() throws IOException {
        Run r = new Run(3);
        Checkpoint.saveModel(dir, r.model, null);
        Sequential wider = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 3));
        var e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.loadModel(dir, wider));
        assertTrue(
                e.getMessage().contains(Checkpoint.MODEL_FILE)
                        && e.getMessage().contains("0.weight (expected [8, 4], got [16, 4])"),
                e.getMessage());
        var missing = assertThrows(IOException.class, () -> Checkpoint.loadModel(dir.resolve("nowhere"), wider));
        assertTrue(missing.getMessage().contains("nowhere"), missing.getMessage());
    }

    @Test
    void restoreModelLoadsOnlyTheWeights() throws IOException {
        Run src = new Run(3);
        src.train(0, 5);
        Checkpoint.save(dir, src.capture(5));
        TrainingState s = Checkpoint.load(dir);
        // Fine-tuning: the same architecture with a new optimizer of another kind and no scheduler.
        Run target = new Run(8);
        SGD fresh = new SGD(target.model.parameters(), 0.01).momentum(0.9);
        s.restoreModel(target.model);
        assertSameBits(src.model.stateDict(), target.model.stateDict(), "weights");
        assertEquals(0, fresh.stepCount());
        assertTrue(fresh.stateDict().tensors().isEmpty(), "the new optimizer keeps its own (empty) state");
    }
}
