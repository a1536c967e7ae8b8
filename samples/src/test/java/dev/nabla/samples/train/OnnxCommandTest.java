package dev.nabla.samples.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.samples.cli.Args;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./nabla export} and {@code ./nabla evaluate --onnx}: the exported file scores what the checkpoint scored. */
class OnnxCommandTest {
    @TempDir
    Path tmp;

    private interface Command {
        int run(String[] args, PrintStream out) throws IOException;
    }

    private static String run(Command c, String... args) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code = c.run(args, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String log = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, log);
        return log;
    }

    /** A LeNet-5 trained for a few epochs on 640 of the embedded digits, tested on 200. */
    private static void trainTiny(Path out, int epochs) throws IOException {
        run(
                TrainCommand::train,
                "--train-limit",
                "640",
                "--test-limit",
                "200",
                "--batch-size",
                "32",
                "--threads",
                "2",
                "--epochs",
                Integer.toString(epochs),
                "--out",
                out.toString());
    }

    private static String accuracy(String log) {
        Matcher m = Pattern.compile("test accuracy [0-9.]+% \\([0-9,]+ / [0-9,]+\\), test loss [0-9.]+")
                .matcher(log);
        assertTrue(m.find(), log);
        return m.group();
    }

    @Test
    void anExportedCheckpointEvaluatesLikeTheCheckpoint() throws IOException {
        Path out = tmp.resolve("run");
        trainTiny(out, 1);
        Path onnx = tmp.resolve("lenet5.onnx");
        String exported = run(TrainCommand::export, "--checkpoint", out.toString(), "--out", onnx.toString());
        assertTrue(Files.size(onnx) > 100_000 && exported.contains("opset 17"), exported);
        String fromCheckpoint = run(TrainCommand::evaluate, "--checkpoint", out.toString(), "--threads", "2");
        String fromOnnx =
                run(TrainCommand::evaluate, "--onnx", onnx.toString(), "--test-limit", "200", "--threads", "2");
        assertEquals(accuracy(fromCheckpoint), accuracy(fromOnnx), fromOnnx);
    }

    private static double percent(String log) {
        Matcher m = Pattern.compile("test accuracy ([0-9.]+)%").matcher(log);
        assertTrue(m.find(), log);
        return Double.parseDouble(m.group(1));
    }

    /**
     * An int8 checkpoint of ./nabla quantize exports as QDQ and, imported back, scores the int8
     * checkpoint's accuracy: the imported file computes the int8 model's outputs in float, each
     * within one int8 step of the output, so at most a near-tie between two classes may flip; the
     * test allows one of the 200 digits (0.5 points).
     */
    @Test
    void anInt8CheckpointExportsAsQdqAndScoresItsAccuracy() throws IOException {
        Path run = tmp.resolve("run");
        trainTiny(run, 2);
        Path int8 = tmp.resolve("int8");
        run(
                QuantizeCommand::run,
                "--checkpoint",
                run.toString(),
                "--out",
                int8.toString(),
                "--calibration-batches",
                "4",
                "--no-timing",
                "--threads",
                "2");
        Path onnx = tmp.resolve("lenet5-int8.onnx");
        String exported = run(TrainCommand::export, "--checkpoint", int8.toString(), "--out", onnx.toString());
        // int8 weights: about a quarter of the float file's 248 KB
        assertTrue(Files.size(onnx) < 100_000, exported);
        double checkpoint = percent(run(TrainCommand::evaluate, "--checkpoint", int8.toString(), "--threads", "2"));
        double file = percent(
                run(TrainCommand::evaluate, "--onnx", onnx.toString(), "--test-limit", "200", "--threads", "2"));
        System.out.printf("int8 checkpoint %.1f%%, its ONNX file %.1f%%: %s", checkpoint, file, exported);
        assertTrue(
                Math.abs(checkpoint - file) <= 0.5, "int8 checkpoint " + checkpoint + "%, its ONNX file " + file + "%");
        assertTrue(checkpoint > 50, "the int8 model learned: " + checkpoint + "% (its ONNX file " + file + "%)");
    }

    @Test
    void missingArgumentsAreNamed() {
        var e = assertThrows(
                Args.UsageException.class, () -> TrainCommand.export(new String[] {"--out", "x.onnx"}, System.out));
        assertTrue(e.getMessage().contains("--checkpoint"), e.getMessage());
        var both = assertThrows(
                Args.UsageException.class,
                () -> TrainCommand.evaluate(new String[] {"--onnx", "a.onnx", "--checkpoint", "d"}, System.out));
        assertTrue(both.getMessage().contains("not both"), both.getMessage());
    }
}
