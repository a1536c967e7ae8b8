package dev.nabla.plot;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where {@link Figure#show()} sends a picture. By default it is saved as a numbered PNG in the
 * display directory ({@code plots/}, or {@code -Dnabla.plot.dir}) and its path printed; the
 * Jupyter kernel installs a handler that shows pictures inline, and {@code ./nabla notebook run}
 * points the directory at the notebook's run folder.
 *
 * <pre>{@code
 * Display.setDirectory(Path.of("runs/notebooks/lesson"));
 * new Chart().title("loss").line(new double[] {3, 2, 1}, "train").show();
 * // saved runs/notebooks/lesson/01-loss.png (640x440)
 * Display.setHandler(fig -> System.out.println(fig));    // custom sink; null restores the default
 * }</pre>
 */
public final class Display {
    /** Receives shown figures. */
    @FunctionalInterface
    public interface Handler {
        void show(Figure figure);
    }

    private static volatile Handler handler;
    private static volatile Path directory = Path.of(System.getProperty("nabla.plot.dir", "plots"));
    private static final AtomicInteger shown = new AtomicInteger();

    private Display() {}

    /** Installs a handler for {@link Figure#show()}; null restores saving to the display directory. */
    public static void setHandler(Handler h) {
        handler = h;
    }

    /** Where the default handler saves pictures; numbering starts again at 01. */
    public static void setDirectory(Path dir) {
        directory = dir;
        shown.set(0);
    }

    public static Path directory() {
        return directory;
    }

    public static void show(Figure figure) {
        Handler h = handler;
        if (h != null) {
            h.show(figure);
            return;
        }
        String name = String.format(Locale.ROOT, "%02d-%s.png", shown.incrementAndGet(), slug(figure.title()));
        figure.save(directory.resolve(name));
    }

    /** A file-name-safe form of a title: "Loss (log scale)" becomes "loss-log-scale". */
    static String slug(String title) {
        if (title == null || title.isBlank()) {
            return "figure";
        }
        String s = title.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        if (s.length() > 40) {
            s = s.substring(0, 40).replaceAll("-+$", "");
        }
        return s.isEmpty() ? "figure" : s;
    }
}
