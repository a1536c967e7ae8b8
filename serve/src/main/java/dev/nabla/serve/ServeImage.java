package dev.nabla.serve;

import dev.nabla.export.Checkpoint;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;

/**
 * {@code ./nabla serve-image}: a self-contained folder that serves models with no JDK installed, a
 * jlink runtime holding only the JDK modules the server uses (found by {@code jdeps}, plus
 * {@code jdk.incubator.vector}), the server's jars and the models:
 *
 * <pre>
 * OUT/bin/java, OUT/lib/...     the runtime (jlink)
 * OUT/app/*.jar                 the server and its dependencies
 * OUT/models/NAME/...           each model's checkpoint (or numbered versions)
 * OUT/bin/nabla-serve           runs the server on them; extra arguments go to ./nabla serve
 * OUT/bin/nabla-health          exits 0 when /health answers (for container health checks)
 * </pre>
 *
 * <pre>{@code
 * ./nabla serve-image --checkpoint digits=runs/mnist-10k-lenet5 --out target/nabla-serve
 * target/nabla-serve/bin/nabla-serve --host 0.0.0.0 --port 8080
 * }</pre>
 */
public final class ServeImage {
    static final String USAGE = """
            usage: ./nabla serve-image --checkpoint [NAME=]DIR [--checkpoint ...] [--model ARCH] [--out DIR]
            Builds a runtime image (jlink: only the JDK modules the server needs) with the server and the
            models in DIR (as ./nabla serve takes them), into --out (default target/nabla-serve; an earlier
            image there is replaced). Run it with OUT/bin/nabla-serve [serve options, e.g. --host 0.0.0.0].
            """;

    /** Modules jdeps cannot see: the logging back end that formats the server's log lines. */
    private static final List<String> EXTRA_MODULES = List.of("java.logging", "jdk.incubator.vector");

    private ServeImage() {}

