package dev.nabla.train;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The folder of one training run, held for the run's duration: a new run never lands in the
 * folder of an earlier one, and two runs never write into the same folder.
 *
 * <ul>
 *   <li>{@link #create} takes a fresh folder: when the one asked for already holds something,
 *       {@link Existing#NUMBER} picks the next free {@code name-2}, {@code name-3}, ...,
 *       {@link Existing#REFUSE} throws, and {@link Existing#OVERWRITE} clears the earlier run's
 *       files (only a run's: a folder holding anything else is refused);</li>
 *   <li>{@link #open} takes an existing run's folder, to resume it;</li>
 *   <li>both hold an exclusive lock on {@value #LOCK_FILE} in the folder until {@link #close}:
 *       the operating system's file lock, so a second process (or a second run in this one) is
 *       refused while the first lives, and a killed run leaves no stale lock behind; the
 *       temporary files of writes a killed run left unfinished are deleted.</li>
 * </ul>
 *
 * <pre>{@code
 * try (RunDirectory run = RunDirectory.create(Path.of("runs/digits"), RunDirectory.Existing.NUMBER)) {
 *     run.path();                                   // runs/digits, or runs/digits-2 if that was taken
 *     var ckpt = new ModelCheckpoint(run.path(), Monitor.VAL_LOSS);
 *     ...
 * }
 * }</pre>
 */
public final class RunDirectory implements AutoCloseable {
    /** The lock file inside a run's folder. */
    public static final String LOCK_FILE = ".lock";

    /** What {@link #create} does when the folder asked for already holds something. */
    public enum Existing {
        /** Use the first free {@code name-2}, {@code name-3}, ... beside it. */
        NUMBER,
        /** Throw {@link FileAlreadyExistsException}. */
        REFUSE,
        /** Delete the earlier run's files and folders first (refused if it holds anything else). */
        OVERWRITE
    }

    /** What a run writes at the top of its folder: anything else there is not a run's, and not deleted. */
    private static final Set<String> RUN_FOLDERS = Set.of(
            ModelCheckpoint.LAST,
            ModelCheckpoint.BEST,
            "." + ModelCheckpoint.LAST + ".new",
            "." + ModelCheckpoint.LAST + ".old",
            "." + ModelCheckpoint.BEST + ".new",
            "." + ModelCheckpoint.BEST + ".old");

    private final Path path;
    private final FileChannel channel;
    private final FileLock lock;

    private RunDirectory(Path path, FileChannel channel, FileLock lock) {
        this.path = path;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * A folder for a new run at {@code path}, or beside it (see {@link Existing}), created and
     * locked.
     *
     * @throws FileAlreadyExistsException when {@code path} holds something and {@code existing}
     *     is {@link Existing#REFUSE}, or holds more than a run's files for {@link Existing#OVERWRITE}
     * @throws IOException when the folder cannot be created (saying why: a file is in the way,
     *     no permission) or another run holds it
     */
    public static RunDirectory create(Path path, Existing existing) throws IOException {
        checkCreatable(path);
        Path chosen = path;
        if (!isEmptyOrAbsent(path)) {
            switch (existing) {
                case NUMBER -> {
                    int n = 2;
                    while (!isEmptyOrAbsent(chosen = path.resolveSibling(path.getFileName() + "-" + n))) {
                        n++;
                    }
                }
                case REFUSE ->
                    throw new FileAlreadyExistsException(
                            path.toString(), null, "holds an earlier run (" + describe(path) + ")");
                case OVERWRITE -> checkOnlyRunFiles(path);
            }
        }
        try {
            Files.createDirectories(chosen);
        } catch (FileAlreadyExistsException e) {
            throw new FileSystemException(chosen.toString(), null, "cannot be created: " + e.getFile() + " is a file");
        } catch (IOException e) {
            // e.g. /proc/x: the JDK's message is the bare path
            throw new FileSystemException(
                    chosen.toString(),
                    null,
                    "not writable: the folder cannot be created there ("
                            + e.getClass().getSimpleName() + ")");
        }
        RunDirectory run = lock(chosen);
        if (existing == Existing.OVERWRITE && chosen.equals(path)) {
            try {
                run.clear();
            } catch (IOException | RuntimeException e) {
                run.close();
                throw e;
            }
        }
        return run;
    }

    /** The existing run folder {@code path}, locked, to resume the run in it. */
    public static RunDirectory open(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "not found");
        }
        if (!Files.isDirectory(path)) {
            throw new FileSystemException(path.toString(), null, "is a file, not a run's folder");
        }
        return lock(path);
    }

    public Path path() {
        return path;
    }

    /** {@code name} inside the run's folder. */
    public Path resolve(String name) {
        return path.resolve(name);
    }

    /** Releases the lock and removes the lock file. */
    @Override
    public void close() throws IOException {
        if (channel.isOpen()) {
            try {
                Files.deleteIfExists(path.resolve(LOCK_FILE)); // while still held: no one else can be writing it
            } finally {
                lock.release();
                channel.close();
            }
        }
    }

    @Override
    public String toString() {
        return "RunDirectory(" + path + ")";
    }

    private static RunDirectory lock(Path dir) throws IOException {
        Path file = dir.resolve(LOCK_FILE);
        FileChannel ch =
                FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // this process holds it: another run in the same JVM
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        if (lock == null) {
            String holder;
            try {
                holder = Files.readString(file, StandardCharsets.UTF_8).trim();
            } catch (IOException e) {
                holder = "";
            }
            ch.close();
            throw new FileSystemException(
                    dir.toString(),
                    null,
                    "is in use by another run" + (holder.isEmpty() ? "" : " (" + holder + ")")
                            + "; wait for it to end, or choose another folder");
        }
        String holder = "pid " + ProcessHandle.current().pid() + " on "
                + ManagementFactory.getRuntimeMXBean().getName().replaceFirst("^\\d+@", "") + ", since "
                + Instant.now();
        ch.truncate(0);
        ch.write(ByteBuffer.wrap((holder + "\n").getBytes(StandardCharsets.UTF_8)), 0);
        ch.force(true);
        removeLeftovers(dir);
        return new RunDirectory(dir, ch, lock);
    }

    /**
     * Deletes the temporary files an atomic write leaves when its process is killed mid-write
     * ({@code .metrics.json.<random>.tmp}); with the lock held, no one else is writing them.
     */
    private static void removeLeftovers(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (n.startsWith(".") && n.endsWith(".tmp") && Files.isRegularFile(p)) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** A clear reason up front, not the JDK's bare path, when the folder cannot be made. */
    private static void checkCreatable(Path path) throws IOException {
        if (Files.exists(path) && !Files.isDirectory(path)) {
            throw new FileSystemException(path.toString(), null, "is a file, not a folder");
        }
        Path p = path.toAbsolutePath().normalize();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        if (p == null) {
            return;
        }
        if (!Files.isDirectory(p)) {
            throw new FileSystemException(path.toString(), null, "cannot be created: " + p + " is a file");
        }
        if (!Files.isWritable(p)) {
            throw new AccessDeniedException(path.toString(), null, "not writable (" + p + " is read-only)");
        }
    }

    private static boolean isEmptyOrAbsent(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return true;
        }
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    private static String describe(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            List<String> names = s.map(p -> p.getFileName() + (Files.isDirectory(p) ? "/" : ""))
                    .sorted()
                    .toList();
            return String.join(", ", names.subList(0, Math.min(5, names.size())))
                    + (names.size() > 5 ? ", ... " + (names.size() - 5) + " more" : "");
        }
    }

    private static void checkOnlyRunFiles(Path dir) throws IOException {
        List<String> foreign = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (Files.isDirectory(p) && !RUN_FOLDERS.contains(n)) {
                    foreign.add(n + "/");
                }
            }
        }
        if (!foreign.isEmpty()) {
            throw new FileAlreadyExistsException(
                    dir.toString(),
                    null,
                    "holds folders a run does not write (" + String.join(", ", foreign)
                            + "), so it is not overwritten; choose another folder");
        }
    }

    /** Deletes the earlier run's files (everything at the top but the lock) and checkpoint folders. */
    private void clear() throws IOException {
        try (Stream<Path> s = Files.list(path)) {
            for (Path p : s.toList()) {
                if (p.getFileName().toString().equals(LOCK_FILE)) {
                    continue;
                }
                if (Files.isDirectory(p)) {
                    try (Stream<Path> tree = Files.walk(p)) {
                        for (Path q : tree.sorted(Comparator.reverseOrder()).toList()) {
                            Files.delete(q);
                        }
                    }
                } else {
                    Files.delete(p);
                }
            }
        }
    }
}
