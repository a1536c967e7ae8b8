package dev.nabla.nn.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Reader for the IDX format of MNIST and Fashion-MNIST, gzipped or not (told apart by the gzip
 * magic bytes, not the file name): a big-endian header {@code 0x00 0x00 type rank}, one 32-bit size
 * per dimension, then the elements. Only unsigned bytes (type {@code 0x08}) are read, the type every
 * image and label file of these data sets uses.
 *
 * <pre>{@code
 * Idx.Contents images = Idx.read(Path.of("train-images-idx3-ubyte.gz"), 3);
 * images.dims();          // [60000, 28, 28]
 * images.data().length;   // 47040000
 * }</pre>
 */
public final class Idx {
    private static final int UNSIGNED_BYTE = 0x08;

    private Idx() {}

    /**
     * The elements of an IDX file.
     *
     * @param dims sizes from the header; {@code dims[0]} counts the records
     * @param data the elements in row-major order, as unsigned bytes
     */
    public record Contents(int[] dims, byte[] data) {
        @Override
        public int[] dims() {
            return dims.clone();
        }

        /** Number of records ({@code dims[0]}). */
        public int records() {
            return dims[0];
        }
    }

    /** Reads {@code file}, which must hold unsigned bytes of rank {@code rank}. */
    public static Contents read(Path file, int rank) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString(), rank);
        }
    }

    /**
     * Reads an IDX stream (gzipped or not) that must hold unsigned bytes of rank {@code rank};
     * {@code name} identifies it in errors.
     */
    public static Contents read(InputStream raw, String name, int rank) throws IOException {
        if (rank < 1 || rank > 255) {
            throw new IllegalArgumentException("IDX rank must be in [1, 255], got " + rank);
        }
        InputStream in = maybeGunzip(raw);
        byte[] header = new byte[4 + 4 * rank];
        int got = readUpTo(in, header, 0, 4);
        if (got < 4) {
            throw new CorruptDataException(name, -1, "short file: " + got + " bytes, an IDX header needs at least 4");
        }
        int magic = ((header[0] & 0xFF) << 24)
                | ((header[1] & 0xFF) << 16)
                | ((header[2] & 0xFF) << 8)
                | (header[3] & 0xFF);
        int expected = (UNSIGNED_BYTE << 8) | rank;
        if (magic != expected) {
            throw new CorruptDataException(
                    name,
                    -1,
                    String.format(
                            "wrong magic number 0x%08X, expected 0x%08X (IDX of unsigned bytes with %d dimension%s)",
                            magic, expected, rank, rank == 1 ? "" : "s"));
        }
        got += readUpTo(in, header, 4, 4 * rank);
        if (got < header.length) {
            throw new CorruptDataException(
                    name, -1, "short file: the header ends after " + got + " of its " + header.length + " bytes");
        }
        int[] dims = new int[rank];
        long total = 1;
        for (int i = 0; i < rank; i++) {
            int p = 4 + 4 * i;
            dims[i] = ((header[p] & 0xFF) << 24)
                    | ((header[p + 1] & 0xFF) << 16)
                    | ((header[p + 2] & 0xFF) << 8)
                    | (header[p + 3] & 0xFF);
            if (dims[i] < 0) {
                throw new CorruptDataException(name, -1, "dimension " + i + " has a negative size " + dims[i]);
            }
            total *= dims[i];
            if (total > Integer.MAX_VALUE - 8) {
                throw new CorruptDataException(
                        name,
                        -1,
                        "dimensions " + Arrays.toString(Arrays.copyOf(dims, i + 1))
                                + " hold more elements than an array can");
            }
        }
        byte[] data = new byte[(int) total];
        int have = readUpTo(in, data, 0, data.length);
        if (have < data.length) {
            long recordSize = total / Math.max(dims[0], 1);
            long record = have / recordSize;
            throw new CorruptDataException(
                    name,
                    record,
                    "short file: the data ends " + (have - record * recordSize)
                            + " bytes into this record of " + recordSize + " bytes (" + dims[0]
                            + " records declared by "
                            + "dimensions " + Arrays.toString(dims) + ")");
        }
        if (readUpTo(in, new byte[1], 0, 1) > 0) {
            throw new CorruptDataException(
                    name,
                    dims[0],
                    "unexpected data after the last of the " + dims[0] + " records declared by dimensions "
                            + Arrays.toString(dims));
        }
        return new Contents(dims, data);
    }

    /** Wraps {@code in} in a gunzip stream if it starts with the gzip magic bytes. */
    static InputStream maybeGunzip(InputStream raw) throws IOException {
        InputStream in = raw.markSupported() ? raw : new BufferedInputStream(raw, 1 << 16);
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        return b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(in, 1 << 16) : in;
    }

    /**
     * Reads until {@code len} bytes or the end of the stream; a gzip stream cut short counts as its
     * end, so the caller can name the record it happened in.
     */
    static int readUpTo(InputStream in, byte[] buf, int off, int len) throws IOException {
        int n = 0;
        try {
            while (n < len) {
                int r = in.read(buf, off + n, len - n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
        } catch (EOFException e) {
            // GZIPInputStream: "Unexpected end of ZLIB input stream"
        }
        return n;
    }
}
