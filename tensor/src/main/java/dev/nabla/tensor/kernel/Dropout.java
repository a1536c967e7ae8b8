package dev.nabla.tensor.kernel;

import java.util.Arrays;
import java.util.function.LongSupplier;

/**
 * Inverted dropout's mask: each element is kept with probability {@code 1 - p} and then scaled by
 * {@code 1 / (1 - p)}, so the expected output equals the input and evaluation needs no rescaling.
 *
 * <p>The random bits come from the caller's generator, 32 per element (two elements per 64-bit
 * draw): an element is dropped when its 32 bits, read as an unsigned number, fall below
 * {@code p * 2^32}. The mask is drawn serially so the same seed gives the same mask whatever the
 * thread count; applying it ({@code y = x * mask}, {@code gx = g * mask}) is an ordinary SIMD
 * multiply.
 *
 * <pre>{@code
 * Generator g = new Generator(0);
 * float[] mask = new float[1000];
 * Dropout.mask(0.25, g::nextLong, mask, 0, 1000);   // about 750 entries of 4/3, the rest 0
 * }</pre>
 */
public final class Dropout {

    private Dropout() {}

    /** Fills {@code mask[off .. off+n)} with 0 (probability {@code p}) or {@code 1 / (1 - p)}. */
    public static void mask(double p, LongSupplier bits, float[] mask, int off, int n) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("dropout: probability must be in [0, 1], got " + p);
        }
        if (p == 1) {
            Arrays.fill(mask, off, off + n, 0f);
            return;
        }
        long threshold = (long) Math.ceil(p * 0x1p32);
        float keep = (float) (1.0 / (1.0 - p));
        int i = 0;
        for (; i + 1 < n; i += 2) {
            long r = bits.getAsLong();
            mask[off + i] = (r & 0xFFFF_FFFFL) >= threshold ? keep : 0f;
            mask[off + i + 1] = (r >>> 32) >= threshold ? keep : 0f;
        }
        if (i < n) {
            mask[off + i] = (bits.getAsLong() & 0xFFFF_FFFFL) >= threshold ? keep : 0f;
        }
    }
}
