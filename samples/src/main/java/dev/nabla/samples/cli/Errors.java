package dev.nabla.samples.cli;

import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * The one-line message the front end prints for an error: the exception's own message, except
 * that the JDK's file-system exceptions, whose message is often the bare path, also say what is
 * wrong with it.
 *
 * <pre>{@code
 * Errors.describe(new NoSuchFileException("runs/x/last/model.safetensors"));
 * // "runs/x/last/model.safetensors: not found"
 * }</pre>
 */
public final class Errors {
    private Errors() {}

    public static String describe(Exception e) {
        if (e instanceof FileSystemException f && f.getReason() == null) {
            String what = switch (f) {
                case NoSuchFileException x -> "not found";
                case AccessDeniedException x -> "permission denied (not writable or not readable)";
                case FileAlreadyExistsException x -> "already exists";
                case NotDirectoryException x -> "is not a folder";
                case DirectoryNotEmptyException x -> "is not empty";
                default -> "failed (" + f.getClass().getSimpleName() + ")";
            };
            String other = f.getOtherFile() == null ? "" : " -> " + f.getOtherFile();
            return f.getFile() + other + ": " + what;
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
