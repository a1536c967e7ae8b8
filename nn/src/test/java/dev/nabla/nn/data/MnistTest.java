package dev.nabla.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The real data: expected values were computed independently with NumPy from the same files. */
class MnistTest {

    private static String sha256(byte[] b) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void embeddedResourcesAreTheDocumentedFiles() throws Exception {
        for (String[] f : new String[][] {
            {"images-idx3-ubyte.gz", "1b08aec5266b9ded92964efa69a0e1883c7ff10c59b9679de88eb76066d94450"},
            {"labels-idx1-ubyte.gz", "85072031328340baba6174701ca73e98c872823be2db163dc212e6e4aa96056f"}
        }) {
            try (InputStream in = Mnist.class.getResourceAsStream("mnist-10k/" + f[0])) {
                assertNotNull(in, f[0]);
                assertEquals(f[1], sha256(in.readAllBytes()), f[0]);
            }
        }
        assertNotNull(Mnist.class.getResource("mnist-10k/LICENSE"), "the MIT licence ships with the digits");
    }

    @Test
    void embeddedSplitHasTheRealDigits() throws Exception {
        Split s = Mnist.embedded();
        assertSame(s, Mnist.embedded());
        ImageDataset train = s.train();
        ImageDataset test = s.test();
        assertEquals(8000, train.size());
        assertEquals(2000, test.size());
        assertEquals(28, train.height());
        assertEquals(28, train.width());
        assertEquals(1, train.channels());
        assertArrayEquals(new int[] {792, 897, 786, 846, 799, 673, 805, 860, 761, 781}, train.labelCounts());
        assertArrayEquals(new int[] {209, 230, 205, 186, 181, 190, 209, 210, 183, 197}, test.labelCounts());
        int[] first = new int[10];
        for (int i = 0; i < 10; i++) {
            first[i] = train.label(i);
        }
        assertArrayEquals(new int[] {9, 3, 7, 0, 9, 7, 7, 9, 6, 5}, first);
        assertEquals(0, test.label(0));
        assertEquals(2, test.label(1));
        assertEquals("3b2ddcfc1d6d685c23fd2554d1b4f9b18c8feccb5bca9cd49ed8fd03fc0ddf9f", sha256(train.pixels(0)));
        assertEquals(50503, sum(test.pixels(0)));
        int min = 255;
        int max = 0;
        for (int i = 0; i < train.size(); i++) {
            for (byte b : train.pixels(i)) {
                min = Math.min(min, b & 0xFF);
                max = Math.max(max, b & 0xFF);
            }
        }
        assertEquals(0, min);
        assertEquals(255, max);
        float[] x = train.get(0).input().toArray();
        assertEquals(28397 / 255.0, sumOf(x), 1e-3);
        ChannelStats st = train.channelStats();
        assertEquals(0.1311388, st.mean()[0], 1e-6);
        assertEquals(0.3087381, st.std()[0], 1e-6);
    }

    private static long sum(byte[] b) {
        long s = 0;
        for (byte x : b) {
            s += x & 0xFF;
        }
        return s;
    }

    private static double sumOf(float[] x) {
        double s = 0;
        for (float v : x) {
            s += v;
        }
        return s;
    }

    @Test
    void fashionMnistFromTheSystemPackage() throws IOException {
        assumeTrue(
                FashionMnist.isAvailable(),
                "Fashion-MNIST is not installed at " + FashionMnist.DEFAULT_DIR
                        + " (apt-get install dataset-fashion-mnist); skipping");
        Split s = FashionMnist.load();
        assertEquals(60000, s.train().size());
        assertEquals(10000, s.test().size());
        assertArrayEquals(
                new int[] {6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000},
                s.train().labelCounts());
        int[] train = new int[5];
        int[] test = new int[5];
        for (int i = 0; i < 5; i++) {
            train[i] = s.train().label(i);
            test[i] = s.test().label(i);
        }
        assertArrayEquals(new int[] {9, 0, 0, 3, 0}, train);
        assertArrayEquals(new int[] {9, 2, 1, 1, 6}, test);
        assertEquals("Ankle boot", s.train().classNames().get(train[0]));
        assertEquals(76247, sum(s.train().pixels(0)));
        ChannelStats st = s.train().channelStats();
        // the published normalisation constants
        assertEquals(FashionMnist.STATS.mean()[0], st.mean()[0], 5e-5);
        assertEquals(FashionMnist.STATS.std()[0], st.std()[0], 5e-5);
    }
}
