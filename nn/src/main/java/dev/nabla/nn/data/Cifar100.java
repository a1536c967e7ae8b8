package dev.nabla.nn.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * CIFAR-100: 32x32 colour images with a fine label (100 classes) and a coarse one (20
 * superclasses), from the official binary distribution: {@code train.bin} and {@code test.bin} in
 * the folder {@code cifar-100-binary}, or straight from {@code cifar-100-binary.tar.gz}. Each
 * record is 1 coarse label byte, 1 fine label byte and 3,072 pixel bytes; the record count comes
 * from the file size. Class names come from {@code fine_label_names.txt} /
 * {@code coarse_label_names.txt} when present.
 *
 * <pre>{@code
 * Split fine = Cifar100.load(Path.of("data"));          // 100 classes
 * Split coarse = Cifar100.load(Path.of("data"), true);  // 20 superclasses
 * }</pre>
 */
public final class Cifar100 {
    public static final String ARCHIVE = "cifar-100-binary.tar.gz";
    public static final String FOLDER = "cifar-100-binary";
    public static final String TRAIN_FILE = "train.bin";
    public static final String TEST_FILE = "test.bin";

    private static final CifarBinary.Layout LAYOUT = new CifarBinary.Layout(FOLDER, ARCHIVE, TRAIN_FILE);
    private static final int[] LABEL_LIMITS = {20, 100};
    private static final String FINE_NAMES = "fine_label_names.txt";
    private static final String COARSE_NAMES = "coarse_label_names.txt";

    private Cifar100() {}

    /** Reads CIFAR-100 with its fine labels (100 classes). */
    public static Split load(Path path) throws IOException {
        return load(path, false);
    }

    /**
     * Reads one file of CIFAR-100 records ({@code train.bin}, {@code test.bin}, or any file of
     * 3,074-byte records: the coarse and the fine label byte, then the 3x32x32 pixels), labelled
     * with the fine classes, or the coarse ones when {@code coarse}; without class names.
     */
    public static ImageDataset read(Path file, boolean coarse) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(
                    file.toString(), null, Files.isDirectory(file) ? "is a folder, not a CIFAR-100 file" : "not found");
        }
        CifarBinary.File f = new CifarBinary.File(file.toString(), Files.readAllBytes(file));
        return CifarBinary.parse(file.getFileName().toString(), List.of(f), LABEL_LIMITS, coarse ? 0 : 1, List.of());
    }

    /**
     * Reads CIFAR-100 from {@code path}: the {@code cifar-100-binary} folder, a folder holding it,
     * the archive, or a folder holding the archive.
     *
     * @param coarse label the images with the 20 superclasses instead of the 100 classes
     */
    public static Split load(Path path, boolean coarse) throws IOException {
        Path location = CifarBinary.locate(path, LAYOUT);
        if (location == null) {
            throw new NoSuchFileException(
                    path.toString(),
                    null,
                    "no CIFAR-100 here: expected " + FOLDER + "/" + TRAIN_FILE + " or " + ARCHIVE);
        }
        String namesFile = coarse ? COARSE_NAMES : FINE_NAMES;
        Map<String, CifarBinary.File> files =
                CifarBinary.readFiles(location, LAYOUT, List.of(TRAIN_FILE, TEST_FILE), List.of(namesFile));
        List<String> classes = files.containsKey(namesFile) ? CifarBinary.lines(files.get(namesFile)) : List.of();
        int labelIndex = coarse ? 0 : 1;
        if (!classes.isEmpty() && classes.size() != LABEL_LIMITS[labelIndex]) {
            throw new CorruptDataException(
                    files.get(namesFile).displayName(),
                    -1,
                    classes.size() + " class names, expected " + LABEL_LIMITS[labelIndex]);
        }
        String name = coarse ? "cifar-100-coarse" : "cifar-100";
        return new Split(
                CifarBinary.parse(name + "-train", List.of(files.get(TRAIN_FILE)), LABEL_LIMITS, labelIndex, classes),
                CifarBinary.parse(name + "-test", List.of(files.get(TEST_FILE)), LABEL_LIMITS, labelIndex, classes));
    }
}
