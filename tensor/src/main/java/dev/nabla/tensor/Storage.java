package dev.nabla.tensor;

import java.util.Arrays;

/**
 * The flat buffer behind a tensor and all its views, with a version counter that every in-place
 * write bumps: autograd compares it with the version it saved to detect a tensor modified after
 * the graph recorded it.
 *
 * <p>It holds exactly one primitive array, chosen by the dtype: {@code float[]} for float32,
 * {@code long[]} for int64, {@code int[]} for int32 and {@code byte[]} for int8, uint8 (two's
 * complement bits) and bool (0 or 1). The float32 kernels read {@link #data} directly, so the
 * float path costs no dispatch at all; the other dtypes go through the per-dtype loops of
 * {@link Convert} and {@link Integral}. The other arrays share one field, so a storage is only
 * 8 bytes larger than when tensors were float-only: every operation allocates one.
 */
final class Storage {
    final DType dtype;
    /** The {@code float32} values, or null for the other dtypes. */
    final float[] data;
    /** The array of the other dtypes, or null for float32; read through {@link #longs()} etc. */
    private final Object values;
    /**
     * For a quantized tensor (uint8 or int8 values standing for {@code (q - qZero) * qScale}), its
     * scale; NaN for every other storage. The parameters belong to the storage, so every view of a
     * quantized tensor is quantized alike.
     */
    final double qScale;

    final int qZero;

    private int version;

    private Storage(DType dtype, float[] data, Object values) {
        this(dtype, data, values, Double.NaN, 0);
    }

    private Storage(DType dtype, float[] data, Object values, double qScale, int qZero) {
        this.dtype = dtype;
        this.data = data;
        this.values = values;
        this.qScale = qScale;
        this.qZero = qZero;
    }

    /** A quantized storage: {@code dtype} is UINT8 or INT8, the values {@code (q - zero) * scale}. */
    static Storage quantized(DType dtype, byte[] bytes, double scale, int zero) {
        if (dtype != DType.UINT8 && dtype != DType.INT8) {
            throw new IllegalArgumentException("a quantized tensor holds uint8 or int8 values, not " + dtype);
        }
        return new Storage(dtype, null, bytes, scale, zero);
    }

    /** True for the storage of a quantized tensor. */
    boolean isQuantized() {
        return !Double.isNaN(qScale);
    }

    Storage(float[] data) {
        this(DType.FLOAT32, data, null);
    }

    Storage(long[] longs) {
        this(DType.INT64, null, longs);
    }

    Storage(int[] ints) {
        this(DType.INT32, null, ints);
    }

    /** A byte-backed storage: {@code dtype} is INT8, UINT8 or BOOL. */
    Storage(DType dtype, byte[] bytes) {
        this(dtype, null, bytes);
        if (dtype != DType.INT8 && dtype != DType.UINT8 && dtype != DType.BOOL) {
            throw new IllegalArgumentException("a byte array cannot hold " + dtype + " elements");
        }
    }

    long[] longs() {
        return (long[]) values;
    }

    int[] ints() {
        return (int[]) values;
    }

    byte[] bytes() {
        return (byte[]) values;
    }

    /** Zero-filled storage of {@code n} elements. */
    static Storage allocate(DType dtype, int n) {
        return switch (dtype) {
            case FLOAT32 -> new Storage(new float[n]);
            case INT64 -> new Storage(new long[n]);
            case INT32 -> new Storage(new int[n]);
            case INT8, UINT8, BOOL -> new Storage(dtype, new byte[n]);
        };
    }

    /** The backing array, for {@link System#arraycopy} and {@link Arrays} fills. */
    Object array() {
        return dtype == DType.FLOAT32 ? data : values;
    }

    /** Sets elements {@code [from, to)} to element 0 of {@code one}, a storage of this dtype. */
    void fill(int from, int to, Storage one) {
        switch (dtype) {
            case FLOAT32 -> Arrays.fill(data, from, to, one.data[0]);
            case INT64 -> Arrays.fill(longs(), from, to, one.longs()[0]);
            case INT32 -> Arrays.fill(ints(), from, to, one.ints()[0]);
            case INT8, UINT8, BOOL -> Arrays.fill(bytes(), from, to, one.bytes()[0]);
        }
    }

    /** Element {@code i} as an exact long for the integer types; floats convert as {@link Convert#toLong}. */
    long getLong(int i) {
        return switch (dtype) {
            case FLOAT32 -> Convert.toLong(data[i]);
            case INT64 -> longs()[i];
            case INT32 -> ints()[i];
            case INT8, BOOL -> bytes()[i];
            case UINT8 -> bytes()[i] & 0xFF;
        };
    }

    /** Element {@code i} as a double (exact except int64 beyond 2^53). */
    double getDouble(int i) {
        return dtype == DType.FLOAT32 ? data[i] : getLong(i);
    }

    /** Writes an integer value, narrowing to the dtype as {@link Convert} does. */
    void setLong(int i, long v) {
        switch (dtype) {
            case FLOAT32 -> data[i] = v;
            case INT64 -> longs()[i] = v;
            case INT32 -> ints()[i] = (int) v;
            case INT8, UINT8 -> bytes()[i] = (byte) v;
            case BOOL -> bytes()[i] = (byte) (v != 0 ? 1 : 0);
        }
    }

    /** Writes a floating-point value, converting to the dtype as {@link Convert} does. */
    void setDouble(int i, double v) {
        switch (dtype) {
            case FLOAT32 -> data[i] = (float) v;
            case INT64 -> longs()[i] = Convert.toLong(v);
            case INT32 -> ints()[i] = Convert.toInt(v);
            case INT8, UINT8 -> bytes()[i] = (byte) Convert.toInt(v);
            case BOOL -> bytes()[i] = (byte) (v != 0 ? 1 : 0);
        }
    }

    int version() {
        return version;
    }

    void bump() {
        version++;
    }
}
