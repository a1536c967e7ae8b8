package dev.nabla.samples.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.export.Checkpoint;
import dev.nabla.samples.cli.Args;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line end to end, on a slice of the embedded digits so each run takes seconds. */
class TrainCommandTest {
    private static final String[] QUICK = {
        "--train-limit", "640", "--test-limit", "200", "--batch-size", "32", "--threads", "2"
    };

    @TempDir
    Path tmp;

    private record Run(int code, String log) {}

    private static Run train(String... args) throws IOException {
        return run(true, args);
    }

    private static Run run(boolean train, String... args) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        int code = train ? TrainCommand.train(args, out) : TrainCommand.evaluate(args, out);
        return new Run(code, bytes.toString(StandardCharsets.UTF_8));
    }

    private static String[] quick(String... more) {
        List<String> a = new ArrayList<>(List.of(QUICK));
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    private static double accuracy(String log) {
        Matcher m = Pattern.compile("test accuracy ([0-9.]+)%").matcher(log);
        assertTrue(m.find(), log);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void trainsReportsAndWritesCheckpointAndMetrics() throws IOException {
        Path out = tmp.resolve("run");
        Run r = train(quick("--epochs", "3", "--out", out.toString()));
        assertEquals(0, r.code(), r.log());
        assertTrue(
                r.log().contains("epoch 3/3")
                        && r.log().contains("confusion matrix")
                        && r.log().contains("precision")
                        && r.log().contains("recall"),
                r.log());
        // 640 digits, 3 epochs: far above chance (10%), which a broken loop would not reach.
        assertTrue(accuracy(r.log()) > 60, r.log());
        assertTrue(Files.isRegularFile(out.resolve("checkpoint").resolve(Checkpoint.MODEL_FILE)));
        String metrics = Files.readString(out.resolve("metrics.json"));
        assertTrue(
                metrics.contains("\"confusion_matrix\"")
                        && metrics.contains("\"per_class\"")
                        && metrics.contains("\"dataset\": \"mnist-10k\"")
                        && metrics.contains("\"test_accuracy\""),
                metrics);
        // the pictures beside metrics.json: two panels of curves, and the confusion matrix
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
    void resumedRunEqualsAnUninterruptedOneBitForBit() throws IOException {
        Path whole = tmp.resolve("whole");
        Path parts = tmp.resolve("parts");
        assertEquals(0, train(quick("--epochs", "3", "--out", whole.toString())).code());
        // The same 3-epoch recipe (its cosine schedule spans all three), stopped after epoch 2.
        Run paused = train(quick("--epochs", "3", "--pause-after", "2", "--out", parts.toString()));
        assertEquals(0, paused.code(), paused.log());
        assertTrue(paused.log().contains("paused after epoch 2 of 3"), paused.log());
        Run resumed = train("--resume", parts.resolve("checkpoint").toString());
        assertEquals(0, resumed.code(), resumed.log());
        assertTrue(resumed.log().contains("resuming after epoch 2"), resumed.log());
        assertArrayEquals(
                Files.readAllBytes(whole.resolve("checkpoint").resolve(Checkpoint.MODEL_FILE)),
                Files.readAllBytes(parts.resolve("checkpoint").resolve(Checkpoint.MODEL_FILE)),
                "resumed weights differ from the uninterrupted run");
    }

    @Test
    void nonFiniteLossStopsWithTheStepAndKeepsTheLastGoodCheckpoint() throws IOException {
        Path out = tmp.resolve("run");
        assertEquals(0, train(quick("--epochs", "1", "--out", out.toString())).code());
        Path model = out.resolve("checkpoint").resolve(Checkpoint.MODEL_FILE);
        byte[] good = Files.readAllBytes(model);
        // A learning rate this large overflows the weights within a few steps.
        Run r = train(quick("--epochs", "2", "--optimizer", "sgd", "--lr", "1e30", "--out", out.toString()));
        assertEquals(3, r.code(), r.log());
        assertTrue(
                r.log()
                        .matches(
                                "(?s).*the loss became (NaN|Infinity|-Infinity) at step \\d+ \\(epoch 1, batch \\d+\\).*"),
                r.log());
        assertArrayEquals(good, Files.readAllBytes(model), "the last good checkpoint was overwritten");
        assertFalse(Files.exists(out.resolve("metrics.json.tmp")));
    }

    @Test
    void evaluateReproducesTheReportedAccuracy() throws IOException {
        Path out = tmp.resolve("run");
        Run trained = train(quick("--epochs", "2", "--out", out.toString()));
        // Evaluated on the same 200 test images the run was limited to.
        Run eval = run(false, "--checkpoint", out.resolve("checkpoint").toString(), "--threads", "2");
        assertEquals(0, eval.code(), eval.log());
        assertEquals(accuracy(trained.log()), accuracy(eval.log()), 1e-9, eval.log());
    }

    @Test
    void badFlagsAreRejectedClearly() {
        var unknown = assertThrows(Args.UsageException.class, () -> train("--epoch", "3"));
        assertTrue(unknown.getMessage().contains("--epoch"), unknown.getMessage());
        var choice = assertThrows(Args.UsageException.class, () -> train("--model", "vgg19"));
        assertTrue(
                choice.getMessage().contains("lenet5") && choice.getMessage().contains("vgg19"), choice.getMessage());
        var missing = assertThrows(
                IOException.class,
                () -> train(
                        "--dataset", "cifar10", "--data", tmp.resolve("nowhere").toString()));
        assertTrue(missing.getMessage().contains("--download"), missing.getMessage());
    }
}
