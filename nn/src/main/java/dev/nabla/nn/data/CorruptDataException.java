package dev.nabla.nn.data;

import java.io.IOException;

/**
 * A data file whose content does not match its format: a short file, a wrong magic number, a
 * label out of range, a size that is not a whole number of records. The message names the file
 * and, where one is at fault, the record (counted from 0).
 *
 * <pre>{@code
 * try {
 *     Cifar10.load(Path.of("data"));
 * } catch (CorruptDataException e) {
 *     System.err.println(e.file() + " record " + e.record() + ": " + e.getMessage());
 * }
 * }</pre>
 */
public final class CorruptDataException extends IOException {
    private final String file;
    private final long record;

    /**
     * @param file   the file (or archive entry) at fault
     * @param record the record at fault, or -1 when the problem is not in one record (a header)
     * @param detail what is wrong
     */
    public CorruptDataException(String file, long record, String detail) {
        super(file + (record >= 0 ? ", record " + record : "") + ": " + detail);
        this.file = file;
        this.record = record;
    }

    public String file() {
        return file;
    }

    /** The record at fault, or -1 for a problem outside the records (e.g. the header). */
    public long record() {
        return record;
    }
}
