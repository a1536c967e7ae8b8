package dev.nabla.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ImageDatasetTest {
    /** 1x1 images whose single pixel is the image's index (mod 256), so parts can be traced back. */
    private static ImageDataset numbered(int[] labels, int classes) {
        byte[] px = new byte[labels.length];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) i;
        }
        return new ImageDataset("numbered", px, labels, 1, 1, 1, classes, List.of());
    }

    private static int[] origin(ImageDataset part) {
        int[] ids = new int[part.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = part.pixels(i)[0] & 0xFF;
        }
        return ids;
    }

    @Test
    void stratifiedSplitHoldsOutTheFractionOfEveryClassDisjointlyAndInOrder() {
        // classes of 100, 50 and 30 images, interleaved
        int[] labels = new int[180];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i < 150 ? i % 3 == 0 ? 1 : 0 : 2;
        }
        ImageDataset all = numbered(labels, 3);
        assertArrayEquals(new int[] {100, 50, 30}, all.labelCounts());
        Split s = all.stratifiedSplit(0.1, 7);
        assertArrayEquals(new int[] {90, 45, 27}, s.train().labelCounts());
        assertArrayEquals(new int[] {10, 5, 3}, s.test().labelCounts());
        int[] train = origin(s.train());
        int[] val = origin(s.test());
        Set<Integer> seen = new HashSet<>();
        for (int id : train) {
            assertTrue(seen.add(id));
        }
        for (int id : val) {
            assertTrue(seen.add(id), "image " + id + " is in both parts");
        }
        assertEquals(180, seen.size());
        for (int[] part : List.of(train, val)) {
            int[] sorted = part.clone();
            Arrays.sort(sorted);
            assertArrayEquals(sorted, part, "a part keeps the data set's order");
        }
        for (int i = 0; i < val.length; i++) {
            assertEquals(labels[val[i]], s.test().label(i), "labels travel with their images");
        }
        // seeded: the same split every time, another with another seed
        assertArrayEquals(val, origin(all.stratifiedSplit(0.1, 7).test()));
        assertFalse(Arrays.equals(val, origin(all.stratifiedSplit(0.1, 8).test())));
    }

    @Test
    void aSplitLeavingAPartEmptyIsRefused() {
        ImageDataset tiny = numbered(new int[] {0, 1, 0, 1}, 2);
        var none = assertThrows(IllegalArgumentException.class, () -> tiny.stratifiedSplit(0.1, 0));
        assertTrue(none.getMessage().contains("leaves the held-out part empty"), none.getMessage());
        assertThrows(IllegalArgumentException.class, () -> tiny.stratifiedSplit(1.0, 0));
        assertThrows(IllegalArgumentException.class, () -> tiny.stratifiedSplit(0, 0));
    }

    @Test
    void subsetCopiesTheChosenImagesInTheGivenOrder() {
        ImageDataset all = numbered(new int[] {0, 1, 2, 0, 1}, 3);
        ImageDataset sub = all.subset(new int[] {4, 0, 2}, "sub");
        assertArrayEquals(new int[] {4, 0, 2}, origin(sub));
        assertEquals(List.of(1, 0, 2), List.of(sub.label(0), sub.label(1), sub.label(2)));
        assertThrows(IndexOutOfBoundsException.class, () -> all.subset(new int[] {5}, "bad"));
    }
}
