package dev.nabla.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CifarTest {
    private static final Path REAL = Path.of("/work/shared/data/cifar-10-subset");
    private static final int[] COUNTS = {3, 1, 4, 1, 5, 2};

    @TempDir
    Path dir;

    private final DataFixtures.Cifar10Files data = DataFixtures.cifar10(5, COUNTS);

    private void assertMatches(Split s) {
        List<String> trainFiles = Cifar10.TRAIN_FILES;
        int i = 0;
        for (String f : trainFiles) {
            int[] labels = data.labels().get(f);
            byte[][] images = data.images().get(f);
            for (int r = 0; r < labels.length; r++, i++) {
                assertEquals(labels[r], s.train().label(i), f + " record " + r);
                assertArrayEquals(images[r], s.train().pixels(i), f + " record " + r);
            }
        }
        assertEquals(i, s.train().size());
        assertEquals(14, s.train().size());
        assertEquals(2, s.test().size());
        assertArrayEquals(data.images().get("test_batch.bin")[1], s.test().pixels(1));
        assertEquals(data.labels().get("test_batch.bin")[1], s.test().label(1));
        assertEquals(3, s.train().channels());
        assertEquals(32, s.train().height());
        assertEquals(Cifar10.CLASSES, s.train().classNames());
        // [C, H, W]: byte 1024 of a record is the first green pixel
        float green = s.test().get(0).input().get(1, 0, 0);
        assertEquals((data.images().get("test_batch.bin")[0][1024] & 0xFF) / 255f, green, 0f);
    }

    @Test
    void readsTheExtractedFolderAndItsParent() throws IOException {
        DataFixtures.writeAll(dir.resolve("cifar-10-batches-bin"), data.files());
        assertMatches(Cifar10.load(dir.resolve("cifar-10-batches-bin")));
        assertMatches(Cifar10.load(dir));
    }

    @Test
    void readsOneBatchFileOnItsOwn() throws IOException {
        DataFixtures.writeAll(dir, data.files());
        ImageDataset test = Cifar10.read(dir.resolve("test_batch.bin"));
        assertEquals(2, test.size());
        assertArrayEquals(data.images().get("test_batch.bin")[1], test.pixels(1));
        assertEquals(data.labels().get("test_batch.bin")[1], test.label(1));
        assertEquals(Cifar10.CLASSES, test.classNames());
        var missing = assertThrows(NoSuchFileException.class, () -> Cifar10.read(dir.resolve("nope.bin")));
        assertTrue(missing.getMessage().endsWith("not found"), missing.getMessage());
        // CIFAR-100 records: coarse and fine label bytes
        byte[][] images = {new byte[3072], new byte[3072]};
        Path hundred = DataFixtures.write(
                dir.resolve("c100.bin"), DataFixtures.cifarRecords(new int[][] {{3, 19}, {42, 99}}, images));
        assertEquals(
                List.of(42, 99),
                List.of(
                        Cifar100.read(hundred, false).label(0),
                        Cifar100.read(hundred, false).label(1)));
        assertEquals(19, Cifar100.read(hundred, true).label(1));
    }

    @Test
    void readsStraightFromTheArchive() throws IOException {
        Path archive = DataFixtures.write(
                dir.resolve("cifar-10-binary.tar.gz"), DataFixtures.tarGz("cifar-10-batches-bin", data.files()));
        assertMatches(Cifar10.load(archive));
        assertMatches(Cifar10.load(dir));
        assertMatches(Cifar10.load(dir, false));
    }

    @Test
    void readsArchivesMadeByGnuTar() throws IOException {
        // fixtures written by GNU tar 1.34 (gnu format with a long-name record, and pax format), each holding
        // cifar-10-batches-bin/ with data_batch_1..5.bin and test_batch.bin of 1 record (label = file number,
        // pixels = label) and a file whose name is longer than 100 characters
        for (String fixture : List.of("gnu-tar.tar.gz", "pax-tar.tar.gz")) {
            Path archive = dir.resolve(fixture);
            try (var in = CifarTest.class.getResourceAsStream(fixture)) {
                Files.copy(in, archive);
            }
            Split s = Cifar10.load(archive);
            assertEquals(5, s.train().size(), fixture);
            for (int i = 0; i < 5; i++) {
                assertEquals(i + 1, s.train().label(i), fixture);
                assertEquals(i + 1, s.train().pixels(i)[3071], fixture);
            }
            assertEquals(0, s.test().label(0), fixture);
        }
    }

    @Test
    void missingDataSaysWhereItLooked() {
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> Cifar10.load(dir));
        assertTrue(e.getMessage().contains("cifar-10-batches-bin/data_batch_1.bin"), e.getMessage());
        assertTrue(e.getMessage().contains("--download"), e.getMessage());
    }

    @Test
    void archiveWithoutAFileIsNamed() throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>(data.files());
        files.remove("data_batch_4.bin");
        Path archive = DataFixtures.write(dir.resolve("x.tar.gz"), DataFixtures.tarGz("cifar-10-batches-bin", files));
        CorruptDataException e = assertThrows(CorruptDataException.class, () -> Cifar10.load(archive));
        assertTrue(
                e.getMessage().contains(archive + ": archive has no entry cifar-10-batches-bin/data_batch_4.bin"),
                e.getMessage());
    }

    @Test
    void recordSizeNotDividingTheFileNamesFileAndRecord() throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>(data.files());
        byte[] b3 = files.get("data_batch_3.bin");
        files.put("data_batch_3.bin", Arrays.copyOf(b3, b3.length - 100)); // 4 records -> record 3 cut
        Path folder = dir.resolve("cifar-10-batches-bin");
        DataFixtures.writeAll(folder, files);
        CorruptDataException e = assertThrows(CorruptDataException.class, () -> Cifar10.load(folder));
        assertEquals(folder.resolve("data_batch_3.bin").toString(), e.file());
        assertEquals(3, e.record());
        assertTrue(
                e.getMessage()
                        .contains("data_batch_3.bin, record 3: size 12192 is not a whole number of "
                                + "3073-byte records: this record has only 2973 bytes"),
                e.getMessage());
    }

    @Test
    void shortAndEmptyFilesAreNamed() throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>(data.files());
        files.put("test_batch.bin", new byte[500]);
        Path folder = dir.resolve("a");
        DataFixtures.writeAll(folder, files);
        CorruptDataException e = assertThrows(CorruptDataException.class, () -> Cifar10.load(folder));
        assertTrue(e.getMessage().contains("test_batch.bin, record 0: short file: size 500"), e.getMessage());
        files.put("test_batch.bin", new byte[0]);
        DataFixtures.writeAll(folder, files);
        e = assertThrows(CorruptDataException.class, () -> Cifar10.load(folder));
        assertTrue(e.getMessage().contains("test_batch.bin: empty file"), e.getMessage());
    }

    @Test
    void labelOutOfRangeNamesFileAndRecord() throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>(data.files());
        byte[] b5 = files.get("data_batch_5.bin").clone();
        b5[2 * 3073] = 10;
        files.put("data_batch_5.bin", b5);
        Path archive = DataFixtures.write(dir.resolve("c.tar.gz"), DataFixtures.tarGz("cifar-10-batches-bin", files));
        CorruptDataException e = assertThrows(CorruptDataException.class, () -> Cifar10.load(archive));
        assertEquals(archive + "!cifar-10-batches-bin/data_batch_5.bin", e.file());
        assertEquals(2, e.record());
        assertTrue(e.getMessage().endsWith("record 2: label 10 out of range [0, 10)"), e.getMessage());
    }

    @Test
    void truncatedArchiveIsAnError() throws IOException {
        byte[] gz = DataFixtures.tarGz("cifar-10-batches-bin", data.files());
        Path archive = DataFixtures.write(dir.resolve("t.tar.gz"), Arrays.copyOf(gz, gz.length * 2 / 3));
        CorruptDataException e = assertThrows(CorruptDataException.class, () -> Cifar10.load(archive));
        assertTrue(e.getMessage().startsWith(archive + ": truncated tar archive"), e.getMessage());
    }

    @Test
    void cifar100FineAndCoarseLabels() throws IOException {
        Random r = new Random(3);
        int n = 6;
        int[] coarse = new int[n];
        int[] fine = new int[n];
        byte[][] images = new byte[n][];
        for (int i = 0; i < n; i++) {
            coarse[i] = r.nextInt(20);
            fine[i] = r.nextInt(100);
            images[i] = DataFixtures.randomBytes(r, 3072);
        }
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("train.bin", DataFixtures.cifarRecords(new int[][] {coarse, fine}, images));
        files.put(
                "test.bin",
                DataFixtures.cifarRecords(
                        new int[][] {Arrays.copyOf(coarse, 2), Arrays.copyOf(fine, 2)}, Arrays.copyOf(images, 2)));
        StringBuilder names = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            names.append("fine").append(i).append('\n');
        }
        files.put("fine_label_names.txt", names.toString().getBytes(StandardCharsets.UTF_8));
        DataFixtures.writeAll(dir.resolve("cifar-100-binary"), files);
        DataFixtures.write(
                dir.resolve("archive/cifar-100-binary.tar.gz"), DataFixtures.tarGz("cifar-100-binary", files));
        for (Path p : List.of(dir, dir.resolve("archive"))) {
            Split f = Cifar100.load(p);
            Split c = Cifar100.load(p, true);
            assertEquals(n, f.train().size());
            assertEquals(2, f.test().size());
            assertEquals(100, f.train().numClasses());
            assertEquals(20, c.train().numClasses());
            for (int i = 0; i < n; i++) {
                assertEquals(fine[i], f.train().label(i));
                assertEquals(coarse[i], c.train().label(i));
                assertArrayEquals(images[i], f.train().pixels(i));
            }
            assertEquals("fine" + fine[0], f.train().classNames().get(f.train().label(0)));
            assertEquals(List.of(), c.train().classNames());
        }
        // a fine label >= 100 in record 4 of train.bin
        byte[] bad = files.get("train.bin").clone();
        bad[4 * 3074 + 1] = (byte) 100;
        Files.write(dir.resolve("cifar-100-binary/train.bin"), bad);
        CorruptDataException e = assertThrows(CorruptDataException.class, () -> Cifar100.load(dir));
        assertEquals(4, e.record());
        assertTrue(
                e.getMessage().contains("train.bin, record 4: label 100 out of range [0, 100) (label byte 1)"),
                e.getMessage());
    }

    @Test
    void realCifar10Subset() throws IOException {
        assumeTrue(
                Files.isDirectory(REAL.resolve("cifar-10-batches-bin")),
                "the real CIFAR-10 subset is not at " + REAL + "; skipping");
        Split s = Cifar10.load(REAL);
        assertEquals(5 * 1017, s.train().size());
        assertEquals(1017, s.test().size());
        assertEquals("frog", Cifar10.CLASSES.get(s.train().label(0)));
        assertEquals("cat", Cifar10.CLASSES.get(s.test().label(0)));
        assertArrayEquals(new int[] {6, 9, 9, 4, 1}, new int[] {
            s.train().label(0),
            s.train().label(1),
            s.train().label(2),
            s.train().label(3),
            s.train().label(4)
        });
        assertArrayEquals(new int[] {3, 8, 8, 0, 6}, new int[] {
            s.test().label(0),
            s.test().label(1),
            s.test().label(2),
            s.test().label(3),
            s.test().label(4)
        });
        assertEquals(317790, sum(s.train().pixels(0)));
        assertEquals(332962, sum(s.test().pixels(0)));
        ChannelStats st = s.train().channelStats();
        assertArrayEquals(new float[] {0.49360675f, 0.48459736f, 0.4482762f}, st.mean(), 1e-6f);
        assertArrayEquals(new float[] {0.24814089f, 0.24455154f, 0.26213234f}, st.std(), 1e-6f);
    }

    private static long sum(byte[] b) {
        long s = 0;
        for (byte x : b) {
            s += x & 0xFF;
        }
        return s;
    }
}
