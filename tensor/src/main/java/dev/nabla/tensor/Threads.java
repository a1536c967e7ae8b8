package dev.nabla.tensor;

import dev.nabla.tensor.kernel.Parallel;

/**
 * How many threads Nabla's kernels use, PyTorch's {@code torch.set_num_threads} and
 * {@code get_num_threads}. There is one shared pool; its size starts at the system property
 * {@code nabla.threads} (default: the number of available processors).
 *
 * <pre>{@code
 * Threads.set(1);                 // e.g. for an exact single-threaded timing
 * int n = Threads.get();          // 1
 * }</pre>
 */
public final class Threads {
    static {
        VectorApi.require(); // a clear error without --add-modules, before a kernel class fails to link
    }

    private Threads() {}

    /** Number of threads kernels may use (including the caller's). */
    public static int get() {
        return Parallel.threads();
    }

    /** Resizes the shared pool to {@code n >= 1} threads; work already running finishes on the old pool. */
    public static void set(int n) {
        Parallel.setThreads(n);
    }
}
