package dev.nabla.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Horizontal sums in one fixed order, whatever the CPU's vector width, the thread count or how warm
 * the JVM is: the order every Nabla kernel that adds up a run of floats follows, so training gives
 * the same bits on AVX-512, AVX2 and 128-bit (NEON-sized) vectors.
 *
 * <h2>The order</h2>
 * A run {@code x[0..n)} is dealt into {@link #WIDTH} = 16 <em>logical lanes</em>: element
 * {@code i} of the whole blocks of 16 goes to lane {@code i % 16}, and each lane adds its elements
 * in index order, starting from +0. The last {@code n % 16} elements (the tail) are then added to
 * lanes {@code 0 .. n%16 - 1}, one each. Finally the 16 lane totals are added pairwise, the upper
 * half onto the lower until one is left: {@code ((l0+l8)+(l4+l12)) + ((l2+l10)+(l6+l14))} plus the
 * same for the odd lanes ({@link #sum(float[], int)}). A dot product is the same with
 * {@code acc = fma(a[i], b[i], acc)} as the lane step, never a separate multiply and add.
 *
 * <h2>How kernels follow it at any vector width</h2>
 * A hardware vector of {@code L <= 16} lanes ({@link #SPECIES}) holds lanes {@code [h, h + L)} of
 * the logical 16. A kernel runs {@code 16 / L} passes, pass {@code h} striding through the data
 * 16 floats at a time from offset {@code h}; each lane of its accumulator sees exactly the elements
 * of its logical lane, in order. With AVX-512 ({@code L = 16}) that is one pass, the plain loop;
 * AVX2 takes two, a 128-bit species four, and each pass leaves its accumulator in a 16-float lane
 * buffer from which the tail and the fixed tree finish the sum. Because a lane never holds -0 (it
 * starts at +0 and {@code x + y} rounds an exact zero to +0), the zeros that padded data adds are
 * exact no-ops, so kernels may round a length up to a multiple of 16 with zeros.
 *
 * <h2>Known receivers</h2>
 * C2 turns a Vector API call into SIMD instructions only when it can see the vector's exact class
 * (hence species and length) at the call. A value coming out of a loop (a loop-carried
 * accumulator) or out of an if/else is a merge of values, and C2 knows its class only when type
 * profiles let it speculate; when a kernel is compiled without them (the JIT compiles at tier 2,
 * with no profiling, while its C2 queue is long, as during a model's first steps) every call on
 * such a value falls back to Java code that boxes the vectors, and the kernel runs 10x slower for
 * the rest of the run: {@code cnn_train} went 150 instead of 1,600 images/s in about half of the
 * JVM runs. So kernels never call a method <em>on</em> a merged value: {@code acc = x.add(acc)},
 * not {@code acc.add(x)}; {@code va.mul(acc)}; and a bare store goes through
 * {@code broadcast(1).mul(acc)}, which changes no bit.
 *
 * <p>{@code FloatVector.reduceLanes(ADD)} is not used anywhere: its order is unspecified, differs
 * between the interpreter and C2, and depends on the vector width.
 *
 * <pre>{@code
 * float[] x = new float[100];
 * java.util.Arrays.fill(x, 0.1f);
 * float s = Lanes.sum(x, 0, x.length, new float[Lanes.WIDTH]);   // the same bits on every machine
 * }</pre>
 */
public final class Lanes {
    /** Logical lanes of every horizontal sum; a multiple of every supported vector length. */
    public static final int WIDTH = 16;
    /**
     * The species of the kernels' sums: the preferred one, or 512 bits where the hardware offers
     * longer vectors than the logical width (never so on x86 or the usual AArch64 parts).
     */
    public static final VectorSpecies<Float> SPECIES =
            FloatVector.SPECIES_PREFERRED.length() <= WIDTH ? FloatVector.SPECIES_PREFERRED : FloatVector.SPECIES_512;

    static final int L = SPECIES.length();

    private static final ThreadLocal<float[]> BUFFER = ThreadLocal.withInitial(() -> new float[8 * WIDTH]);

    private Lanes() {}

    /**
     * A lane buffer of {@code 8 * WIDTH} floats owned by the calling thread, for kernels that do not
     * carry one of their own; contents unspecified.
     */
    static float[] buffer() {
        return BUFFER.get();
    }

    /**
     * The sum of the 16 logical lanes at {@code lanes[off .. off + 16)} in the fixed pairwise order:
     * lane {@code i} gets lane {@code i + 8}, then {@code i + 4}, {@code i + 2}, {@code i + 1}.
     */
    public static float sum(float[] lanes, int off) {
        float a0 = lanes[off] + lanes[off + 8];
        float a1 = lanes[off + 1] + lanes[off + 9];
        float a2 = lanes[off + 2] + lanes[off + 10];
        float a3 = lanes[off + 3] + lanes[off + 11];
        float a4 = lanes[off + 4] + lanes[off + 12];
        float a5 = lanes[off + 5] + lanes[off + 13];
        float a6 = lanes[off + 6] + lanes[off + 14];
        float a7 = lanes[off + 7] + lanes[off + 15];
        return ((a0 + a4) + (a2 + a6)) + ((a1 + a5) + (a3 + a7));
    }

    /**
     * {@code x[off] + ... + x[off + n - 1]} in the fixed order. {@code lanes} holds at least
     * {@link #WIDTH} floats and is overwritten.
     */
    public static float sum(float[] x, int off, int n, float[] lanes) {
        int full = n - n % WIDTH;
        for (int h = 0; h < WIDTH; h += L) {
            FloatVector acc = FloatVector.zero(SPECIES);
            for (int i = h; i < full; i += WIDTH) {
                acc = FloatVector.fromArray(SPECIES, x, off + i).add(acc);
            }
            FloatVector.broadcast(SPECIES, 1f).mul(acc).intoArray(lanes, h);
        }
        for (int i = full; i < n; i++) {
            lanes[i - full] += x[off + i];
        }
        return sum(lanes, 0);
    }

    /**
     * {@code a[ao] * b[bo] + ... } over {@code n} pairs in the fixed order, each step one fused
     * multiply-add. {@code lanes} holds at least {@link #WIDTH} floats and is overwritten.
     */
    public static float dot(float[] a, int ao, float[] b, int bo, int n, float[] lanes) {
        int full = n - n % WIDTH;
        for (int h = 0; h < WIDTH; h += L) {
            FloatVector acc = FloatVector.zero(SPECIES);
            for (int i = h; i < full; i += WIDTH) {
                acc = FloatVector.fromArray(SPECIES, a, ao + i).fma(FloatVector.fromArray(SPECIES, b, bo + i), acc);
            }
            FloatVector.broadcast(SPECIES, 1f).mul(acc).intoArray(lanes, h);
        }
        for (int i = full; i < n; i++) {
            lanes[i - full] = Math.fma(a[ao + i], b[bo + i], lanes[i - full]);
        }
        return sum(lanes, 0);
    }
}
