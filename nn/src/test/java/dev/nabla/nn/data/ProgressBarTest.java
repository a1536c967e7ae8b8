package dev.nabla.nn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
    private long now;

    private ProgressBar bar(String unit, long total, long done, ByteArrayOutputStream out, boolean terminal) {
        return new ProgressBar(
                "get", total, unit, done, new PrintStream(out, true, StandardCharsets.UTF_8), terminal, () -> now);
    }

    @Test
    void plainOutputPrintsALinePerTenthWithRateAndEta() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ProgressBar b = bar(null, 100L << 20, 0, out, false)) {
            for (int i = 1; i <= 100; i++) {
                now += 10_000_000L; // 10 ms per MiB: 100 MiB/s
                b.advance(1 << 20);
            }
        }
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(11, lines.size(), String.join("\n", lines)); // the first update, then 10%, 20%, ... 100%
        // the first update gives the rate so far but no ETA: that interval holds the start-up
        assertEquals("get [........................]   1%  1.0 MiB/100.0 MiB  100.0 MiB/s", lines.get(0));
        assertEquals("get [##......................]  10%  10.0 MiB/100.0 MiB  100.0 MiB/s  ETA 0:01", lines.get(1));
        assertEquals("get [########################] 100%  100.0 MiB/100.0 MiB  100.0 MiB/s  0:01", lines.get(10));
    }

    @Test
    void terminalOutputRedrawsOneLine() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ProgressBar b = bar("batch", 4, 0, out, true)) {
            b.message("loss 0.500");
            for (int i = 0; i < 4; i++) {
                now += 200_000_000L;
                b.advance(1);
            }
        }
        String s = out.toString(StandardCharsets.UTF_8);
        assertEquals(1, s.chars().filter(c -> c == '\n').count(), s);
        assertTrue(s.endsWith("\n"));
        // the first draw has no ETA yet (its interval holds the start-up); the next ones do
        assertTrue(s.contains("\rget [######..................]  25%  1/4 batch  5.0 batch/s  loss 0.500"), s);
        assertTrue(
                s.contains("\rget [############............]  50%  2/4 batch  5.0 batch/s  ETA 0:00  loss 0.500"), s);
    }

    @Test
    void resumedDownloadsCountOnlyNewBytesInTheRate() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ProgressBar b = bar(null, 2000, 1000, out, false);
        now += 1_000_000_000L;
        assertTrue(b.render(now).contains("50%"));
        b.set(1500); // 500 bytes in 1 s
        assertTrue(b.render(now).endsWith("500 B/s"), b.render(now));
        now += 1_000_000_000L;
        b.set(1750); // 250 more in the next second: the pace since the first update
        assertTrue(b.render(now).contains("250 B/s  ETA 0:01"), b.render(now));
    }

    @Test
    void unknownTotalShowsAmountAndRateOnly() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ProgressBar b = bar(null, -1, 0, out, false);
        now += 2_000_000_000L;
        b.set(3 << 20);
        assertEquals("get  3.0 MiB  1.5 MiB/s", b.render(now));
        assertEquals("1:01:01", ProgressBar.duration(3661));
    }

    @Test
    void theEtaFollowsTheRecentRateNotASlowStart() {
        // 100 batches: the first 6 take 1 s each (the JIT compiling), the rest 0.1 s each
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ProgressBar b = bar("batch", 100, 0, out, true);
        for (int i = 1; i <= 20; i++) {
            now += i <= 6 ? 1_000_000_000L : 100_000_000L;
            b.advance(1);
            if (i == 1) {
                assertFalse(b.render(now).contains("ETA"), "no ETA from the first, compile-bound batch alone");
            }
        }
        // 7.4 s for 20 batches: the average since the start (2.7 batch/s) would promise 30 s for the
        // 80 left, which take 8 s at the current pace
        Matcher eta = Pattern.compile("ETA (\\d+):(\\d\\d)").matcher(b.render(now));
        assertTrue(eta.find(), b.render(now));
        int seconds = 60 * Integer.parseInt(eta.group(1)) + Integer.parseInt(eta.group(2));
        assertTrue(seconds >= 8 && seconds <= 12, b.render(now));
        for (int i = 21; i <= 100; i++) {
            now += 100_000_000L;
            b.advance(1);
        }
        b.close();
        // the final line gives the average over the whole epoch: 100 batches in 15.4 s
        assertTrue(b.render(now).contains("6.5 batch/s  0:15"), b.render(now));
    }
}
