package dev.nabla.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.tensor.DType;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The loader's fused transforms against a plain reference that applies each transform in turn to
 * a {@code float[C][H][W]} image, as torchvision does (pad with zeros, crop, mirror, normalise),
 * drawing the same random numbers in the documented order.
 */
class TransformsTest {

    /** The reference: one stage after another on a fresh array each time. */
    static float[][][] reference(float[][][] img, List<Transform> transforms, Generator g) {
        float[][][] cur = img;
        for (Transform t : flatten(transforms)) {
            int c = cur.length;
            int h = cur[0].length;
            int w = cur[0][0].length;
            switch (t) {
                case Transform.Normalize n -> {
                    float[][][] out = new float[c][h][w];
                    for (int k = 0; k < c; k++) {
                        for (int y = 0; y < h; y++) {
                            for (int x = 0; x < w; x++) {
                                out[k][y][x] = (float)
                                        ((cur[k][y][x] - (double) n.stats().mean()[k])
                                                / n.stats().std()[k]);
                            }
                        }
                    }
                    cur = out;
                }
                case Transform.RandomCrop rc -> {
                    int p = rc.padding();
                    int size = rc.size();
                    float[][][] padded = new float[c][h + 2 * p][w + 2 * p];
                    for (int k = 0; k < c; k++) {
                        for (int y = 0; y < h; y++) {
                            System.arraycopy(cur[k][y], 0, padded[k][y + p], p, w);
                        }
                    }
                    int dy = g.nextInt(h + 2 * p - size + 1);
                    int dx = g.nextInt(w + 2 * p - size + 1);
                    float[][][] out = new float[c][size][size];
                    for (int k = 0; k < c; k++) {
                        for (int y = 0; y < size; y++) {
                            System.arraycopy(padded[k][y + dy], dx, out[k][y], 0, size);
                        }
                    }
                    cur = out;
                }
                case Transform.RandomHorizontalFlip f -> {
                    if (g.nextFloat() < f.p()) {
                        float[][][] out = new float[c][h][w];
                        for (int k = 0; k < c; k++) {
                            for (int y = 0; y < h; y++) {
                                for (int x = 0; x < w; x++) {
                                    out[k][y][x] = cur[k][y][w - 1 - x];
                                }
                            }
                        }
                        cur = out;
                    }
                }
                default -> throw new IllegalArgumentException(t.toString());
            }
        }
        return cur;
    }

    private static List<Transform> flatten(List<Transform> ts) {
        List<Transform> out = new ArrayList<>();
        for (Transform t : ts) {
            if (t instanceof Transform.Compose c) {
                out.addAll(flatten(c.transforms()));
            } else {
                out.add(t);
            }
        }
        return out;
    }

