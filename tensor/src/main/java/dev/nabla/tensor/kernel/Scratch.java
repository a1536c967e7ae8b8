package dev.nabla.tensor.kernel;

/**
 * Per-thread scratch arrays that kernels reuse from call to call, so a training loop makes no
 * garbage in steady state. Each kernel family owns its slots; a slot grows to the largest size
 * asked of it on that thread and keeps it (the pool's threads are few and long-lived).
 */
final class Scratch {
    /** Unfolded (im2col) or zero-padded input of one image or a few: used by the executing thread. */
    static final int COL = 0;
    /** Per-chunk partial weight gradients: owned by the thread that starts the parallel region. */
    static final int PARTIAL = 1;
    /** A staged output tile or output gradient: used by the executing thread. */
    static final int STAGE = 2;
    /** Weights packed for a micro-kernel: owned by the thread that starts the parallel region. */
    static final int PACKED = 3;
    /** Lane sums of weight-gradient tiles: used by the executing thread. */
    static final int LANES = 4;
    /** An output gradient in pixel order before its transposition: used by the executing thread. */
    static final int PIXELS = 5;

    private static final int SLOTS = 6;

    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[SLOTS][0]);

    private Scratch() {}

    /** This thread's array for {@code slot}, at least {@code n} long; contents are unspecified. */
    static float[] floats(int slot, int n) {
        float[][] b = BUFFERS.get();
        if (b[slot].length < n) {
            b[slot] = new float[n];
        }
        return b[slot];
    }
}
