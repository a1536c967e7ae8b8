package dev.nabla.quantize.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.autograd.Functional;
import dev.nabla.export.SafeTensors;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.models.LeNet5;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.SGD;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GradualAndSparseFileTest {

    @Test
    void theScheduleIsZhuAndGuptasCubic() {
        GradualSchedule s = new GradualSchedule(0.1, 0.9, 10, 110, 10);
        assertEquals(0, s.sparsityAt(9));
        assertEquals(0.1, s.sparsityAt(10), 1e-12);
        assertEquals(0.9 + (0.1 - 0.9) * 0.125, s.sparsityAt(60), 1e-12); // half way: (1 - 1/2)^3
        assertEquals(s.sparsityAt(60), s.sparsityAt(69), 0); // held between prunings
        assertEquals(0.9, s.sparsityAt(110), 0);
        assertEquals(0.9, s.sparsityAt(1000), 0);
        for (long t = 11; t <= 110; t++) {
            assertTrue(s.sparsityAt(t) >= s.sparsityAt(t - 1));
        }
        assertTrue(s.prunesAt(10) && s.prunesAt(20) && !s.prunesAt(21) && !s.prunesAt(120));
        assertThrows(IllegalArgumentException.class, () -> new GradualSchedule(0.5, 0.4, 0, 10, 1));
        assertThrows(IllegalArgumentException.class, () -> new GradualSchedule(0, 1.0, 0, 10, 1));
    }

    @Test
    void trainingOnTheScheduleEndsExactlyAtTheTarget() {
        Sequential net = PruningTest.mlp(4);
        Optimizer opt = new SGD(net.parameters(), 0.05).momentum(0.9);
        List<String> names = List.of("0.weight", "2.weight");
        Pruning p = Pruning.of(net).attach(opt);
        new GradualSchedule(0, 0.75, 1, 20, 4).attach(p, names, true, opt);
        double last = 0;
        for (int i = 0; i < 25; i++) {
            opt.zeroGrad();
            Functional.crossEntropy(net.call(PruningTest.input(i)), PruningTest.labels(i))
                    .backward();
            opt.step();
            assertTrue(p.sparsity() >= last);
            last = p.sparsity();
        }
        long total = 12 * 32 + 32 * 5;
        assertEquals(Math.rint(0.75 * total), p.prunedCount());
    }

    @Test
    void aSparseFileIsSmallAndReadsBackExactly(@TempDir Path dir) throws Exception {
        LeNet5 net = new LeNet5(1, 28, 10, new Generator(1));
        Pruning.of(net).globalUnstructured(Pruning.weights(net), 0.9).remove();
        Path sparse = dir.resolve("model.sparse.safetensors");
        Path dense = dir.resolve("model.safetensors");
        SparseFile.write(sparse, net.stateDict());
        SafeTensors.write(dense, net.stateDict(), Map.of());
        assertTrue(Files.size(sparse) < 0.2 * Files.size(dense), Files.size(sparse) + " vs " + Files.size(dense));
        Map<String, Tensor> back = SparseFile.read(sparse);
        assertEquals(net.stateDict().keySet(), back.keySet());
        net.stateDict().forEach((k, t) -> {
            assertEquals(t.shape(), back.get(k).shape(), k);
            assertArrayEquals(t.toArray(), back.get(k).toArray(), 0f, k);
        });
    }
}
