package dev.nabla.tensor;

/**
 * Element conversion between dtypes, with PyTorch's rules as its x86 CPU build applies them:
 *
 * <ul>
 *   <li>float32 to an integer type truncates toward zero. A value outside the target's range
 *       (and NaN, ±Inf) gives the type's minimum for int64 and int32 ({@code Long.MIN_VALUE},
 *       {@code Integer.MIN_VALUE}); int8 and uint8 take the low 8 bits of the int32 result, so
 *       300.0 becomes 44 and -1.0 becomes 255 as uint8.
 *   <li>An integer to a narrower integer type keeps the low bits (two's complement wrap-around):
 *       int64 -1 is uint8 255, int32 300 is int8 44.
 *   <li>An integer to float32 rounds to the nearest float (exact below 2^24).
 *   <li>Anything to bool is {@code value != 0} (NaN is true); bool to a number is 0 or 1.
 * </ul>
 */
final class Convert {
    private static final double TWO_63 = 0x1p63;
    private static final double TWO_31 = 0x1p31;

    private Convert() {}

    /** float to int64: truncation, with NaN, ±Inf and out-of-range values giving {@code Long.MIN_VALUE}. */
    static long toLong(double v) {
        return v >= -TWO_63 && v < TWO_63 ? (long) v : Long.MIN_VALUE;
    }

    /** float to int32: truncation, with NaN, ±Inf and out-of-range values giving {@code Integer.MIN_VALUE}. */
    static int toInt(double v) {
        return v > -TWO_31 - 1 && v < TWO_31 ? (int) v : Integer.MIN_VALUE;
    }

    /**
     * {@code d[b + j*sb] = convert(s[a + j*sa])} for {@code j < n}; the dtypes may be equal or differ.
     * The storages must not overlap unless they are the same elements in the same order.
     */
    static void row(Storage s, int a, int sa, Storage d, int b, int sb, int n) {
        if (s.dtype == DType.FLOAT32) {
            fromFloat(s.data, a, sa, d, b, sb, n);
        } else if (d.dtype == DType.FLOAT32) {
            toFloat(s, a, sa, d.data, b, sb, n);
        } else {
            for (int j = 0; j < n; j++, a += sa, b += sb) {
                d.setLong(b, s.getLong(a));
            }
        }
    }

    private static void fromFloat(float[] x, int a, int sa, Storage d, int b, int sb, int n) {
        switch (d.dtype) {
            case FLOAT32 -> {
                float[] y = d.data;
                for (int j = 0; j < n; j++, a += sa, b += sb) {
                    y[b] = x[a];
                }
            }
            case INT64 -> {
                long[] y = d.longs();
                for (int j = 0; j < n; j++, a += sa, b += sb) {
                    y[b] = toLong(x[a]);
                }
            }
            case INT32 -> {
                int[] y = d.ints();
                for (int j = 0; j < n; j++, a += sa, b += sb) {
                    y[b] = toInt(x[a]);
                }
            }
            case INT8, UINT8 -> {
                byte[] y = d.bytes();
                for (int j = 0; j < n; j++, a += sa, b += sb) {
                    y[b] = (byte) toInt(x[a]);
                }
            }
            case BOOL -> {
                byte[] y = d.bytes();
                for (int j = 0; j < n; j++, a += sa, b += sb) {
                    y[b] = (byte) (x[a] != 0f ? 1 : 0);
                }
            }
        }
    }

    private static void toFloat(Storage s, int a, int sa, float[] y, int b, int sb, int n) {
        switch (s.dtype) {
            case INT64 -> {
                long[] x = s.longs();
                for (int j = 0; j < n; j++, a += sa, b += sb) {
                    y[b] = x[a];
                }
            }
            case INT32 -> {
                int[] x = s.ints();
                for (int j = 0; j < n; j++, a += sa, b += sb) {
                    y[b] = x[a];
                }
            }
            case INT8, BOOL -> {
                byte[] x = s.bytes();
                for (int j = 0; j < n; j++, a += sa, b += sb) {
                    y[b] = x[a];
                }
            }
            case UINT8 -> {
                byte[] x = s.bytes();
                for (int j = 0; j < n; j++, a += sa, b += sb) {
                    y[b] = x[a] & 0xFF;
                }
            }
            case FLOAT32 -> throw new AssertionError("row() converts float32 sources itself");
        }
    }
}
