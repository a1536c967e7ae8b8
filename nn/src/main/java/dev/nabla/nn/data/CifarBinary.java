package dev.nabla.nn.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The binary format shared by CIFAR-10 and CIFAR-100: fixed-size records of label byte(s) followed
 * by 3x32x32 pixel bytes (the red plane, then green, then blue, each row-major). A file holds as
 * many records as its size allows, so the count comes from the size. Files are read from the
 * extracted folder or straight from the {@code .tar.gz} archive.
 */
final class CifarBinary {
    static final int CHANNELS = 3;
    static final int SIDE = 32;
    static final int IMAGE_BYTES = CHANNELS * SIDE * SIDE;

    private CifarBinary() {}

    /** One file's bytes and the name errors give it (a path, or archive!entry). */
    record File(String displayName, byte[] bytes) {}

    /** One variant's layout: the folder inside the archive and the archive's usual name. */
    record Layout(String folder, String archive, String probeFile) {}

    /**
     * Resolves {@code path} to where the files are: the folder itself, a parent holding the folder,
     * the archive, or a parent holding the archive; null when none of these is there.
     */
    static Path locate(Path path, Layout layout) {
        if (Files.isRegularFile(path)) {
            return path;
        }
        if (Files.isRegularFile(path.resolve(layout.probeFile()))) {
            return path;
        }
        Path folder = path.resolve(layout.folder());
        if (Files.isRegularFile(folder.resolve(layout.probeFile()))) {
            return folder;
        }
        Path archive = path.resolve(layout.archive());
        return Files.isRegularFile(archive) ? archive : null;
    }

    /**
     * Reads the named files from a folder or an archive (as {@link #locate} found it). Required
     * files missing are an error; optional ones are left out of the map.
     */
    static Map<String, File> readFiles(Path location, Layout layout, List<String> required, List<String> optional)
            throws IOException {
        Map<String, File> files = new HashMap<>();
        if (Files.isDirectory(location)) {
            for (String f : concat(required, optional)) {
                Path p = location.resolve(f);
                if (Files.isRegularFile(p)) {
                    files.put(f, new File(p.toString(), Files.readAllBytes(p)));
                } else if (required.contains(f)) {
                    throw new NoSuchFileException(p.toString(), null, "CIFAR file missing from " + location);
                }
            }
            return files;
        }
        List<String> wanted = concat(required, optional);
        try (InputStream in = Idx.maybeGunzip(Files.newInputStream(location), location.toString())) {
            Tar.read(in, location.toString(), (name, size, content) -> {
                String n = name.startsWith("./") ? name.substring(2) : name;
                if (n.startsWith(layout.folder() + "/")) {
                    String file = n.substring(layout.folder().length() + 1);
                    if (wanted.contains(file)) {
                        if (size > Integer.MAX_VALUE - 8) {
                            throw new CorruptDataException(
                                    location + "!" + n,
                                    -1,
                                    "entry of " + size + " bytes is too large for a CIFAR file");
                        }
                        files.put(file, new File(location + "!" + n, content.readAllBytes()));
                    }
                }
            });
        }
        for (String f : required) {
            if (!files.containsKey(f)) {
                throw new CorruptDataException(
                        location.toString(), -1, "archive has no entry " + layout.folder() + "/" + f);
            }
        }
        return files;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** Lines of a class-names file (batches.meta.txt etc.), blank ones dropped. */
    static List<String> lines(File f) {
        return new String(f.bytes(), StandardCharsets.UTF_8)
                .lines()
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    /**
     * Parses and concatenates {@code files} into one data set.
     *
     * @param labelLimits the number of classes each label byte may take (their count is the number of label bytes)
     * @param labelIndex  which label byte is the data set's label
     */
    static ImageDataset parse(String name, List<File> files, int[] labelLimits, int labelIndex, List<String> classes)
            throws CorruptDataException {
        int recordSize = labelLimits.length + IMAGE_BYTES;
        long total = 0;
        for (File f : files) {
            total += checkSize(f, recordSize);
        }
        if (total * IMAGE_BYTES > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(name + ": " + total + " images exceed one array's capacity");
        }
        byte[] pixels = new byte[(int) total * IMAGE_BYTES];
        int[] labels = new int[(int) total];
        int at = 0;
        for (File f : files) {
            byte[] b = f.bytes();
            int records = b.length / recordSize;
            for (int r = 0; r < records; r++) {
                int base = r * recordSize;
                for (int k = 0; k < labelLimits.length; k++) {
                    int label = b[base + k] & 0xFF;
                    if (label >= labelLimits[k]) {
                        throw new CorruptDataException(
                                f.displayName(),
                                r,
                                "label " + label + " out of range [0, " + labelLimits[k] + ")"
                                        + (labelLimits.length > 1 ? " (label byte " + k + ")" : ""));
                    }
                }
                labels[at] = b[base + labelIndex] & 0xFF;
                System.arraycopy(b, base + labelLimits.length, pixels, at * IMAGE_BYTES, IMAGE_BYTES);
                at++;
            }
        }
        return new ImageDataset(name, pixels, labels, CHANNELS, SIDE, SIDE, labelLimits[labelIndex], classes);
    }

    private static int checkSize(File f, int recordSize) throws CorruptDataException {
        int len = f.bytes().length;
        if (len == 0) {
            throw new CorruptDataException(f.displayName(), -1, "empty file: no " + recordSize + "-byte records");
        }
        if (len % recordSize != 0) {
            int records = len / recordSize;
            throw new CorruptDataException(
                    f.displayName(),
                    records,
                    (records == 0 ? "short file: " : "")
                            + "size " + len + " is not a whole number of " + recordSize
                            + "-byte records: this record has only "
                            + (len % recordSize) + " bytes");
        }
        return len / recordSize;
    }
}
