package dev.nabla.nn.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/** Writers for the formats the readers parse, so tests build their own files. */
final class DataFixtures {
    private DataFixtures() {}

    /** An IDX file of unsigned bytes with the given dimensions. */
    static byte[] idx(int[] dims, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(0);
        out.write(0x08);
        out.write(dims.length);
        for (int d : dims) {
            out.write(d >>> 24);
            out.write(d >>> 16);
            out.write(d >>> 8);
            out.write(d);
        }
        out.writeBytes(data);
        return out.toByteArray();
    }

    static byte[] gzip(byte[] data) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static Path write(Path file, byte[] content) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        return Files.write(file, content);
    }

    static byte[] randomBytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    /**
     * CIFAR binary records: {@code labels[k][i]} is label byte k of record i, pixels follow
     * ({@code images[i]}, 3072 bytes).
     */
    static byte[] cifarRecords(int[][] labels, byte[][] images) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < images.length; i++) {
            for (int[] l : labels) {
                out.write(l[i]);
            }
            out.writeBytes(images[i]);
        }
        return out.toByteArray();
    }

    /** A minimal CIFAR-10-like data set: per file, its records. */
    record Cifar10Files(Map<String, byte[]> files, Map<String, int[]> labels, Map<String, byte[][]> images) {}

    /** The six CIFAR-10 files with {@code counts[f]} records each, random pixels and labels. */
    static Cifar10Files cifar10(long seed, int... counts) {
        Random r = new Random(seed);
        Map<String, byte[]> files = new LinkedHashMap<>();
        Map<String, int[]> labels = new LinkedHashMap<>();
        Map<String, byte[][]> images = new LinkedHashMap<>();
        String[] names = {
            "data_batch_1.bin",
            "data_batch_2.bin",
            "data_batch_3.bin",
            "data_batch_4.bin",
            "data_batch_5.bin",
            "test_batch.bin"
        };
        for (int f = 0; f < names.length; f++) {
            int n = counts[f];
            int[] l = new int[n];
            byte[][] img = new byte[n][];
            for (int i = 0; i < n; i++) {
                l[i] = r.nextInt(10);
                img[i] = randomBytes(r, 3072);
            }
            files.put(names[f], cifarRecords(new int[][] {l}, img));
            labels.put(names[f], l);
            images.put(names[f], img);
        }
        return new Cifar10Files(files, labels, images);
    }

    /** Writes {@code files} into {@code dir} (created). */
    static void writeAll(Path dir, Map<String, byte[]> files) throws IOException {
        Files.createDirectories(dir);
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            Files.write(dir.resolve(e.getKey()), e.getValue());
        }
    }

    /** A gzipped ustar archive of {@code folder/} and {@code folder/<name>} for each file. */
    static byte[] tarGz(String folder, Map<String, byte[]> files) {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        tarEntry(tar, folder + "/", '5', new byte[0]);
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            tarEntry(tar, folder + "/" + e.getKey(), '0', e.getValue());
        }
        tar.writeBytes(new byte[1024]);
        return gzip(tar.toByteArray());
    }

    private static void tarEntry(OutputStream out, String name, char type, byte[] content) {
        byte[] h = new byte[512];
        put(h, 0, name);
        put(h, 100, type == '5' ? "0000755" : "0000644");
        put(h, 108, "0000000");
        put(h, 116, "0000000");
        put(h, 124, String.format("%011o", content.length));
        put(h, 136, String.format("%011o", 1_300_000_000L));
        h[156] = (byte) type;
        put(h, 257, "ustar");
        put(h, 263, "00");
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xFF;
        }
        put(h, 148, String.format("%06o", sum));
        h[154] = 0;
        h[155] = ' ';
        try {
            out.write(h);
            out.write(content);
            out.write(new byte[(512 - content.length % 512) % 512]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void put(byte[] h, int off, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, off, b.length);
    }
}
