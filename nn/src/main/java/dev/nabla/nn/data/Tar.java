package dev.nabla.nn.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * A streaming reader of tar archives (ustar, with GNU long names and pax paths), enough for data
 * set archives: regular files are handed to a visitor one by one, everything else is skipped.
 */
final class Tar {
    private static final int BLOCK = 512;

    private Tar() {}

    /** Receives each regular file; {@code content} yields exactly {@code size} bytes. */
    @FunctionalInterface
    interface Visitor {
        void file(String name, long size, InputStream content) throws IOException;
    }

    /** Reads the uncompressed tar stream {@code in}; {@code archive} names it in errors. */
    static void read(InputStream in, String archive, Visitor visitor) throws IOException {
        byte[] header = new byte[BLOCK];
        long offset = 0;
        String longName = null;
        while (true) {
            int got = Idx.readUpTo(in, header, 0, BLOCK);
            if (got == 0) {
                return; // no end-of-archive blocks: tolerated, as GNU tar does
            }
            if (got < BLOCK) {
                throw new CorruptDataException(
                        archive,
                        -1,
                        "truncated tar archive: header at byte " + offset + " has only " + got + " of 512 bytes");
            }
            if (isZero(header)) {
                return;
            }
            checkChecksum(header, archive, offset);
            String name = longName != null ? longName : name(header);
            longName = null;
            long size = octal(header, 124, 12, archive, offset);
            byte type = header[156];
            offset += BLOCK;
            Bounded content = new Bounded(in, size, archive, name);
            switch (type) {
                case '0', 0, '7' -> visitor.file(name, size, content);
                case 'L' -> longName = cString(content.readAllBytes());
                case 'x' -> longName = paxPath(content.readAllBytes());
                default -> {
                    // directories, links, global pax headers: nothing to read
                }
            }
            content.skipRest();
            long padded = (size + BLOCK - 1) / BLOCK * BLOCK;
            skipFully(in, padded - size, archive, name);
            offset += padded;
        }
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static void checkChecksum(byte[] h, String archive, long offset) throws IOException {
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += i >= 148 && i < 156 ? ' ' : h[i] & 0xFF;
        }
        long stored = octal(h, 148, 8, archive, offset);
        if (stored != sum) {
            throw new CorruptDataException(
                    archive,
                    -1,
                    "tar header at byte " + offset + " has checksum " + stored + " but its bytes sum to " + sum
                            + " (not a tar archive, or damaged)");
        }
    }

    private static String name(byte[] h) {
        String name = cString(h, 0, 100);
        if (new String(h, 257, 5, StandardCharsets.US_ASCII).equals("ustar")) {
            String prefix = cString(h, 345, 155);
            if (!prefix.isEmpty()) {
                name = prefix + "/" + name;
            }
        }
        return name;
    }

    private static String cString(byte[] b) {
        return cString(b, 0, b.length);
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    /** The {@code path} record of a pax extended header ("LEN path=VALUE\n" records), or null. */
    private static String paxPath(byte[] b) {
        String s = new String(b, StandardCharsets.UTF_8);
        int i = 0;
        while (i < s.length()) {
            int space = s.indexOf(' ', i);
            if (space < 0) {
                break;
            }
            int len = Integer.parseInt(s.substring(i, space));
            String record = s.substring(space + 1, i + len - 1);
            if (record.startsWith("path=")) {
                return record.substring(5);
            }
            i += len;
        }
        return null;
    }

    /** An octal field (NUL or space terminated), or a base-256 one (high bit set) for big sizes. */
    private static long octal(byte[] h, int off, int len, String archive, long offset) throws IOException {
        if ((h[off] & 0x80) != 0) {
            long v = h[off] & 0x7F;
            for (int i = off + 1; i < off + len; i++) {
                v = (v << 8) | (h[i] & 0xFF);
            }
            return v;
        }
        long v = 0;
        int i = off;
        while (i < off + len && (h[i] == ' ' || h[i] == 0)) {
            i++;
        }
        for (; i < off + len && h[i] != 0 && h[i] != ' '; i++) {
            if (h[i] < '0' || h[i] > '7') {
                throw new CorruptDataException(
                        archive,
                        -1,
                        "tar header at byte " + offset + " has a malformed number field at " + off
                                + " (not a tar archive, or damaged)");
            }
            v = (v << 3) | (h[i] - '0');
        }
        return v;
    }

    private static void skipFully(InputStream in, long n, String archive, String entry) throws IOException {
        long left = n;
        while (left > 0) {
            long s = in.skip(left);
            if (s <= 0) {
                if (in.read() < 0) {
                    throw new CorruptDataException(
                            archive, -1, "truncated tar archive: entry " + entry + " ends early");
                }
                s = 1;
            }
            left -= s;
        }
    }

    /** The content of one entry: ends after its size, and an archive cut short is an error naming it. */
    private static final class Bounded extends InputStream {
        private final InputStream in;
        private final long size;
        private final String archive;
        private final String entry;
        private long left;

        Bounded(InputStream in, long size, String archive, String entry) {
            this.in = in;
            this.size = size;
            this.left = size;
            this.archive = archive;
            this.entry = entry;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left == 0) {
                return -1;
            }
            int n = Idx.readUpTo(in, b, off, (int) Math.min(len, left));
            if (n == 0 && len > 0) {
                throw new CorruptDataException(
                        archive,
                        -1,
                        "truncated tar archive: entry " + entry + " ends after " + (size - left) + " of its " + size
                                + " bytes");
            }
            left -= n;
            return n;
        }

        void skipRest() throws IOException {
            byte[] buf = new byte[8192];
            while (read(buf, 0, buf.length) > 0) {
                // discard what the visitor did not read
            }
        }
    }
}
