package dev.nabla.samples.train;

import dev.nabla.inference.Classifier;
import dev.nabla.inference.Prediction;
import dev.nabla.nn.data.Cifar10;
import dev.nabla.nn.data.Cifar100;
import dev.nabla.nn.data.Idx;
import dev.nabla.nn.data.ImageDataset;
import dev.nabla.nn.data.Preprocessing;
import dev.nabla.samples.cli.Args;
import dev.nabla.tensor.Threads;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;

/**
 * {@code ./nabla predict}: the top classes of image files (anything {@link ImageIO} reads: PNG,
 * JPEG, GIF, BMP) or of every record of an IDX images file or a CIFAR batch file, with the model
 * and the preprocessing (input shape, normalisation, class names) of a checkpoint written by
 * {@code ./nabla train}.
 *
 * <pre>{@code
 * ./nabla predict --checkpoint runs/mnist-10k-lenet5 digit.png
 * ./nabla predict --checkpoint runs/cifar10-cnn-bn --top-k 5 --json cat.jpg test_batch.bin
 * }</pre>
 */
public final class PredictCommand {
    static final String USAGE = """
            usage: ./nabla predict --checkpoint RUN_OR_CHECKPOINT [--top-k K] [--json] [--class-path CP]
                                   [--threads T] FILE...
              FILE            a PNG, JPEG, GIF or BMP image of the model's input size (e.g. 28x28 for the
                              digits, 32x32 for CIFAR), read as gray or RGB as the model was trained; or an
                              IDX images file (*idx3-ubyte[.gz]) or a CIFAR batch file (*.bin): every record
              --checkpoint    a run's folder (its best/ checkpoint) or a checkpoint folder
              --top-k K       the K most probable classes of each image (default 3)
              --json          one JSON array for machines instead of lines
              --class-path    where the model's class is, for a model of your own (default: as trained)
            """;

    private static final int CHUNK = 500;

    private PredictCommand() {}

    /** One input's top classes: {@code record} is -1 for an image file. */
    private record Result(String file, int record, Prediction prediction) {}

    /** Runs {@code ./nabla predict}; returns the process exit code. */
    public static int run(String[] argv, PrintStream out) throws IOException {
        Args a = Args.parse(argv, Set.of("help", "json"));
        if (a.flag("help")) {
            out.print(USAGE);
            return 0;
        }
        String dir = a.string("checkpoint", null);
        if (dir == null) {
            throw new Args.UsageException("--checkpoint DIR is required");
        }
        boolean json = a.flag("json");
        String classPath = a.string("class-path", null);
        int threads = a.intValue("threads", Threads.get());
        if (threads < 1) {
            throw new Args.UsageException("--threads must be >= 1, got " + threads);
        }
        boolean topKGiven = a.has("top-k");
        int k = a.intValue("top-k", 3);
        List<String> files = a.positional();
        if (files.isEmpty()) {
            throw new Args.UsageException("no FILE to classify: give image files or IDX/CIFAR record files");
        }
        a.finish();
        Threads.set(threads);
        TrainCommand.Loaded loaded = TrainCommand.Loaded.of(Path.of(dir), classPath);
        Preprocessing pre = loaded.preprocessing();
        int classes = pre.classNames().size();
        if (k < 1 || (topKGiven && k > classes)) {
            throw new Args.UsageException(
                    "--top-k must be in [1, " + classes + "] for this model's " + classes + " classes, got " + k);
        }
        k = Math.min(k, classes);
        Classifier classifier = new Classifier(loaded.model(), pre);
        List<Result> results = new ArrayList<>();
        for (String f : files) {
            classify(Path.of(f), classifier, k, results);
        }
        if (json) {
            Json.Arr arr = Json.arr();
            for (Result r : results) {
                Json.Arr top = Json.arr();
                int[] cls = r.prediction().classes();
                float[] p = r.prediction().probabilities();
                for (int i = 0; i < cls.length; i++) {
                    top.add(Json.obj()
                            .put("class", cls[i])
                            .put("label", r.prediction().labels().get(i))
                            .put("probability", (double) p[i]));
                }
                Json.Obj o = Json.obj().put("file", r.file());
                if (r.record() >= 0) {
                    o.put("record", r.record());
                }
                arr.add(o.put("top", top));
            }
            out.print(Json.toString(arr));
        } else {
            for (Result r : results) {
                StringBuilder sb = new StringBuilder(r.file());
                if (r.record() >= 0) {
                    sb.append('[').append(r.record()).append(']');
                }
                sb.append(':');
                float[] p = r.prediction().probabilities();
                for (int i = 0; i < p.length; i++) {
                    sb.append(i == 0 ? " " : ", ")
                            .append(r.prediction().labels().get(i))
                            .append(String.format(Locale.ROOT, " (%.2f%%)", 100 * p[i]));
                }
                out.println(sb);
            }
        }
        return 0;
    }

