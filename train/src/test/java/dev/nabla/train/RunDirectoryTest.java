package dev.nabla.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunDirectoryTest {
    @TempDir
    Path tmp;

    @Test
    void aNewRunBesideAnEarlierOneGetsTheNextNumber() throws IOException {
        Path base = tmp.resolve("digits");
        try (RunDirectory a = RunDirectory.create(base, RunDirectory.Existing.NUMBER)) {
            assertEquals(base, a.path());
            Files.writeString(a.resolve("metrics.json"), "{}");
        }
        try (RunDirectory b = RunDirectory.create(base, RunDirectory.Existing.NUMBER)) {
            assertEquals(tmp.resolve("digits-2"), b.path());
        }
        assertEquals("{}", Files.readString(base.resolve("metrics.json")), "the first run is intact");
        assertFalse(Files.exists(base.resolve(RunDirectory.LOCK_FILE)), "the lock goes with the run");
    }

    @Test
    void anEarlierRunIsRefusedOrOverwrittenOnlyWhenAsked() throws IOException {
        Path run = tmp.resolve("run");
        Files.createDirectories(run.resolve("last"));
        Files.writeString(run.resolve("metrics.json"), "{}");
        var refused = assertThrows(
                FileAlreadyExistsException.class, () -> RunDirectory.create(run, RunDirectory.Existing.REFUSE));
        assertTrue(refused.getMessage().contains("holds an earlier run (last/, metrics.json)"), refused.getMessage());
        try (RunDirectory r = RunDirectory.create(run, RunDirectory.Existing.OVERWRITE)) {
            assertEquals(run, r.path());
            assertFalse(Files.exists(run.resolve("last")) || Files.exists(run.resolve("metrics.json")));
        }
        // a folder holding more than a run's files is not cleared
        Path home = Files.createDirectories(tmp.resolve("home"));
        Files.createDirectories(home.resolve("photos"));
        var foreign = assertThrows(
                FileAlreadyExistsException.class, () -> RunDirectory.create(home, RunDirectory.Existing.OVERWRITE));
        assertTrue(foreign.getMessage().contains("photos/"), foreign.getMessage());
        assertTrue(Files.isDirectory(home.resolve("photos")));
    }

    @Test
    void aSecondRunOnTheSameFolderIsRefusedWhileTheFirstHoldsIt() throws IOException {
        Path run = tmp.resolve("run");
        try (RunDirectory first = RunDirectory.create(run, RunDirectory.Existing.REFUSE)) {
            var busy = assertThrows(FileSystemException.class, () -> RunDirectory.open(run));
            assertTrue(
                    busy.getMessage()
                            .contains("is in use by another run (pid "
                                    + ProcessHandle.current().pid()),
                    busy.getMessage());
        }
        // a killed run's unfinished atomic write leaves a temporary file: the next holder removes it
        Files.writeString(run.resolve(".metrics.json.5f3a9c.tmp"), "{\"half");
        try (RunDirectory again = RunDirectory.open(run)) {
            assertEquals(run, again.path());
            assertFalse(Files.exists(run.resolve(".metrics.json.5f3a9c.tmp")));
        }
    }

    @Test
    void pathsThatCannotHoldARunSayWhy() throws IOException {
        Path file = Files.writeString(tmp.resolve("notes.txt"), "x");
        var isFile =
                assertThrows(FileSystemException.class, () -> RunDirectory.create(file, RunDirectory.Existing.NUMBER));
        assertTrue(isFile.getMessage().endsWith("is a file, not a folder"), isFile.getMessage());
        var under = assertThrows(
                FileSystemException.class,
                () -> RunDirectory.create(file.resolve("run"), RunDirectory.Existing.NUMBER));
        assertTrue(under.getMessage().contains(file + " is a file"), under.getMessage());
        var missing = assertThrows(FileSystemException.class, () -> RunDirectory.open(tmp.resolve("none")));
        assertTrue(missing.getMessage().endsWith("not found"), missing.getMessage());
        var proc = assertThrows(
                FileSystemException.class, () -> RunDirectory.create(Path.of("/proc/x"), RunDirectory.Existing.NUMBER));
        assertTrue(proc.getMessage().contains("not writable"), proc.getMessage());
    }
}
