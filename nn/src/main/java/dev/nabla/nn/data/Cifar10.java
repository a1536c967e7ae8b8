package dev.nabla.nn.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CIFAR-10: 32x32 colour images in 10 classes (50,000 training, 10,000 test in the official set),
 * read from the official binary distribution: {@code data_batch_1..5.bin} and
 * {@code test_batch.bin} in the folder {@code cifar-10-batches-bin}, or straight from
 * {@code cifar-10-binary.tar.gz}. Each record is 1 label byte and 3,072 pixel bytes; the record count
 * comes from the file size, so shortened files (e.g. a subset) load too.
 *
 * <p>{@link #load(Path, boolean)} can fetch the official archive when it is absent
 * ({@link Download}: HTTPS, progress bar, resume, MD5 check) and extracts it next to itself, both
 * through temporary names so an interrupted run never leaves a half file that passes for data.
 *
 * <pre>{@code
 * Split s = Cifar10.load(Path.of("data"), true);   // data/cifar-10-batches-bin, downloaded if absent
 * s.train().size();                                 // 50000
 * Cifar10.CLASSES.get(s.test().label(0));           // "cat"
 * }</pre>
 */
public final class Cifar10 {
    public static final URI URL = URI.create("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz");
    public static final String MD5 = "c32a1d4ab5d03f1284b67883e8d87530";
    public static final String ARCHIVE = "cifar-10-binary.tar.gz";
    public static final String FOLDER = "cifar-10-batches-bin";
    public static final List<String> TRAIN_FILES =
            List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin");
    public static final String TEST_FILE = "test_batch.bin";
    public static final List<String> CLASSES =
            List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");

    private static final CifarBinary.Layout LAYOUT = new CifarBinary.Layout(FOLDER, ARCHIVE, TRAIN_FILES.get(0));
    private static final int[] LABEL_LIMITS = {10};

    private Cifar10() {}

    /**
     * Reads CIFAR-10 from {@code path}: the {@code cifar-10-batches-bin} folder, a folder holding it,
     * the archive, or a folder holding {@code cifar-10-binary.tar.gz}.
     */
    public static Split load(Path path) throws IOException {
        Path location = CifarBinary.locate(path, LAYOUT);
        if (location == null) {
            throw new NoSuchFileException(
                    path.toString(),
                    null,
                    "no CIFAR-10 here: expected " + FOLDER + "/" + TRAIN_FILES.get(0) + " or " + ARCHIVE
                            + " (pass --download to fetch it)");
        }
        List<String> all = new ArrayList<>(TRAIN_FILES);
        all.add(TEST_FILE);
        Map<String, CifarBinary.File> files = CifarBinary.readFiles(location, LAYOUT, all, List.of());
        List<CifarBinary.File> train = TRAIN_FILES.stream().map(files::get).toList();
        return new Split(
                CifarBinary.parse("cifar-10-train", train, LABEL_LIMITS, 0, CLASSES),
                CifarBinary.parse("cifar-10-test", List.of(files.get(TEST_FILE)), LABEL_LIMITS, 0, CLASSES));
    }

    /**
     * Reads one CIFAR-10 batch file ({@code data_batch_1.bin} ... {@code test_batch.bin}, or any
     * file of 3,073-byte records: a label byte, then the 3x32x32 pixels), e.g. a separate
     * validation set.
     */
    public static ImageDataset read(Path batchFile) throws IOException {
        if (!Files.isRegularFile(batchFile)) {
            throw new NoSuchFileException(
                    batchFile.toString(),
                    null,
                    Files.isDirectory(batchFile) ? "is a folder, not a batch file" : "not found");
        }
        CifarBinary.File f = new CifarBinary.File(batchFile.toString(), Files.readAllBytes(batchFile));
        return CifarBinary.parse(batchFile.getFileName().toString(), List.of(f), LABEL_LIMITS, 0, CLASSES);
    }

    /**
     * Reads CIFAR-10 from {@code root} as {@link #load(Path)} does; when it is absent and
     * {@code download} is true, first fetches the official archive into {@code root} and extracts it.
     */
    public static Split load(Path root, boolean download) throws IOException {
        if (download && CifarBinary.locate(root, LAYOUT) == null) {
            ensure(root, officialDownload());
        }
        return load(root);
    }

    /** The official archive's download: its URL and MD5, 3 attempts, progress on standard error. */
    public static Download officialDownload() {
        return Download.from(URL).md5(MD5).progress(System.err);
    }

    /**
     * Makes sure {@code root/cifar-10-batches-bin} holds the six batch files: if not, downloads
     * {@code root/cifar-10-binary.tar.gz} with {@code download} (unless already there and verified)
     * and extracts it. Returns the folder.
     */
    public static Path ensure(Path root, Download download) throws IOException {
        Path folder = root.resolve(FOLDER);
        if (isComplete(folder)) {
            return folder;
        }
        if (Files.exists(folder)) {
            throw new FileAlreadyExistsException(
                    folder.toString(),
                    null,
                    "folder exists but lacks some of the six CIFAR-10 batch files: remove it to extract again");
        }
        Files.createDirectories(root);
        Path archive = download.to(root.resolve(ARCHIVE));
        extract(archive, root, folder);
        return folder;
    }

    private static boolean isComplete(Path folder) {
        return Stream.concat(TRAIN_FILES.stream(), Stream.of(TEST_FILE))
                .allMatch(f -> Files.isRegularFile(folder.resolve(f)));
    }

    /** Extracts the archive's folder into a temporary directory, checks it, then renames it into place. */
    private static void extract(Path archive, Path root, Path folder) throws IOException {
        Path tmp = Files.createTempDirectory(root, ".cifar-10-extract-");
        try {
            Path base = tmp.normalize();
            try (InputStream in = Idx.maybeGunzip(Files.newInputStream(archive), archive.toString())) {
                Tar.read(in, archive.toString(), (name, size, content) -> {
                    String n = name.startsWith("./") ? name.substring(2) : name;
                    if (!n.startsWith(FOLDER + "/")) {
                        return;
                    }
                    Path out = base.resolve(n).normalize();
                    if (!out.startsWith(base.resolve(FOLDER))) {
                        throw new CorruptDataException(
                                archive.toString(), -1, "entry " + name + " points outside its folder");
                    }
                    Files.createDirectories(out.getParent());
                    try (OutputStream o = Files.newOutputStream(out)) {
                        content.transferTo(o);
                    }
                });
            }
            if (!isComplete(tmp.resolve(FOLDER))) {
                throw new CorruptDataException(
                        archive.toString(),
                        -1,
                        "archive lacks some of " + FOLDER + "/" + TRAIN_FILES + " and " + TEST_FILE);
            }
            Files.move(tmp.resolve(FOLDER), folder, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            deleteTree(tmp);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
