package dev.nabla.nn.data;

import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * A console progress bar for downloads and training loops: done/total, percentage, rate and ETA,
 * plus an optional message (e.g. the running loss). On a terminal it redraws one line in place (at
 * most 10 times a second); when the output is not a terminal (a log file, CI) it prints a plain
 * line at every 10% and at least every 30 seconds instead, so logs stay readable.
 *
 * <p>While running, the rate and the ETA come from the recent past (the last quarter of the time
 * elapsed, at least a second) after the first update, not from the start: the first batches of a
 * training run are slow while the JIT compiles the kernels, and an average since the start would
 * promise minutes for an epoch that takes seconds. The ETA appears from the second update on; the
 * final line gives the average over the whole run.
 *
 * <pre>{@code
 * try (ProgressBar bar = ProgressBar.count("epoch 1", loader.size(), "batch")) {
 *     for (Batch b : loader.epoch(1)) {
 *         float loss = step(b);
 *         bar.message(String.format("loss %.3f", loss));
 *         bar.advance(1);
 *     }
 * }
 * // epoch 1 [############............]  50%  391/782 batch  41.2 batch/s  ETA 0:09  loss 0.734
 * }</pre>
 */
public final class ProgressBar implements AutoCloseable {
    private static final int WIDTH = 24;
    private static final long REDRAW_NANOS = 100_000_000L;
    private static final long PLAIN_NANOS = 30_000_000_000L;
    private static final long MIN_WINDOW_NANOS = 1_000_000_000L;

    private final String label;
    private final long total;
    private final String unit; // null: bytes
    private final PrintStream out;
    private final boolean terminal;
    private final LongSupplier clock;
    private final long start;
    private final long startDone;
    private long done;
    private String message = "";
    private boolean drawn;
    private long lastDraw;
    private long lastDrawnDone;
    private int lastDecile = -1;
    private int lastLength;
    private boolean closed;
    /** (time, done) pairs spanning the recent window the rate is measured over, oldest first. */
    private final ArrayDeque<long[]> recent = new ArrayDeque<>();
    /** Whether the bar has been updated since it started (the origin of the running rate moved there). */
    private boolean updated;

    ProgressBar(
            String label, long total, String unit, long done, PrintStream out, boolean terminal, LongSupplier clock) {
        this.label = Objects.requireNonNull(label, "label");
        this.total = total;
        this.unit = unit;
        this.out = Objects.requireNonNull(out, "out");
        this.terminal = terminal;
        this.clock = clock;
        this.start = clock.getAsLong();
        this.done = done;
        this.startDone = done;
        recent.add(new long[] {start, done});
        if (done > 0) {
            lastDecile = decile();
        }
    }

    /** A bar counting bytes on standard error; {@code total < 0} when unknown. */
    public static ProgressBar bytes(String label, long total) {
        return bytes(label, total, 0, System.err);
    }

    /**
     * A bar counting bytes that starts at {@code done} (a resumed download: the rate counts only
     * what this run transfers).
     */
    public static ProgressBar bytes(String label, long total, long done, PrintStream out) {
        return new ProgressBar(label, total, null, done, out, isTerminal(), System::nanoTime);
    }

    /** A bar counting {@code unit}s (e.g. "batch") on standard error; {@code total < 0} when unknown. */
    public static ProgressBar count(String label, long total, String unit) {
        return count(label, total, unit, System.err);
    }

    public static ProgressBar count(String label, long total, String unit, PrintStream out) {
        return new ProgressBar(
                label, total, Objects.requireNonNull(unit, "unit"), 0, out, isTerminal(), System::nanoTime);
    }

    /**
     * True when the bar's stream is an interactive terminal, so it can redraw one line. The
     * {@code ./nabla} launcher knows (it tests the file descriptor) and passes
     * {@code -Dnabla.terminal}; otherwise {@code System.console()} decides, which is exact on JDK 21
     * (on later JDKs it also answers for redirected streams, and the bar then redraws into a file).
     */
    static boolean isTerminal() {
        String told = System.getProperty("nabla.terminal");
        if (told != null) {
            return Boolean.parseBoolean(told);
        }
        return System.console() != null;
    }

    /** Adds {@code delta} to the amount done and redraws if due. */
    public synchronized void advance(long delta) {
        set(done + delta);
    }

    /** Sets the amount done and redraws if due. */
    public synchronized void set(long value) {
        done = value;
        long now = clock.getAsLong();
        sample(now);
        if (terminal) {
            if (!drawn || now - lastDraw >= REDRAW_NANOS) {
                draw(now, false);
            }
        } else {
            int d = decile();
            if (d > lastDecile || !drawn || now - lastDraw >= PLAIN_NANOS) {
                lastDecile = Math.max(lastDecile, d);
                draw(now, false);
            }
        }
    }

