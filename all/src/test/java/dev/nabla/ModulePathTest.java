package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library as named modules, the way an application with its own {@code module-info.java}
 * sees it: which packages each module exports, that a consumer module compiles and trains on the
 * module path and exports to ONNX there (where no {@code --add-modules} is needed: {@code dev.nabla.tensor} requires the
 * Vector API itself), and that the kernels behind the tensors are out of its reach.
 */
class ModulePathTest {

    @TempDir
    Path dir;

    /** The library modules' folders or jars on this test's class path: those holding a dev.nabla module-info.class. */
    private static List<Path> libraryModules() throws IOException, URISyntaxException {
        List<Path> out = new ArrayList<>();
        Enumeration<URL> found = ModulePathTest.class.getClassLoader().getResources("module-info.class");
        while (found.hasMoreElements()) {
            String url = found.nextElement().toString();
            // file:/.../target/classes/module-info.class, or jar:file:/.../x.jar!/module-info.class
            Path p = url.startsWith("jar:")
                    ? Path.of(new URI(url.substring(4, url.indexOf("!/"))))
                    : Path.of(new URI(url)).getParent();
            if (ModuleFinder.of(p).findAll().stream()
                    .anyMatch(r -> r.descriptor().name().startsWith("dev.nabla."))) {
                out.add(p);
            }
        }
        return out;
    }

    private static String modulePath(List<Path> paths) {
        return paths.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
    }

    @Test
    void eachModuleExportsItsPublicPackagesOnlyAndTheKernelsNone() throws Exception {
        Map<String, String> exports = new TreeMap<>();
        for (ModuleReference r :
                ModuleFinder.of(libraryModules().toArray(Path[]::new)).findAll()) {
            ModuleDescriptor d = r.descriptor();
            exports.put(
                    d.name(),
                    d.exports().stream()
                            .map(e -> e.source() + (e.isQualified() ? " to " + new TreeSet<>(e.targets()) : ""))
                            .sorted()
                            .collect(Collectors.joining(", ")));
        }
        Map<String, String> expected = new TreeMap<>(Map.of(
                "dev.nabla.tensor", "dev.nabla.tensor",
                "dev.nabla.autograd", "dev.nabla.autograd",
                "dev.nabla.nn", "dev.nabla.nn, dev.nabla.nn.data, dev.nabla.nn.models",
                "dev.nabla.optim", "dev.nabla.optim",
                "dev.nabla.quantize",
                        "dev.nabla.quantize, dev.nabla.quantize.distill, dev.nabla.quantize.fused,"
                                + " dev.nabla.quantize.observer, dev.nabla.quantize.prune, dev.nabla.quantize.qat,"
                                + " dev.nabla.quantize.quantized",
                "dev.nabla.export", "dev.nabla.export, dev.nabla.export.onnx, dev.nabla.inference",
                "dev.nabla.train", "dev.nabla.train"));
        assertEquals(expected, exports);
    }

    /** Writes the sources, compiles them as module {@code user} against the library; returns javac's errors. */
    private String compile(Path out, Map<String, String> sources) throws Exception {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assumeTrue(javac != null, "skipped: no system Java compiler in this runtime");
        Path src = dir.resolve("src");
        List<String> files = new ArrayList<>();
        for (var e : sources.entrySet()) {
            Path f = src.resolve(e.getKey());
            Files.createDirectories(f.getParent());
            Files.writeString(f, e.getValue());
            files.add(f.toString());
        }
        List<String> args = new ArrayList<>(
                List.of("-d", out.toString(), "--module-path", modulePath(libraryModules()), "-Xlint:-incubating"));
        args.addAll(files);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = javac.run(null, null, err, args.toArray(String[]::new));
        return code == 0 ? "" : err.toString(StandardCharsets.UTF_8);
    }

    private static final String MODULE_INFO = """
            module user {
                requires dev.nabla.train;
            }
            """;

    @Test
    void aConsumerModuleTrainsOnTheModulePathWithoutAddModules() throws Exception {
        Path out = dir.resolve("out");
        String main = """
                package user;

                import dev.nabla.autograd.Variable;
                import dev.nabla.nn.Linear;
                import dev.nabla.nn.Sequential;
                import dev.nabla.nn.ReLU;
                import dev.nabla.autograd.Functional;
                import dev.nabla.autograd.Tracing;
                import dev.nabla.export.onnx.ExportOptions;
                import dev.nabla.export.onnx.Onnx;
                import dev.nabla.optim.SGD;
                import dev.nabla.tensor.Generator;
                import dev.nabla.tensor.Tensor;
                import dev.nabla.tensor.TensorFunctional;
                import java.util.ArrayList;
                import java.util.List;

                public class Main {
                    public static void main(String[] args) {
                        var model = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 3));
                        var opt = new SGD(model.parameters(), 0.1);
                        Variable x = Variable.randn(new Generator(0), 16, 4);
                        Variable y = Variable.of(Tensor.randint(new Generator(1), 0, 3, 16));
                        float first = 0;
                        float last = 0;
                        for (int step = 0; step < 20; step++) {
                            opt.zeroGrad();
                            Variable loss = Functional.crossEntropy(model.call(x), y);
                            loss.backward();
                            opt.step();
                            last = loss.item();
                            first = step == 0 ? last : first;
                        }
                        Tensor logits = model.call(x).data();
                        float again = TensorFunctional.crossEntropy(logits, y.data()).item();
                        List<Tracing.Op> ops = new ArrayList<>();
                        Tracing.trace(ops::add, () -> model.call(x));
                        byte[] onnx = Onnx.toBytes(model, x, ExportOptions.defaults());
                        System.out.println((last < first) + " " + (again < first)
                                + " " + ops.stream().map(Tracing.Op::name).toList() + " " + (onnx.length > 0)
                                + " " + Main.class.getModule().getName() + " " + Tensor.class.getModule().getName());
                    }
                }
                """;
        String errors = compile(out, Map.of("module-info.java", MODULE_INFO, "user/Main.java", main));
        assertEquals("", errors);
        List<String> cmd = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--module-path",
                modulePath(libraryModules()) + File.pathSeparator + out,
                "-m",
                "user/user.Main");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM finished");
        assertEquals(0, p.exitValue(), output);
        assertTrue(output.strip().endsWith("true true [linear, relu, linear] true user dev.nabla.tensor"), output);
    }

    @Test
    void theKernelsAreNotVisibleToAConsumerModule() throws Exception {
        String main = """
                package user;

                import dev.nabla.tensor.kernel.Gemm;

                public class Main {
                    public static void main(String[] args) {
                        System.out.println(Gemm.class);
                    }
                }
                """;
        String errors = compile(dir.resolve("out"), Map.of("module-info.java", MODULE_INFO, "user/Main.java", main));
        assertTrue(errors.contains("dev.nabla.tensor.kernel"), errors);
    }
}
