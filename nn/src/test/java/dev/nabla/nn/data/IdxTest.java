package dev.nabla.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdxTest {
    @TempDir
    Path dir;

    private static final int N = 7;

    private final Random random = new Random(11);
    private final byte[] pixels = DataFixtures.randomBytes(random, N * 5 * 4);
    private final byte[] labels = {3, 0, 9, 9, 1, 2, 7};

    private Path images(boolean gz) throws IOException {
        byte[] f = DataFixtures.idx(new int[] {N, 5, 4}, pixels);
        return DataFixtures.write(dir.resolve(gz ? "img.gz" : "img"), gz ? DataFixtures.gzip(f) : f);
    }

    private Path labels(boolean gz, byte[] values) throws IOException {
        byte[] f = DataFixtures.idx(new int[] {values.length}, values);
        return DataFixtures.write(dir.resolve(gz ? "lab.gz" : "lab"), gz ? DataFixtures.gzip(f) : f);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void readsRawAndGzippedFiles(boolean gz) throws IOException {
        Idx.Contents c = Idx.read(images(gz), 3);
        assertArrayEquals(new int[] {N, 5, 4}, c.dims());
        assertArrayEquals(pixels, c.data());
        assertEquals(N, c.records());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void mnistPairBecomesImageDataset(boolean gz) throws IOException {
        ImageDataset d = Mnist.read(images(gz), labels(gz, labels), "t", Mnist.CLASSES);
        assertEquals(N, d.size());
        assertEquals(1, d.channels());
        assertEquals(5, d.height());
        assertEquals(4, d.width());
        for (int i = 0; i < N; i++) {
            assertEquals(labels[i], d.label(i));
            assertArrayEquals(Arrays.copyOfRange(pixels, i * 20, i * 20 + 20), d.pixels(i));
            float[] v = d.get(i).input().toArray();
            for (int p = 0; p < 20; p++) {
                assertEquals((pixels[i * 20 + p] & 0xFF) / 255f, v[p], 0f);
            }
        }
    }

    @Test
    void mnistLayoutDirectoryMixesGzippedAndRawFiles() throws IOException {
        Path d = dir.resolve("mnist");
        DataFixtures.write(
                d.resolve("train-images-idx3-ubyte.gz"),
                DataFixtures.gzip(DataFixtures.idx(new int[] {N, 5, 4}, pixels)));
        DataFixtures.write(d.resolve("train-labels-idx1-ubyte"), DataFixtures.idx(new int[] {N}, labels));
        DataFixtures.write(d.resolve("t10k-images-idx3-ubyte"), DataFixtures.idx(new int[] {2, 5, 4}, new byte[40]));
        DataFixtures.write(
                d.resolve("t10k-labels-idx1-ubyte.gz"),
                DataFixtures.gzip(DataFixtures.idx(new int[] {2}, new byte[] {4, 5})));
        Split s = Mnist.load(d);
        assertEquals(N, s.train().size());
        assertEquals(2, s.test().size());
        assertEquals(5, s.test().label(1));
        assertTrue(FashionMnist.isAvailable(d));
        assertEquals(
                List.of("T-shirt/top", "Trouser"),
                FashionMnist.load(d).train().classNames().subList(0, 2));
    }

    private CorruptDataException corrupt(byte[] content, int rank) throws IOException {
        Path f = DataFixtures.write(dir.resolve("bad"), content);
        CorruptDataException e = assertThrows(CorruptDataException.class, () -> Idx.read(f, rank));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        assertEquals(f.toString(), e.file());
        return e;
    }

    @Test
    void shortFileIsNamed() throws IOException {
        CorruptDataException e = corrupt(new byte[] {0, 0}, 3);
        assertTrue(e.getMessage().contains("short file"), e.getMessage());
        CorruptDataException header = corrupt(new byte[] {0, 0, 8, 3, 0, 0, 0, 7}, 3);
        assertTrue(header.getMessage().contains("header ends after 8 of its 16 bytes"), header.getMessage());
    }

    @Test
    void wrongMagicNumberIsNamed() throws IOException {
        byte[] f = DataFixtures.idx(new int[] {N, 5, 4}, pixels);
        f[2] = 0x0D; // floats
        CorruptDataException e = corrupt(f, 3);
        assertTrue(e.getMessage().contains("wrong magic number 0x00000D03, expected 0x00000803"), e.getMessage());
        // a labels file where images are expected: right type, wrong rank
        CorruptDataException rank = corrupt(DataFixtures.idx(new int[] {N}, labels), 3);
        assertTrue(rank.getMessage().contains("0x00000801"), rank.getMessage());
        assertEquals(-1, rank.record());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void truncatedDataNamesTheRecord(boolean gz) throws IOException {
        byte[] f = DataFixtures.idx(new int[] {N, 5, 4}, pixels);
        byte[] cut = Arrays.copyOf(f, 16 + 4 * 20 + 13); // records 0..3 complete, 13 bytes of record 4
        if (gz) {
            // a gzip stream cut short, not a complete stream of a short file
            byte[] whole = DataFixtures.gzip(f);
            cut = Arrays.copyOf(whole, whole.length / 2);
        }
        CorruptDataException e = corrupt(cut, 3);
        assertTrue(e.getMessage().contains("short file"), e.getMessage());
        if (!gz) {
            assertEquals(4, e.record());
            assertTrue(
                    e.getMessage().contains("record 4: short file: the data ends 13 bytes into this record of 20"),
                    e.getMessage());
        } else {
            assertTrue(e.record() >= 0 && e.record() < N, e.getMessage());
        }
    }

    @Test
    void trailingDataIsAnError() throws IOException {
        byte[] f = DataFixtures.idx(new int[] {N, 5, 4}, pixels);
        CorruptDataException e = corrupt(Arrays.copyOf(f, f.length + 3), 3);
        assertEquals(N, e.record());
        assertTrue(e.getMessage().contains("unexpected data after the last of the 7 records"), e.getMessage());
    }

    @Test
    void labelOutOfRangeNamesFileAndRecord() throws IOException {
        byte[] bad = labels.clone();
        bad[5] = 10;
        Path img = images(false);
        Path lab = labels(true, bad);
        CorruptDataException e =
                assertThrows(CorruptDataException.class, () -> Mnist.read(img, lab, "t", Mnist.CLASSES));
        assertEquals(lab.toString(), e.file());
        assertEquals(5, e.record());
        assertEquals(lab + ", record 5: label 10 out of range [0, 10)", e.getMessage());
    }

    @Test
    void labelCountMustMatchImageCount() throws IOException {
        Path img = images(false);
        Path lab = labels(false, Arrays.copyOf(labels, N - 1));
        CorruptDataException e =
                assertThrows(CorruptDataException.class, () -> Mnist.read(img, lab, "t", Mnist.CLASSES));
        assertTrue(e.getMessage().contains("6 labels for the 7 images of " + img), e.getMessage());
    }

    @Test
    void aForgedCountInASmallGzipIsRefusedBeforeAllocating() throws IOException {
        // 100-odd bytes of gzip whose header declares 2,700,000 images of 28x28 (2.1 GB)
        byte[] f = DataFixtures.gzip(DataFixtures.idx(new int[] {2_700_000, 28, 28}, new byte[40]));
        assertTrue(f.length < 120, "fixture of " + f.length + " bytes");
        CorruptDataException e = corrupt(f, 3);
        assertTrue(
                e.getMessage().contains("declares 2,700,000 records")
                        && e.getMessage().contains("more than a gzip file of " + f.length + " bytes can hold"),
                e.getMessage());
    }

    @Test
    void aForgedCountInAStreamOfUnknownLengthReadsOnlyWhatIsThere() {
        // no length to check against: the buffer grows with the data, and the end is reported
        byte[] f = DataFixtures.idx(new int[] {2_700_000, 28, 28}, new byte[40]);
        CorruptDataException e =
                assertThrows(CorruptDataException.class, () -> Idx.read(new ByteArrayInputStream(f), "forged", 3));
        assertTrue(e.getMessage().startsWith("forged, record 0: short file: the data ends 40 bytes"), e.getMessage());
    }

    @Test
    void aRawFileShorterThanItsHeaderSaysIsRefusedBeforeAllocating() throws IOException {
        byte[] f = DataFixtures.idx(new int[] {2_700_000, 28, 28}, new byte[784 * 3 + 5]);
        CorruptDataException e = corrupt(f, 3);
        assertEquals(3, e.record());
        assertTrue(e.getMessage().contains("the data ends 5 bytes into this record of 784 bytes"), e.getMessage());
    }

    @Test
    void corruptGzipDataNamesTheFile() throws IOException {
        byte[] f = DataFixtures.gzip(DataFixtures.idx(new int[] {N, 5, 4}, pixels));
        for (int i = 12; i < f.length - 8; i++) {
            f[i] = (byte) 0xFF; // the deflate blocks become invalid codes
        }
        CorruptDataException e = corrupt(f, 3);
        assertTrue(e.getMessage().contains("corrupt gzip data"), e.getMessage());
    }
}
