package dev.nabla.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** A nested split must run serially on every thread of a parallel region, the caller included. */
class ParallelNestingTest {

    @Test
    void nestedCallsRunSeriallyOnWorkersAndOnTheCaller() {
        int before = Parallel.threads();
        Parallel.setThreads(2);
        try {
            assertFalse(Parallel.inParallelRegion());
            AtomicIntegerArray nestedChunks = new AtomicIntegerArray(2);
            AtomicIntegerArray inRegion = new AtomicIntegerArray(2);
            Parallel.forChunks(2, 2, (from, to) -> {
                nestedChunks.set(from, Parallel.chunks(1000, 1));
                inRegion.set(from, Parallel.inParallelRegion() ? 1 : 0);
            });
            for (int c = 0; c < 2; c++) {
                assertEquals(1, nestedChunks.get(c), "chunk " + c + " would split a nested range");
                assertEquals(1, inRegion.get(c), "chunk " + c + " does not see the parallel region");
            }
            assertFalse(Parallel.inParallelRegion(), "the caller's region flag leaked past forChunks");
            assertEquals(2, Parallel.chunks(1000, 1));
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void regionFlagIsClearedWhenTheCallersChunkThrows() {
        int before = Parallel.threads();
        Parallel.setThreads(2);
        try {
            try {
                Parallel.forChunks(2, 2, (from, to) -> {
                    throw new IllegalStateException("chunk " + from);
                });
            } catch (IllegalStateException expected) {
                assertTrue(expected.getMessage().startsWith("chunk"));
            }
            assertFalse(Parallel.inParallelRegion());
        } finally {
            Parallel.setThreads(before);
        }
    }
}
