package dev.nabla.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** {@code ./nabla serve}'s defaults that are chosen by the machine rather than fixed. */
class ServeCommandTest {
    @Test
    void batchingLeavesHalfTheProcessorsToTheRequestThreads() {
        assertEquals(1, ServeCommand.defaultThreads(32, 2), "2 cores, batching: one kernel thread");
        assertEquals(4, ServeCommand.defaultThreads(2, 8));
        assertEquals(1, ServeCommand.defaultThreads(32, 1), "never fewer than one");
        assertEquals(3, ServeCommand.defaultThreads(32, 7));
        assertEquals(2, ServeCommand.defaultThreads(1, 2), "one image at a time: every processor");
        assertEquals(8, ServeCommand.defaultThreads(1, 8));
    }
}
