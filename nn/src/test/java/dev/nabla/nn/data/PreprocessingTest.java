package dev.nabla.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Preprocessing gives a model's inputs exactly as its test loader did, from bytes, floats and
 * {@code BufferedImage}s, and survives a round trip through checkpoint metadata.
 */
class PreprocessingTest {
    private static final ChannelStats RGB_STATS =
            new ChannelStats(new float[] {0.49f, 0.48f, 0.45f}, new float[] {0.25f, 0.24f, 0.26f});

    @Test
    void bytesGiveTheTestLoadersBatchBitForBit() {
        ImageDataset test = Mnist.embedded().test().slice(0, 5);
        Preprocessing pre = Preprocessing.of(Mnist.embedded().train(), Mnist.STATS);
        assertEquals(Mnist.embedded().train().classNames(), pre.classNames());
        assertEquals("7", pre.className(7));
        assertEquals("4", new Preprocessing(1, 28, 28, Mnist.STATS, List.of()).className(4), "numbers without names");
        Tensor loaderBatch = new DataLoader(
                        test,
                        DataLoader.options()
                                .batchSize(5)
                                .transforms(pre.normalize())
                                .prefetch(0))
                .epoch(0)
                .iterator()
                .next()
                .inputs()
                .data();
        byte[] all = new byte[5 * test.imageSize()];
        for (int i = 0; i < 5; i++) {
            System.arraycopy(test.pixels(i), 0, all, i * test.imageSize(), test.imageSize());
        }
        Tensor batch = pre.apply(all);
        assertEquals(Shape.of(5, 1, 28, 28), batch.shape());
        assertArrayEquals(loaderBatch.toArray(), batch.toArray());
        Tensor one = pre.apply(test.pixels(3));
        assertEquals(Shape.of(1, 1, 28, 28), one.shape());
        assertArrayEquals(loaderBatch.select(0, 3).toArray(), one.toArray());
    }

    @Test
    void floatsInTheUnitRangeAreNormalisedPerChannel() {
        Preprocessing pre = new Preprocessing(3, 2, 2, RGB_STATS, List.of());
        float[] v = Tensor.rand(new Generator(1), 2 * 12).toArray();
        Tensor out = pre.apply(v);
        assertEquals(Shape.of(2, 3, 2, 2), out.shape());
        float[] o = out.toArray();
        for (int i = 0; i < v.length; i++) {
            int c = (i / 4) % 3;
            double want = (v[i] - (double) RGB_STATS.mean()[c]) / RGB_STATS.std()[c];
            assertEquals(want, o[i], 1e-5, "value " + i);
        }
    }

