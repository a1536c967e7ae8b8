package dev.nabla.samples.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.nn.data.ChannelStats;
import dev.nabla.nn.data.Preprocessing;
import dev.nabla.samples.cli.Args;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
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
    void theStudentSeesTheTeachersNormalisation() throws IOException {
        DataSource digits = DataSource.load(Recipe.fromArgs(
                Args.parse(new String[] {"--train-limit", "64", "--test-limit", "10", "--val-split", "0"}, Set.of()),
                null));
        ChannelStats teachers = ChannelStats.of(0.25f, 0.5f);
        Preprocessing teacher = new Preprocessing(1, 28, 28, teachers, digits.classNames());
        DataSource data = DistillCommand.withTeacherInput(digits, teacher, "t");
        assertArrayEquals(teachers.mean(), data.preprocessing().normalization().mean());
        assertArrayEquals(teachers.std(), data.preprocessing().normalization().std());
        // pixel 300 of the first test image as the loader gives it: normalised the teacher's way
        float raw = (digits.test().pixels(0)[300] & 0xFF) / 255f;
        float[] seen;
        try (var it = data.loader(data.test()).epoch(0).iterator()) {
            seen = it.next().inputs().data().contiguous().toArray();
        }
        assertEquals((raw - 0.25f) / 0.5f, seen[300], 1e-6f);

        Preprocessing colour = new Preprocessing(
                3, 32, 32, new ChannelStats(new float[] {0, 0, 0}, new float[] {1, 1, 1}), List.of("a", "b"));
        String message = assertThrows(
                        IllegalArgumentException.class, () -> DistillCommand.withTeacherInput(digits, colour, "runs/t"))
                .getMessage();
        assertTrue(message.contains("runs/t takes [3, 32, 32] images") && message.contains("[1, 28, 28]"), message);
    }

    @Test
    void aDivergingDistillationStopsWithTheStep() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code = DistillCommand.run(
                new String[] {
                    "--teacher", tmp.resolve("cnn").toString(),
                    "--model", "lenet5",
                    "--out", tmp.resolve("kd-diverged").toString(),
                    "--epochs", "1",
                    "--train-limit", "256",
                    "--test-limit", "100",
                    "--optimizer", "sgd",
                    "--lr", "1e6"
                },
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String log = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(3, code, log);
        assertTrue(log.contains("stopped:") && log.contains("step"), log);
        assertFalse(Files.exists(tmp.resolve("kd-diverged/checkpoint")), log);
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
        String missing = tmp.resolve("no-such-teacher").toString();
        String message = assertThrows(
                        java.nio.file.NoSuchFileException.class,
                        () -> DistillCommand.run(
                                new String[] {
                                    "--teacher",
                                    missing,
                                    "--model",
                                    "lenet5",
                                    "--out",
                                    tmp.resolve("w").toString()
                                },
                                System.out))
                .getMessage();
        assertTrue(message.contains(missing) && message.contains("--teacher: not found"), message);
    }
}
