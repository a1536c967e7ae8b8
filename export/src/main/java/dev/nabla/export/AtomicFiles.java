package dev.nabla.export;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Writes a file so that readers see either the old file or the complete new one, never a part:
 * the content goes to a temporary file in the same directory, is forced to disk, and is renamed
 * over the target; then the directory itself is forced so the rename survives a crash. A failed
 * write removes the temporary file and leaves the target as it was.
 *
 * <pre>{@code
 * AtomicFiles.write(Path.of("runs/notes.txt"), ch -> ch.write(ByteBuffer.wrap("hi".getBytes())));
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

    /** Makes a rename in {@code dir} durable; some platforms cannot open directories, which is harmless there. */
    private static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Windows cannot open a directory as a channel; NTFS journals the rename itself.
        }
    }
}
