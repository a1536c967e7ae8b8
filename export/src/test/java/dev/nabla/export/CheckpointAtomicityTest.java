package dev.nabla.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.autograd.Variable;
import dev.nabla.nn.Linear;
import dev.nabla.optim.Adam;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint folder goes from one complete state to the next as a unit: a save that fails half
 * way (a full disk, an error writing the second file, a kill between the renames) leaves the
 * previous checkpoint whole and loadable, and nothing half-written behind.
 */
class CheckpointAtomicityTest {
    @TempDir
    Path tmp;

    /** A 256x256 linear layer with Adam's two moments: a checkpoint of about 790 KB. */
    private static final class Run {
        final Linear model = new Linear(256, 256, new Generator(1));
        final Adam opt = new Adam(model.parameters(), 1e-3);

        TrainingState step(long n, Map<String, String> extra) {
            opt.zeroGrad();
            model.call(Variable.of(Tensor.randn(new Generator(n), 4, 256)))
                    .square()
                    .mean()
                    .backward();
            opt.step();
            return TrainingState.capture(model, opt, null, Map.of(), n, n, extra);
        }
    }

    private static float[] weight(TrainingState s) {
        return s.model().get("weight").toArray();
    }

    private static List<String> entries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aSaveThatFailsAtTheSecondFileKeepsThePreviousCheckpoint() throws IOException {
        Path ck = tmp.resolve("last");
        Run r = new Run();
        TrainingState first = r.step(1, Map.of());
        float[] saved = weight(first); // capture holds the live tensors, which the next step changes
        Checkpoint.save(ck, first);
        Map<String, String> bad = new HashMap<>();
        bad.put("note", null); // the training file's metadata cannot hold it: its write fails
        TrainingState second = r.step(2, bad);
        assertThrows(IllegalArgumentException.class, () -> Checkpoint.save(ck, second));
        TrainingState loaded = Checkpoint.load(ck);
        assertEquals(1, loaded.step());
        assertArrayEquals(saved, weight(loaded));
        assertEquals(List.of("last"), entries(tmp), "nothing left beside the checkpoint");
        assertEquals(List.of(Checkpoint.MODEL_FILE, Checkpoint.TRAINING_FILE), entries(ck));
    }

    @Test
    void aKillBetweenTheTwoRenamesLosesNothing() throws IOException {
        Path ck = tmp.resolve("last");
        Run r = new Run();
        TrainingState first = r.step(1, Map.of());
        Checkpoint.save(ck, first);
        // what a kill leaves after the first rename: the previous folder set aside, the new one complete
        Files.move(ck, tmp.resolve(".last.old"));
        Files.createDirectory(tmp.resolve(".last.new"));
        Files.writeString(tmp.resolve(".last.new").resolve(Checkpoint.MODEL_FILE), "half");
        assertEquals(1, Checkpoint.load(ck).step(), "readers find the previous checkpoint");
        assertEquals(
                first.model().get("weight").toArray()[0],
                Checkpoint.loadModel(ck, new Linear(256, 256)).weight.data().toArray()[0]);
        TrainingState second = r.step(2, Map.of());
        Checkpoint.save(ck, second);
        assertEquals(2, Checkpoint.load(ck).step());
        assertEquals(List.of("last"), entries(tmp), "the next save cleans up");
    }

    @Test
    void aFullDiskKeepsThePreviousCheckpoint() throws Exception {
        Path mount = Files.createDirectory(tmp.resolve("tmpfs"));
        // 1100 KiB: one checkpoint of about 790 KB fits, two do not (the reproduction)
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1100k", "tmpfs", mount.toString())
                .redirectErrorStream(true)
                .start();
        boolean mounted = p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        Assumptions.assumeTrue(
                mounted,
                "skipped: cannot mount a small tmpfs here (needs root): "
                        + new String(p.getInputStream().readAllBytes()).trim());
        try {
            Path ck = mount.resolve("last");
            Run r = new Run();
            TrainingState first = r.step(1, Map.of());
            float[] saved = weight(first); // capture holds the live tensors, which the next step changes
            Checkpoint.save(ck, first);
            IOException full = assertThrows(IOException.class, () -> Checkpoint.save(ck, r.step(2, Map.of())));
            assertTrue(
                    full.getMessage().startsWith(ck.toAbsolutePath() + ": could not be written (No space left"),
                    full.toString());
            TrainingState loaded = Checkpoint.load(ck);
            assertEquals(1, loaded.step());
            assertArrayEquals(saved, weight(loaded));
            assertEquals(List.of("last"), entries(mount), "the failed save's files are gone");
            assertEquals(List.of(Checkpoint.MODEL_FILE, Checkpoint.TRAINING_FILE), entries(ck));
        } finally {
            new ProcessBuilder("umount", mount.toString()).start().waitFor(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void aFolderHoldingOtherFilesIsNotReplaced() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("mine"));
        Files.writeString(dir.resolve("notes.txt"), "keep me");
        FileSystemException e =
                assertThrows(FileSystemException.class, () -> Checkpoint.save(dir, new Run().step(1, Map.of())));
        assertTrue(
                e.getMessage().contains("notes.txt") && e.getMessage().contains("folder of its own"), e.getMessage());
        assertEquals("keep me", Files.readString(dir.resolve("notes.txt")));
    }

    @Test
    void aCopySharesTheFilesAndIsReplacedAsAUnit() throws IOException {
        Path last = tmp.resolve("last");
        Path best = tmp.resolve("best");
        Run r = new Run();
        Checkpoint.save(last, r.step(1, Map.of()));
        Checkpoint.copy(last, best);
        assertEquals(1, Checkpoint.load(best).step());
        assertTrue(
                Files.isSameFile(last.resolve(Checkpoint.MODEL_FILE), best.resolve(Checkpoint.MODEL_FILE)),
                "hard links on this file system");
        // the next save of last writes new files: best keeps the first state
        Checkpoint.save(last, r.step(2, Map.of()));
        assertEquals(1, Checkpoint.load(best).step());
        assertEquals(2, Checkpoint.load(last).step());
        assertFalse(Files.isSameFile(last.resolve(Checkpoint.MODEL_FILE), best.resolve(Checkpoint.MODEL_FILE)));
    }

    @Test
    void missingCheckpointsAreReportedAsNotFound() {
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> Checkpoint.load(tmp.resolve("nowhere")));
        assertTrue(e.getMessage().contains("nowhere") && e.getMessage().contains("not found"), e.getMessage());
        NoSuchFileException c = assertThrows(
                NoSuchFileException.class, () -> Checkpoint.copy(tmp.resolve("nowhere"), tmp.resolve("b")));
        assertTrue(c.getMessage().contains("not found"), c.getMessage());
    }
}
