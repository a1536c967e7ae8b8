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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ./nabla prune and ./nabla distill end to end on a slice of the embedded digits. */
class PruneDistillCommandTest {
    @TempDir
    static Path tmp;

    interface Command {
        int run(String[] args, PrintStream out) throws IOException;
    }

    static String run(Command c, String... args) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code = c.run(args, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String log = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, log);
        return log;
    }

    @BeforeAll
    static void trainTheDenseModels() throws IOException {
        for (String model : new String[] {"lenet5", "cnn"}) {
            run(
                    TrainCommand::train,
                    "--model",
                    model,
                    "--epochs",
                    "1",
                    "--train-limit",
                    "512",
                    "--test-limit",
                    "100",
                    "--batch-size",
                    "64",
                    "--out",
                    tmp.resolve(model).toString());
        }
    }

    @Test
    void unstructuredPruningReportsAndEvaluates() throws IOException {
        Path out = tmp.resolve("p90");
        String log = run(
                PruneCommand::run,
                "--checkpoint",
                tmp.resolve("lenet5").toString(),
                "--out",
                out.toString(),
                "--sparsity",
                "0.9",
                "--global",
                "--fine-tune-epochs",
                "1");
        assertTrue(log.contains("sparsity of the pruned weights: 0.9000"), log);
        assertTrue(log.contains("compact file (bytes)"), log);
        String metrics = Files.readString(out.resolve("prune-metrics.json"));
        assertTrue(metrics.contains("\"kind\":\"global\"") || metrics.contains("\"kind\": \"global\""), metrics);
        assertTrue(Files.size(out.resolve("model.sparse.safetensors"))
                < 0.3 * Files.size(out.resolve("checkpoint/model.safetensors")));
        String eval = run(
                TrainCommand::evaluate,
                "--checkpoint",
                out.resolve("checkpoint").toString());
        assertTrue(eval.contains("test accuracy"), eval);
    }

    @Test
    void structuredPruningShrinksAndTheCheckpointEvaluates() throws IOException {
        Path out = tmp.resolve("half");
        String log = run(
                PruneCommand::run,
                "--checkpoint",
                tmp.resolve("cnn").toString(),
                "--out",
                out.toString(),
                "--sparsity",
                "0.5",
                "--structured");
        assertTrue(log.contains("output widths now {0=16, 2=16, 5=32, 7=32, 11=128}"), log);
        String eval = run(
                TrainCommand::evaluate,
                "--checkpoint",
                out.resolve("checkpoint").toString());
        assertTrue(eval.contains("test accuracy"), eval);
    }

    @Test
    void distillationTrainsAStudent() throws IOException {
        Path out = tmp.resolve("kd");
        String log = run(
                DistillCommand::run,
                "--teacher",
                tmp.resolve("cnn").toString(),
                "--model",
                "lenet5",
                "--out",
                out.toString(),
                "--epochs",
                "1",
                "--train-limit",
                "256",
                "--test-limit",
                "100",
                "--temperature",
                "3",
                "--alpha",
                "0.5");
        assertTrue(log.contains("-> student lenet5"), log);
        assertTrue(Files.readString(out.resolve("metrics.json")).contains("temperature"));
    }

    @Test
    void badFlagsAreRejectedClearly() {
        String ckpt = tmp.resolve("lenet5").toString();
        assertTrue(assertThrows(
                        Args.UsageException.class,
                        () -> PruneCommand.run(
                                new String[] {
                                    "--checkpoint",
                                    ckpt,
                                    "--out",
                                    tmp.resolve("x").toString(),
                                    "--sparsity",
                                    "1.5"
                                },
                                System.out))
                .getMessage()
                .contains("[0, 1)"));
        assertTrue(assertThrows(
                        Args.UsageException.class,
                        () -> DistillCommand.run(
                                new String[] {
                                    "--teacher",
                                    ckpt,
                                    "--model",
                                    "lenet5",
                                    "--out",
                                    tmp.resolve("z").toString(),
                                    "--alpha",
                                    "2"
                                },
                                System.out))
                .getMessage()
                .contains("--alpha"));
    }
}
