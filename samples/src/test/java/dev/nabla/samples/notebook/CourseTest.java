package dev.nabla.samples.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nabla.notebook.Notebook;
import dev.nabla.notebook.NotebookRunner;
import dev.nabla.notebook.jupyter.Ipynb;
import dev.nabla.notebook.jupyter.KernelSpec;
import dev.nabla.notebook.jupyter.NablaKernel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the course: every notebook in samples/notebooks headless (their checks are the
 * assertions), and, where Jupyter is installed, every notebook again as .ipynb on the Nabla
 * kernel through {@code jupyter nbconvert --execute}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CourseTest {
    static final Path NOTEBOOKS = Path.of("notebooks");

    /** The real CIFAR-10 subset that CI keeps beside the repository, when it is there. */
    static String cifar() {
        String env = System.getenv("NABLA_CIFAR10");
        Path dir = env != null ? Path.of(env) : Path.of("../../shared/data/cifar-10-subset");
        return Files.isDirectory(dir) ? dir.toAbsolutePath().normalize().toString() : null;
    }

    static List<Path> course() throws IOException {
        try (Stream<Path> s = Files.list(NOTEBOOKS)) {
            List<Path> files =
                    s.filter(f -> f.toString().endsWith(".jsh")).sorted().toList();
            assertTrue(files.size() >= 11, "the course has lessons 1 to 11, found " + files);
            return files;
        }
    }

    @TestFactory
    @Order(1)
    Stream<DynamicTest> everyNotebookRunsHeadless() throws IOException {
        String cifar = cifar();
        if (cifar != null) {
            System.setProperty("nabla.cifar10", cifar);
        }
        return course().stream()
                .map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
                    String name = f.getFileName().toString().replace(".jsh", "");
                    Path pictures = Path.of("target/notebooks", name);
                    NotebookRunner.Result r = NotebookRunner.run(f, pictures);
                    assertTrue(r.ok(), r.failure());
                    System.err.printf(
                            Locale.ROOT, "notebook %s: %d snippets, %.1f s%n", name, r.snippets(), r.seconds());
                    try (Stream<Path> pngs = Files.list(pictures)) {
                        assertTrue(
                                pngs.anyMatch(p -> p.toString().endsWith(".png")),
                                name + " shows at least one picture");
                    }
                }));
    }

    static boolean jupyterPresent() {
        try {
            Process p = new ProcessBuilder("jupyter", "nbconvert", "--version")
                    .redirectErrorStream(true)
                    .start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** The Jupyter runs, started before the headless ones so that both use the two cores. */
    private static final List<Process> jupyter = new ArrayList<>();
    /** What the kernel's JVM prints when a port jupyter_client gave it was taken first (ZeroMQ's EADDRINUSE). */
    private static final String PORT_RACE = "ZMQException: Errno 48 : Address already in use";

    private static long jupyterStart;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void startJupyter() throws IOException {
        if (!jupyterPresent()) {
            return;
        }
        List<String> kernel = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector",
                "-XX:+UseParallelGC"));
        if (cifar() != null) {
            kernel.add("-Dnabla.cifar10=" + cifar());
        }
        kernel.addAll(List.of("-cp", System.getProperty("java.class.path"), NablaKernel.class.getName()));
        KernelSpec.write(tmp.resolve("jupyter/kernels"), kernel);
        jupyterStart = System.nanoTime();
        // two nbconvert processes, each executing every other notebook in turn
        for (int part = 0; part < 2; part++) {
            jupyter.add(startPart(part));
        }
    }

    /** One nbconvert process executing every other notebook of the course, from the {@code part}-th. */
    private static Process startPart(int part) throws IOException {
        List<Path> course = course();
        List<String> cmd = new ArrayList<>(List.of(
                "jupyter",
                "nbconvert",
                "--to",
                "notebook",
                "--execute",
                "--ExecutePreprocessor.timeout=300",
                "--output-dir",
                tmp.resolve("out").toString()));
        for (int i = part; i < course.size(); i += 2) {
            Path f = course.get(i);
            Path ipynb =
                    tmp.resolve("course").resolve(f.getFileName().toString().replace(".jsh", ".ipynb"));
            Ipynb.write(Notebook.read(f), ipynb);
            cmd.add(ipynb.toString());
        }
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(tmp.resolve("nbconvert-" + part + ".log").toFile());
        pb.environment().put("JUPYTER_PATH", tmp.resolve("jupyter").toString());
        return pb.start();
    }

    @AfterAll
    static void stopJupyter() {
        jupyter.forEach(Process::destroyForcibly);
    }

    @Test
    @Order(2)
    void jupyterRunsTheCourseOnTheNablaKernel() throws Exception {
        assumeTrue(
                !jupyter.isEmpty(),
                "Jupyter is not installed (no 'jupyter nbconvert'): the .ipynb course is not executed; "
                        + "apt-get install jupyter-nbconvert jupyter-client to run it");
        for (int part = 0; part < jupyter.size(); part++) {
            Process p = jupyter.get(part);
            assertTrue(p.waitFor(20, TimeUnit.MINUTES), "nbconvert did not finish");
            String log = Files.readString(tmp.resolve("nbconvert-" + part + ".log"));
            if (p.exitValue() != 0 && log.contains(PORT_RACE)) {
                // jupyter_client picks a kernel's five ports by binding port 0 and letting it go, so
                // another process (the other nbconvert, or any other) can take one before the kernel binds
                // it: the kernel never started. Run that part once more; any other failure stands.
                System.err.println("nbconvert part " + part + ": the kernel lost a port to another process; "
                        + "running the part again:\n" + log);
                p = startPart(part);
                jupyter.set(part, p);
                assertTrue(p.waitFor(20, TimeUnit.MINUTES), "nbconvert did not finish");
                log = Files.readString(tmp.resolve("nbconvert-" + part + ".log"));
            }
            assertEquals(0, p.exitValue(), "jupyter nbconvert --execute failed:\n" + log);
        }
        System.err.printf(
                Locale.ROOT,
                "jupyter nbconvert --execute of the course: %.1f s (alongside the headless runs)%n",
                (System.nanoTime() - jupyterStart) / 1e9);
        for (Path f : course()) {
            String name = f.getFileName().toString().replace(".jsh", ".ipynb");
            String executed = Files.readString(tmp.resolve("out").resolve(name));
            assertTrue(executed.contains("\"image/png\""), name + ": pictures appear inline");
            assertTrue(!executed.contains("\"output_type\": \"error\""), name + " has an error output");
        }
    }
}
