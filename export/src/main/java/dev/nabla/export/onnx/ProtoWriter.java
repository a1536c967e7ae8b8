package dev.nabla.export.onnx;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The protobuf wire format, writing side: varints, 32-bit floats and length-delimited fields
 * (strings, bytes, packed arrays, nested messages) into a growing byte array. Nested messages are
 * written to their own writer first, so their length is known when the parent writes them.
 */
final class ProtoWriter {
    private static final int VARINT = 0;
    private static final int I32 = 5;
    private static final int LEN = 2;

    private byte[] buf = new byte[256];
    private int size;

    byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    int size() {
        return size;
    }

    private void ensure(int extra) {
        if (size + extra > buf.length) {
            long want = Math.max((long) buf.length * 2, (long) size + extra);
            if (want > Integer.MAX_VALUE - 16) {
                throw new IllegalStateException("ONNX: a protobuf message over 2 GB cannot be written");
            }
            buf = Arrays.copyOf(buf, (int) want);
        }
    }

    private void rawVarint(long v) {
        ensure(10);
        while ((v & ~0x7FL) != 0) {
            buf[size++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[size++] = (byte) v;
    }

    private void tag(int field, int wireType) {
        rawVarint(((long) field << 3) | wireType);
    }

    private void rawBytes(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, buf, size, len);
        size += len;
    }

    ProtoWriter int64(int field, long v) {
        tag(field, VARINT);
        rawVarint(v);
        return this;
    }

    ProtoWriter float32(int field, float v) {
        tag(field, I32);
        int bits = Float.floatToRawIntBits(v);
        ensure(4);
        buf[size++] = (byte) bits;
        buf[size++] = (byte) (bits >>> 8);
        buf[size++] = (byte) (bits >>> 16);
        buf[size++] = (byte) (bits >>> 24);
        return this;
    }

    ProtoWriter bytes(int field, byte[] b) {
        tag(field, LEN);
        rawVarint(b.length);
        rawBytes(b, 0, b.length);
        return this;
    }

    ProtoWriter string(int field, String s) {
        return bytes(field, s.getBytes(StandardCharsets.UTF_8));
    }

    /** A string field written only when the value is non-null (proto2 optional semantics). */
    ProtoWriter optString(int field, String s) {
        return s == null ? this : string(field, s);
    }

    ProtoWriter message(int field, ProtoWriter nested) {
        tag(field, LEN);
        rawVarint(nested.size);
        rawBytes(nested.buf, 0, nested.size);
        return this;
    }

    ProtoWriter packedInt64(int field, long[] values) {
        ProtoWriter p = new ProtoWriter();
        for (long v : values) {
            p.rawVarint(v);
        }
        return message(field, p);
    }

    ProtoWriter packedFloat(int field, float[] values) {
        ProtoWriter p = new ProtoWriter();
        p.ensure(values.length * 4);
        for (float f : values) {
            int bits = Float.floatToRawIntBits(f);
            p.buf[p.size++] = (byte) bits;
            p.buf[p.size++] = (byte) (bits >>> 8);
            p.buf[p.size++] = (byte) (bits >>> 16);
            p.buf[p.size++] = (byte) (bits >>> 24);
        }
        return message(field, p);
    }
}