    /** Text shown after the numbers, e.g. the current loss. */
    public synchronized void message(String text) {
        message = text == null ? "" : text;
    }

    public synchronized long done() {
        return done;
    }

    /** Draws the final state and ends the line; idempotent. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            // a plain log already holds the final state unless something changed since
            if (terminal || !drawn || done != lastDrawnDone) {
                draw(clock.getAsLong(), true);
            }
        }
    }

    private int decile() {
        return total > 0 ? (int) Math.min(10, done * 10 / total) : -1;
    }

    private void draw(long now, boolean last) {
        drawn = true;
        lastDraw = now;
        lastDrawnDone = done;
        String line = render(now);
        if (terminal) {
            int pad = Math.max(0, lastLength - line.length());
            out.print("\r" + line + " ".repeat(pad) + (last ? "\n" : ""));
            lastLength = line.length();
        } else {
            out.println(line);
        }
        out.flush();
    }

    /** The rate is measured over the last quarter of the time elapsed, but at least over a second. */
    private long window(long now) {
        return Math.max(MIN_WINDOW_NANOS, (now - start) / 4);
    }

    /**
     * Records (now, done), keeping one sample at or before the window's start and thinning the rest.
     * The first update becomes the origin: the time before it (the JIT compiling the first batch,
     * a connection opening) says nothing about the pace to come.
     */
    private void sample(long now) {
        if (!updated) {
            updated = true;
            recent.clear();
            recent.add(new long[] {now, done});
            return;
        }
        long window = window(now);
        if (now - recent.peekLast()[0] >= window / 64) {
            recent.addLast(new long[] {now, done});
        }
        while (recent.size() >= 2) {
            long[] first = recent.pollFirst();
            if (now - recent.peekFirst()[0] < window) {
                recent.addFirst(first);
                break;
            }
        }
    }

    /** True once the running rate spans some time after the first update: only then is there an ETA. */
    private boolean paced(long now) {
        return updated && now > recent.peekFirst()[0] && done > recent.peekFirst()[1];
    }

    /**
     * Units per second over the recent window while running (the amount done at the window's start
     * interpolated between the samples around it); over the whole run once finished, or before
     * there is a pace to measure.
     */
    private double rate(long now, boolean finished) {
        double fromTime = start;
        double fromDone = startDone;
        if (!finished && paced(now)) {
            var it = recent.iterator();
            long[] a = it.next();
            fromTime = a[0];
            fromDone = a[1];
            long windowStart = now - window(now);
            if (a[0] < windowStart && it.hasNext()) {
                long[] b = it.next();
                double f = (double) (windowStart - a[0]) / (b[0] - a[0]);
                fromTime = windowStart;
                fromDone = a[1] + f * (b[1] - a[1]);
            }
        }
        double seconds = (now - fromTime) / 1e9;
        return seconds > 0 ? (done - fromDone) / seconds : 0;
    }

    /** One line: label, bar, percentage, amounts, rate, ETA, message. */
    String render(long now) {
        StringBuilder sb = new StringBuilder(label);
        double seconds = (now - start) / 1e9;
        double rate = rate(now, closed || (total > 0 && done >= total));
        if (total > 0) {
            double frac = Math.min(1, (double) done / total);
            int filled = (int) (frac * WIDTH);
            sb.append(" [")
                    .append("#".repeat(filled))
                    .append(".".repeat(WIDTH - filled))
                    .append("] ");
            sb.append(String.format(Locale.ROOT, "%3d%%", (int) (frac * 100)));
            sb.append("  ").append(amount(done, false)).append('/').append(amount(total, true));
        } else {
            sb.append("  ").append(amount(done, true));
        }
        if (rate > 0) {
            sb.append("  ")
                    .append(
                            unit == null
                                    ? amount((long) rate, true) + "/s"
                                    : String.format(Locale.ROOT, "%.1f %s/s", rate, unit));
            if (total > 0 && done < total && paced(now)) {
                sb.append("  ETA ").append(duration((total - done) / rate));
            }
        }
        if (total > 0 && done >= total || closed) {
            sb.append("  ").append(duration(seconds));
        }
        if (!message.isEmpty()) {
            sb.append("  ").append(message);
        }
        return sb.toString();
    }

    private String amount(long v, boolean withUnit) {
        if (unit != null) {
            return withUnit ? v + " " + unit : Long.toString(v);
        }
        if (v < 1024) {
            return v + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double x = v;
        int i = -1;
        while (x >= 1024 && i < units.length - 1) {
            x /= 1024;
            i++;
        }
        return String.format(Locale.ROOT, "%.1f %s", x, units[i]);
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s >= 3600) {
            return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
        }
        return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
