package dev.nabla.samples.notebook;

import dev.nabla.notebook.Notebook;
import dev.nabla.notebook.NotebookRunner;
import dev.nabla.notebook.jupyter.Ipynb;
import dev.nabla.notebook.jupyter.KernelSpec;
import dev.nabla.notebook.jupyter.NablaKernel;
import dev.nabla.samples.cli.Args;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code ./nabla notebook}: runs {@code .jsh} notebooks headless, converts them to Jupyter
 * notebooks, installs the Jupyter kernel with the course, and is the kernel Jupyter starts.
 *
 * <pre>{@code
 * ./nabla notebook run samples/notebooks/01-tensors.jsh
 * ./nabla notebook install              # kernel "nabla" + the course as .ipynb in runs/course
 * }</pre>
 */
public final class NotebookCommand {
    static final String USAGE = """
            usage: ./nabla notebook run FILE.jsh... [--out DIR]
                     runs notebooks headless: prints the transcript, saves pictures in DIR/<notebook>
                     (default runs/notebooks), exits non-zero at the first error or failed check
                   ./nabla notebook install [--out DIR]
                     registers the Jupyter kernel "nabla" (jupyter kernelspec install --user) and writes
                     the course (samples/notebooks) as .ipynb into DIR (default runs/course)
                   ./nabla notebook convert FILE.jsh... [--out DIR]
                     writes each notebook as FILE.ipynb into DIR (default: beside the .jsh)
                   ./nabla notebook kernel CONNECTION_FILE
                     the Jupyter kernel itself (Jupyter starts it)
            """;

    private NotebookCommand() {}

    /** Runs {@code ./nabla notebook ...}; returns the exit code. */
    public static int run(String[] argv, PrintStream log) throws Exception {
        Args a = Args.parse(argv, Set.of("help"));
        List<String> pos = a.positional();
        if (a.flag("help") || pos.isEmpty()) {
            log.print(USAGE);
            return pos.isEmpty() && !a.flag("help") ? 2 : 0;
        }
        String sub = pos.get(0);
        List<Path> files = pos.subList(1, pos.size()).stream().map(Path::of).toList();
        return switch (sub) {
            case "run" -> {
                Path out = Path.of(a.string("out", "runs/notebooks"));
                a.finish();
                yield runAll(needFiles(files, sub), out, log);
            }
            case "convert" -> {
                String out = a.string("out", null);
                a.finish();
                for (Path f : needFiles(files, sub)) {
                    Path dir = out != null ? Path.of(out) : f.toAbsolutePath().getParent();
                    Path target = dir.resolve(stem(f) + ".ipynb");
                    Ipynb.write(Notebook.read(f), target);
                    log.println("wrote " + target);
                }
                yield 0;
            }
            case "install" -> {
                Path out = Path.of(a.string("out", "runs/course"));
                a.finish();
                if (!files.isEmpty()) {
                    throw new Args.UsageException("install takes no files");
                }
                yield install(out, log);
            }
            case "kernel" -> {
                a.finish();
                if (files.size() != 1) {
                    throw new Args.UsageException("kernel takes the connection file Jupyter passes");
                }
                NablaKernel.main(new String[] {files.get(0).toString()});
                yield 0;
            }
            default ->
                throw new Args.UsageException("unknown notebook command '" + sub + "' (run, install, convert, kernel)");
        };
    }

    private static List<Path> needFiles(List<Path> files, String sub) {
        if (files.isEmpty()) {
            throw new Args.UsageException(sub + " needs at least one .jsh file");
        }
        return files;
    }

    private static String stem(Path f) {
        return f.getFileName().toString().replaceFirst("\\.jsh$", "");
    }

    static int runAll(List<Path> files, Path out, PrintStream log) throws IOException {
        List<NotebookRunner.Result> results = new ArrayList<>();
        for (Path f : files) {
            NotebookRunner.Result r = NotebookRunner.run(f, out.resolve(stem(f)));
            results.add(r);
            if (!r.ok()) {
                System.out.flush();
                System.err.println("\nnabla notebook: " + r.failure());
                return 1;
            }
        }
        System.out.println();
        for (NotebookRunner.Result r : results) {
            log.printf(
                    Locale.ROOT,
                    "%s: %d snippets ran, every check held (%.1f s)%n",
                    r.notebook(),
                    r.snippets(),
                    r.seconds());
        }
        return 0;
    }

    /** The Nabla root (where the launcher lives), from the launcher's -Dnabla.home. */
    private static Path home() {
        String home = System.getProperty("nabla.home");
        if (home == null) {
            throw new IllegalStateException("install needs to know the launcher: run it as ./nabla notebook install");
        }
        return Path.of(home);
    }

    static int install(Path out, PrintStream log) throws IOException, InterruptedException {
        Path root = home();
        Path spec = KernelSpec.write(
                Files.createTempDirectory("nabla-kernel"),
                List.of(root.resolve("nabla").toString(), "notebook", "kernel"));
        List<String> cmd = List.of(
                "jupyter", "kernelspec", "install", "--user", "--replace", "--name", KernelSpec.NAME, spec.toString());
        Process p;
        try {
            p = new ProcessBuilder(cmd).inheritIO().start();
        } catch (IOException e) {
            throw new IllegalStateException("Jupyter is not installed (no 'jupyter' command); install it, e.g. "
                    + "'apt-get install jupyter-notebook jupyter-nbconvert' or 'pip install notebook nbconvert'");
        }
        if (p.waitFor() != 0) {
            throw new IllegalStateException("'" + String.join(" ", cmd) + "' failed (exit " + p.exitValue() + ")");
        }
        List<Path> sources;
        try (Stream<Path> s = Files.list(root.resolve("samples/notebooks"))) {
            sources = s.filter(f -> f.toString().endsWith(".jsh")).sorted().toList();
        }
        for (Path f : sources) {
            Ipynb.write(Notebook.read(f), out.resolve(stem(f) + ".ipynb"));
        }
        log.println("installed the Jupyter kernel '" + KernelSpec.NAME + "' (" + KernelSpec.DISPLAY_NAME + ")");
        log.println("wrote the course, " + sources.size() + " notebooks, to " + out);
        log.println("open it with: jupyter notebook " + out + "   (or: jupyter lab " + out + ")");
        return 0;
    }
}
