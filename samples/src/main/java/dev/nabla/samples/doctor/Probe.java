package dev.nabla.samples.doctor;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.nabla.tensor.kernel.Gemm;
import dev.nabla.tensor.kernel.Lanes;
import dev.nabla.tensor.kernel.Parallel;
import dev.nabla.tensor.kernel.Peak;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;

/** The part of {@link Doctor} that needs the Vector API: species, FMA peak, GEMM, threads. */
final class Probe {
    private Probe() {}

    static void report(Doctor d, int cores) {
        var species = FloatVector.SPECIES_PREFERRED;
        String flags = vmFlags();
        d.line(
                "Vector API",
                "loaded; preferred species " + species.vectorBitSize() + " bits = " + species.length() + " floats"
                        + (flags.isEmpty() ? "" : " (" + flags + ")"));
        d.line("sums", "in Lanes' fixed " + Lanes.WIDTH + "-lane order (same bits on any width and thread count)");
        if (species.vectorBitSize() < 128) {
            d.warn("the preferred vector is only " + species.vectorBitSize() + " bits: kernels run near scalar speed"
                    + " (is -XX:MaxVectorSize set too low?)");
        } else if (species.vectorBitSize() < 512 && d.cpuFlags.contains(" avx512f ")) {
            d.line(
                    "note",
                    "the CPU has AVX-512 but the JVM uses " + species.vectorBitSize() + "-bit vectors"
                            + " (-XX:UseAVX / -XX:MaxVectorSize, or the JVM's choice for this CPU)");
        } else if (species.vectorBitSize() < 256 && d.cpuFlags.contains(" avx2 ")) {
            d.line("note", "the CPU has AVX2 but the JVM uses " + species.vectorBitSize() + "-bit vectors");
        }

        double scalar = Peak.scalarGflops(1, 300);
        double one = Peak.vectorGflops(1, 300);
        // On a loaded machine C2's queue can keep the vector loop interpreted for seconds, which
        // looks exactly like the Java fallback: give the JIT more time before calling it that.
        for (int retry = 0; retry < 3 && one < 2 * scalar; retry++) {
            one = Math.max(one, Peak.vectorGflops(1, 1500));
        }
        if (one < 2 * scalar) {
            d.line(
                    "FMA peak",
                    String.format(Locale.ROOT, "%.1f GFLOP/s on 1 thread (scalar Math.fma: %.1f)", one, scalar));
            d.warn(String.format(
                    Locale.ROOT,
                    "vector FMAs run at %.1f GFLOP/s, no faster than scalar code (%.1f): the Vector API is"
                            + " running its Java fallback, not SIMD instructions (C2 off, or an intrinsic failed);"
                            + " GEMM and threads not measured",
                    one,
                    scalar));
            return;
        }
        double all = cores > 1 ? Peak.vectorGflops(cores, 300) : one;
        d.line(
                "FMA peak",
                String.format(
                        Locale.ROOT,
                        "%.0f GFLOP/s on 1 thread, %.0f on %d (scalar Math.fma: %.1f on 1 thread)",
                        one,
                        all,
                        cores,
                        scalar));
        int n = 1024;
        double g1 = gemmGflops(n, 1);
        double gAll = cores > 1 ? gemmGflops(n, cores) : g1;
        d.line(
                "GEMM " + n,
                String.format(
                        Locale.ROOT,
                        "%.0f GFLOP/s on 1 thread (%.0f%% of peak), %.0f on %d (%.0f%%)",
                        g1,
                        100 * g1 / one,
                        gAll,
                        cores,
                        100 * gAll / all));
        int recommended = (int) Math.max(1, Math.min(cores, Math.round(all / one)));
        d.line(
                "threads",
                "recommended " + recommended + " (./nabla ... --threads " + recommended
                        + ", or -Dnabla.threads=" + recommended + "; now " + Parallel.threads() + ")"
                        + (recommended < cores ? ": more threads added no FMA throughput (SMT siblings?)" : ""));
    }

    /** The HotSpot flags that set the vector width, where this JVM has them. */
    private static String vmFlags() {
        try {
            var hs = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            StringBuilder s = new StringBuilder();
            for (String f : new String[] {"UseAVX", "MaxVectorSize"}) {
                try {
                    s.append(s.isEmpty() ? "" : ", ")
                            .append(f)
                            .append('=')
                            .append(hs.getVMOption(f).getValue());
                } catch (IllegalArgumentException notOnThisCpu) {
                    // e.g. UseAVX on AArch64
                }
            }
            return s.toString();
        } catch (RuntimeException e) {
            return "";
        }
    }

    /** Best GFLOP/s of Gemm.sgemm on n x n x n over about a second, on {@code threads} threads. */
    private static double gemmGflops(int n, int threads) {
        SplittableRandom r = new SplittableRandom(0);
        float[] a = new float[n * n], b = new float[n * n], c = new float[n * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextDouble(-1, 1);
            b[i] = (float) r.nextDouble(-1, 1);
        }
        int saved = Parallel.threads();
        try {
            Parallel.setThreads(threads);
            double[] s = new double[12];
            long warmEnd = System.nanoTime() + 500_000_000L;
            while (System.nanoTime() < warmEnd) {
                Gemm.sgemm(false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
            }
            for (int i = 0; i < s.length; i++) {
                long t = System.nanoTime();
                Gemm.sgemm(false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
                s[i] = (System.nanoTime() - t) / 1e9;
            }
            Arrays.sort(s);
            return 2.0 * n * n * n / s[s.length / 4] / 1e9;
        } finally {
            Parallel.setThreads(saved);
        }
    }
}
