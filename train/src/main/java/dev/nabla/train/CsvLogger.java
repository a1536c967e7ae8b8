package dev.nabla.train;

import dev.nabla.export.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Writes the run's history as CSV after every epoch (Keras' {@code CSVLogger}): a header, then one
 * row per epoch with the columns of {@link History#CSV_HEADER}, read as they are by spreadsheets,
 * pandas and gnuplot. The whole file is rewritten atomically each time from
 * {@link Trainer#history()}, so a resumed run's log holds the epochs before the interruption too.
 *
 * <pre>{@code
 * new Trainer(model, opt, Trainer.options().epochs(10).callbacks(new CsvLogger(Path.of("runs/a/log.csv"))));
 * // python3 -c "import pandas; print(pandas.read_csv('runs/a/log.csv'))"
 * }</pre>
 */
public final class CsvLogger implements Callback {
    private final Path file;

    public CsvLogger(Path file) {
        this.file = Objects.requireNonNull(file, "file");
    }

    public Path file() {
        return file;
    }

    @Override
    public void onEpochEnd(Trainer trainer, Trainer.Epoch epoch) throws IOException {
        byte[] bytes = trainer.history().toCsv().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, ch -> ch.write(ByteBuffer.wrap(bytes)));
    }

    @Override
    public String toString() {
        return "CsvLogger(" + file + ")";
    }
}
