package dev.nabla.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReader;
import java.lang.module.ModuleReference;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The compiler directives file that {@code ./nabla} gives every JVM it starts: a JVM that cannot
 * parse it does not start at all, and the launcher hides the JVM's own message about it
 * ({@code -XX:-DisplayVMOutput}), so a broken edit must fail here rather than on a user's machine.
 */
class LauncherDirectivesTest {
    private static final Path DIRECTIVES = Path.of("src/main/launcher/c2-directives.json");

    @Test
    void theJvmAcceptsTheLaunchersDirectives() throws IOException, InterruptedException {
        assertTrue(Files.isRegularFile(DIRECTIVES), DIRECTIVES.toAbsolutePath() + " is missing");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(
                        java.toString(),
                        "-XX:+UnlockDiagnosticVMOptions",
                        "-XX:CompilerDirectivesFile=" + DIRECTIVES.toAbsolutePath(),
                        "-version")
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "java -version did not finish");
        assertEquals(0, p.exitValue(), "the JVM refused " + DIRECTIVES + ":\n" + out);
        assertTrue(out.contains("1 compiler directives added"), out);
    }

    /**
     * The patterns name the Vector API fallback's own methods; if a JDK renamed them, the file
     * would match nothing and the first epoch would silently lose its shorter start. Each pattern
     * must match a method declared in the incubator module or in the
     * interfaces its lambdas implement.
     */
    @Test
    void everyPatternNamesMethodsTheJdkHas() throws IOException, ClassNotFoundException {
        List<String> patterns = Files.readAllLines(DIRECTIVES).stream()
                .map(String::strip)
                .filter(l -> l.startsWith("\"jdk/incubator/vector/*."))
                .map(l -> l.substring("\"jdk/incubator/vector/*.".length(), l.indexOf('"', 1)))
                .toList();
        assertTrue(patterns.size() >= 10, "patterns read: " + patterns);
        List<String> methods = vectorApiMethodNames();
        for (String pattern : patterns) {
            boolean found = methods.stream().anyMatch(name -> matches(pattern, name));
            assertTrue(found, "no Vector API method matches \"" + pattern + "\" in " + DIRECTIVES);
        }
    }

    /** The names of the methods declared by jdk.incubator.vector's classes and VectorSupport's nested types. */
    private static List<String> vectorApiMethodNames() throws IOException, ClassNotFoundException {
        ModuleReference module = ModuleFinder.ofSystem()
                .find("jdk.incubator.vector")
                .orElseThrow(() -> new AssertionError("this JDK has no jdk.incubator.vector"));
        List<String> classNames;
        try (ModuleReader reader = module.open()) {
            classNames = reader.list()
                    .filter(r -> r.endsWith(".class") && !r.equals("module-info.class"))
                    .map(r -> r.substring(0, r.length() - ".class".length()).replace('/', '.'))
                    .toList();
        }
        List<String> names = new ArrayList<>();
        for (String className : classNames) {
            for (Method m : Class.forName(className, false, ClassLoader.getSystemClassLoader())
                    .getDeclaredMethods()) {
                names.add(m.getName());
            }
        }
        // The lambdas' hidden classes cannot be looked up by name; their methods (apply, load,
        // loadWithMap, ...) implement the functional interfaces nested in VectorSupport.
        for (Class<?> nested :
                Class.forName("jdk.internal.vm.vector.VectorSupport").getDeclaredClasses()) {
            for (Method m : nested.getDeclaredMethods()) {
                names.add(m.getName());
            }
        }
        return names;
    }

    /** HotSpot's method patterns: a leading or trailing '*' matches any prefix or suffix. */
    private static boolean matches(String pattern, String name) {
        if (pattern.startsWith("*")) {
            return name.endsWith(pattern.substring(1));
        }
        if (pattern.endsWith("*")) {
            return name.startsWith(pattern.substring(0, pattern.length() - 1));
        }
        return name.equals(pattern);
    }
}
