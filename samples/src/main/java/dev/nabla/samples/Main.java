package dev.nabla.samples;

import dev.nabla.samples.bench.Bench;
import dev.nabla.samples.cli.Args;
import dev.nabla.samples.cli.Errors;
import dev.nabla.samples.doctor.Doctor;
import dev.nabla.samples.notebook.NotebookCommand;
import dev.nabla.samples.train.DistillCommand;
import dev.nabla.samples.train.PredictCommand;
import dev.nabla.samples.train.PruneCommand;
import dev.nabla.samples.train.QuantizeCommand;
import dev.nabla.samples.train.TrainCommand;
import dev.nabla.serve.ServeCommand;
import dev.nabla.serve.ServeImage;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The command-line front end behind {@code ./nabla}.
 *
 * <pre>{@code
 * ./nabla help
 * ./nabla bench --only gemm_1024
 * }</pre>
 */
public final class Main {
    private static final String USAGE = """
            usage: ./nabla <command> [options]

            commands:
              train      train an image classifier (default: LeNet-5 on the embedded MNIST digits)
              spark-train  train on Apache Spark, data-parallel (module spark; --master local[2] by default)
              evaluate   report test metrics of a saved checkpoint, float or int8 (--checkpoint DIR), or an ONNX file (--onnx FILE)
              prune      prune a checkpoint (unstructured, global, structured, gradual), fine-tune, report
              distill    train a student model against a frozen teacher checkpoint (knowledge distillation)
              predict    classify image files (PNG, JPEG) or IDX/CIFAR records with a saved checkpoint
              quantize   make an int8 model from a checkpoint and compare it with the float one
              export     write a checkpoint's model as an ONNX file (--checkpoint DIR --out FILE.onnx)
              bench      time the workloads of shared/peers/torch_bench.py
                         [--threads N] [--only name,prefix,...] [--warmup SECONDS]
              doctor     check the JDK, the Vector API and the CPU; measure the FMA peak and GEMM
              notebook   run a .jsh notebook headless (run FILE), or install the Jupyter kernel and course (install)
              serve      serve checkpoints or ONNX files over HTTP (TensorFlow Serving's REST API, batching, metrics, a web page)
              serve-image  build a runtime image (jlink) with the server and the models, to deploy
              jshell     open JShell with Nabla on the class path
              jmh        run the JMH benchmarks (arguments go to JMH)
              jvm-options  print the JVM options ./nabla uses, for your own java command line
              test       run the whole test suite (mvn verify)
              install    install the library into ~/.m2 for your own projects (tests skipped)
              help       this text

            Run './nabla <command> --help' for a command's options.
            """;

    private Main() {}

    public static void main(String[] argv) throws Exception {
        String cmd = argv.length == 0 ? "help" : argv[0];
        String[] rest = Arrays.copyOfRange(argv, Math.min(1, argv.length), argv.length);
        try {
            switch (cmd) {
                case "help", "--help", "-h" -> System.out.print(USAGE);
                case "bench" -> bench(rest);
                case "doctor" -> exit(Doctor.run(System.out));
                case "train" -> exit(TrainCommand.train(rest, System.out));
                case "evaluate" -> exit(TrainCommand.evaluate(rest, System.out));
                case "prune" -> exit(PruneCommand.run(rest, System.out));
                case "distill" -> exit(DistillCommand.run(rest, System.out));
                case "predict" -> exit(PredictCommand.run(rest, System.out));
                case "quantize" -> exit(QuantizeCommand.run(rest, System.out));
                case "export" -> exit(TrainCommand.export(rest, System.out));
                case "notebook" -> exit(NotebookCommand.run(rest, System.out));
                case "serve" -> exit(ServeCommand.run(rest, System.out));
                case "serve-image" -> exit(ServeImage.run(rest, serveClassPath(), System.out));
                default -> {
                    System.err.print("nabla: unknown command '" + cmd + "'\n\n" + USAGE);
                    System.exit(2);
                }
            }
        } catch (Args.UsageException | ServeCommand.UsageException e) {
            System.err.println("nabla " + cmd + ": " + e.getMessage());
            System.err.println("run './nabla " + cmd + " --help' for the options");
            System.exit(2);
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            // Bad data, a corrupt file, a wrong shape: the message says which; no stack trace needed.
            System.err.println("nabla " + cmd + ": " + Errors.describe(e));
            if (Boolean.getBoolean("nabla.debug")) {
                e.printStackTrace();
            }
            System.exit(1);
        }
    }

    /** The server's classes and dependencies, as the build wrote them (serve/target/classpath.txt). */
    private static List<Path> serveClassPath() throws IOException {
        Path serve =
                Path.of(System.getProperty("nabla.home", ".")).resolve("serve").resolve("target");
        Path file = serve.resolve("classpath.txt");
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + " not found: build the project first (./nabla builds it)");
        }
        List<Path> cp = new ArrayList<>();
        cp.add(serve.resolve("classes"));
        for (String entry : Files.readString(file).trim().split(File.pathSeparator)) {
            if (!entry.isBlank()) {
                cp.add(Path.of(entry));
            }
        }
        return cp;
    }

    private static void exit(int code) {
        System.out.flush();
        if (code != 0) {
            System.exit(code);
        }
    }

    private static void bench(String[] argv) {
        Args a = Args.parse(argv, Set.of("help"));
        if (a.flag("help")) {
            System.out.print("""
                    usage: ./nabla bench [--threads N] [--only a,b,...] [--warmup SECONDS]
                    Prints name<TAB>value<TAB>unit per workload, with the names and definitions of
                    shared/peers/torch_bench.py (run it the same way for the side-by-side figure).
                    """);
            return;
        }
        int threads = a.intValue("threads", 2);
        String only = a.string("only", "");
        double warmup = a.doubleValue("warmup", 2.0);
        a.finish();
        if (threads < 1) {
            throw new Args.UsageException("--threads must be >= 1");
        }
        List<String> names = Arrays.stream(only.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
        Bench.run(threads, names, warmup);
    }
}
