package dev.nabla.samples.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code ./nabla doctor} reports a working set-up as such, and each broken one with its warning:
 * a JVM without the Vector API module, and one whose JIT stops at C1 so the Vector API runs its
 * Java fallback (both in child JVMs started that way).
 */
class DoctorTest {

    private record Result(int exit, String text) {}

    private static Result child(String... vmOptions) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(List.of(vmOptions));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.nabla.samples.Main", "doctor"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text;
        try (InputStream in = p.getInputStream()) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            in.transferTo(buf);
            text = buf.toString(StandardCharsets.UTF_8);
        }
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("doctor did not finish:\n" + text);
        }
        return new Result(p.exitValue(), text);
    }

    @Test
    void aWorkingSetUpMeasuresPeakAndGemm() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int exit = Doctor.run(new PrintStream(buf, true, StandardCharsets.UTF_8));
        String text = buf.toString(StandardCharsets.UTF_8);
        for (String key : new String[] {"JDK:", "JIT:", "CPU", "processors:", "memory:", "Vector API:", "FMA peak:"}) {
            assertTrue(text.contains(key), key + " missing from\n" + text);
        }
        assertTrue(text.contains("Vector API:            loaded; preferred species"), text);
        assertTrue(text.contains("GEMM 1024:") && text.contains("% of peak"), text);
        assertTrue(text.contains("threads:               recommended"), text);
        assertEquals(0, exit, text);
    }

    @Test
    void missingVectorModuleIsReported() throws Exception {
        Result r = child();
        assertTrue(
                r.text().contains("WARNING: the Vector API module is missing: start java with --add-modules"),
                r.text());
        assertEquals(1, r.exit(), r.text());
    }

    @Test
    void javaFallbackIsReported() throws Exception {
        Result r = child("--add-modules=jdk.incubator.vector", "-XX:TieredStopAtLevel=1");
        assertTrue(r.text().contains("WARNING: C2 is off"), r.text());
        assertTrue(r.text().contains("the Vector API is running its Java fallback"), r.text());
        assertEquals(1, r.exit(), r.text());
    }
}
