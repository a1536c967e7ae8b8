package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nabla.autograd.Variable;
import dev.nabla.tensor.Tensor;
import java.io.File;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user's code in another package may write, checked by compiling it with the JDK's own
 * compiler: calling a layer's {@code forward} (which would skip its hooks) does not compile, and
 * {@code Module} needs its single-type import beside {@code import dev.nabla.nn.*;}, because
 * {@code java.lang.Module} has the same simple name.
 */
class ModuleAccessCompileTest {

    @TempDir
    Path out;

    private static final String HEADER = "package user;\nimport dev.nabla.autograd.*;\nimport dev.nabla.nn.*;\n";

    private static String model(String call) {
        return """
                public class Net extends Module {
                    final Linear fc = registerModule("fc", new Linear(4, 2));

                    @Override
                    protected Variable forward(Variable x) {
                        return %s;
                    }
                }
                """.formatted(call);
    }

    /** Compiles {@code user/Net.java}; returns the error messages (empty when it compiles). */
    private List<String> compile(String source) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assumeTrue(javac != null, "skipped: no system Java compiler in this runtime");
        String classPath = Stream.of(Module.class, Variable.class, Tensor.class)
                .map(c -> Path.of(URI.create(c.getProtectionDomain()
                                .getCodeSource()
                                .getLocation()
                                .toString()))
                        .toString())
                .collect(Collectors.joining(File.pathSeparator));
        JavaFileObject file =
                new SimpleJavaFileObject(URI.create("string:///user/Net.java"), JavaFileObject.Kind.SOURCE) {
                    @Override
                    public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                        return source;
                    }
                };
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        List<String> options = List.of(
                "--add-modules", "jdk.incubator.vector", "-classpath", classPath, "-d", out.toString(), "-Xlint:none");
        boolean ok = javac.getTask(new StringWriter(), null, diagnostics, options, null, List.of(file))
                .call();
        List<String> errors = diagnostics.getDiagnostics().stream()
                .filter(d -> d.getKind() == Diagnostic.Kind.ERROR)
                .map(d -> d.getMessage(Locale.ROOT))
                .toList();
        assertEquals(ok, errors.isEmpty(), errors.toString());
        return errors;
    }

    @Test
    void aModelInAnotherPackageCallsChildrenThroughCall() {
        assertEquals(List.of(), compile(HEADER + "import dev.nabla.nn.Module;\n" + model("fc.call(x)")));
    }

    @Test
    void callingAChildsForwardDirectlyDoesNotCompile() {
        List<String> errors = compile(HEADER + "import dev.nabla.nn.Module;\n" + model("fc.forward(x)"));
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).contains("forward(dev.nabla.autograd.Variable) has protected access"), errors.get(0));
    }

    @Test
    void moduleNeedsItsOwnImportBesideTheWildcard() {
        List<String> errors = compile(HEADER + model("fc.call(x)"));
        assertTrue(
                errors.stream().anyMatch(e -> e.contains("reference to Module is ambiguous")),
                "java.lang.Module and dev.nabla.nn.Module clash: " + errors);
    }
}
