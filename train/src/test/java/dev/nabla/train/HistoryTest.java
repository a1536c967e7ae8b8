package dev.nabla.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class HistoryTest {
    private static final History H = new History(List.of(
            new Trainer.Epoch(1, 0.5, 0.8, 0.4, 0.85, Double.NaN, Double.NaN, 1e-3, 1.25, 640),
            new Trainer.Epoch(2, 0.3, 0.9, 0.35, 0.9, Double.NaN, Double.NaN, 0.1 / 3, 1.0, 640),
            new Trainer.Epoch(3, 0.2, 0.95, 0.37, 0.91, 0.33, 0.92, 0, 0.5, 640)));

    @Test
    void csvRoundTripsEveryBitAndLeavesUnmeasuredCellsEmpty() {
        String csv = H.toCsv();
        assertEquals(History.CSV_HEADER, csv.lines().findFirst().orElseThrow());
        assertEquals(
                "1,0.5,0.8,0.4,0.85,,,0.001,1.25,640",
                csv.lines().skip(1).findFirst().orElseThrow());
        assertEquals(H.epochs(), History.parseCsv(csv).epochs());
    }

    @Test
    void bestFollowsTheMonitorsDirection() {
        assertEquals(2, H.best(Monitor.VAL_LOSS).orElseThrow().epoch());
        assertEquals(3, H.best(Monitor.VAL_ACCURACY).orElseThrow().epoch());
        assertEquals(
                3,
                H.best(new Monitor("test", Monitor.Mode.MIN, Trainer.Epoch::testLoss))
                        .orElseThrow()
                        .epoch());
        assertEquals(2.75, H.trainSeconds(), 1e-15);
        assertEquals(1920, H.images());
    }

    @Test
    void malformedTextIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> History.parseCsv("epoch,loss\n1,2\n"));
        assertThrows(IllegalArgumentException.class, () -> History.parseCsv(History.CSV_HEADER + "\n1,x,,,,,,,1,1\n"));
        assertThrows(
                IllegalArgumentException.class,
                () -> History.parseCsv(History.CSV_HEADER + "\n2,1,1,1,1,1,1,1,1,1\n")); // not epoch 1
    }
}