    /**
     * Runs {@code ./nabla serve-image}; {@code classPath} is the server's run-time class path
     * (its own classes and every dependency).
     */
    public static int run(String[] args, List<Path> classPath, PrintStream out) throws IOException {
        List<String> forServe = new ArrayList<>();
        Path target = Path.of("target", "nabla-serve");
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--help") || args[i].equals("-h")) {
                out.print(USAGE);
                return 0;
            }
            if (args[i].equals("--out") && i + 1 < args.length) {
                target = Path.of(args[++i]);
            } else if (args[i].startsWith("--out=")) {
                target = Path.of(args[i].substring(6));
            } else {
                forServe.add(args[i]);
            }
        }
        Map<String, List<String>> flags = ServeCommand.parse(forServe.toArray(new String[0]));
        for (String key : flags.keySet()) {
            if (key.startsWith("onnx")) {
                throw new ServeCommand.UsageException(
                        "--" + key + ": serve-image packs checkpoints; ONNX files are served by ./nabla serve --onnx");
            }
            if (!List.of("checkpoint", "name", "model").contains(key)) {
                throw new ServeCommand.UsageException("--" + key + " is an option of the server: pass it to "
                        + "OUT/bin/nabla-serve when it runs, not to serve-image");
            }
        }
        List<ModelSource> sources = ServeCommand.sources(flags);
        long t0 = System.nanoTime();
        Image image = build(target, classPath, sources);
        out.printf(
                Locale.ROOT,
                "built %s in %.1f s: %.1f MB (runtime %.1f MB with %s; app %.1f MB; models %.1f MB)%n",
                target,
                (System.nanoTime() - t0) / 1e9,
                image.totalBytes() / 1e6,
                image.runtimeBytes() / 1e6,
                String.join(", ", image.modules()),
                image.appBytes() / 1e6,
                image.modelBytes() / 1e6);
        out.println("run it:  " + target.resolve("bin").resolve("nabla-serve") + " --host 0.0.0.0 --port 8080");
        return 0;
    }

    /** What was built: the JDK modules and the sizes of the parts, in bytes. */
    public record Image(Path dir, List<String> modules, long runtimeBytes, long appBytes, long modelBytes) {
        public long totalBytes() {
            return runtimeBytes + appBytes + modelBytes;
        }
    }

    /**
     * Builds the image into {@code out} (replacing an earlier image there; any other existing
     * folder is refused).
     *
     * @param classPath the server's classes and dependencies: jars, or class folders (jarred here)
     * @param sources   the models (checkpoints; not ONNX files), copied in under their names
     */
    public static Image build(Path out, List<Path> classPath, List<ModelSource> sources) throws IOException {
        if (Files.exists(out)) {
            if (!Files.isRegularFile(out.resolve("bin").resolve("nabla-serve"))) {
                throw new IOException(out + " exists and is not a Nabla serve image; choose another --out");
            }
            deleteTree(out);
        }
        for (Path p : classPath) {
            if (!Files.exists(p)) {
                throw new IOException("class path entry " + p + " does not exist (build the project first)");
            }
        }
        for (ModelSource s : sources) {
            if (s.isOnnx()) {
                throw new IllegalArgumentException(
                        s.name() + ": the image packs checkpoints, not ONNX files (" + s.path() + ")");
            }
            ModelLoader.scan(s); // a missing or empty checkpoint fails now, not in the container
        }
        List<String> modules = modules(classPath);
        Files.createDirectories(out.getParent() == null ? Path.of(".") : out.getParent());
        tool(
                "jlink",
                "--add-modules",
                String.join(",", modules),
                "--output",
                out.toString(),
                "--strip-debug",
                "--no-header-files",
                "--no-man-pages",
                "--compress=zip-6");

        Path app = Files.createDirectories(out.resolve("app"));
        for (Path p : classPath) {
            if (Files.isDirectory(p)) {
                Path jar = app.resolve(jarName(p));
                tool("jar", "--create", "--file", jar.toString(), "-C", p.toString(), ".");
            } else {
                Files.copy(p, app.resolve(p.getFileName().toString()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Path models = Files.createDirectories(out.resolve("models"));
        StringBuilder checkpoints = new StringBuilder();
        for (ModelSource s : sources) {
            Path dest = models.resolve(s.name());
            copyModel(s.path(), dest);
            checkpoints
                    .append(" --checkpoint \"")
                    .append(s.name())
                    .append("=$HERE/models/")
                    .append(s.name())
                    .append('"');
        }
        // ./nabla serve's --model applies to every checkpoint, as it did on the command line.
        String arch = sources.get(0).architecture();
        if (arch != null && sources.get(0).factory() == null) {
            checkpoints.append(" --model ").append(arch);
        }
        Path bin = out.resolve("bin");
        script(bin.resolve("nabla-serve"), """
                #!/bin/sh
                # Serves the models under ../models (Nabla serve); arguments are ./nabla serve's options,
                # e.g. --host 0.0.0.0 --port 8080. JVM options go in NABLA_JAVA_OPTS.
                HERE="$(cd "$(dirname "$0")/.." && pwd)"
                exec "$HERE/bin/java" --add-modules jdk.incubator.vector -XX:+UseParallelGC -Djava.awt.headless=true \\
                  $NABLA_JAVA_OPTS \\
                  -cp "$HERE/app/*" dev.nabla.serve.ServeCommand%s "$@"
                """.formatted(checkpoints));
        script(bin.resolve("nabla-health"), """
                #!/bin/sh
                # Exits 0 when the server's /health answers 200 (default http://127.0.0.1:8080/health).
                HERE="$(cd "$(dirname "$0")/.." && pwd)"
                exec "$HERE/bin/java" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx32m \\
                  -cp "$HERE/app/*" dev.nabla.serve.HealthCheck "${1:-http://127.0.0.1:8080/health}"
                """);
        long appBytes = size(app);
        long modelBytes = size(models);
        return new Image(out, modules, size(out) - appBytes - modelBytes, appBytes, modelBytes);
    }

    /** The JDK modules the class path uses (jdeps), and those it needs without naming them. */
    static List<String> modules(List<Path> classPath) {
        List<String> args = new ArrayList<>(List.of(
                "--print-module-deps",
                "--ignore-missing-deps",
                "-q",
                "--multi-release",
                Integer.toString(Runtime.version().feature())));
        args.add("--class-path");
        args.add(String.join(
                File.pathSeparator, classPath.stream().map(Path::toString).toList()));
        classPath.forEach(p -> args.add(p.toString()));
        String printed = tool("jdeps", args.toArray(new String[0])).trim();
        TreeSet<String> modules = new TreeSet<>(Arrays.asList(printed.split(",")));
        modules.addAll(EXTRA_MODULES);
        modules.removeIf(String::isBlank);
        return List.copyOf(modules);
    }

    private static String tool(String name, String... args) {
        ToolProvider tool = ToolProvider.findFirst(name)
                .orElseThrow(() -> new IllegalStateException(name + " is not in this Java runtime (module jdk."
                        + (name.equals("jdeps") ? "jdeps" : name.equals("jar") ? "jartool" : "jlink")
                        + "); build the image with a full JDK"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintWriter o = new PrintWriter(out, true, StandardCharsets.UTF_8);
                PrintWriter e = new PrintWriter(err, true, StandardCharsets.UTF_8)) {
            code = tool.run(o, e, args);
        }
        if (code != 0) {
            throw new IllegalStateException(name + " failed (exit " + code + "): "
                    + err.toString(StandardCharsets.UTF_8) + out.toString(StandardCharsets.UTF_8));
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** A jar name for a class folder such as {@code tensor/target/classes}: {@code tensor.jar}. */
    private static String jarName(Path classes) {
        Path abs = classes.toAbsolutePath().normalize();
        Path module = abs.getParent() != null
                        && abs.getParent().getFileName().toString().equals("target")
                ? abs.getParent().getParent()
                : abs;
        return "nabla-" + module.getFileName() + ".jar";
    }

    /** Copies a checkpoint (its safetensors files) or a folder of numbered versions. */
    private static void copyModel(Path from, Path to) throws IOException {
        if (Files.isRegularFile(from)) {
            Files.createDirectories(to);
            Files.copy(from, to.resolve(Checkpoint.MODEL_FILE));
            return;
        }
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(to.resolve(from.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (file.getFileName().toString().endsWith(".safetensors")) {
                    Files.copy(file, to.resolve(from.relativize(file).toString()));
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void script(Path file, String text) throws IOException {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static long size(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .mapToLong(p -> {
                        try {
                            return Files.size(p);
                        } catch (IOException e) {
                            return 0;
                        }
                    })
                    .sum();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
