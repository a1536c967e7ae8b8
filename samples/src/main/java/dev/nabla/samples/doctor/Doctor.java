package dev.nabla.samples.doctor;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code ./nabla doctor}: is this machine and JVM set up to run Nabla fast? Reports the JDK, the
 * JIT, the Vector API (loaded? compiled to SIMD instructions or running its Java fallback? which
 * vector width?), the CPU, cores and memory; then measures the float32 FMA peak on one thread and
 * on all, the packed GEMM as a percentage of it, and recommends a thread count. Each problem found
 * is a {@code WARNING} line saying what to change; the exit code is 1 when there is one.
 *
 * <p>This class touches no Vector API class, so it also runs (and says what is missing) in a JVM
 * started without {@code --add-modules jdk.incubator.vector}; the measurements live in
 * {@link Probe}, loaded only when the module is there.
 *
 * <pre>{@code
 * ./nabla doctor
 * }</pre>
 */
public final class Doctor {
    static final String VECTOR_MODULE = "jdk.incubator.vector";

    private final PrintStream out;
    private final List<String> warnings = new ArrayList<>();

    private Doctor(PrintStream out) {
        this.out = out;
    }

    /** Prints the report; returns 0 when nothing needs fixing, 1 when a warning was printed. */
    public static int run(PrintStream out) {
        Doctor d = new Doctor(out);
        d.report();
        return d.warnings.isEmpty() ? 0 : 1;
    }

    void line(String key, String value) {
        out.printf(Locale.ROOT, "%-22s %s%n", key + ":", value);
    }

    void warn(String message) {
        warnings.add(message);
        out.println("WARNING: " + message);
    }

    private void report() {
        Runtime.Version v = Runtime.version();
        line("JDK", v + " (" + System.getProperty("java.vm.name") + ", " + System.getProperty("java.vendor") + ")");
        line("java.home", System.getProperty("java.home"));
        if (v.feature() < 21) {
            warn("JDK " + v.feature() + " is older than 21, the oldest Nabla supports: install JDK 21 or newer"
                    + " (./nabla picks the newest one it finds, or set NABLA_JAVA_HOME)");
        }
        jit();
        line("OS", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        cpu();
        int cores = Runtime.getRuntime().availableProcessors();
        line("processors", cores + " available to the JVM");
        memory();
        boolean vector = ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
        if (!vector) {
            line("Vector API", "not loaded");
            warn("the Vector API module is missing: start java with --add-modules " + VECTOR_MODULE
                    + " (./nabla does; so must jshell -R--add-modules=" + VECTOR_MODULE + ", Maven Surefire's"
                    + " argLine and any application that uses Nabla)");
        } else {
            Probe.report(this, cores);
        }
        out.println(warnings.isEmpty() ? "OK: nothing to fix" : warnings.size() + " warning(s)");
    }

    /** Whether C2, which compiles the Vector API to SIMD instructions, is available. */
    private void jit() {
        var compiler = ManagementFactory.getCompilationMXBean();
        List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
        String tiered = "";
        for (String a : args) {
            if (a.equals("-Xint")) {
                tiered = "interpreter only (-Xint)";
            } else if (a.startsWith("-XX:TieredStopAtLevel=") && !a.endsWith("=4")) {
                tiered = "C1 only (" + a + ")";
            }
        }
        line("JIT", compiler == null ? "none" : compiler.getName() + (tiered.isEmpty() ? "" : ", " + tiered));
        if (compiler == null || !tiered.isEmpty()) {
            warn("C2 is off (" + (compiler == null ? "no JIT" : tiered) + "): the Vector API then runs its Java"
                    + " fallback, 10-100x slower; remove -Xint / -XX:TieredStopAtLevel");
        }
    }

    private void cpu() {
        Path info = Path.of("/proc/cpuinfo");
        if (!Files.isReadable(info)) {
            line("CPU", System.getProperty("os.arch") + " (model unknown: no /proc/cpuinfo)");
            return;
        }
        String model = "unknown";
        String family = "";
        String flags = "";
        try {
            for (String l : Files.readAllLines(info)) {
                int colon = l.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String k = l.substring(0, colon).trim();
                String val = l.substring(colon + 1).trim();
                if (k.equals("model name") && model.equals("unknown")) {
                    model = val;
                } else if (k.equals("cpu family") && family.isEmpty()) {
                    family = val;
                } else if ((k.equals("flags") || k.equals("Features")) && flags.isEmpty()) {
                    flags = " " + val + " ";
                }
            }
        } catch (IOException e) {
            line("CPU", "unreadable /proc/cpuinfo: " + e.getMessage());
            return;
        }
        line("CPU", model + (family.isEmpty() ? "" : " (family " + family + ")"));
        List<String> simd = new ArrayList<>();
        for (String f : new String[] {"fma", "avx2", "avx512f", "avx512_vnni", "asimd", "sve"}) {
            if (flags.contains(" " + f + " ")) {
                simd.add(f);
            }
        }
        line("CPU SIMD", simd.isEmpty() ? "none found in /proc/cpuinfo" : String.join(" ", simd));
        cpuFlags = flags;
    }

    /** The CPU's feature flags as in /proc/cpuinfo, space-padded; empty when unknown. */
    String cpuFlags = "";

    private void memory() {
        long heap = Runtime.getRuntime().maxMemory();
        String physical = "";
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            physical = String.format(Locale.ROOT, "%.1f GiB physical, ", os.getTotalMemorySize() / (double) (1L << 30));
        }
        line("memory", physical + String.format(Locale.ROOT, "%.1f GiB max heap", heap / (double) (1L << 30)));
    }
}
