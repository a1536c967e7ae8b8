package dev.nabla.export.onnx;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The protobuf wire format, reading side, for untrusted input: every length is checked against
 * the bytes that remain before anything is allocated for it, every loop consumes at least one
 * byte, and a malformed field raises {@link ProtoException} with the offset, so a truncated or
 * forged file fails fast instead of exhausting memory or spinning.
 *
 * <p>Usage: {@code while (r.next()) switch (r.field()) { case 1 -> r.int64(); ... default -> r.skip(); }}.
 */
final class ProtoReader {
    /** A protobuf that does not parse; the message says what and at which byte offset. */
    static final class ProtoException extends RuntimeException {
        ProtoException(String message) {
            super(message);
        }
    }

    private final byte[] buf;
    private int pos;
    private final int end;
    private int field;
    private int wireType;

    ProtoReader(byte[] buf) {
        this(buf, 0, buf.length);
    }

    private ProtoReader(byte[] buf, int start, int end) {
        this.buf = buf;
        this.pos = start;
        this.end = end;
    }

    /** Advances to the next field; false at the end of this message. */
    boolean next() {
        if (pos >= end) {
            return false;
        }
        int at = pos;
        long key = rawVarint();
        field = (int) (key >>> 3);
        wireType = (int) (key & 7);
        if (field <= 0 || key >>> 3 > Integer.MAX_VALUE) {
            throw new ProtoException("invalid field number " + (key >>> 3) + " at byte " + at);
        }
        return true;
    }

    int field() {
        return field;
    }

    int offset() {
        return pos;
    }

    private long rawVarint() {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) {
                throw new ProtoException("truncated varint at byte " + pos);
            }
            byte b = buf[pos++];
            v |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return v;
            }
        }
        throw new ProtoException("varint longer than 10 bytes at byte " + pos);
    }

    private void expect(int wire, String what) {
        if (wireType != wire) {
            throw new ProtoException("field " + field + " (" + what + ") has wire type " + wireType + ", expected "
                    + wire + " at byte " + pos);
        }
    }

    long int64() {
        expect(0, "integer");
        return rawVarint();
    }

    /** An int64 that must fit an int and lie in {@code [min, max]}; {@code what} names it in the error. */
    int intIn(String what, long min, long max) {
        long v = int64();
        if (v < min || v > max) {
            throw new ProtoException(what + " " + v + " is out of range [" + min + ", " + max + "] at byte " + pos);
        }
        return (int) v;
    }

    float float32() {
        expect(5, "float");
        if (end - pos < 4) {
            throw new ProtoException("truncated float at byte " + pos);
        }
        int bits = (buf[pos] & 0xFF)
                | (buf[pos + 1] & 0xFF) << 8
                | (buf[pos + 2] & 0xFF) << 16
                | (buf[pos + 3] & 0xFF) << 24;
        pos += 4;
        return Float.intBitsToFloat(bits);
    }

    /** The length of a length-delimited field, checked against the bytes left. */
    private int length() {
        expect(2, "length-delimited");
        int at = pos;
        long n = rawVarint();
        if (n < 0 || n > end - pos) {
            throw new ProtoException("field " + field + " claims " + n + " bytes at byte " + at + " but only "
                    + (end - pos) + " remain (truncated or forged length)");
        }
        return (int) n;
    }

    byte[] bytes() {
        int n = length();
        byte[] out = new byte[n];
        System.arraycopy(buf, pos, out, 0, n);
        pos += n;
        return out;
    }

    String string() {
        int n = length();
        String s = new String(buf, pos, n, StandardCharsets.UTF_8);
        pos += n;
        return s;
    }

    /** A nested message: a reader over its bytes; this reader moves past them. */
    ProtoReader message() {
        int n = length();
        ProtoReader r = new ProtoReader(buf, pos, pos + n);
        pos += n;
        return r;
    }

    /** Appends a repeated int64 field, packed or not, to {@code out}. */
    void int64s(LongList out) {
        if (wireType == 0) {
            out.add(rawVarint());
            return;
        }
        int n = length();
        int stop = pos + n;
        while (pos < stop) {
            ProtoReader sub = new ProtoReader(buf, pos, stop);
            out.add(sub.rawVarint());
            pos = sub.pos;
        }
    }

    /** Appends a repeated float field, packed or not, to {@code out}. */
    void floats(FloatList out) {
        if (wireType == 5) {
            out.add(float32());
            return;
        }
        int n = length();
        if (n % 4 != 0) {
            throw new ProtoException("packed floats of " + n + " bytes (not a multiple of 4) at byte " + pos);
        }
        out.ensure(n / 4);
        for (int stop = pos + n; pos < stop; pos += 4) {
            int bits = (buf[pos] & 0xFF)
                    | (buf[pos + 1] & 0xFF) << 8
                    | (buf[pos + 2] & 0xFF) << 16
                    | (buf[pos + 3] & 0xFF) << 24;
            out.add(Float.intBitsToFloat(bits));
        }
    }

    /** Skips the current field, whatever its wire type. */
    void skip() {
        switch (wireType) {
            case 0 -> rawVarint();
            case 1 -> advance(8);
            case 2 -> {
                int n = length();
                pos += n;
            }
            case 5 -> advance(4);
            default ->
                throw new ProtoException(
                        "unsupported wire type " + wireType + " of field " + field + " at byte " + pos);
        }
    }

    private void advance(int n) {
        if (end - pos < n) {
            throw new ProtoException("truncated field " + field + " at byte " + pos);
        }
        pos += n;
    }

    /** A growable long array (no boxing). */
    static final class LongList {
        long[] a = new long[8];
        int n;

        void add(long v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, n * 2);
            }
            a[n++] = v;
        }

        long[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }

    /** A growable float array (no boxing). */
    static final class FloatList {
        float[] a = new float[8];
        int n;

        void ensure(int extra) {
            if (n + extra > a.length) {
                a = Arrays.copyOf(a, Math.max(a.length * 2, n + extra));
            }
        }

        void add(float v) {
            ensure(1);
            a[n++] = v;
        }

        float[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }
}
