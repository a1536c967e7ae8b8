package dev.nabla.serve;

import dev.nabla.nn.data.ChannelStats;
import dev.nabla.nn.data.Mnist;
import dev.nabla.tensor.Threads;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code ./nabla serve}: starts an {@link InferenceServer} from the command line and runs it until
 * the process is told to stop (SIGTERM or Ctrl-C), then drains: requests in flight are answered
 * before it exits. The deployable image runs the same command ({@link #main}).
 *
 * <pre>{@code
 * ./nabla serve --checkpoint runs/mnist-10k-lenet5 --port 8080
 * ./nabla serve --checkpoint digits=runs/mnist-10k-lenet5 --checkpoint fashion=models/fashion --max-batch 64
 * ./nabla serve --onnx lenet=lenet5.onnx          # an ONNX file, the MNIST digits' normalisation
 * }</pre>
 */
public final class ServeCommand {
    static final String USAGE = """
            usage: ./nabla serve --checkpoint [NAME=]DIR | --onnx [NAME=]FILE [more of either ...] [options]
              --checkpoint DIR      a checkpoint written by ./nabla train, or a folder of numbered versions
                                    (DIR/1/, DIR/2/, ...: each served, the highest by default); NAME= names
                                    the model in URLs (default: --name, else the run's folder name)
              --onnx FILE           an ONNX file (./nabla export, torch.onnx.export): input [batch, C, H, W]
                                    from the file, logits out, classes named 0..n-1; reloaded as the next
                                    version when the file changes
              --onnx-mean M[,M,M]   per-channel mean of values in [0, 1] the --onnx files were trained with
              --onnx-std S[,S,S]    and their std (default for both: the MNIST digits' 0.1307 and 0.3081,
                                    as ./nabla evaluate --onnx; required for other channel counts)
              --name NAME           the model's name when one model is given
              --model ARCH          the zoo architecture, for checkpoints that do not record it
                                    (lenet5, small-cnn, cnn, cnn-bn, resnet20)
              --host ADDR           address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
              --port N              port (default 8080; 0 picks a free one)
              --max-batch N         images per forward pass (default 32)
              --max-delay-ms MS     how long a batch waits for more requests (default 5)
              --threads N           threads for the model's kernels (default: half the processors when
                                    batching, all of them with --max-batch 1)
              --max-queue N         requests waiting for a model before 503 (default 256)
              --max-instances N     images per request before 400 (default 64)
              --max-body-bytes N    request body size before 413 (default 4194304)
              --timeout-ms MS       time for a request before 504 (default 10000)
              --feedback-window N   recent predictions that accept feedback (default 100000)
              --warmup N            warm-up passes per model before /ready (default 20)
              --drain-seconds S     on SIGTERM, how long to wait for requests in flight (default 30)
              --watch-seconds S     look for new, changed or removed versions on disk every S seconds and
                                    swap them in as :reload does (default 0: only on :reload)
            Endpoints: GET / (web page), /health, /ready, /metrics, /v1/models;
            POST /v1/models/NAME:predict, :feedback, :reload; GET /v1/models/NAME/quality (see README).
            """;

    private static final Set<String> OPTIONS = Set.of(
            "checkpoint",
            "onnx",
            "onnx-mean",
            "onnx-std",
            "name",
            "model",
            "host",
            "port",
            "max-batch",
            "max-delay-ms",
            "threads",
            "max-queue",
            "max-instances",
            "max-body-bytes",
            "timeout-ms",
            "feedback-window",
            "warmup",
            "drain-seconds",
            "watch-seconds");

    private ServeCommand() {}

    /** A mistake on the command line: the message says which flag and why. */
    public static final class UsageException extends IllegalArgumentException {
        UsageException(String message) {
            super(message);
        }
    }

    /** The image's entry point: runs {@link #run} and exits with its status. */
    public static void main(String[] args) throws Exception {
        int code;
        try {
            code = run(args, System.out);
        } catch (UsageException e) {
            System.err.println("nabla serve: " + e.getMessage() + "\n\n" + USAGE);
            code = 2;
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("nabla serve: " + e.getMessage());
            code = 1;
        }
        System.exit(code);
    }

    /**
     * Serves until the JVM is told to stop; returns the exit status.
     *
     * @throws UsageException for a bad command line
     * @throws IOException when a checkpoint cannot be loaded or the port is taken
     */
    public static int run(String[] args, PrintStream out) throws IOException, InterruptedException {
        Map<String, List<String>> flags = parse(args);
        if (flags.containsKey("help")) {
            out.print(USAGE);
            return 0;
        }
        InferenceServer.Options o = InferenceServer.options()
                .host(one(flags, "host", "127.0.0.1"))
                .port(number(flags, "port", 8080, 0))
                .maxBatch(number(flags, "max-batch", 32, 1))
                .maxDelay(Duration.ofMillis(number(flags, "max-delay-ms", 5, 0)))
                .maxQueue(number(flags, "max-queue", 256, 1))
                .maxInstances(number(flags, "max-instances", 64, 1))
                .maxBodyBytes(number(flags, "max-body-bytes", 4 << 20, 1024))
                .timeout(Duration.ofMillis(number(flags, "timeout-ms", 10_000, 1)))
                .feedbackWindow(number(flags, "feedback-window", 100_000, 1))
                .warmup(number(flags, "warmup", 20, 0))
                .drainTimeout(Duration.ofSeconds(number(flags, "drain-seconds", 30, 0)))
                .watch(Duration.ofSeconds(number(flags, "watch-seconds", 0, 0)));
        if (flags.containsKey("threads")) {
            Threads.set(number(flags, "threads", 1, 1));
        } else if (System.getProperty("nabla.threads") == null) {
            Threads.set(defaultThreads(o.maxBatch(), Runtime.getRuntime().availableProcessors()));
        }
        List<ModelSource> sources = sources(flags);
        if (!System.getProperties().containsKey("java.util.logging.SimpleFormatter.format")) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tF %1$tT %4$s %5$s%6$s%n");
        }

        long t0 = System.nanoTime();
        InferenceServer server = InferenceServer.start(o, sources);
        Thread hook = new Thread(
                () -> {
                    out.println("nabla serve: stopping; answering the requests in flight first");
                    server.close();
                    out.println("nabla serve: stopped");
                    out.flush();
                },
                "nabla-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        for (var e : server.models().entrySet()) {
            out.println("model " + e.getKey() + ": versions " + e.getValue());
        }
        out.printf(
                Locale.ROOT,
                "serving at %s (ready in %.1f s; %d kernel thread%s, batches of up to %d within %d ms)%n",
                server.url(),
                (System.nanoTime() - t0) / 1e9,
                Threads.get(),
                Threads.get() == 1 ? "" : "s",
                o.maxBatch(),
                o.maxDelay().toMillis());
        out.flush();
        server.awaitShutdown();
        return 0;
    }

    static List<ModelSource> sources(Map<String, List<String>> flags) {
        List<String> checkpoints = flags.getOrDefault("checkpoint", List.of());
        List<String> onnx = flags.getOrDefault("onnx", List.of());
        if (checkpoints.isEmpty() && onnx.isEmpty()) {
            throw new UsageException("--checkpoint DIR or --onnx FILE is required");
        }
        String name = one(flags, "name", null);
        if (name != null && checkpoints.size() + onnx.size() > 1) {
            throw new UsageException(
                    "--name names one model; with several, write --checkpoint NAME=DIR or --onnx NAME=FILE for each");
        }
        if (onnx.isEmpty() && (flags.containsKey("onnx-mean") || flags.containsKey("onnx-std"))) {
            throw new UsageException("--onnx-mean and --onnx-std apply to --onnx files; checkpoints record theirs");
        }
        String arch = one(flags, "model", null);
        List<ModelSource> sources = new ArrayList<>();
        for (String c : checkpoints) {
            int eq = c.indexOf('=');
            String given = eq > 0 ? c.substring(0, eq) : name;
            Path dir = Path.of(eq > 0 ? c.substring(eq + 1) : c);
            try {
                ModelSource s = ModelSource.checkpoint(given != null ? given : ModelSource.defaultName(dir), dir);
                sources.add(arch != null ? s.architecture(arch) : s);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--checkpoint " + c + ": " + e.getMessage());
            }
        }
        ChannelStats stats = onnx.isEmpty() ? null : onnxNormalization(flags);
        for (String f : onnx) {
            int eq = f.indexOf('=');
            String given = eq > 0 ? f.substring(0, eq) : name;
            Path file = Path.of(eq > 0 ? f.substring(eq + 1) : f);
            try {
                sources.add(ModelSource.onnx(given != null ? given : ModelSource.defaultName(file), file, stats));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--onnx " + f + ": " + e.getMessage());
            }
        }
        return sources;
    }

    /** {@code --onnx-mean} and {@code --onnx-std}, both or neither (then the MNIST digits'). */
    private static ChannelStats onnxNormalization(Map<String, List<String>> flags) {
        String mean = one(flags, "onnx-mean", null);
        String std = one(flags, "onnx-std", null);
        if (mean == null && std == null) {
            return Mnist.STATS;
        }
        if (mean == null || std == null) {
            throw new UsageException("--onnx-mean and --onnx-std go together");
        }
        try {
            return new ChannelStats(floats("onnx-mean", mean), floats("onnx-std", std));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--onnx-mean " + mean + " --onnx-std " + std + ": " + e.getMessage());
        }
    }

    private static float[] floats(String key, String values) {
        String[] parts = values.split(",", -1);
        float[] out = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Float.parseFloat(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new UsageException("--" + key + " takes numbers separated by commas, got '" + values + "'");
            }
        }
        return out;
    }

    /** {@code --flag value}, {@code --flag=value} and {@code --help}; only --checkpoint and --onnx may repeat. */
    static Map<String, List<String>> parse(String[] args) {
        Map<String, List<String>> flags = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                flags.put("help", List.of());
                continue;
            }
            if (!a.startsWith("--")) {
                throw new UsageException("unexpected argument '" + a + "'");
            }
            String key = a.substring(2);
            String value;
            int eq = key.indexOf('=');
            if (eq >= 0) {
                value = key.substring(eq + 1);
                key = key.substring(0, eq);
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                value = args[++i];
            } else {
                throw new UsageException("--" + key + " needs a value");
            }
            if (!OPTIONS.contains(key)) {
                throw new UsageException("unknown option --" + key);
            }
            List<String> values = flags.computeIfAbsent(key, k -> new ArrayList<>());
            if (!values.isEmpty() && !key.equals("checkpoint") && !key.equals("onnx")) {
                throw new UsageException("--" + key + " is given twice");
            }
            values.add(value);
        }
        return flags;
    }

    /**
     * Kernel threads when neither {@code --threads} nor {@code -Dnabla.threads} says: with batching,
     * half the processors (at least one), so the request threads (HTTP, parsing, replies: about twice
     * the model's CPU per request for LeNet-5) keep the rest; without batching, all of them, since
     * the one batcher running single images is then the bottleneck and each pass gets shorter.
     * Measured on 2 cores (BENCHMARKS.md, "Serving"): at {@code --max-batch 32} one thread used
     * about a quarter less CPU per request than two and, in a quiet window, 14% more throughput; at
     * 1, two threads gave 1.2-1.6x the throughput of one on a loaded machine (one was 1.1x ahead
     * when quiet).
     */
    static int defaultThreads(int maxBatch, int processors) {
        return maxBatch > 1 ? Math.max(1, processors / 2) : processors;
    }

    private static String one(Map<String, List<String>> flags, String key, String fallback) {
        List<String> v = flags.get(key);
        return v == null ? fallback : v.get(0);
    }

    private static int number(Map<String, List<String>> flags, String key, int fallback, int min) {
        String v = one(flags, key, null);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n < min) {
                throw new UsageException("--" + key + " must be >= " + min + ", got " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + key + " must be a whole number, got '" + v + "'");
        }
    }
}
