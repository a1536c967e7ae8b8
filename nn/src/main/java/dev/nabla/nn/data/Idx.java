package dev.nabla.nn.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reader for the IDX format of MNIST and Fashion-MNIST, gzipped or not (told apart by the gzip
 * magic bytes, not the file name): a big-endian header {@code 0x00 0x00 type rank}, one 32-bit size
 * per dimension, then the elements. Only unsigned bytes (type {@code 0x08}) are read, the type every
 * image and label file of these data sets uses.
 *
 * <p>A header is not trusted with memory: what it declares is checked against what the file can
 * hold (its size, or for gzip its size times deflate's largest ratio) before anything is allocated,
 * and the elements are read into a buffer that grows with the data actually there, so a forged
 * header in a small file gives an error naming the file, not an {@code OutOfMemoryError}.
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

    /**
     * Deflate's largest compression ratio (a run of one byte value: 258 bytes per 2-bit code, about
     * 1032:1); the bound on what a gzip file of a given size can expand to.
     */
    static final long MAX_GZIP_RATIO = 1032;

    /** Reads {@code file}, which must hold unsigned bytes of rank {@code rank}. */
    public static Contents read(Path file, int rank) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString(), rank, Files.size(file));
        }
    }

    /**
     * Reads an IDX stream (gzipped or not) that must hold unsigned bytes of rank {@code rank};
     * {@code name} identifies it in errors.
     */
    public static Contents read(InputStream raw, String name, int rank) throws IOException {
        return read(raw, name, rank, -1);
    }

    /** As {@link #read(InputStream, String, int)}, with the stream's length in bytes when known (else -1). */
    static Contents read(InputStream raw, String name, int rank, long streamBytes) throws IOException {
        if (rank < 1 || rank > 255) {
            throw new IllegalArgumentException("IDX rank must be in [1, 255], got " + rank);
        }
        InputStream buffered = raw.markSupported() ? raw : new BufferedInputStream(raw, 1 << 16);
        boolean gzipped = isGzip(buffered);
        InputStream in = gzipped ? gunzip(buffered, name) : buffered;
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
        if (streamBytes >= 0) {
            long available = streamBytes - header.length;
            if (!gzipped && total > available) {
                throw shortData(name, dims, total, available); // as reading would, without allocating
            }
            if (gzipped && total > streamBytes * MAX_GZIP_RATIO) {
                throw new CorruptDataException(
                        name,
                        -1,
                        String.format(
                                Locale.ROOT,
                                "the header declares %,d records (dimensions %s, %,d bytes), more than a gzip file of "
                                        + "%,d bytes can hold (at most %,d bytes uncompressed)",
                                dims[0],
                                Arrays.toString(dims),
                                total,
                                streamBytes,
                                streamBytes * MAX_GZIP_RATIO));
            }
        }
        byte[] data = readGrowing(in, (int) total);
        if (data.length < total) {
            throw shortData(name, dims, total, data.length);
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

    private static CorruptDataException shortData(String name, int[] dims, long total, long have) {
        long recordSize = total / Math.max(dims[0], 1);
        long record = have / recordSize;
        return new CorruptDataException(
                name,
                record,
                "short file: the data ends " + (have - record * recordSize)
                        + " bytes into this record of " + recordSize + " bytes (" + dims[0]
                        + " records declared by "
                        + "dimensions " + Arrays.toString(dims) + ")");
    }

    /**
     * Up to {@code len} bytes of {@code in}, in an array that grows (doubling from 1 MiB) as data
     * arrives, so the memory taken follows the data present rather than what a header declared.
     * Returns fewer bytes when the stream ends early.
     */
    static byte[] readGrowing(InputStream in, int len) throws IOException {
        byte[] buf = new byte[Math.min(len, 1 << 20)];
        int have = 0;
        while (true) {
            have += readUpTo(in, buf, have, buf.length - have);
            if (have < buf.length || buf.length == len) {
                return have == buf.length ? buf : Arrays.copyOf(buf, have);
            }
            buf = Arrays.copyOf(buf, (int) Math.min(len, 2L * buf.length));
        }
    }

    /**
     * Wraps {@code raw} in a gunzip stream if it starts with the gzip magic bytes; {@code name}
     * identifies it in errors about corrupt gzip data.
     */
    static InputStream maybeGunzip(InputStream raw, String name) throws IOException {
        InputStream in = raw.markSupported() ? raw : new BufferedInputStream(raw, 1 << 16);
        return isGzip(in) ? gunzip(in, name) : in;
    }

    private static boolean isGzip(InputStream in) throws IOException {
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        return b0 == 0x1f && b1 == 0x8b;
    }

    /** A gunzip stream whose format errors name {@code name} (the JDK's say only "invalid code lengths set"). */
    private static InputStream gunzip(InputStream in, String name) throws IOException {
        try {
            return new NamedGzip(new GZIPInputStream(in, 1 << 16), name);
        } catch (ZipException e) {
            throw corruptGzip(name, e);
        }
    }

    private static CorruptDataException corruptGzip(String name, ZipException e) {
        CorruptDataException c = new CorruptDataException(name, -1, "corrupt gzip data (" + e.getMessage() + ")");
        c.initCause(e);
        return c;
    }

    private static final class NamedGzip extends FilterInputStream {
        private final String name;

        NamedGzip(InputStream in, String name) {
            super(in);
            this.name = name;
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (ZipException e) {
                throw corruptGzip(name, e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (ZipException e) {
                throw corruptGzip(name, e);
            }
        }

        @Override
        public long skip(long n) throws IOException {
            try {
                return super.skip(n);
            } catch (ZipException e) {
                throw corruptGzip(name, e);
            }
        }
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
