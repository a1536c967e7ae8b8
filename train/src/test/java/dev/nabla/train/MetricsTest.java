package dev.nabla.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsTest {
    @Test
    void figuresFromTheConfusionMatrixByHand() {
        Metrics m = new Metrics(List.of("a", "b", "c"));
        // truth a: 3 right, 1 as b; truth b: 2 right, 2 as c; truth c: 1 right, 1 as a
        int[][] pairs = {{0, 0}, {0, 0}, {0, 0}, {0, 1}, {1, 1}, {1, 1}, {1, 2}, {1, 2}, {2, 2}, {2, 0}};
        for (int[] p : pairs) {
            m.add(p[0], p[1]);
        }
        assertEquals(10, m.total());
        assertEquals(0.6, m.accuracy(), 1e-15);
        assertEquals(3.0 / 4, m.precision(0), 1e-15); // predicted a: 3 a + 1 c
        assertEquals(3.0 / 4, m.recall(0), 1e-15);
        assertEquals(2.0 / 3, m.precision(1), 1e-15); // predicted b: 2 b + 1 a
        assertEquals(2.0 / 4, m.recall(1), 1e-15);
        assertEquals(1.0 / 3, m.precision(2), 1e-15); // predicted c: 1 c + 2 b
        assertEquals(1.0 / 2, m.recall(2), 1e-15);
        double f1b = 2 * (2.0 / 3) * 0.5 / (2.0 / 3 + 0.5);
        assertEquals(f1b, m.f1(1), 1e-15);
        assertEquals((0.75 + f1b + 0.4) / 3, m.macroF1(), 1e-15);
        assertEquals(4, m.support(1));
        assertEquals(2, m.count(1, 2));
        String r = m.report();
        assertTrue(r.contains("confusion matrix") && r.contains("macro"), r);
    }

    @Test
    void batchesOfLogitsAndInt64Labels() {
        Metrics m = Metrics.ofClasses(3);
        Tensor logits = Tensor.of(new float[][] {{2, 1, 0}, {0, 3, 1}, {0, 1, 5}, {4, 0, 0}});
        Tensor labels = Tensor.ofLongs(0, 1, 1, 2);
        m.add(logits, labels);
        m.addLoss(2.0, 4);
        assertEquals(0.5, m.accuracy(), 1e-15);
        assertEquals(1, m.count(1, 2));
        assertEquals(1, m.count(2, 0));
        assertEquals(0.5, m.meanLoss(), 1e-15);
        var e = assertThrows(IllegalArgumentException.class, () -> m.add(logits, Tensor.ofLongs(0, 1)));
        assertTrue(e.getMessage().contains("[4, 3]") && e.getMessage().contains("[2]"), e.getMessage());
    }

    @Test
    void nothingCountedIsNotANumber() {
        Metrics m = Metrics.ofClasses(2);
        assertTrue(Double.isNaN(m.accuracy()) && Double.isNaN(m.meanLoss()));
    }
}
