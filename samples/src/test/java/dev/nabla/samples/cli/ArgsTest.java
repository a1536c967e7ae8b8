package dev.nabla.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Set;
import org.junit.jupiter.api.Test;

class ArgsTest {

    private static String error(Runnable r) {
        return assertThrows(Args.UsageException.class, r::run).getMessage();
    }

    @Test
    void anOptionTheCommandHasNeedsItsValue() {
        Args a = Args.parse(new String[] {"--lr", "0.1", "--epochs"}, Set.of());
        assertEquals(0.1, a.doubleValue("lr", 1), 0);
        assertEquals("--epochs needs a value", error(() -> a.intValue("epochs", 1)));
    }

    @Test
    void aMisspelledFlagIsUnknownNotShortOfAValue() {
        Args a = Args.parse(new String[] {"--epochs", "2", "--verbos"}, Set.of());
        assertEquals(2, a.intValue("epochs", 1));
        assertEquals("unknown option(s): --verbos", error(a::finish));
    }

    @Test
    void aFlagBeforeAnotherFlagLacksItsValueToo() {
        Args a = Args.parse(new String[] {"--epochs", "--lr", "0.1"}, Set.of());
        assertEquals(0.1, a.doubleValue("lr", 1), 0);
        assertEquals("--epochs needs a value", error(() -> a.string("epochs", null)));
    }
}
