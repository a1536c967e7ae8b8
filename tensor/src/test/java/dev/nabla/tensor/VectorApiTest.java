package dev.nabla.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.nabla.tensor.testing.ChildJvm;
import org.junit.jupiter.api.Test;

/**
 * Without {@code --add-modules jdk.incubator.vector} the first use of Nabla fails with one line
 * that says what to add, not with a {@code NoClassDefFoundError} from inside a kernel; with it,
 * the same program runs. Each case runs in a child JVM, since this one has the module.
 */
class VectorApiTest {
    /** What an uncaught {@link VectorApi#require()} failure prints first. */
    static final String EXPECTED = "Exception in thread \"main\" java.lang.LinkageError: " + VectorApi.MISSING;

    /** A first use through a tensor operation (its kernels refer to the Vector API). */
    public static final class TensorUse {
        public static void main(String[] args) {
            System.out.println(Tensor.arange(4).sum());
        }
    }

    /** A first use through the thread pool's size, as an application's set-up would make. */
    public static final class ThreadsUse {
        public static void main(String[] args) {
            Threads.set(3);
            System.out.println(Threads.get());
        }
    }

    static void assertClearFailure(ChildJvm.Result r) {
        assertEquals(1, r.exit(), () -> "exit code; stderr:\n" + r.stderr());
        assertEquals(EXPECTED, r.firstErrorLine(), () -> "stderr:\n" + r.stderr());
        assertFalse(r.stderr().contains("NoClassDefFoundError"), r::stderr);
        assertEquals("", r.stdout());
    }

    static void assertRuns(ChildJvm.Result r, String expectedOutput) {
        assertEquals(0, r.exit(), () -> "exit code; stderr:\n" + r.stderr());
        assertEquals(expectedOutput, r.stdout().strip(), r::stderr);
    }

    @Test
    void tensorWithoutTheModuleFailsWithTheFix() throws Exception {
        assertClearFailure(ChildJvm.run(false, TensorUse.class, Tensor.class));
    }

    @Test
    void tensorWithTheModuleRuns() throws Exception {
        assertRuns(ChildJvm.run(true, TensorUse.class, Tensor.class), "tensor(6.)");
    }

    @Test
    void threadPoolWithoutTheModuleFailsWithTheFix() throws Exception {
        assertClearFailure(ChildJvm.run(false, ThreadsUse.class, Threads.class));
    }

    @Test
    void threadPoolWithTheModuleRuns() throws Exception {
        assertRuns(ChildJvm.run(true, ThreadsUse.class, Threads.class), "3");
    }
}
