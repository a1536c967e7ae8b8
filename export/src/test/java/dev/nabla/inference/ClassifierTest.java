package dev.nabla.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.export.Checkpoint;
import dev.nabla.nn.Dropout;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.data.ChannelStats;
import dev.nabla.nn.data.Preprocessing;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A classifier whose logits are known (an identity layer over the normalised pixels) predicts the
 * softmax's top classes in eval mode, from bytes, floats and images alike, and loads from a
 * checkpoint in one call.
 */
class ClassifierTest {
    private static final Preprocessing PRE =
            new Preprocessing(1, 1, 3, ChannelStats.of(0.5f, 0.25f), List.of("ant", "bee", "cat"));

    @TempDir
    Path dir;

    /** logits = (pixel / 255 - 0.5) / 0.25, behind a dropout that only eval mode switches off. */
    private static Sequential model() {
        Linear identity = new Linear(3, 3, new Generator(0));
        identity.weight.data().copyFrom(Tensor.eye(3));
        identity.bias.data().zero();
        return new Sequential(new Flatten(), new Dropout(0.9, new Generator(1)), identity);
    }

    private static float[] softmax(double... z) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (double v : z) {
            sum += Math.exp(v - max);
        }
        float[] p = new float[z.length];
        for (int i = 0; i < z.length; i++) {
            p[i] = (float) (Math.exp(z[i] - max) / sum);
        }
        return p;
    }

    @Test
    void predictsTheTopClassesWithTheirProbabilities() {
        Sequential m = model();
        Classifier c = new Classifier(m, PRE);
        assertFalse(m.isTraining(), "the classifier puts the model in eval mode");
        m.train(); // and predict puts it back there
        byte[] two = {(byte) 255, 0, (byte) 128, 10, 20, 30};
        List<Prediction> ps = c.predict(two, 2);
        assertEquals(2, ps.size());
        float[] p0 = softmax(2, -2, (128 / 255.0 - 0.5) / 0.25);
        assertArrayEquals(new int[] {0, 2}, ps.get(0).classes());
        assertEquals(List.of("ant", "cat"), ps.get(0).labels());
        assertArrayEquals(new float[] {p0[0], p0[2]}, ps.get(0).probabilities(), 1e-6f);
        assertEquals("ant", ps.get(0).label());
        assertArrayEquals(new int[] {2, 1}, ps.get(1).classes());
        assertFalse(m.isTraining());

        float[] unit = {1f, 0f, 128 / 255f};
        assertArrayEquals(ps.get(0).probabilities(), c.predict(unit, 2).get(0).probabilities(), 1e-6f);

        BufferedImage img = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setPixels(0, 0, 3, 1, new int[] {255, 0, 128});
        assertEquals(ps.get(0), c.predict(img, 2));
        assertEquals(List.of(ps.get(0), ps.get(0)), c.predict(List.of(img, img), 2));
    }

    @Test
    void topKChecksItsArgumentsAndKeepsTiesInIndexOrder() {
        List<Prediction> tie = Prediction.topK(Tensor.of(new float[][] {{1, 3, 3, 0}}), 3, List.of());
        assertArrayEquals(new int[] {1, 2, 0}, tie.get(0).classes());
        assertEquals(List.of("1", "2", "0"), tie.get(0).labels());
        assertThrows(IllegalArgumentException.class, () -> Prediction.topK(Tensor.zeros(2, 4), 5, List.of()));
        assertThrows(IllegalArgumentException.class, () -> Prediction.topK(Tensor.zeros(4), 1, List.of()));
        var e = assertThrows(
                IllegalArgumentException.class, () -> Prediction.topK(Tensor.zeros(1, 4), 1, List.of("a", "b")));
        assertTrue(e.getMessage().contains("2 class names"), e.getMessage());
    }

    @Test
    void loadsWeightsAndPreprocessingFromACheckpointInOneCall() throws IOException {
        Sequential trained = model();
        trained.get(2).stateDict().get("bias").copyFrom(Tensor.of(0f, 10f, 0f)); // "bee" always wins
        Checkpoint.saveModel(dir, trained, PRE);
        Classifier c = Classifier.load(dir, model());
        assertEquals(PRE, c.preprocessing());
        assertEquals("bee", c.predict(new byte[] {(byte) 255, 0, 0}, 1).get(0).label());

        Path bare = dir.resolve("bare");
        Checkpoint.saveModel(bare, trained, null);
        var e = assertThrows(IOException.class, () -> Classifier.load(bare, model()));
        assertTrue(e.getMessage().contains("records no preprocessing"), e.getMessage());
    }
}