    private static void classify(Path file, Classifier c, int k, List<Result> out) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "not found");
        }
        if (Files.isDirectory(file)) {
            throw new NoSuchFileException(file.toString(), null, "is a folder; give image or record files");
        }
        String name = file.getFileName().toString();
        Preprocessing pre = c.preprocessing();
        if (name.contains("idx3-ubyte")) {
            Idx.Contents idx = Idx.read(file, 3);
            int[] dims = idx.dims();
            if (pre.channels() != 1 || dims[1] != pre.height() || dims[2] != pre.width()) {
                throw new IllegalArgumentException(file + ": holds " + dims[1] + "x" + dims[2] + " gray images; the "
                        + "model takes " + shape(pre));
            }
            records(file, idx.data(), idx.records(), c, k, out);
        } else if (name.endsWith(".bin")) {
            if (pre.channels() != 3 || pre.height() != 32 || pre.width() != 32) {
                throw new IllegalArgumentException(
                        file + ": CIFAR records are 32x32 RGB images; the model takes " + shape(pre));
            }
            ImageDataset d = pre.classNames().size() == 100 ? Cifar100.read(file, false) : Cifar10.read(file);
            byte[] pixels = new byte[d.size() * d.imageSize()];
            for (int i = 0; i < d.size(); i++) {
                System.arraycopy(d.pixels(i), 0, pixels, i * d.imageSize(), d.imageSize());
            }
            records(file, pixels, d.size(), c, k, out);
        } else {
            BufferedImage img = ImageIO.read(file.toFile());
            if (img == null) {
                throw new IllegalArgumentException(file + ": not an image this JDK reads (PNG, JPEG, GIF, BMP), nor "
                        + "an IDX (*idx3-ubyte) or CIFAR (*.bin) record file");
            }
            if (img.getHeight() != pre.height() || img.getWidth() != pre.width()) {
                throw new IllegalArgumentException(file + ": the image is " + img.getWidth() + "x" + img.getHeight()
                        + "; the model takes " + shape(pre) + ": resize it first");
            }
            out.add(new Result(file.toString(), -1, c.predict(img, k)));
        }
    }

    private static void records(Path file, byte[] pixels, int n, Classifier c, int k, List<Result> out) {
        int size = c.preprocessing().imageSize();
        for (int from = 0; from < n; from += CHUNK) {
            int to = Math.min(n, from + CHUNK);
            List<Prediction> p = c.predict(Arrays.copyOfRange(pixels, from * size, to * size), k);
            for (int i = 0; i < p.size(); i++) {
                out.add(new Result(file.toString(), from + i, p.get(i)));
            }
        }
    }

    private static String shape(Preprocessing pre) {
        return pre.width() + "x" + pre.height()
                + (pre.channels() == 1 ? " gray" : pre.channels() == 3 ? " RGB" : " x" + pre.channels()) + " images";
    }
}
