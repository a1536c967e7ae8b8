package dev.nabla.export;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file that is not what it claims to be: truncated, oversized, malformed, or inconsistent.
 * The message names the file and the problem, e.g.
 * {@code model.safetensors: tensor 'fc.weight' has data_offsets [0, 96] but F32 [4, 8] needs 128 bytes}.
 *
 * <pre>{@code
 * try {
 *     SafeTensors.read(path);
 * } catch (FileFormatException e) {
 *     System.err.println(e.file() + ": " + e.problem());
 * }
 * }</pre>
 */
public final class FileFormatException extends IOException {
    private final transient Path file;
    private final String problem;

    public FileFormatException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
        this.problem = problem;
    }

    public Path file() {
        return file;
    }

    /** The problem without the file name. */
    public String problem() {
        return problem;
    }
}