    private static float[] flat(float[][][] a) {
        int c = a.length;
        int h = a[0].length;
        int w = a[0][0].length;
        float[] out = new float[c * h * w];
        for (int k = 0; k < c; k++) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(a[k][y], 0, out, (k * h + y) * w, w);
            }
        }
        return out;
    }

    private static float[][][] image(byte[] pixels, int at, int c, int h, int w) {
        float[][][] img = new float[c][h][w];
        for (int k = 0; k < c; k++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    img[k][y][x] = (pixels[at + (k * h + y) * w + x] & 0xFF) / 255f;
                }
            }
        }
        return img;
    }

    private static final ChannelStats RGB =
            new ChannelStats(new float[] {0.49f, 0.48f, 0.45f}, new float[] {0.25f, 0.24f, 0.26f});
    private static final ChannelStats OTHER =
            new ChannelStats(new float[] {-0.1f, 0.2f, 0.3f}, new float[] {2f, 0.5f, 1.5f});

    /**
     * Pipelines that stress the fusion: crop and flips in either order, normalisations on both
     * sides; crop sizes relative to {@code k}, the image's smaller side, so that wide images have
     * rows long enough for the vector loops and their tails.
     */
    static List<List<Transform>> pipelines(int k) {
        return List.of(
                List.of(),
                List.of(Transforms.normalize(RGB)),
                List.of(Transforms.randomCrop(k, 2), Transforms.randomHorizontalFlip(0.5), Transforms.normalize(RGB)),
                List.of(
                        Transforms.randomHorizontalFlip(0.5),
                        Transforms.randomCrop(k - 1, 3),
                        Transforms.normalize(RGB)),
                List.of(Transforms.normalize(RGB), Transforms.randomCrop(k, 2), Transforms.normalize(OTHER)),
                List.of(
                        Transforms.randomHorizontalFlip(0.7),
                        Transforms.compose(Transforms.randomCrop(k - 2, 1), Transforms.randomHorizontalFlip(0.4)),
                        Transforms.randomHorizontalFlip(0.5)),
                List.of(Transforms.randomCrop(3, 0)),
                List.of(Transforms.randomCrop(k + 3, 4), Transforms.randomHorizontalFlip(1)),
                List.of(Transforms.randomHorizontalFlip(0)),
                List.of(Transforms.randomHorizontalFlip(1), Transforms.normalize(OTHER)));
    }

    @Test
    void fusedByteImagesMatchTheReference() {
        int c = 3;
        int n = 24;
        for (int[] hw : new int[][] {{6, 7}, {18, 21}, {9, 33}}) {
            int h = hw[0];
            int w = hw[1];
            byte[] pixels = DataFixtures.randomBytes(new Random(h), n * c * h * w);
            ImageDataset d = new ImageDataset("rand", pixels, new int[n], c, h, w, 1, List.of());
            for (List<Transform> ts : pipelines(Math.min(h, w))) {
                long seed = 99;
                DataLoader loader = new DataLoader(
                        d,
                        DataLoader.options()
                                .batchSize(16)
                                .seed(seed)
                                .transforms(ts.toArray(new Transform[0]))
                                .prefetch(0));
                Generator g = DataLoader.epochGenerator(seed, 2);
                int i = 0;
                for (Batch b : loader.epoch(2)) {
                    float[] got = b.inputs().data().toArray();
                    int per = got.length / b.size();
                    for (int k = 0; k < b.size(); k++, i++) {
                        float[] want = flat(reference(image(pixels, i * c * h * w, c, h, w), ts, g));
                        assertEquals(want.length, per, ts.toString());
                        for (int p = 0; p < per; p++) {
                            assertEquals(
                                    want[p],
                                    got[k * per + p],
                                    1e-5f * Math.max(1, Math.abs(want[p])),
                                    h + "x" + w + " " + ts + " image " + i + " value " + p);
                        }
                    }
                }
                assertEquals(n, i);
            }
        }
    }

    @Test
    void fusedFloatImagesMatchTheReference() {
        int c = 3;
        int h = 5;
        int w = 6;
        Random r = new Random(2);
        float[][][][] images = new float[9][c][h][w];
        for (float[][][] img : images) {
            for (float[][] plane : img) {
                for (float[] row : plane) {
                    for (int x = 0; x < w; x++) {
                        row[x] = (float) r.nextGaussian();
                    }
                }
            }
        }
        Dataset d = new Dataset() {
            @Override
            public int size() {
                return images.length;
            }

            @Override
            public Sample get(int index) {
                return new Sample(Tensor.wrap(flat(images[index]), c, h, w), index % 3);
            }
        };
        for (List<Transform> ts : pipelines(Math.min(h, w))) {
            DataLoader loader = new DataLoader(
                    d,
                    DataLoader.options()
                            .batchSize(4)
                            .seed(5)
                            .transforms(ts.toArray(new Transform[0]))
                            .prefetch(0));
            Generator g = DataLoader.epochGenerator(5, 0);
            int i = 0;
            for (Batch b : loader.epoch(0)) {
                float[] got = b.inputs().data().toArray();
                int per = got.length / b.size();
                for (int k = 0; k < b.size(); k++, i++) {
                    float[] want = flat(reference(images[i], ts, g));
                    for (int p = 0; p < per; p++) {
                        assertEquals(
                                want[p],
                                got[k * per + p],
                                1e-5f * Math.max(1, Math.abs(want[p])),
                                ts + " image " + i + " value " + p);
                    }
                    assertEquals(i % 3, b.targets().data().getLong(k));
                    assertEquals(DType.INT64, b.targets().dtype());
                }
            }
        }
    }

    @Test
    void handWorkedCropAndFlip() {
        // one 1x2x3 image, values 1..6 (as bytes 1..6); crop 2 with padding 1 at offsets the generator picks
        byte[] px = {1, 2, 3, 4, 5, 6};
        ImageDataset d = new ImageDataset("hand", px, new int[] {0}, 1, 2, 3, 1, List.of());
        DataLoader loader = new DataLoader(
                d,
                DataLoader.options()
                        .batchSize(1)
                        .seed(7)
                        .transforms(Transforms.randomCrop(2, 1), Transforms.randomHorizontalFlip(1))
                        .prefetch(0));
        Generator g = DataLoader.epochGenerator(7, 0);
        int dy = g.nextInt(3); // 2 + 2 - 2 + 1 positions vertically
        int dx = g.nextInt(4); // 3 + 2 - 2 + 1 horizontally
        float[][] padded = {
            {0, 0, 0, 0, 0},
            {0, 1, 2, 3, 0},
            {0, 4, 5, 6, 0},
            {0, 0, 0, 0, 0}
        };
        float[] want = {
            padded[dy][dx + 1], padded[dy][dx],
            padded[dy + 1][dx + 1], padded[dy + 1][dx]
        };
        float[] got = loader.epoch(0).iterator().next().inputs().data().toArray();
        for (int i = 0; i < 4; i++) {
            // one multiply-add by a rounded 1/255 lands within an ulp of the division
            assertEquals(want[i] / 255f, got[i], Math.ulp(want[i] / 255f), "dy " + dy + " dx " + dx);
        }
    }

    @Test
    void customTransformRunsLastOnEachImage() {
        byte[] px = new byte[2 * 4];
        ImageDataset d = new ImageDataset("z", px, new int[] {0, 0}, 1, 2, 2, 1, List.of());
        DataLoader loader = new DataLoader(
                d,
                DataLoader.options()
                        .batchSize(2)
                        .transforms(
                                Transforms.normalize(0.5f, 0.25f),
                                Transforms.custom("plus-index", (data, off, ch, h, w, g) -> {
                                    for (int i = 0; i < ch * h * w; i++) {
                                        data[off + i] += i;
                                    }
                                })));
        float[] got = loader.epoch(0).iterator().next().inputs().data().toArray();
        assertArrayEquals(new float[] {-2, -1, 0, 1, -2, -1, 0, 1}, got);
    }

    @Test
    void badPipelinesAreRejectedWithTheirReason() {
        ImageDataset d = new ImageDataset("g", new byte[28 * 28], new int[] {0}, 1, 28, 28, 1, List.of());
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> new DataLoader(d, DataLoader.options().batchSize(1).transforms(Transforms.normalize(RGB))));
        assertTrue(
                e.getMessage().contains("normalize: 3 channel means/stds for images with 1 channel"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> new DataLoader(d, DataLoader.options().batchSize(1).transforms(Transforms.randomCrop(40, 5))));
        assertTrue(e.getMessage().contains("does not fit images of 28x28 (padded 38x38)"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> new DataLoader(
                        d,
                        DataLoader.options()
                                .batchSize(1)
                                .transforms(Transforms.randomCrop(28, 2), Transforms.randomCrop(24, 0))));
        assertTrue(e.getMessage().contains("at most one randomCrop"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> new DataLoader(
                        d,
                        DataLoader.options()
                                .batchSize(1)
                                .transforms(
                                        Transforms.custom("mine", (data, off, ch, h, w, g) -> {}),
                                        Transforms.randomHorizontalFlip())));
        assertTrue(e.getMessage().contains("comes after custom transform 'mine'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Transforms.randomHorizontalFlip(1.5));
        assertThrows(IllegalArgumentException.class, () -> Transforms.normalize(0.5f, 0f));
        assertThrows(IllegalArgumentException.class, () -> Transforms.randomCrop(0, 1));
    }
}
