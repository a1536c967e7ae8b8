package dev.nabla.export;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Writes a file so that readers see either the old file or the complete new one, never a part:
 * the content goes to a temporary file in the same directory, is forced to disk, and is renamed
 * over the target; then the directory itself is forced so the rename survives a crash. A failed
 * write removes the temporary file and leaves the target as it was.
 *
 * <p>{@link #replaceDirectory} does the same for a folder of several files that belong together
 * (a checkpoint): they are written into a fresh folder beside it, which takes the folder's place
 * only once complete; the previous folder stays until then, and an interrupted replacement is
 * repaired by the next one (or read through {@link #resolveDirectory}).
 *
 * <pre>{@code
 * AtomicFiles.write(Path.of("runs/notes.txt"), ch -> ch.write(ByteBuffer.wrap("hi".getBytes())));
 * AtomicFiles.replaceDirectory(Path.of("runs/pair"), tmp -> {
 *     Files.writeString(tmp.resolve("a.txt"), "a");
 *     Files.writeString(tmp.resolve("b.txt"), "b");
 * });
 * }</pre>
 */
public final class AtomicFiles {
    private static final RandomGenerator RANDOM = new SecureRandom();

    private AtomicFiles() {}

    /** Writes the content of a file to a channel. */
    @FunctionalInterface
    public interface Content {
        void writeTo(FileChannel channel) throws IOException;
    }

    /** Fills a fresh folder with the files of a folder being replaced. */
    @FunctionalInterface
    public interface DirectoryContent {
        void writeTo(Path folder) throws IOException;
    }

    public static void write(Path target, Content content) throws IOException {
        Objects.requireNonNull(content, "content");
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null) {
            throw new IOException(target + ": has no parent directory to write a temporary file in");
        }
        Files.createDirectories(dir);
        // Not Files.createTempFile: it makes the file owner-only (0600), and the rename would pass
        // that on to the target. A plain CREATE_NEW gets the usual permissions (umask applies).
        Path tmp;
        FileChannel opened;
        while (true) {
            tmp = dir.resolve("." + abs.getFileName() + "." + Long.toHexString(RANDOM.nextLong()) + ".tmp");
            try {
                opened = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                break;
            } catch (FileAlreadyExistsException taken) {
                // another writer picked the same name: draw again
            }
        }
        boolean done = false;
        try {
            try (FileChannel ch = opened) {
                content.writeTo(ch);
                ch.force(true);
            } catch (IOException e) {
                throw named(target, e, "the file was left as it was");
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException(
                        target + ": this file system cannot rename atomically, so the file cannot be "
                                + "replaced safely",
                        e);
            }
            done = true;
            forceDirectory(dir);
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /**
     * Replaces the folder {@code target} (created if absent) by one {@code content} fills, as a
     * unit: readers find either the previous complete folder or the new complete one. The content
     * goes to {@code .<name>.new} beside the target, whose files are then forced to disk; the
     * target is renamed to {@code .<name>.old}, the new folder to the target, and the old one is
     * deleted. Both renames are atomic; if the process dies between them, {@link #resolveDirectory}
     * finds the previous folder and the next replacement puts it back first. A failure while
     * writing (a full disk) deletes the new folder and leaves the target as it was.
     *
     * <p>Everything in the previous folder is replaced, so {@code target} must be a folder of its
     * own. Two replacements of the same folder must not run at the same time.
     */
    public static void replaceDirectory(Path target, DirectoryContent content) throws IOException {
        Objects.requireNonNull(content, "content");
        Path abs = target.toAbsolutePath().normalize();
        Path dir = abs.getParent();
        if (dir == null) {
            throw new IOException(target + ": has no parent directory to write a new folder in");
        }
        Path fresh = sibling(abs, ".new");
        Path old = sibling(abs, ".old");
        Files.createDirectories(dir);
        repair(abs, fresh, old);
        boolean swapped = false;
        try {
            Files.createDirectory(fresh);
            try {
                content.writeTo(fresh);
            } catch (IOException e) {
                throw named(target, e, "the folder was left as it was");
            }
            try (var files = Files.list(fresh)) {
                for (Path f : files.toList()) {
                    if (Files.isRegularFile(f)) {
                        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                            ch.force(true);
                        }
                    }
                }
            }
            forceDirectory(fresh);
            boolean hadTarget = Files.exists(abs);
            try {
                if (hadTarget) {
                    Files.move(abs, old, StandardCopyOption.ATOMIC_MOVE);
                }
                try {
                    Files.move(fresh, abs, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    if (hadTarget) {
                        Files.move(old, abs, StandardCopyOption.ATOMIC_MOVE);
                    }
                    throw e;
                }
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException(
                        target + ": this file system cannot rename folders atomically, so the folder cannot be "
                                + "replaced safely",
                        e);
            }
            swapped = true;
            forceDirectory(dir);
            try {
                deleteTree(old);
            } catch (IOException e) {
                // the new folder is in place; the next replacement removes what is left of the old one
            }
        } finally {
            if (!swapped) {
                deleteTree(fresh);
            }
        }
    }

    /** A write error that names the target when the JDK's does not (a full disk says only "No space left on device"). */
    private static IOException named(Path target, IOException e, String kept) {
        IOException root = e instanceof WriteFailure w ? (IOException) w.getCause() : e;
        if (root instanceof FileSystemException) {
            return root; // names its file already
        }
        return new WriteFailure(target + ": could not be written (" + root.getMessage() + "); " + kept, root);
    }

    private static final class WriteFailure extends IOException {
        WriteFailure(String message, IOException cause) {
            super(message, cause);
        }
    }

    /**
     * Where the folder {@code target} that {@link #replaceDirectory} maintains is to be read: the
     * target itself, or, when a replacement was interrupted between its two renames, the previous
     * folder it left beside the target. Returns {@code target} when neither exists.
     */
    public static Path resolveDirectory(Path target) {
        if (Files.exists(target)) {
            return target;
        }
        Path abs = target.toAbsolutePath().normalize();
        if (abs.getParent() == null) {
            return target;
        }
        Path old = sibling(abs, ".old");
        return Files.isDirectory(old) ? old : target;
    }

    private static Path sibling(Path abs, String suffix) {
        return abs.resolveSibling("." + abs.getFileName() + suffix);
    }

    /** Puts back a folder an interrupted replacement left aside, and removes what it left half done. */
    private static void repair(Path target, Path fresh, Path old) throws IOException {
        if (!Files.exists(target) && Files.isDirectory(old)) {
            Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
        }
        deleteTree(fresh);
        deleteTree(old);
    }

    /** Deletes a folder and everything in it, if it exists. */
    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Makes a rename in {@code dir} durable; some platforms cannot open directories, which is harmless there. */
    private static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Windows cannot open a directory as a channel; NTFS journals the rename itself.
        }
    }
}
