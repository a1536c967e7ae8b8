package dev.nabla.tensor;

/**
 * Fails fast, with the fix in the message, when the JVM runs without the incubating Vector API.
 *
 * <p>While the Vector API incubates, the JVM resolves {@code jdk.incubator.vector} only when the
 * java command asks for it. Without it, the first kernel a program reaches dies with a bare
 * {@code NoClassDefFoundError: jdk/incubator/vector/Vector} that names neither Nabla nor the fix.
 * So the classes where a program first enters Nabla ({@link Tensor}, {@link Threads},
 * {@code DataLoader}) call {@link #require()} from their static initializer, which runs before any
 * class that refers to the Vector API is loaded: the first use fails with {@link #MISSING}
 * instead. An application may call it first thing too.
 *
 * <pre>{@code
 * public final class Entry {
 *     static {
 *         VectorApi.require(); // thrown here, not from deep inside a kernel
 *     }
 * }
 * }</pre>
 */
public final class VectorApi {
    /** The message of the error thrown when the module is missing: what to add, and where. */
    public static final String MISSING = "Nabla needs the Vector API: add --add-modules jdk.incubator.vector to the"
            + " java (or jshell) command that runs it; with Maven, to Surefire's <argLine> and exec's <arguments>";

    private static final boolean PRESENT = present();

    private VectorApi() {}

    /** Whether kernel classes can link against the Vector API from here. */
    private static boolean present() {
        try {
            Class.forName("jdk.incubator.vector.FloatVector", false, VectorApi.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /**
     * Returns normally when {@code jdk.incubator.vector} is available, and otherwise throws a
     * {@link LinkageError} whose message is {@link #MISSING}. It is an {@code Error} so that a
     * static initializer passes it on as it is rather than wrapped in an
     * {@code ExceptionInInitializerError} (later uses of the class that failed then get a
     * {@code NoClassDefFoundError} whose cause carries the same message).
     *
     * @throws LinkageError when the module is not resolved in this JVM
     */
    public static void require() {
        if (!PRESENT) {
            throw new LinkageError(MISSING);
        }
    }
}
