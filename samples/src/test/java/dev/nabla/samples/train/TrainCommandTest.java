package dev.nabla.samples.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.export.Checkpoint;
import dev.nabla.export.TrainingState;
import dev.nabla.samples.cli.Args;
import dev.nabla.samples.cli.Errors;
import dev.nabla.tensor.Tensor;
import dev.nabla.train.RunDirectory;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line end to end, on a slice of the embedded digits so each run takes seconds. */
class TrainCommandTest {
    static final String[] QUICK = {"--train-limit", "640", "--test-limit", "200", "--batch-size", "32", "--threads", "2"
    };

    @TempDir
    Path tmp;

    record Run(int code, String log) {}

    static Run train(String... args) throws IOException {
        return capture(out -> TrainCommand.train(args, out));
    }

    static Run evaluate(String... args) throws IOException {
        return capture(out -> TrainCommand.evaluate(args, out));
    }

    interface Command {
        int run(PrintStream out) throws IOException;
    }

    static Run capture(Command c) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        int code = c.run(out);
        return new Run(code, bytes.toString(StandardCharsets.UTF_8));
    }

    static String[] quick(String... more) {
        List<String> a = new ArrayList<>(List.of(QUICK));
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    static double accuracy(String log) {
        Matcher m = Pattern.compile("test accuracy ([0-9.]+)%").matcher(log);
        assertTrue(m.find(), log);
        return Double.parseDouble(m.group(1));
    }

    private static List<String> entries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void trainsValidatesReportsAndLaysOutTheRunFolder() throws IOException {
        Path out = tmp.resolve("run");
        Run r = train(quick("--epochs", "3", "--out", out.toString()));
        assertEquals(0, r.code(), r.log());
        assertTrue(r.log().contains("576 training / 64 validation / 200 test images"), r.log());
        assertTrue(
                r.log().contains("epoch 3/3  train loss")
                        && r.log().contains("val loss")
                        && r.log().contains("confusion matrix")
                        && r.log().contains("precision")
                        && r.log().matches("(?s).*best epoch \\d of 3 by val_accuracy.*"),
                r.log());
        // 576 digits, 3 epochs: far above chance (10%), which a broken loop would not reach
        assertTrue(accuracy(r.log()) > 60, r.log());
        assertEquals(
                List.of("best", "confusion.png", "curves.png", "last", "log.csv", "metrics.json"),
                entries(out),
                "the lock is gone with the run");
        assertEquals(3, Checkpoint.load(out.resolve("last")).epoch());
        String metrics = Files.readString(out.resolve("metrics.json"));
        // typed: numbers as numbers, booleans as booleans, null where nothing was measured
        assertTrue(
                metrics.contains("\"confusion_matrix\"")
                        && metrics.contains("\"per_class\"")
                        && metrics.contains("\"dataset\": \"mnist-10k\"")
                        && metrics.contains("\"lr\": 0.002,")
                        && metrics.contains("\"augment\": false")
                        && metrics.contains("\"test_accuracy\": null")
                        && metrics.matches("(?s).*\"val_accuracy\": 0\\.\\d+.*")
                        && metrics.contains("\"status\": \"completed\""),
                metrics);
        List<String> csv = Files.readAllLines(out.resolve("log.csv"));
        assertEquals(4, csv.size(), csv.toString());
        assertTrue(csv.get(0).startsWith("epoch,train_loss,train_accuracy,val_loss,val_accuracy"), csv.get(0));
        for (String name : List.of("curves.png", "confusion.png")) {
            Path png = out.resolve(name);
            assertTrue(r.log().contains(png.toString()), name + " is reported: " + r.log());
            BufferedImage img = ImageIO.read(png.toFile());
            assertTrue(
                    img.getWidth() >= 600 && img.getHeight() >= 400,
                    name + " " + img.getWidth() + "x" + img.getHeight());
        }
        assertEquals(2 * 640, ImageIO.read(out.resolve("curves.png").toFile()).getWidth());
    }

    @Test
    void withoutValidationTheTrainingLossSelectsAndTheTestCanBeWatchedEveryEpoch() throws IOException {
        Path out = tmp.resolve("run");
        Run r = train(quick(
                "--epochs",
                "2",
                "--val-split",
                "0",
                "--test-every-epoch",
                "--clip-grad-norm",
                "1",
                "--accumulate-grad-batches",
                "2",
                "--out",
                out.toString()));
        assertEquals(0, r.code(), r.log());
        assertTrue(r.log().contains("640 training / no validation / 200 test images"), r.log());
        assertTrue(r.log().matches("(?s).*epoch 2/2  train loss \\S+ acc \\S+  test loss \\S+ acc .*"), r.log());
        assertTrue(r.log().contains("by train_loss"), r.log());
        assertTrue(r.log().contains("--clip-grad-norm 1.0 --accumulate-grad-batches 2 --test-every-epoch"), r.log());
        // 20 batches of 32 a epoch, 2 per step: 10 steps an epoch
        assertEquals(20, Checkpoint.load(out.resolve("last")).step());
        List<String> csv = Files.readAllLines(out.resolve("log.csv"));
        assertTrue(csv.get(2).matches("2,[^,]+,[^,]+,,,[^,]+,[^,]+,.*"), csv.get(2));
    }

    @Test
    void aResumedRunEqualsAnUninterruptedOneAndKeepsItsWholeHistory() throws IOException {
        Path whole = tmp.resolve("whole");
        Path parts = tmp.resolve("parts");
        Run straight = train(quick("--epochs", "3", "--out", whole.toString()));
        assertEquals(0, straight.code(), straight.log());
        // The same 3-epoch recipe (its cosine schedule spans all three), stopped after epoch 2.
        Run paused = train(quick("--epochs", "3", "--pause-after", "2", "--out", parts.toString()));
        assertEquals(0, paused.code(), paused.log());
        assertTrue(paused.log().contains("paused after epoch 2 of 3"), paused.log());
        Run resumed = train("--resume", parts.toString(), "--threads", "2");
        assertEquals(0, resumed.code(), resumed.log());
        assertTrue(resumed.log().contains("resuming after epoch 2"), resumed.log());
        for (String ck : List.of("last", "best")) {
            assertArrayEquals(
                    Files.readAllBytes(whole.resolve(ck).resolve(Checkpoint.MODEL_FILE)),
                    Files.readAllBytes(parts.resolve(ck).resolve(Checkpoint.MODEL_FILE)),
                    ck + ": resumed weights differ from the uninterrupted run");
        }
        assertEquals(accuracy(straight.log()), accuracy(resumed.log()), 0, "the same test accuracy");
        // the whole history, not only the epochs after the resume
        String metrics = Files.readString(parts.resolve("metrics.json"));
        for (int e = 1; e <= 3; e++) {
            assertTrue(metrics.contains("\"epoch\": " + e + ","), metrics);
        }
        assertEquals(4, Files.readAllLines(parts.resolve("log.csv")).size());
        assertEquals(
                Files.readAllLines(whole.resolve("log.csv")).stream()
                        .map(l -> l.replaceAll(",[^,]*,[^,]*$", ""))
                        .toList(),
                Files.readAllLines(parts.resolve("log.csv")).stream()
                        .map(l -> l.replaceAll(",[^,]*,[^,]*$", ""))
                        .toList(),
                "the same figures, epoch by epoch (times aside)");
    }

    @Test
    void resumeContinuesItsRecipeAndRefusesWhatWouldChangeIt() throws IOException {
        Path out = tmp.resolve("run");
        assertEquals(0, train(quick("--epochs", "2", "--out", out.toString())).code());
        byte[] metrics = Files.readAllBytes(out.resolve("metrics.json"));
        var lr = assertThrows(
                Args.UsageException.class, () -> train("--resume", out.toString(), "--epochs", "3", "--lr", "0.1"));
        assertTrue(lr.getMessage().contains("--lr 0.1 (the run has 0.002)"), lr.getMessage());
        var zero = assertThrows(Args.UsageException.class, () -> train("--resume", out.toString(), "--epochs", "0"));
        assertTrue(zero.getMessage().contains("--epochs must be >= 1"), zero.getMessage());
        var done = assertThrows(Args.UsageException.class, () -> train("--resume", out.toString()));
        assertTrue(done.getMessage().contains("has trained 2 of its 2 epochs"), done.getMessage());
        assertArrayEquals(metrics, Files.readAllBytes(out.resolve("metrics.json")), "refusals change nothing");
        // the same value as recorded is no change; --epochs extends the run
        Run longer =
                train("--resume", out.resolve("last").toString(), "--epochs", "3", "--lr", "0.002", "--threads", "2");
        assertEquals(0, longer.code(), longer.log());
        assertTrue(longer.log().contains("epoch 3/3"), longer.log());
        assertEquals(3, Checkpoint.load(out.resolve("last")).epoch());
    }

    @Test
    void earlyStoppingEndsTheRunAndAStoppedRunIsNotResumed() throws IOException {
        Path out = tmp.resolve("run");
        // a learning rate too small to change any prediction: validation accuracy never improves
        Run r = train(quick("--epochs", "6", "--lr", "1e-12", "--patience", "1", "--out", out.toString()));
        assertEquals(0, r.code(), r.log());
        assertTrue(
                r.log().contains("stopped after epoch 2: early stopping: val_accuracy has not improved for 1 epoch"),
                r.log());
        assertTrue(r.log().contains("best epoch 1 of 2 by val_accuracy"), r.log());
        var e = assertThrows(Args.UsageException.class, () -> train("--resume", out.toString()));
        assertTrue(e.getMessage().contains("ended after epoch 2 (early stopping"), e.getMessage());
    }

    @Test
    void aSecondRunOnTheSameOutLeavesTheFirstIntact() throws IOException {
        Path out = tmp.resolve("run");
        assertEquals(0, train(quick("--epochs", "1", "--out", out.toString())).code());
        byte[] model = Files.readAllBytes(out.resolve("last").resolve(Checkpoint.MODEL_FILE));
        var refused =
                assertThrows(Args.UsageException.class, () -> train(quick("--epochs", "1", "--out", out.toString())));
        assertTrue(
                refused.getMessage().contains("holds an earlier run")
                        && refused.getMessage().contains("--overwrite"),
                refused.getMessage());
        assertArrayEquals(model, Files.readAllBytes(out.resolve("last").resolve(Checkpoint.MODEL_FILE)));
        // while a run holds the folder, even --overwrite and --resume are refused, and nothing is touched
        try (RunDirectory busy = RunDirectory.open(out)) {
            for (String[] args : List.of(
                    quick("--epochs", "1", "--out", out.toString(), "--overwrite"),
                    new String[] {"--resume", out.toString(), "--epochs", "2"})) {
                IOException e = assertThrows(IOException.class, () -> train(args));
                assertTrue(e.getMessage().contains("is in use by another run (pid "), e.getMessage());
            }
            assertArrayEquals(model, Files.readAllBytes(out.resolve("last").resolve(Checkpoint.MODEL_FILE)));
        }
        Run again = train(quick("--epochs", "1", "--seed", "5", "--out", out.toString(), "--overwrite"));
        assertEquals(0, again.code(), again.log());
        assertFalse(Arrays.equals(model, Files.readAllBytes(out.resolve("last").resolve(Checkpoint.MODEL_FILE))));
    }

    @Test
    void aFullDiskMidRunKeepsTheLastCompleteCheckpoint() throws Exception {
        // the reproduction: --out on a 1100 KiB tmpfs, 3 epochs of 1000 images
        Path mount = Files.createDirectory(tmp.resolve("tmpfs"));
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1100k", "tmpfs", mount.toString())
                .redirectErrorStream(true)
                .start();
        boolean mounted = p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        Assumptions.assumeTrue(mounted, "skipped: cannot mount a small tmpfs here (needs root)");
        try {
            Path out = mount.resolve("run");
            IOException full = assertThrows(
                    IOException.class,
                    () -> train(
                            "--epochs",
                            "3",
                            "--train-limit",
                            "1000",
                            "--test-limit",
                            "100",
                            "--threads",
                            "2",
                            "--out",
                            out.toString()));
            assertTrue(
                    full.getMessage()
                            .contains(out.resolve("last") + ": could not be written (No space left on device)"),
                    full.getMessage());
            // the previous checkpoint is whole: it loads, evaluates and resumes; nothing half-written is left
            TrainingState last = Checkpoint.load(out.resolve("last"));
            assertTrue(last.epoch() >= 1, "epoch " + last.epoch());
            assertEquals(List.of("best", "last", "log.csv"), entries(out));
            assertEquals(List.of(Checkpoint.MODEL_FILE, Checkpoint.TRAINING_FILE), entries(out.resolve("last")));
            Run eval = evaluate("--checkpoint", out.resolve("last").toString(), "--threads", "2");
            assertEquals(0, eval.code(), eval.log());
        } finally {
            new ProcessBuilder("umount", mount.toString()).start().waitFor(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void anExplodingLossStopsTheRunAndNamesTheStep() throws IOException {
        Path out = tmp.resolve("run");
        // the case: Adam at lr 1e6 gives finite losses of about 1e37
        Run r = train(quick("--epochs", "2", "--lr", "1e6", "--out", out.toString()));
        assertEquals(3, r.code(), r.log());
        assertTrue(
                r.log().matches("(?s).*stopped: the loss exploded to \\S+ at step \\d+ \\(epoch 1, batch \\d+\\).*"),
                r.log());
        assertTrue(r.log().contains("No checkpoint was written"), r.log());
        assertFalse(Files.exists(out.resolve("last")));
        assertTrue(Files.readString(out.resolve("metrics.json")).contains("\"status\": \"diverged: the loss exploded"));
    }

    @Test
    void evaluateReproducesTheReportedAccuracyAndRefusesNonFiniteWeights() throws IOException {
        Path out = tmp.resolve("run");
        Run trained = train(quick("--epochs", "2", "--out", out.toString()));
        // the run's folder means its best/ checkpoint, evaluated on the same 200 test images
        Run eval = evaluate("--checkpoint", out.toString(), "--threads", "2");
        assertEquals(0, eval.code(), eval.log());
        assertEquals(accuracy(trained.log()), accuracy(eval.log()), 1e-9, eval.log());

        // a checkpoint whose weights hold a NaN (a diverged run's) is refused, not scored at chance
        TrainingState s = Checkpoint.load(out.resolve("last"));
        Map<String, Tensor> model = new LinkedHashMap<>(s.model());
        String first = model.keySet().iterator().next();
        float[] w = model.get(first).toArray();
        w[3] = Float.NaN;
        model.put(first, Tensor.of(w).reshape(model.get(first).shape().dims()));
        TrainingState bad = new TrainingState(
                model, s.optimizer(), s.scheduler(), s.generators(), s.epoch(), s.step(), s.extra(), s.preprocessing());
        Path nan = tmp.resolve("nan");
        Checkpoint.save(nan, bad);
        var refused = assertThrows(IllegalStateException.class, () -> evaluate("--checkpoint", nan.toString()));
        assertTrue(refused.getMessage().contains("non-finite weights (" + first + " has NaN)"), refused.getMessage());
    }

    @Test
    void everyFlagAppliesOrIsRefusedWithAReason() {
        Map<List<String>, String> refused = new LinkedHashMap<>();
        refused.put(List.of("--augment", "false"), "unexpected argument 'false': --augment is a switch");
        refused.put(List.of("--epochs", "3", "stray"), "unexpected argument 'stray'");
        refused.put(List.of("--epoch", "3"), "unknown option(s): --epoch");
        refused.put(List.of("--optimizer", "adam", "--momentum", "0.9"), "apply to --optimizer sgd, not adam");
        refused.put(List.of("--pause-after", "-2"), "--pause-after must be an epoch in [1, 14]");
        refused.put(List.of("--pause-after", "15"), "--pause-after must be an epoch in [1, 14]");
        refused.put(List.of("--augment", "--no-augment"), "contradict");
        refused.put(List.of("--model", "vgg19"), "--model must be one of lenet5");
        refused.put(List.of("--val-split", "1"), "--val-split must be in [0, 1)");
        refused.put(List.of("--val-split", "0", "--monitor", "val_accuracy"), "needs a validation set");
        refused.put(List.of("--monitor", "val_f1"), "unknown monitor 'val_f1'");
        refused.put(List.of("--dataset", "mnist-10k", "--data", "x"), "--data does not apply to mnist-10k");
        refused.put(List.of("--download"), "--download fetches CIFAR-10 only");
        refused.put(List.of("--warmup-epochs", "20"), "--warmup-epochs must be in [0, --epochs)");
        refused.put(List.of("--threads", "0"), "--threads must be >= 1");
        refused.put(List.of("--class-path", "x"), "--class-path is for a model of your own");
        refused.put(List.of("--accumulate-grad-batches", "0"), "must be >= 1");
        refused.put(List.of("--resume", "x", "--out", "y"), "--out does not apply to --resume");
        refused.forEach((args, why) -> {
            var e = assertThrows(Args.UsageException.class, () -> train(args.toArray(String[]::new)), args.toString());
            assertTrue(e.getMessage().contains(why), args + " -> " + e.getMessage());
        });
        // --no-augment is accepted for the default data set, and --augment turns it on there
        assertFalse(Recipe.fromArgs(Args.parse(new String[] {"--no-augment"}, Recipe.SWITCHES), null)
                .augment());
        assertTrue(Recipe.fromArgs(Args.parse(new String[] {"--augment"}, Recipe.SWITCHES), null)
                .augment());
    }

    @Test
    void pathsThatCannotWorkSayWhatIsWrong() throws IOException {
        Path file = Files.writeString(tmp.resolve("notes.txt"), "x");
        IOException isFile = assertThrows(IOException.class, () -> train(quick("--out", file.toString())));
        assertTrue(Errors.describe(isFile).endsWith("is a file, not a folder"), Errors.describe(isFile));
        IOException proc = assertThrows(IOException.class, () -> train(quick("--out", "/proc/x")));
        assertTrue(Errors.describe(proc).contains("not writable"), Errors.describe(proc));
        IOException missing = assertThrows(
                IOException.class,
                () -> evaluate("--checkpoint", tmp.resolve("none").toString()));
        assertTrue(Errors.describe(missing).endsWith("not found"), Errors.describe(missing));
        // a checkpoint folder that lost a file: the file is named, and what is wrong with it
        Path out = tmp.resolve("run");
        assertEquals(0, train(quick("--epochs", "1", "--out", out.toString())).code());
        Files.delete(out.resolve("last").resolve(Checkpoint.TRAINING_FILE));
        IOException lost = assertThrows(
                IOException.class,
                () -> evaluate("--checkpoint", out.resolve("last").toString()));
        assertTrue(
                Errors.describe(lost).contains(Checkpoint.TRAINING_FILE)
                        && Errors.describe(lost).contains("not found"),
                Errors.describe(lost));
    }
}
