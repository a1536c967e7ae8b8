package dev.nabla.samples.bench;

import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import dev.nabla.tensor.Threads;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code ./nabla bench}: the workloads of {@code shared/peers/torch_bench.py} under the same names
 * and definitions, printed as {@code name<TAB>value<TAB>unit} so the two outputs line up.
 *
 * <pre>{@code
 * ./nabla bench --threads 2 --only gemm_1024
 * }</pre>
 */
public final class Bench {

    /**
     * One named figure: how to set up the call it times, and its unit. The figure is
     * {@code work / seconds per call} ({@code GFLOP/s}, {@code images/s}, {@code steps/s}), or for
     * the unit {@code ms} the milliseconds per unit of work.
     */
    record Workload(String name, String unit, Supplier<Call> setUp) {
        double measure(double warmup) {
            Call c = setUp.get();
            double s = Timing.secondsPerCall(c.run(), warmup);
            return unit.equals("ms") ? 1000 * s / c.work() : c.work() / s;
        }
    }

    /** The operation a workload times and the work one call of it does (in the unit's numerator). */
    record Call(Runnable run, double work) {}

    private Bench() {}

    static List<Workload> workloads() {
        List<Workload> all = new ArrayList<>();
        for (int n : new int[] {128, 256, 512, 1024, 2048, 4096}) {
            all.add(new Workload("gemm_" + n, "GFLOP/s", () -> gemm(n, n, n)));
        }
        // m x k x n: a wide C from a thin k, and a long k into a small C
        all.add(new Workload("gemm_4096x512x4096", "GFLOP/s", () -> gemm(4096, 512, 4096)));
        all.add(new Workload("gemm_512x4096x512", "GFLOP/s", () -> gemm(512, 4096, 512)));
        all.addAll(ModelWorkloads.all());
        return all;
    }

    /** torch.mm of a random m x k and a random k x n matrix. */
    static Call gemm(int m, int k, int n) {
        Generator g = new Generator(0);
        Tensor a = Tensor.randn(g, m, k);
        Tensor b = Tensor.randn(g, k, n);
        Tensor c = Tensor.zeros(m, n);
        return new Call(() -> a.matmul(b, c), 2.0 * m * n * k / 1e9);
    }

    /**
     * Runs the selected workloads. {@code only} holds names or name prefixes (as in the peer
     * script); empty selects all.
     */
    public static void run(int threads, List<String> only, double warmup) {
        Threads.set(threads);
        Map<String, Workload> selected = new LinkedHashMap<>();
        for (Workload w : workloads()) {
            if (only.isEmpty()
                    || only.stream()
                            .anyMatch(o -> w.name().equals(o) || w.name().startsWith(o))) {
                selected.put(w.name(), w);
            }
        }
        if (selected.isEmpty()) {
            List<String> names = workloads().stream().map(Workload::name).toList();
            throw new IllegalArgumentException("no workload matches " + only + "; known: " + String.join(", ", names));
        }
        for (Workload w : selected.values()) {
            double v = w.measure(warmup);
            System.out.printf(Locale.ROOT, "%s\t%s\t%s%n", w.name(), fourSignificant(v), w.unit());
            System.out.flush();
        }
    }

    /** Python's {@code f"{v:.4g}"}. */
    static String fourSignificant(double v) {
        String s = String.format(Locale.ROOT, "%.4g", v);
        if (s.contains("e")) {
            return s;
        }
        if (s.contains(".")) {
            s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return s;
    }
}
