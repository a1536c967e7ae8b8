package dev.nabla.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The heap options {@code ./nabla} chooses ({@code ./nabla jvm-options}): a fixed 512 MB young
 * generation where the default heap has room for it, and nothing that overrides a heap size the
 * user set in {@code NABLA_JAVA_OPTS} (with {@code -Xmx512m}, a 512 MB young generation would leave
 * the old one almost nothing); and options that the JVM accepts.
 */
class LauncherHeapTest {
    private static final Path LAUNCHER = Path.of("..", "nabla").toAbsolutePath().normalize();

    @Test
    void aFixedYoungGenerationWhereTheDefaultHeapHasRoomForIt() throws Exception {
        long mib = ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize() >> 20;
        List<String> options = jvmOptions("");
        // The launcher's rule: a default heap (a quarter of the memory) of 2 GB or more.
        assertEquals(mib >= 8192, options.contains("-Xmn512m"), "with " + mib + " MiB: " + options);
        assertTrue(options.contains("-XX:+UseParallelGC"), options.toString());
        assertTrue(options.contains("--add-modules"), options.toString());
    }

    @Test
    void aHeapSizeTheUserSetIsLeftAlone() throws Exception {
        for (String user : new String[] {
            "-Xmx1g", "-Xms2g", "-Xmn64m", "-XX:MaxRAMPercentage=50", "-XX:NewSize=100m", "-XX:MaxHeapSize=1g"
        }) {
            List<String> options = jvmOptions("-XX:UseAVX=2 " + user);
            assertFalse(options.stream().anyMatch(o -> o.startsWith("-Xmn")), user + ": " + options);
        }
    }

    @Test
    void theJvmAcceptsTheOptions() throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions(""));
        cmd.add("-XX:+DisplayVMOutput");
        cmd.add("-version");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "java -version did not finish");
        assertEquals(0, p.exitValue(), cmd + ":\n" + out);
        assertFalse(out.contains("warning"), "the JVM adjusted an option: " + cmd + ":\n" + out);
    }

    @Test
    void anArgumentIsRefusedByName() throws Exception {
        Process p = new ProcessBuilder("bash", LAUNCHER.toString(), "jvm-options", "--threads").start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "./nabla jvm-options did not finish");
        assertEquals(1, p.exitValue(), err);
        assertTrue(err.contains("jvm-options takes no arguments, got: --threads"), err);
    }

    private static List<String> jvmOptions(String userOptions) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", LAUNCHER.toString(), "jvm-options");
        pb.environment().put("NABLA_JAVA_OPTS", userOptions);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "./nabla jvm-options did not finish");
        assertEquals(0, p.exitValue(), "./nabla jvm-options failed: " + err);
        return Arrays.asList(out.strip().split("\\s+"));
    }
}
