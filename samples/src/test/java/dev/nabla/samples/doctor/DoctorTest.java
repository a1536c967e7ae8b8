package dev.nabla.samples.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.samples.Main;
import dev.nabla.tensor.testing.ChildJvm;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code ./nabla doctor} reports a working set-up as such, and each broken one with its warning:
 * a JVM without the Vector API module, and one whose JIT stops at C1 so the Vector API runs its
 * Java fallback (both in child JVMs started that way).
 */
class DoctorTest {

    /** Doctor in a child JVM started with {@code vmOptions}, with or without the Vector API module. */
    private static ChildJvm.Result child(boolean vectorModule, String... vmOptions) throws Exception {
        return ChildJvm.start(vectorModule, List.of(vmOptions), Main.class, "doctor")
                .await(120);
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
        ChildJvm.Result r = child(false);
        assertTrue(
                r.stdout().contains("WARNING: the Vector API module is missing: start java with --add-modules"),
                r.stdout());
        assertEquals(1, r.exit(), r.stdout() + r.stderr());
    }

    @Test
    void javaFallbackIsReported() throws Exception {
        ChildJvm.Result r = child(true, "-XX:TieredStopAtLevel=1");
        assertTrue(r.stdout().contains("WARNING: C2 is off"), r.stdout());
        assertTrue(r.stdout().contains("the Vector API is running its Java fallback"), r.stdout());
        assertEquals(1, r.exit(), r.stdout() + r.stderr());
    }
}
