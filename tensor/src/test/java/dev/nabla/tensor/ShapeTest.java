package dev.nabla.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ShapeTest {

    @Test
    void basics() {
        Shape s = Shape.of(64, 3, 32, 32);
        assertEquals(4, s.rank());
        assertEquals(196608, s.numel());
        assertEquals(32, s.size(-1));
        assertEquals(3, s.size(-3));
        assertEquals(64, s.size(0));
        assertEquals(1, Shape.SCALAR.numel());
        assertEquals(0, Shape.SCALAR.rank());
        assertEquals(0, Shape.of(3, 0, 2).numel());
        assertEquals("[2, 3]", Shape.of(2, 3).toString());
        assertEquals(Shape.of(2, 3), Shape.of(2, 3));
        assertEquals(Shape.of(2, 3).hashCode(), Shape.of(2, 3).hashCode());
        assertNotEquals(Shape.of(2, 3), Shape.of(3, 2));
    }

    @Test
    void immutable() {
        int[] d = {2, 3};
        Shape s = Shape.of(d);
        d[0] = 7;
        assertEquals(2, s.size(0));
        s.dims()[1] = 9;
        assertEquals(3, s.size(1));
    }

    @Test
    void negativeAxes() {
        Shape s = Shape.of(2, 3, 4);
        for (int a = -3; a < 3; a++) {
            assertEquals(a < 0 ? a + 3 : a, s.axis(a));
        }
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> s.axis(3));
        assertTrue(e.getMessage().contains("3") && e.getMessage().contains("[-3, 2]"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> s.axis(-4));
        // A scalar accepts 0 and -1 as its (only) reduction axis, as in PyTorch.
        assertEquals(0, Shape.SCALAR.axis(-1));
        assertThrows(IndexOutOfBoundsException.class, () -> Shape.SCALAR.axis(1));
    }

    @Test
    void sizeOfScalarNamesTheProblem() {
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> Shape.SCALAR.size(0));
        assertTrue(e.getMessage().contains("rank 0"), e.getMessage());
    }

    @Test
    void invalidShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Shape.of(2, -1));
        assertTrue(e.getMessage().contains("[2, -1]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Shape.of(1 << 16, 1 << 16));
        assertTrue(e.getMessage().contains("65536"), e.getMessage());
    }

    @Test
    void contiguousStrides() {
        assertArrayEquals(new int[] {12, 4, 1}, Shape.of(2, 3, 4).contiguousStrides());
        assertArrayEquals(new int[0], Shape.SCALAR.contiguousStrides());
        assertArrayEquals(new int[] {1, 1}, Shape.of(3, 0).contiguousStrides()); // PyTorch: (1, 1)
    }

    @Test
    void broadcastRules() {
        assertEquals(Shape.of(4, 3), Shape.broadcast("add", Shape.of(4, 1), Shape.of(3)));
        assertEquals(Shape.of(2, 4, 3), Shape.broadcast("add", Shape.of(2, 1, 3), Shape.of(4, 1)));
        assertEquals(Shape.of(5), Shape.broadcast("add", Shape.SCALAR, Shape.of(5)));
        assertEquals(Shape.SCALAR, Shape.broadcast("add", Shape.SCALAR, Shape.SCALAR));
        assertEquals(Shape.of(0, 3), Shape.broadcast("add", Shape.of(0, 1), Shape.of(3)));
        assertEquals(Shape.of(2, 0), Shape.broadcast("add", Shape.of(2, 1), Shape.of(1, 0)));
        SplittableRandom r = new SplittableRandom(11);
        for (int t = 0; t < 500; t++) {
            int[][] p = Ref.broadcastPair(r, 5, 100_000);
            int[] expect = Ref.broadcast(p[0], p[1]);
            assertArrayEquals(
                    expect,
                    Shape.broadcast("op", Shape.of(p[0]), Shape.of(p[1])).dims(),
                    Arrays.toString(p[0]) + " with " + Arrays.toString(p[1]));
            assertArrayEquals(
                    expect,
                    Shape.broadcast("op", Shape.of(p[1]), Shape.of(p[0])).dims());
        }
    }

    @Test
    void broadcastErrorNamesOperationAndShapes() {
        ShapeMismatchException e =
                assertThrows(ShapeMismatchException.class, () -> Shape.broadcast("mul", Shape.of(2, 3), Shape.of(4)));
        assertTrue(e.getMessage().startsWith("mul:"), e.getMessage());
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4]"), e.getMessage());
        // 0 against a size other than 1 does not broadcast either.
        assertThrows(ShapeMismatchException.class, () -> Shape.broadcast("add", Shape.of(0), Shape.of(2)));
    }
}
