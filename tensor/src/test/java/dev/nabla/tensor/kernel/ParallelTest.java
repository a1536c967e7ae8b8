package dev.nabla.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ParallelTest {
    private int saved;

    @BeforeEach
    void save() {
        saved = Parallel.threads();
    }

    @AfterEach
    void restore() {
        Parallel.setThreads(saved);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 7})
    void forRangeCoversEveryIndexExactlyOnce(int threads) {
        Parallel.setThreads(threads);
        assertEquals(threads, Parallel.threads());
        int[] ns = {0, 1, 2, 3, 5, 31, 32, 33, 100, 1000, 4097, 65_537, 200_003};
        int[] grains = {1, 2, 3, 7, 64, 1000, 32_768, Integer.MAX_VALUE, 0, -5};
        for (int n : ns) {
            for (int grain : grains) {
                AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(n, 1));
                AtomicInteger calls = new AtomicInteger();
                Parallel.forRange(n, grain, (from, to) -> {
                    assertTrue(0 <= from && from < to && to <= n, "chunk [" + from + ", " + to + ") of " + n);
                    calls.incrementAndGet();
                    for (int i = from; i < to; i++) {
                        hits.incrementAndGet(i);
                    }
                });
                for (int i = 0; i < n; i++) {
                    assertEquals(
                            1, hits.get(i), "index " + i + " of n=" + n + " grain=" + grain + " threads=" + threads);
                }
                int expectChunks = Parallel.chunks(n, grain);
                assertEquals(n == 0 ? 0 : expectChunks, calls.get(), "n=" + n + " grain=" + grain);
                assertTrue(expectChunks >= 1 && expectChunks <= threads);
                if (threads == 1 || n < 2L * Math.max(1, grain)) {
                    assertEquals(1, expectChunks, "small ranges stay on the caller");
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void forChunksSplitsIntoExactlyThatManyNearEqualParts(int threads) {
        Parallel.setThreads(threads);
        for (int n : new int[] {1, 10, 11, 1000, 99_999}) {
            for (int chunks = 1; chunks <= 6; chunks++) {
                AtomicIntegerArray hits = new AtomicIntegerArray(n);
                Set<Integer> sizes = ConcurrentHashMap.newKeySet();
                AtomicInteger calls = new AtomicInteger();
                Parallel.forChunks(n, chunks, (from, to) -> {
                    calls.incrementAndGet();
                    sizes.add(to - from);
                    for (int i = from; i < to; i++) {
                        hits.incrementAndGet(i);
                    }
                });
                for (int i = 0; i < n; i++) {
                    assertEquals(1, hits.get(i));
                }
                assertEquals(chunks, calls.get());
                int min = sizes.stream().mapToInt(Integer::intValue).min().orElseThrow();
                int max = sizes.stream().mapToInt(Integer::intValue).max().orElseThrow();
                assertTrue(max - min <= 1, "near-equal chunks: " + sizes);
            }
        }
    }

    @Test
    void workRunsOnSeveralThreadsAndTheCaller() {
        Parallel.setThreads(3);
        Set<Thread> seen = ConcurrentHashMap.newKeySet();
        Thread caller = Thread.currentThread();
        Parallel.forChunks(3, 3, (from, to) -> {
            seen.add(Thread.currentThread());
            try {
                Thread.sleep(30);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(seen.contains(caller), "the caller runs the first chunk");
        assertEquals(3, seen.size(), "three chunks, three threads");
        for (Thread t : seen) {
            if (t != caller) {
                assertTrue(t.getName().startsWith("nabla-kernel-") && t.isDaemon(), t.getName());
            }
        }
    }

    @Test
    void nestedCallsRunSerially() {
        Parallel.setThreads(3);
        AtomicInteger nestedChunks = new AtomicInteger();
        AtomicIntegerArray hits = new AtomicIntegerArray(3 * 1000);
        Parallel.forChunks(3, 3, (from, to) -> {
            for (int c = from; c < to; c++) {
                int base = c * 1000;
                if (Parallel.inWorker()) {
                    assertEquals(1, Parallel.chunks(1000, 1));
                }
                Parallel.forRange(1000, 1, (f, t) -> {
                    nestedChunks.incrementAndGet();
                    for (int i = f; i < t; i++) {
                        hits.incrementAndGet(base + i);
                    }
                });
            }
        });
        for (int i = 0; i < 3000; i++) {
            assertEquals(1, hits.get(i));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void exceptionsPropagateToTheCaller(int threads) {
        Parallel.setThreads(threads);
        IllegalStateException boom = new IllegalStateException("boom in the last chunk");
        // Thrown by a pool worker (the last chunk), and by the caller (the first).
        RuntimeException e = assertThrows(
                RuntimeException.class,
                () -> Parallel.forRange(1000, 1, (from, to) -> {
                    if (to == 1000) {
                        throw boom;
                    }
                }));
        assertTrue(e == boom || e.getCause() == boom || e.getMessage().contains("boom"), String.valueOf(e));
        assertThrows(
                ArithmeticException.class,
                () -> Parallel.forRange(1000, 1, (from, to) -> {
                    if (from == 0) {
                        throw new ArithmeticException("first");
                    }
                }));
        AssertionError err = assertThrows(
                AssertionError.class,
                () -> Parallel.forChunks(10, threads, (from, to) -> {
                    throw new AssertionError("error " + from);
                }));
        assertTrue(err.getMessage().startsWith("error"), err.getMessage());
        // The pool still works afterwards.
        AtomicInteger sum = new AtomicInteger();
        Parallel.forRange(100, 1, (from, to) -> sum.addAndGet(to - from));
        assertEquals(100, sum.get());
    }

    @Test
    void setThreadsValidatesAndResizes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Parallel.setThreads(0));
        assertTrue(e.getMessage().contains("0"), e.getMessage());
        Parallel.setThreads(1);
        assertEquals(1, Parallel.chunks(1_000_000, 1));
        Thread caller = Thread.currentThread();
        Parallel.forRange(1_000_000, 1, (from, to) -> assertSame(caller, Thread.currentThread()));
        Parallel.setThreads(3);
        assertEquals(3, Parallel.chunks(1_000_000, 1));
        assertEquals(2, Parallel.chunks(20, 10));
        assertEquals(1, Parallel.chunks(19, 10));
        assertEquals(1, Parallel.chunks(0, 1));
    }

    /**
     * Transcendental SIMD lanes and the scalar tail may differ by an ulp, so a chunk boundary that
     * is not a multiple of the vector length would make results depend on the thread count.
     */
    @Test
    void elementwiseResultsDoNotDependOnTheThreadCount() {
        int n = 3 * Elementwise.GRAIN + 13;
        float[] x = new float[n];
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = 0.25f + (i % 977) * 0.01f; // positive, so log/sqrt/rsqrt are defined
            g[i] = 1f - (i % 13) * 0.1f;
        }
        Map<String, float[]> first = new HashMap<>();
        for (int threads : new int[] {1, 2, 3, 4}) {
            Parallel.setThreads(threads);
            Map<String, float[]> got = new HashMap<>();
            for (UnaryOp op : UnaryOp.values()) {
                float[] o = new float[n];
                Elementwise.unary(op, x, 0, o, 0, n);
                got.put(op.name(), o);
                float[] gx = new float[n];
                Elementwise.unaryBackward(op, x, 0, o, 0, g, 0, gx, 0, n);
                got.put(op.name() + " backward", gx);
            }
            float[] y = g.clone();
            Elementwise.axpy(n, 0.3f, x, 0, y, 0);
            got.put("axpy", y);
            for (var e : got.entrySet()) {
                float[] ref = first.computeIfAbsent(e.getKey(), k -> e.getValue());
                for (int i = 0; i < n; i++) {
                    if (Float.floatToIntBits(ref[i]) != Float.floatToIntBits(e.getValue()[i])) {
                        throw new AssertionError(e.getKey() + " at " + i + ": " + ref[i] + " with 1 thread, "
                                + e.getValue()[i] + " with " + threads);
                    }
                }
            }
        }
    }

    @Test
    void kernelsGiveTheSameResultWithAnyThreadCount() {
        float[] x = new float[3 * Elementwise.GRAIN + 17];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(i);
        }
        float[] ref = null;
        for (int threads : new int[] {1, 2, 3}) {
            Parallel.setThreads(threads);
            float[] o = new float[x.length];
            Elementwise.unary(UnaryOp.TANH, x, 0, o, 0, x.length);
            float[] s = new float[1];
            Reduce.sum(o, 0, 1, o.length, 1, s, 0);
            float[] cols = new float[17];
            Reduce.sum(x, 0, 1, x.length / 17, 17, cols, 0);
            float[] all = new float[o.length + 18];
            System.arraycopy(o, 0, all, 0, o.length);
            all[o.length] = s[0];
            System.arraycopy(cols, 0, all, o.length + 1, 17);
            if (ref == null) {
                ref = all;
            } else {
                for (int i = 0; i < ref.length; i++) {
                    assertEquals(
                            Float.floatToIntBits(ref[i]),
                            Float.floatToIntBits(all[i]),
                            "threads=" + threads + " at " + i);
                }
            }
        }
    }
}
