package dev.nabla.quantize.observer;

import dev.nabla.tensor.DType;

/**
 * What an observer quantizes to, PyTorch's observer arguments {@code dtype}, {@code qscheme},
 * {@code reduce_range}, {@code quant_min} and {@code quant_max}, and the rule that turns an observed
 * range into {@link QParams} ({@code _calculate_qparams}), computed in float32 as PyTorch does:
 *
 * <ul>
 *   <li>the range is widened to contain 0;</li>
 *   <li>affine: {@code scale = (max - min) / (qmax - qmin)}, at least float32's epsilon, and
 *       {@code zero = clamp(qmin - round_half_even(min / scale), qmin, qmax)};</li>
 *   <li>symmetric: {@code scale = max(|min|, max) / ((qmax - qmin) / 2)}, zero 0 for int8, 128 for
 *       uint8 (the midpoint of a custom range).</li>
 * </ul>
 *
 * <pre>{@code
 * ObserverConfig.activations();                  // uint8, per tensor, affine, 0..255
 * ObserverConfig.weights();                      // int8, per channel, symmetric, -128..127
 * ObserverConfig.activations().withReduceRange(true).qmax();   // 127, as PyTorch's fbgemm default
 * }</pre>
 *
 * @param dtype       UINT8 (quint8) or INT8 (qint8)
 * @param qscheme     per tensor or per channel, affine or symmetric
 * @param reduceRange one bit less of range (0..127, -64..63), as PyTorch's x86 backend uses for
 *                    activations to avoid a 16-bit overflow in its kernels (Nabla's kernels need it not)
 */
public record ObserverConfig(DType dtype, QScheme qscheme, boolean reduceRange) {
    private static final float EPS = Math.ulp(1f);

    public ObserverConfig {
        if (dtype != DType.UINT8 && dtype != DType.INT8) {
            throw new IllegalArgumentException("observer: dtype must be UINT8 (quint8) or INT8 (qint8), got " + dtype);
        }
        if (qscheme == null) {
            throw new IllegalArgumentException("observer: qscheme is null");
        }
    }

    /** Activations: uint8, one scale and zero point per tensor, affine, full range. */
    public static ObserverConfig activations() {
        return new ObserverConfig(DType.UINT8, QScheme.PER_TENSOR_AFFINE, false);
    }

    /** Weights: int8, one scale per output channel, symmetric (zero point 0), full range. */
    public static ObserverConfig weights() {
        return new ObserverConfig(DType.INT8, QScheme.PER_CHANNEL_SYMMETRIC, false);
    }

    public ObserverConfig withReduceRange(boolean reduce) {
        return new ObserverConfig(dtype, qscheme, reduce);
    }

    public ObserverConfig withQScheme(QScheme scheme) {
        return new ObserverConfig(dtype, scheme, reduceRange);
    }

    /** The smallest integer: 0 for uint8, -128 (or -64 reduced) for int8. */
    public int qmin() {
        return dtype == DType.UINT8 ? 0 : reduceRange ? -64 : -128;
    }

    /** The largest integer: 255 (127 reduced) for uint8, 127 (63 reduced) for int8. */
    public int qmax() {
        return dtype == DType.UINT8 ? (reduceRange ? 127 : 255) : (reduceRange ? 63 : 127);
    }

    /** 0 for int8; the midpoint of the range for uint8 (128 for 0..255), as PyTorch's symmetric uint8. */
    private int symmetricZero(int qmin, int qmax) {
        return dtype == DType.UINT8 ? (qmin + qmax + 1) / 2 : 0;
    }

    /**
     * Parameters for the observed range {@code [min[c], max[c]]} of each channel (one entry for a
     * per-tensor scheme). An empty range ({@code min > max}: nothing observed) gives scale 1 and
     * zero point 0, as PyTorch does.
     */
    public QParams qparams(float[] min, float[] max) {
        int n = min.length;
        float[] scales = new float[n];
        int[] zeros = new int[n];
        int qmin = qmin(), qmax = qmax();
        for (int c = 0; c < n; c++) {
            if (!(min[c] <= max[c])) {
                scales[c] = 1f;
                zeros[c] = Math.max(qmin, Math.min(qmax, 0));
                continue;
            }
            float minNeg = Math.min(min[c], 0f);
            float maxPos = Math.max(max[c], 0f);
            if (qscheme.isSymmetric()) {
                float m = Math.max(-minNeg, maxPos);
                scales[c] = Math.max(m / ((float) (qmax - qmin) / 2), EPS);
                zeros[c] = symmetricZero(qmin, qmax);
            } else {
                float scale = Math.max((maxPos - minNeg) / (float) (qmax - qmin), EPS);
                scales[c] = scale;
                int zero = qmin - (int) Math.rint(minNeg / scale);
                zeros[c] = Math.max(qmin, Math.min(qmax, zero));
            }
        }
        if (qscheme.isPerChannel()) {
            return QParams.perChannel(scales, zeros, qmin, qmax, dtype);
        }
        return QParams.perTensor(scales[0], zeros[0], qmin, qmax, dtype);
    }
}
