package dev.nabla.tensor.testing;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Runs a class's {@code main} in a fresh JVM of the running JDK (the test's own
 * {@code java.home}): with or without the Vector API module, on a class path made of the folders
 * or jars the given classes were loaded from; or with JVM options (a vector width, the
 * interpreter) on the test's whole class path. Shared with the other modules' tests through
 * tensor's test jar.
 *
 * <pre>{@code
 * ChildJvm.Result r = ChildJvm.run(false, MyMain.class, Tensor.class);
 * assertEquals(1, r.exit(), r.stderr());
 * }</pre>
 */
public final class ChildJvm {
    /** Exit code and everything the child printed. */
    public record Result(int exit, String stdout, String stderr) {
        /** The first line of standard error, or "" when it printed nothing there. */
        public String firstErrorLine() {
            return stderr.lines().findFirst().orElse("");
        }
    }

    private ChildJvm() {}

    /**
     * @param vectorModule whether the child gets {@code --add-modules jdk.incubator.vector}
     * @param main         the class whose {@code main} runs; its location joins the class path
     * @param classPathOf  classes whose locations (build folders or jars) make up the rest of it
     */
    public static Result run(boolean vectorModule, Class<?> main, Class<?>... classPathOf)
            throws IOException, InterruptedException {
        Set<String> path = new LinkedHashSet<>();
        path.add(location(main));
        for (Class<?> c : classPathOf) {
            path.add(location(c));
        }
        List<String> options = new ArrayList<>();
        if (vectorModule) {
            options.add("--add-modules=jdk.incubator.vector");
        }
        options.addAll(List.of("-cp", String.join(File.pathSeparator, path)));
        return start(options, main.getName()).await(120);
    }

    /**
     * Starts {@code main} with {@code args} in a child JVM on this test's whole class path, with
     * {@code vmOptions} (unknown options are ignored, so x86 flags such as {@code -XX:UseAVX=2} do
     * nothing elsewhere) and with or without the Vector API module; wait for it with
     * {@link Running#await}.
     */
    public static Running start(boolean vectorModule, List<String> vmOptions, Class<?> main, String... args)
            throws IOException {
        List<String> options = new ArrayList<>(List.of("-XX:+IgnoreUnrecognizedVMOptions"));
        options.addAll(vmOptions);
        if (vectorModule) {
            options.add("--add-modules=jdk.incubator.vector");
        }
        options.addAll(List.of("-cp", System.getProperty("java.class.path")));
        return start(options, main.getName(), args);
    }

    private static Running start(List<String> options, String main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(options);
        cmd.add(main);
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("child-jvm", ".out");
        Path err = Files.createTempFile("child-jvm", ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        // Options from the environment could add the module behind the test's back.
        pb.environment().remove("JDK_JAVA_OPTIONS");
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        return new Running(cmd, pb.start(), out, err);
    }

    /** A started child; several may run side by side. */
    public record Running(List<String> command, Process process, Path out, Path err) {
        /** Waits up to {@code seconds} for the child to end and returns what it printed. */
        public Result await(int seconds) throws IOException, InterruptedException {
            try {
                if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new AssertionError("child JVM did not finish in " + seconds + " s: " + command);
                }
                return new Result(
                        process.exitValue(),
                        Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        }
    }

    private static String location(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the class path entry of " + c, e);
        }
    }
}
