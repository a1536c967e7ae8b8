package dev.nabla.samples.train;

import static dev.nabla.samples.train.TrainCommandTest.accuracy;
import static dev.nabla.samples.train.TrainCommandTest.capture;
import static dev.nabla.samples.train.TrainCommandTest.evaluate;
import static dev.nabla.samples.train.TrainCommandTest.quick;
import static dev.nabla.samples.train.TrainCommandTest.train;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.export.Checkpoint;
import dev.nabla.inference.Classifier;
import dev.nabla.inference.Prediction;
import dev.nabla.nn.data.ImageDataset;
import dev.nabla.nn.data.Mnist;
import dev.nabla.nn.models.LeNet5;
import dev.nabla.samples.cli.Args;
import dev.nabla.tensor.Generator;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ./nabla predict on files the test writes, a user's Module class trained by name, and --data /
 * --val-data reading the user's own IDX files.
 */
class PredictAndUserModelTest {
    private static final ImageDataset TEST = Mnist.embedded().test().slice(0, 40);

    @TempDir
    Path tmp;

    static TrainCommandTest.Run predict(String... args) throws IOException {
        return capture(out -> PredictCommand.run(args, out));
    }

    /** An IDX file of unsigned bytes: magic, dimensions, data; gzipped when the name ends in .gz. */
    static Path idx(Path file, int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(0x0800 | dims.length);
            for (int d : dims) {
                out.writeInt(d);
            }
            out.write(data);
        }
        byte[] b = bytes.toByteArray();
        if (file.toString().endsWith(".gz")) {
            ByteArrayOutputStream gz = new ByteArrayOutputStream();
            try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
                z.write(b);
            }
            b = gz.toByteArray();
        }
        return Files.write(file, b);
    }

    /** Images {@code [from, to)} of {@code d} as an MNIST-layout pair of IDX files named {@code prefix}. */
    static void writeIdxPair(Path dir, String prefix, ImageDataset d) throws IOException {
        Files.createDirectories(dir);
        byte[] px = new byte[d.size() * 784];
        byte[] labels = new byte[d.size()];
        for (int i = 0; i < d.size(); i++) {
            System.arraycopy(d.pixels(i), 0, px, i * 784, 784);
            labels[i] = (byte) d.label(i);
        }
        idx(dir.resolve(prefix + "-images-idx3-ubyte.gz"), new int[] {d.size(), 28, 28}, px);
        idx(dir.resolve(prefix + "-labels-idx1-ubyte.gz"), new int[] {d.size()}, labels);
    }

    private static List<Integer> topClasses(String json) {
        List<Integer> top = new ArrayList<>();
        Matcher m = Pattern.compile("\"top\": \\[\\s*\\{\\s*\"class\": (\\d+)").matcher(json);
        while (m.find()) {
            top.add(Integer.parseInt(m.group(1)));
        }
        return top;
    }

    @Test
    void predictOnImageFilesEqualsEvaluateOnTheSameImages() throws IOException {
        Path run = tmp.resolve("run");
        assertEquals(0, train(quick("--epochs", "2", "--out", run.toString())).code());
        List<String> args = new ArrayList<>(List.of("--checkpoint", run.toString(), "--json", "--threads", "2"));
        for (int i = 0; i < TEST.size(); i++) {
            byte[] px = TEST.pixels(i);
            BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
            img.getRaster().setDataElements(0, 0, 28, 28, px);
            Path png = tmp.resolve("digit-" + i + ".png");
            ImageIO.write(img, "png", png.toFile());
            args.add(png.toString());
        }
        TrainCommandTest.Run p = predict(args.toArray(String[]::new));
        assertEquals(0, p.code(), p.log());
        List<Integer> predicted = topClasses(p.log());
        assertEquals(TEST.size(), predicted.size(), p.log());
        // the oracle: the same model's predictions on the raw bytes, through the library
        Classifier c = Classifier.load(run.resolve("best"), new LeNet5(1, 28, 10, new Generator(0)));
        long correct = 0;
        for (int i = 0; i < TEST.size(); i++) {
            Prediction expected = c.predict(TEST.pixels(i), 1).get(0);
            assertEquals(expected.top(), predicted.get(i), "image " + i);
            correct += predicted.get(i) == TEST.label(i) ? 1 : 0;
        }
        // and evaluate on the same 40 images scores exactly what predict's answers score
        TrainCommandTest.Run eval = evaluate("--checkpoint", run.toString(), "--test-limit", "40", "--threads", "2");
        assertEquals(100.0 * correct / TEST.size(), accuracy(eval.log()), 1e-9, eval.log());

        // the same images as IDX records give the same answers; text output names file and record
        writeIdxPair(tmp.resolve("idx"), "t10k", TEST);
        Path records = tmp.resolve("idx").resolve("t10k-images-idx3-ubyte.gz");
        TrainCommandTest.Run fromIdx = predict("--checkpoint", run.toString(), "--json", records.toString());
        assertEquals(predicted, topClasses(fromIdx.log()));
        TrainCommandTest.Run text = predict("--checkpoint", run.toString(), "--top-k", "2", records.toString());
        assertTrue(
                text.log()
                        .lines()
                        .findFirst()
                        .orElseThrow()
                        .matches(Pattern.quote(records.toString())
                                + "\\[0\\]: \\d \\(\\d+\\.\\d\\d%\\), \\d \\(\\d+\\.\\d\\d%\\)"),
                text.log());
        assertEquals(TEST.size(), text.log().lines().count());

        // wrong inputs say what is wrong
        BufferedImage big = new BufferedImage(32, 32, BufferedImage.TYPE_BYTE_GRAY);
        Path bigPng = tmp.resolve("big.png");
        ImageIO.write(big, "png", bigPng.toFile());
        var size = assertThrows(
                IllegalArgumentException.class, () -> predict("--checkpoint", run.toString(), bigPng.toString()));
        assertTrue(
                size.getMessage().contains("the image is 32x32; the model takes 28x28 gray images"), size.getMessage());
        var k = assertThrows(
                Args.UsageException.class,
                () -> predict("--checkpoint", run.toString(), "--top-k", "11", bigPng.toString()));
        assertTrue(k.getMessage().contains("--top-k must be in [1, 10]"), k.getMessage());
        var none = assertThrows(Args.UsageException.class, () -> predict("--checkpoint", run.toString()));
        assertTrue(none.getMessage().contains("no FILE"), none.getMessage());
    }

    private static final String TINY_NET = """
            package com.example;

            import dev.nabla.autograd.Variable;
            import dev.nabla.nn.Linear;
            import dev.nabla.nn.Module;
            import dev.nabla.tensor.Generator;

            /** A user's model the zoo does not have: one hidden layer. */
            public class TinyNet extends Module {
                private final Linear hidden;
                private final Linear out;

                public TinyNet(int channels, int height, int width, int classes) {
                    Generator g = new Generator(1);
                    hidden = registerModule("hidden", new Linear(channels * height * width, 32, g));
                    out = registerModule("out", new Linear(32, classes, g));
                }

                @Override
                protected Variable forward(Variable x) {
                    return out.call(hidden.call(x.flatten(1, 3)).relu());
                }
            }
            """;

    @Test
    void aUserModuleClassLoadedByNameTrainsEvaluatesAndPredicts() throws IOException {
        Path src = tmp.resolve("src/com/example/TinyNet.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, TINY_NET);
        Path classes = Files.createDirectories(tmp.resolve("classes"));
        int javac = ToolProvider.getSystemJavaCompiler()
                .run(
                        null,
                        null,
                        null,
                        "-d",
                        classes.toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        src.toString());
        assertEquals(0, javac, "the user's model compiles");
        Path run = tmp.resolve("run");
        TrainCommandTest.Run r = train(quick(
                "--epochs",
                "2",
                "--model",
                "com.example.TinyNet",
                "--class-path",
                classes.toString(),
                "--out",
                run.toString()));
        assertEquals(0, r.code(), r.log());
        assertTrue(r.log().contains("model: com.example.TinyNet, 25,450 parameters"), r.log());
        assertTrue(accuracy(r.log()) > 60, r.log());
        assertTrue(Checkpoint.load(run.resolve("best")).model().containsKey("hidden.weight"));
        // evaluate and predict rebuild it from the class path the run recorded
        TrainCommandTest.Run eval = evaluate("--checkpoint", run.toString(), "--threads", "2");
        assertEquals(accuracy(r.log()), accuracy(eval.log()), 1e-9, eval.log());
        writeIdxPair(tmp.resolve("idx"), "t10k", TEST);
        TrainCommandTest.Run p = predict(
                "--checkpoint",
                run.toString(),
                tmp.resolve("idx").resolve("t10k-images-idx3-ubyte.gz").toString());
        assertEquals(TEST.size(), p.log().lines().count(), p.log());

        var missing = assertThrows(
                Args.UsageException.class,
                () -> train(quick(
                        "--model",
                        "com.example.Missing",
                        "--class-path",
                        classes.toString(),
                        "--out",
                        tmp.resolve("x").toString())));
        assertTrue(
                missing.getMessage().contains("com.example.Missing: class not found on --class-path"),
                missing.getMessage());
    }

    @Test
    void dataAndValDataReadTheUsersOwnIdxFiles() throws IOException {
        // a small MNIST of the user's: 300 training and 100 test digits in the four standard files
        Path data = tmp.resolve("mnist");
        writeIdxPair(data, "train", Mnist.embedded().train().slice(0, 300));
        writeIdxPair(data, "t10k", Mnist.embedded().test().slice(0, 100));
        Path run = tmp.resolve("run");
        // --data alone: the data set is MNIST from there, not the embedded digits
        TrainCommandTest.Run r =
                train("--data", data.toString(), "--epochs", "1", "--threads", "2", "--out", run.toString());
        assertEquals(0, r.code(), r.log());
        assertTrue(r.log().startsWith("mnist: 270 training / 30 validation / 100 test images"), r.log());
        // a separate validation set, from a file the user names
        writeIdxPair(tmp.resolve("val"), "val", Mnist.embedded().train().slice(300, 350));
        TrainCommandTest.Run v = train(
                "--data",
                data.toString(),
                "--val-data",
                tmp.resolve("val").resolve("val-images-idx3-ubyte.gz").toString(),
                "--epochs",
                "1",
                "--threads",
                "2",
                "--out",
                tmp.resolve("run2").toString());
        assertEquals(0, v.code(), v.log());
        assertTrue(v.log().startsWith("mnist: 300 training / 50 validation / 100 test images"), v.log());
        // evaluate reads the same files
        TrainCommandTest.Run eval = evaluate("--checkpoint", run.toString(), "--threads", "2");
        assertTrue(eval.log().contains("on the mnist test split (100 images)"), eval.log());
        var noData = assertThrows(
                IOException.class,
                () -> train("--dataset", "mnist", "--out", tmp.resolve("n").toString()));
        assertTrue(noData.getMessage().contains("pass --data DIR"), noData.getMessage());
    }
}
