package dev.nabla.samples.bench;

import dev.nabla.tensor.kernel.Parallel;
import java.util.List;

/**
 * {@code ./nabla warmup}: runs the model workloads of {@code ./nabla bench} (and GEMMs up to 1024)
 * for a few seconds in all. The launcher runs it once per build with JDK 25's
 * {@code -XX:AOTCacheOutput} (JEPs 483, 514, 515), so that later runs start with the classes
 * loaded and linked and with the kernels' JIT profiles: C2 then compiles the hot kernels much
 * sooner, and the first seconds of a run no longer crawl through interpreted Vector API code.
 *
 * <pre>{@code
 * ./nabla warmup --seconds 6
 * }</pre>
 */
public final class Warmup {
    private Warmup() {}

    /** Runs every selected workload for an equal share of {@code seconds}, on {@code threads} threads. */
    public static void run(int threads, double seconds) {
        Parallel.setThreads(threads);
        List<Bench.Workload> selected = Bench.workloads().stream()
                .filter(w -> !w.name().startsWith("gemm_")
                        || List.of("gemm_128", "gemm_256", "gemm_512", "gemm_1024")
                                .contains(w.name()))
                .toList();
        long share = (long) (seconds * 1e9 / selected.size());
        for (Bench.Workload w : selected) {
            Runnable call = w.setUp().get().run();
            long end = System.nanoTime() + share;
            do {
                call.run();
            } while (System.nanoTime() < end);
        }
    }
}
