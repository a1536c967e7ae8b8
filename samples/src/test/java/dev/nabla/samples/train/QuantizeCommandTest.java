package dev.nabla.samples.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.export.Checkpoint;
import dev.nabla.export.SafeTensors;
import dev.nabla.nn.models.LeNet5;
import dev.nabla.samples.cli.Args;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./nabla quantize} and {@code ./nabla evaluate} of its output, end to end on LeNet-5 trained
 * for two epochs on a slice of the embedded digits.
 */
class QuantizeCommandTest {
    @TempDir
    static Path tmp;

    private static Path checkpoint;

    @BeforeAll
    static void trainFloatModel() throws IOException {
        Path run = tmp.resolve("run");
        String log = run(
                "train",
                "--train-limit",
                "640",
                "--test-limit",
                "200",
                "--batch-size",
                "32",
                "--threads",
                "2",
                "--epochs",
                "2",
                "--out",
                run.toString());
        checkpoint = run; // a run's folder: quantize and evaluate read its best/ checkpoint
        assertTrue(Files.isDirectory(run.resolve("best")), log);
    }

    private static String run(String command, String... args) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        int code = switch (command) {
            case "train" -> TrainCommand.train(args, out);
            case "evaluate" -> TrainCommand.evaluate(args, out);
            default -> QuantizeCommand.run(args, out);
        };
        String log = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, log);
        return log;
    }

    private static double number(String log, String regex) {
        Matcher m = Pattern.compile(regex).matcher(log);
        assertTrue(m.find(), regex + " in\n" + log);
        return Double.parseDouble(m.group(1).replace(",", ""));
    }

    @Test
    void staticReportsSideBySideAndEvaluateReadsTheInt8Checkpoint() throws IOException {
        Path out = tmp.resolve("int8");
        String log = run(
                "quantize",
                "--checkpoint",
                checkpoint.toString(),
                "--out",
                out.toString(),
                "--calibration-batches",
                "4",
                "--observer",
                "minmax",
                "--threads",
                "2");
        double fp32 = number(log, "test accuracy +([0-9.]+)%");
        double int8 = number(log, "test accuracy +[0-9.]+% +([0-9.]+)%");
        assertTrue(fp32 > 60, log);
        assertTrue(Math.abs(fp32 - int8) <= 3, "int8 within 3 points of float32 on 200 digits:\n" + log);
        // LeNet-5's 61,706 parameters: int8 values plus float biases, scales and a longer header.
        double ratio = number(log, "size on disk .* ([0-9.]+)x smaller");
        assertTrue(ratio > 3.6 && ratio < 4.0, log);
        assertTrue(log.contains("batch-64 images/s") && log.contains("batch-1 latency"), log);
        assertEquals(10, Pattern.compile("(?m)^  [0-9] ").matcher(log).results().count(), log);
        String metrics = Files.readString(out.resolve(QuantizeCommand.METRICS_FILE));
        assertTrue(
                metrics.contains("\"method\": \"static\"")
                        && metrics.contains("\"size_ratio\"")
                        && metrics.contains("\"batch1_latency_ms\""),
                metrics);

        // The saved int8 model gives exactly the accuracy it had before saving.
        String eval = run("evaluate", "--checkpoint", out.toString());
        assertTrue(eval.contains("int8 static"), eval);
        assertEquals(int8, number(eval, "test accuracy ([0-9.]+)%"), eval);
    }

    @Test
    void dynamicAndQuantizationAwareTraining() throws IOException {
        Path dyn = tmp.resolve("dynamic");
        String log = run(
                "quantize",
                "--checkpoint",
                checkpoint.toString(),
                "--out",
                dyn.toString(),
                "--method",
                "dynamic",
                "--no-timing");
        assertTrue(log.contains("method dynamic"), log);
        assertTrue(number(run("evaluate", "--checkpoint", dyn.toString()), "test accuracy ([0-9.]+)%") > 60, log);

        Path qat = tmp.resolve("qat");
        log = run(
                "quantize",
                "--checkpoint",
                checkpoint.toString(),
                "--out",
                qat.toString(),
                "--method",
                "qat",
                "--qat-epochs",
                "1",
                "--no-timing");
        assertTrue(log.contains("qat epoch 1/1"), log);
        double int8 = number(log, "test accuracy +[0-9.]+% +([0-9.]+)%");
        assertTrue(int8 > 60, log);
        String eval = run("evaluate", "--checkpoint", qat.toString());
        assertTrue(eval.contains("int8 qat"), eval);
        assertEquals(int8, number(eval, "test accuracy ([0-9.]+)%"), eval);
    }

    @Test
    void badInputsFailClearlyAndWriteNothing() throws IOException {
        Path out = tmp.resolve("never");
        assertThrows(
                Args.UsageException.class,
                () -> run(
                        "quantize",
                        "--checkpoint",
                        checkpoint.toString(),
                        "--out",
                        out.toString(),
                        "--calibration-batches",
                        "0"));
        assertThrows(
                Args.UsageException.class,
                () -> run(
                        "quantize",
                        "--checkpoint",
                        checkpoint.toString(),
                        "--out",
                        checkpoint.resolve("best").toString()));
        assertFalse(Files.exists(out));

        Path int8 = tmp.resolve("bad-int8");
        run("quantize", "--checkpoint", checkpoint.toString(), "--out", int8.toString(), "--calibration-batches", "2");
        // An int8 checkpoint into a float model, and a float one into the int8 structure.
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> Checkpoint.loadModel(int8, new LeNet5(1, 28, 10, new Generator(0))));
        assertTrue(
                e.getMessage().contains("holds an int8 model") && e.getMessage().contains("rebuild"), e.getMessage());
        var again = assertThrows(
                IllegalArgumentException.class,
                () -> run(
                        "quantize",
                        "--checkpoint",
                        int8.toString(),
                        "--out",
                        tmp.resolve("twice").toString()));
        assertTrue(again.getMessage().contains("already holds an int8 model"), again.getMessage());

        // A file whose output scale went missing names the key.
        Path broken = tmp.resolve("missing-scale");
        Files.createDirectories(broken);
        SafeTensors.Contents c = SafeTensors.read(int8.resolve(Checkpoint.MODEL_FILE));
        Map<String, Tensor> tensors = new LinkedHashMap<>(c.tensors());
        assertTrue(tensors.remove("module.f1.scale") != null, tensors.keySet().toString());
        Map<String, String> meta = new LinkedHashMap<>(c.metadata());
        meta.remove(SafeTensors.CRC_KEY);
        SafeTensors.write(broken.resolve(Checkpoint.MODEL_FILE), tensors, meta);
        var missing =
                assertThrows(IllegalArgumentException.class, () -> run("evaluate", "--checkpoint", broken.toString()));
        assertTrue(missing.getMessage().contains("module.f1.scale"), missing.getMessage());
    }
}
