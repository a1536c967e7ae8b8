package dev.nabla.quantize.observer;

import dev.nabla.tensor.DType;
import java.util.Arrays;

/**
 * Quantization parameters: a scale and zero point per tensor, or one pair per channel, with the
 * integer range they quantize to ({@code [qmin, qmax]}, e.g. 0..255 for uint8 or 0..127 with a
 * reduced range). What an observer computes, PyTorch's {@code calculate_qparams()}.
 *
 * <pre>{@code
 * QParams p = QParams.perTensor(0.02, 128, 0, 255, DType.UINT8);
 * p.scale();        // 0.02
 * p.zeroPoint();    // 128: the integer standing for 0.0
 * }</pre>
 */
public final class QParams {
    private final float[] scales;
    private final int[] zeroPoints;
    private final int qmin;
    private final int qmax;
    private final DType dtype;

    private QParams(float[] scales, int[] zeroPoints, int qmin, int qmax, DType dtype) {
        if (dtype != DType.UINT8 && dtype != DType.INT8) {
            throw new IllegalArgumentException("QParams: dtype must be UINT8 or INT8, got " + dtype);
        }
        int lo = dtype == DType.UINT8 ? 0 : -128;
        if (qmin >= qmax || qmin < lo || qmax > lo + 255) {
            throw new IllegalArgumentException("QParams: range [" + qmin + ", " + qmax + "] does not fit " + dtype
                    + " (" + lo + ".." + (lo + 255) + ")");
        }
        for (int c = 0; c < scales.length; c++) {
            if (!(scales[c] > 0) || Float.isInfinite(scales[c])) {
                throw new IllegalArgumentException(
                        "QParams: scale " + scales[c] + " (channel " + c + ") must be positive and finite");
            }
            if (zeroPoints[c] < qmin || zeroPoints[c] > qmax) {
                throw new IllegalArgumentException("QParams: zero point " + zeroPoints[c] + " (channel " + c
                        + ") is outside [" + qmin + ", " + qmax + "]");
            }
        }
        this.scales = scales;
        this.zeroPoints = zeroPoints;
        this.qmin = qmin;
        this.qmax = qmax;
        this.dtype = dtype;
    }

    /** One scale and zero point for the whole tensor. */
    public static QParams perTensor(double scale, int zeroPoint, int qmin, int qmax, DType dtype) {
        return new QParams(new float[] {(float) scale}, new int[] {zeroPoint}, qmin, qmax, dtype);
    }

    /** One scale and zero point per channel (axis 0); the arrays are copied. */
    public static QParams perChannel(float[] scales, int[] zeroPoints, int qmin, int qmax, DType dtype) {
        if (scales.length == 0 || scales.length != zeroPoints.length) {
            throw new IllegalArgumentException("QParams: " + scales.length + " scales and " + zeroPoints.length
                    + " zero points; need the same positive number");
        }
        return new QParams(scales.clone(), zeroPoints.clone(), qmin, qmax, dtype);
    }

    /** Channels: 1 for per-tensor parameters. */
    public int channels() {
        return scales.length;
    }

    /** The scale of a per-tensor quantization (channel 0). */
    public double scale() {
        return scales[0];
    }

    /** The zero point of a per-tensor quantization (channel 0). */
    public int zeroPoint() {
        return zeroPoints[0];
    }

    public float scale(int channel) {
        return scales[channel];
    }

    public int zeroPoint(int channel) {
        return zeroPoints[channel];
    }

    /** The scales, a copy. */
    public float[] scales() {
        return scales.clone();
    }

    /** The zero points, a copy. */
    public int[] zeroPoints() {
        return zeroPoints.clone();
    }

    public int qmin() {
        return qmin;
    }

    public int qmax() {
        return qmax;
    }

    /** UINT8 or INT8. */
    public DType dtype() {
        return dtype;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QParams q
                && Arrays.equals(scales, q.scales)
                && Arrays.equals(zeroPoints, q.zeroPoints)
                && qmin == q.qmin
                && qmax == q.qmax
                && dtype == q.dtype;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(scales) * 31 + Arrays.hashCode(zeroPoints) + qmin * 7 + qmax;
    }

    @Override
    public String toString() {
        String body = scales.length == 1
                ? "scale=" + scales[0] + ", zero_point=" + zeroPoints[0]
                : scales.length + " channels, scales="
                        + Arrays.toString(Arrays.copyOf(scales, Math.min(4, scales.length)))
                        + (scales.length > 4 ? "..." : "");
        return "QParams(" + body + ", " + dtype + " [" + qmin + ", " + qmax + "])";
    }
}