    @Test
    void anRgbImageGivesItsRedGreenAndBluePlanes() {
        BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_INT_ARGB);
        Generator g = new Generator(2);
        byte[] planes = new byte[3 * 6];
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 3; x++) {
                int r = g.nextInt(256), gr = g.nextInt(256), b = g.nextInt(256);
                img.setRGB(x, y, (0x80 << 24) | (r << 16) | (gr << 8) | b); // alpha is ignored
                planes[y * 3 + x] = (byte) r;
                planes[6 + y * 3 + x] = (byte) gr;
                planes[12 + y * 3 + x] = (byte) b;
            }
        }
        Preprocessing pre = new Preprocessing(3, 2, 3, RGB_STATS, List.of());
        assertArrayEquals(pre.apply(planes).toArray(), pre.apply(img).toArray());
        assertEquals(Shape.of(2, 3, 2, 3), pre.apply(img, img).shape());
    }

    @Test
    void aGrayImageGivesItsOwnGrayLevels() {
        BufferedImage gray = new BufferedImage(4, 1, BufferedImage.TYPE_BYTE_GRAY);
        byte[] levels = {0, 17, (byte) 128, (byte) 255};
        for (int x = 0; x < 4; x++) {
            gray.getRaster().setSample(x, 0, 0, levels[x] & 0xFF);
        }
        Preprocessing pre = new Preprocessing(1, 1, 4, ChannelStats.of(0, 1), List.of());
        assertArrayEquals(
                new float[] {0, 17 / 255f, 128 / 255f, 1}, pre.apply(gray).toArray(), 1e-7f);
        BufferedImage deep = new BufferedImage(1, 1, BufferedImage.TYPE_USHORT_GRAY);
        deep.getRaster().setSample(0, 0, 0, 0xABCD);
        Preprocessing pixel = new Preprocessing(1, 1, 1, ChannelStats.of(0, 1), List.of());
        assertEquals(0xAB / 255f, pixel.apply(deep).item(), 1e-7f);
    }

    /** Colour images read as one channel get PIL's gray level, checked against PIL itself. */
    @Test
    void colourToGrayMatchesPil() throws IOException, InterruptedException {
        Path python = Path.of("/usr/bin/python3");
        assumeTrue(Files.isExecutable(python), "skipped: " + python + " is not installed");
        int n = 500;
        Generator g = new Generator(3);
        BufferedImage img = new BufferedImage(n, 1, BufferedImage.TYPE_INT_RGB);
        StringBuilder input = new StringBuilder();
        for (int x = 0; x < n; x++) {
            int r = g.nextInt(256), gr = g.nextInt(256), b = g.nextInt(256);
            if (x < 8) { // the extremes and the primaries
                r = (x & 1) * 255;
                gr = ((x >> 1) & 1) * 255;
                b = ((x >> 2) & 1) * 255;
            }
            img.setRGB(x, 0, (r << 16) | (gr << 8) | b);
            input.append(r).append(' ').append(gr).append(' ').append(b).append('\n');
        }
        Process p = new ProcessBuilder(
                        python.toString(),
                        Path.of("src/test/python/pil_grayscale.py").toString())
                .redirectErrorStream(true)
                .start();
        p.getOutputStream().write(input.toString().getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the PIL script did not finish");
        assumeTrue(p.exitValue() != 77, "skipped: PIL is not importable");
        assertEquals(0, p.exitValue(), out);
        String[] lines = out.strip().split("\n");
        Preprocessing pre = new Preprocessing(1, 1, n, ChannelStats.of(0, 1), List.of());
        float[] ours = pre.apply(img).toArray();
        for (int x = 0; x < n; x++) {
            assertEquals(Integer.parseInt(lines[x].strip()), Math.round(ours[x] * 255), "colour " + x);
        }
    }

    @Test
    void wrongSizesAndCountsAreNamed() {
        Preprocessing pre = new Preprocessing(3, 32, 32, RGB_STATS, List.of());
        var e = assertThrows(
                IllegalArgumentException.class, () -> pre.apply(new BufferedImage(28, 30, BufferedImage.TYPE_INT_RGB)));
        assertTrue(e.getMessage().contains("30x28") && e.getMessage().contains("32x32"), e.getMessage());
        var n = assertThrows(IllegalArgumentException.class, () -> pre.apply(new byte[100]));
        assertTrue(n.getMessage().contains("[3, 32, 32]") && n.getMessage().contains("3072"), n.getMessage());
        Preprocessing four =
                new Preprocessing(4, 1, 1, new ChannelStats(new float[4], new float[] {1, 1, 1, 1}), List.of());
        var c = assertThrows(
                IllegalArgumentException.class, () -> four.apply(new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB)));
        assertTrue(c.getMessage().contains("expects 4"), c.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Preprocessing(1, 28, 28, RGB_STATS, List.of()));
    }

    @Test
    void metadataRoundTripsEveryValueAndName() {
        List<String> names = List.of("airplane", "a, b", "quote \" and \\ slash", "tab\there", "\u00e9\u6f22", "");
        Preprocessing pre = new Preprocessing(
                3, 32, 32, new ChannelStats(new float[] {0.1f, 1f / 3, 0.7f}, new float[] {0.2f, 0.3f, 1e-3f}), names);
        Map<String, String> meta = pre.toMetadata();
        assertTrue(meta.keySet().stream().allMatch(k -> k.startsWith(Preprocessing.PREFIX)));
        assertEquals(Optional.of(pre), Preprocessing.fromMetadata(meta));
        assertEquals(Optional.empty(), Preprocessing.fromMetadata(Map.of("format", "pt")));
        var missing = new HashMap<>(meta);
        missing.remove(Preprocessing.PREFIX + "std");
        var e = assertThrows(IllegalArgumentException.class, () -> Preprocessing.fromMetadata(missing));
        assertTrue(e.getMessage().contains("nabla.preprocessing.std"), e.getMessage());
        var bad = new HashMap<>(meta);
        bad.put(Preprocessing.PREFIX + "class_names", "[\"open");
        assertThrows(IllegalArgumentException.class, () -> Preprocessing.fromMetadata(bad));
        bad.put(Preprocessing.PREFIX + "class_names", "[\"a\"]");
        bad.put(Preprocessing.PREFIX + "input_shape", "3,32");
        var shape = assertThrows(IllegalArgumentException.class, () -> Preprocessing.fromMetadata(bad));
        assertTrue(shape.getMessage().contains("input_shape"), shape.getMessage());
    }
}
