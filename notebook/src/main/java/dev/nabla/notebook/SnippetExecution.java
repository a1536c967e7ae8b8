package dev.nabla.notebook;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import jdk.jshell.execution.LocalExecutionControl;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;

/**
 * JShell's local execution engine without its thread race. {@link LocalExecutionControl} starts
 * each snippet in a fresh thread group, lists the group's threads right after the start and joins
 * every one it listed. A snippet that starts a long-lived thread at once (an {@code HttpClient}'s
 * selector, a server's acceptor, a thread pool's worker) sometimes has it running before the list
 * is taken, and the session then waits for that thread forever: the course's serving lesson hung
 * that way. Here the snippet waits, before it runs, until the invoking thread has taken the list
 * and is joining it, so the list only ever holds the snippet's own thread. Everything else,
 * including {@code JShell.stop()}'s interruption of runaway loops, is the JDK's.
 */
final class SnippetExecution extends LocalExecutionControl {
    /** What the gate runs: the snippet's method and the thread that invoked it. */
    private record Pending(Method doit, Thread invoker) {}

    // Inherited by the snippet thread LocalExecutionControl creates, so concurrent sessions
    // never see each other's snippet.
    private static final InheritableThreadLocal<Pending> PENDING = new InheritableThreadLocal<>();
    private static final Method GATE;

    /** Longest wait for the invoker to reach its join; past it the snippet runs regardless. */
    private static final long GATE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);

    static {
        try {
            GATE = SnippetExecution.class.getDeclaredMethod("gate");
            GATE.setAccessible(true);
        } catch (NoSuchMethodException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Registers this engine with a JShell builder. */
    static ExecutionControlProvider provider() {
        return new ExecutionControlProvider() {
            @Override
            public String name() {
                return "nabla-local";
            }

            @Override
            public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) {
                return new SnippetExecution();
            }
        };
    }

    @Override
    protected String invoke(Method doitMethod) throws Exception {
        PENDING.set(new Pending(doitMethod, Thread.currentThread()));
        try {
            return super.invoke(GATE);
        } finally {
            PENDING.remove();
        }
    }

    /** Runs on the snippet thread: waits until the invoker joins, then runs the snippet. */
    @SuppressWarnings("unused") // called through GATE
    private static Object gate() throws Throwable {
        Pending p = PENDING.get();
        long deadline = System.nanoTime() + GATE_TIMEOUT_NANOS;
        while (p.invoker().getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        try {
            return p.doit().invoke(null);
        } catch (InvocationTargetException e) {
            // Rethrown bare so JShell wraps it once, as it does for a snippet it calls directly.
            throw e.getCause();
        }
    }
}
