package dev.nabla.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.tensor.Ref.Layout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Views against index arithmetic: each view element must be the source element the view maps it to. */
class ViewTest {

    /** Element {@code idx} of a row-major array of shape {@code dims}. */
    private static float at(float[] rowMajor, int[] dims, int... idx) {
        int flat = 0;
        for (int k = 0; k < dims.length; k++) {
            flat = flat * dims[k] + idx[k];
        }
        return rowMajor[flat];
    }

    private static void assertSharesAndWritesThrough(Tensor src, Tensor view) {
        assertTrue(view.sharesStorage(src), "a view shares storage");
        if (view.numel() > 0) {
            int[] first = new int[view.dim()];
            int before = src.version();
            float old = view.get(first);
            view.set(old + 1000f, first);
            assertTrue(src.version() > before, "writes through a view bump the shared version");
            boolean found = false;
            for (float v : Ref.values(src)) {
                found |= v == old + 1000f;
            }
            assertTrue(found, "a write through the view shows in the source");
            view.set(old, first);
        }
    }

    @ParameterizedTest
    @EnumSource(Layout.class)
    void toArrayAndContiguousMatchIndexArithmetic(Layout layout) {
        SplittableRandom r = new SplittableRandom(layout.ordinal());
        for (int t = 0; t < 200; t++) {
            int[] dims = Ref.randomShape(r, 5, 3000);
            Tensor x = Ref.random(r, layout, dims);
            float[] expect = Ref.values(x);
            assertArrayEquals(expect, x.toArray(), layout + " " + Arrays.toString(dims));
            Tensor c = x.contiguous();
            assertTrue(c.isContiguous());
            assertArrayEquals(expect, Ref.values(c));
            if (x.isContiguous()) {
                assertSame(x, c, "contiguous() of a contiguous tensor is the tensor itself");
            }
            Tensor copy = x.copy();
            assertFalse(copy.sharesStorage(x), "copy() shares nothing");
            assertArrayEquals(expect, Ref.values(copy));
            assertArrayEquals(expect, Ref.values(x.clone()));
            if (x.numel() > 0) {
                int[] idx = new int[dims.length];
                float old = x.get(idx);
                copy.set(old + 1, idx);
                assertEquals(old, x.get(idx), "writing the copy leaves the source alone");
            }
        }
    }

    @Test
    void isContiguous() {
        Tensor x = Tensor.zeros(3, 4);
        assertTrue(x.isContiguous());
        assertFalse(x.t().isContiguous());
        assertTrue(x.narrow(0, 1, 2).isContiguous());
        assertFalse(x.narrow(1, 1, 2).isContiguous());
        assertTrue(x.unsqueeze(1).isContiguous());
        assertFalse(Tensor.zeros(3, 1).expand(3, 4).isContiguous());
        assertTrue(Tensor.zeros(1, 4).expand(1, 4).isContiguous());
        assertTrue(Tensor.zeros(4, 0).t().isContiguous(), "an empty tensor is contiguous whatever its strides");
    }

    @Test
    void reshapeAndViewFollowRowMajorOrder() {
        SplittableRandom r = new SplittableRandom(5);
        for (int t = 0; t < 300; t++) {
            Layout layout = Layout.random(r);
            int[] dims = Ref.randomShape(r, 4, 2000);
            Tensor x = Ref.random(r, layout, dims);
            int n = x.numel();
            int[] nd = factor(r, n);
            float[] expect = Ref.values(x);
            Tensor y = x.reshape(nd);
            Ref.assertShape(nd, y, "reshape");
            assertArrayEquals(
                    expect, Ref.values(y), layout + " " + Arrays.toString(dims) + " -> " + Arrays.toString(nd));
            try {
                Tensor v = x.view(nd);
                assertArrayEquals(expect, Ref.values(v), "view");
                assertTrue(v.sharesStorage(x));
            } catch (ShapeMismatchException e) {
                assertFalse(x.isContiguous(), "a contiguous tensor can always be viewed: " + e.getMessage());
                assertTrue(
                        e.getMessage().startsWith("view:")
                                && e.getMessage().contains(x.shape().toString()),
                        e.getMessage());
            }
            if (n > 0 && nd.length > 0) {
                int[] inferred = nd.clone();
                int k = r.nextInt(nd.length);
                inferred[k] = -1;
                Ref.assertShape(nd, x.reshape(inferred), "reshape with -1");
            }
        }
    }

    private static int[] factor(SplittableRandom r, int n) {
        if (n == 0) {
            return new int[] {r.nextInt(3), 0, 1 + r.nextInt(3)};
        }
        List<Integer> out = new ArrayList<>();
        int rest = n;
        for (int p = 2; p <= rest; p++) {
            while (rest % p == 0) {
                out.add(p);
                rest /= p;
            }
        }
        // Randomly merge neighbours and sprinkle 1s.
        List<Integer> merged = new ArrayList<>();
        for (int f : out) {
            if (!merged.isEmpty() && r.nextBoolean()) {
                merged.set(merged.size() - 1, merged.get(merged.size() - 1) * f);
            } else {
                merged.add(f);
            }
            if (r.nextInt(5) == 0) {
                merged.add(1);
            }
        }
        return merged.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void viewSharesStorageAndKnowsWhenItCannot() {
        Tensor x = Tensor.arange(24).reshape(2, 3, 4);
        Tensor v = x.view(6, 4);
        assertSharesAndWritesThrough(x, v);
        assertArrayEquals(new int[] {4, 1}, v.strides());
        Ref.assertShape(new int[] {2, 12}, x.view(2, -1), "view -1");
        Ref.assertShape(new int[] {24}, x.view(-1), "view -1");
        // A transposed matrix merges nothing: view must refuse, reshape must copy.
        Tensor t = x.transpose(1, 2); // [2, 4, 3], strides [12, 1, 4]
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class, () -> t.view(2, 12));
        assertTrue(
                e.getMessage().contains("view")
                        && e.getMessage().contains("[2, 4, 3]")
                        && e.getMessage().contains("[2, 12]"),
                e.getMessage());
        Tensor rs = t.reshape(2, 12);
        assertFalse(rs.sharesStorage(x), "reshape copies when a view is impossible");
        assertArrayEquals(Ref.values(t), rs.toArray());
        // Splitting or merging dims that stay contiguous among themselves is a view.
        Tensor split = t.view(2, 2, 2, 3); // splits dim 1 (stride 1) into strides 2 and 1
        assertTrue(split.sharesStorage(x));
        assertArrayEquals(Ref.values(t), Ref.values(split));
        Tensor sliced = x.narrow(2, 1, 2); // [2, 3, 2] strides [12, 4, 1]
        Tensor merged = sliced.view(6, 2); // dims 0,1 merge: 12 == 3 * 4
        assertTrue(merged.sharesStorage(x));
        assertArrayEquals(Ref.values(sliced), Ref.values(merged));
        assertThrows(ShapeMismatchException.class, () -> sliced.view(12));
        // Expanded (stride-0) dims can be re-viewed but not flattened.
        Tensor ex = Tensor.arange(3).expand(4, 3);
        assertThrows(ShapeMismatchException.class, () -> ex.view(12));
        assertArrayEquals(Ref.values(ex), ex.reshape(12).toArray());
        assertArrayEquals(Ref.values(ex), Ref.values(ex.view(2, 2, 3)));
    }

    @Test
    void reshapeErrors() {
        Tensor x = Tensor.zeros(2, 3);
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class, () -> x.reshape(4, 2));
        assertTrue(
                e.getMessage().startsWith("reshape:")
                        && e.getMessage().contains("[4, 2]")
                        && e.getMessage().contains("[2, 3]"),
                e.getMessage());
        e = assertThrows(ShapeMismatchException.class, () -> x.reshape(-1, -1));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
        assertThrows(ShapeMismatchException.class, () -> x.reshape(-1, 4));
        assertThrows(ShapeMismatchException.class, () -> x.view(-2, -3));
        assertThrows(ShapeMismatchException.class, () -> Tensor.zeros(0, 3).reshape(-1, 0));
        Ref.assertShape(new int[] {0, 5}, Tensor.zeros(0, 3).reshape(0, 5), "empty reshape");
        Ref.assertShape(new int[] {}, Tensor.ones(1, 1).reshape(), "to scalar");
    }

    @Test
    void transposePermuteT() {
        SplittableRandom r = new SplittableRandom(17);
        for (int t = 0; t < 200; t++) {
            int[] dims = Ref.randomShape(r, 5, 3000);
            Tensor x = Ref.random(r, Layout.random(r), dims);
            float[] src = Ref.values(x);
            int rank = dims.length;
            int[] perm = Ref.permutation(r, rank);
            int[] negPerm = perm.clone();
            for (int i = 0; i < rank; i++) {
                if (r.nextBoolean()) {
                    negPerm[i] -= rank; // negative dims are allowed
                }
            }
            Tensor p = x.permute(negPerm);
            int[] pd = new int[rank];
            for (int i = 0; i < rank; i++) {
                pd[i] = dims[perm[i]];
            }
            Ref.assertShape(pd, p, "permute");
            float[] got = Ref.values(p);
            int[] idx = new int[rank];
            int[] srcIdx = new int[rank];
            for (int i = 0; i < got.length; i++) {
                for (int k = 0; k < rank; k++) {
                    srcIdx[perm[k]] = idx[k];
                }
                assertEquals(at(src, dims, srcIdx), got[i]);
                Ref.next(idx, pd);
            }
            assertTrue(p.sharesStorage(x));
            if (rank >= 2) {
                int a = r.nextInt(rank);
                int b = r.nextInt(rank);
                int[] sw = new int[rank];
                for (int i = 0; i < rank; i++) {
                    sw[i] = i;
                }
                sw[a] = b;
                sw[b] = a;
                assertArrayEquals(Ref.values(x.permute(sw)), Ref.values(x.transpose(a, b - rank)));
            }
        }
        Tensor m = Tensor.arange(6).reshape(2, 3);
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, m.t().toArray());
        Tensor v = Tensor.arange(3);
        assertSame(v, v.t());
        ShapeMismatchException e = assertThrows(
                ShapeMismatchException.class, () -> Tensor.zeros(2, 3, 4).t());
        assertTrue(e.getMessage().contains("[2, 3, 4]"), e.getMessage());
        assertThrows(ShapeMismatchException.class, () -> m.permute(0));
        IllegalArgumentException dup = assertThrows(IllegalArgumentException.class, () -> m.permute(1, -1));
        assertTrue(dup.getMessage().contains("permute"), dup.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> m.permute(0, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> m.transpose(0, 2));
    }

    @Test
    void narrowSliceSelect() {
        SplittableRandom r = new SplittableRandom(23);
        for (int t = 0; t < 300; t++) {
            int[] dims = Ref.randomShape(r, 4, 3000);
            if (dims.length == 0) {
                continue;
            }
            Tensor x = Ref.random(r, Layout.random(r), dims);
            float[] src = Ref.values(x);
            int d = r.nextInt(dims.length);
            int size = dims[d];
            int dimArg = r.nextBoolean() ? d : d - dims.length;
            // narrow
            int start = size == 0 ? 0 : r.nextInt(size + 1);
            int len = r.nextInt(size - start + 1);
            Tensor n = x.narrow(dimArg, start, len);
            checkAlong(src, dims, d, n, i -> start + i);
            // slice with steps and (possibly negative, possibly out-of-range) bounds, Python semantics
            int s0 = r.nextInt(2 * size + 3) - size - 1;
            int e0 = r.nextInt(2 * size + 3) - size - 1;
            int step = 1 + r.nextInt(4);
            Tensor s = x.slice(dimArg, s0, e0, step);
            int[] py = pythonSlice(size, s0, e0, step);
            assertEquals(py.length, s.size(d), "slice(" + s0 + ", " + e0 + ", " + step + ") of " + size);
            checkAlong(src, dims, d, s, i -> py[i]);
            assertTrue(s.sharesStorage(x));
            // select
            if (size > 0) {
                int ix = r.nextInt(size);
                Tensor sel = x.select(dimArg, r.nextBoolean() ? ix : ix - size);
                Ref.assertShape(removeAt(dims, d), sel, "select");
                checkAlong(src, dims, d, sel.unsqueeze(d), i -> ix);
            }
        }
    }

    private static int[] pythonSlice(int size, int start, int end, int step) {
        int s = start < 0 ? Math.max(0, start + size) : Math.min(start, size);
        int e = end < 0 ? Math.max(0, end + size) : Math.min(end, size);
        List<Integer> out = new ArrayList<>();
        for (int i = s; i < e; i += step) {
            out.add(i);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int[] removeAt(int[] d, int at) {
        int[] out = new int[d.length - 1];
        for (int i = 0, j = 0; i < d.length; i++) {
            if (i != at) {
                out[j++] = d[i];
            }
        }
        return out;
    }

    /** view[..., i, ...] (along d) must equal src[..., map(i), ...]. */
    private static void checkAlong(float[] src, int[] dims, int d, Tensor view, IntUnaryOperator map) {
        int[] vd = view.dims();
        float[] got = Ref.values(view);
        int[] idx = new int[vd.length];
        for (int i = 0; i < got.length; i++) {
            int[] s = idx.clone();
            s[d] = map.applyAsInt(idx[d]);
            assertEquals(at(src, dims, s), got[i], "at " + Arrays.toString(idx));
            Ref.next(idx, vd);
        }
    }

    @Test
    void viewErrorsNameIndexAndBound() {
        Tensor x = Tensor.zeros(3, 4);
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> x.narrow(1, 2, 3));
        assertTrue(e.getMessage().contains("narrow") && e.getMessage().contains("4"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> x.narrow(0, 0, -1));
        assertThrows(IndexOutOfBoundsException.class, () -> x.narrow(0, -4, 1));
        assertEquals(1, x.narrow(0, -1, 1).size(0));
        e = assertThrows(IndexOutOfBoundsException.class, () -> x.select(1, 4));
        assertTrue(
                e.getMessage().contains("select")
                        && e.getMessage().contains("index 4")
                        && e.getMessage().contains("size 4"),
                e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> x.select(0, -4));
        e = assertThrows(IndexOutOfBoundsException.class, () -> x.select(2, 0));
        assertTrue(e.getMessage().contains("dimension 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> x.slice(0, 0, 3, 0));
        assertThrows(IllegalArgumentException.class, () -> x.slice(0, 3, 0, -1));
    }

    @Test
    void rankZeroHasNoDimensionToIndex() {
        Tensor s = Tensor.scalar(2f);
        for (Runnable op : new Runnable[] {
            () -> s.size(0),
            () -> s.narrow(0, 0, 1),
            () -> s.select(0, 0),
            () -> s.slice(0, 0, 1, 1),
            () -> s.split(1, 0),
            () -> s.indexSelect(0, Tensor.of(0))
        }) {
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, op::run);
            assertTrue(e.getMessage().contains("rank 0"), e.getMessage());
        }
        // Things PyTorch allows on a scalar.
        assertEquals(2f, s.transpose(0, -1).item());
        assertEquals(2f, s.squeeze(0).item());
        assertEquals(2f, s.permute().item());
        Ref.assertShape(new int[] {1}, s.unsqueeze(0), "unsqueeze scalar");
        Ref.assertShape(new int[] {1}, s.flatten(), "flatten scalar");
        Ref.assertShape(new int[] {1}, s.flatten(0, -1), "flatten scalar");
    }

    @Test
    void expand() {
        Tensor col = Tensor.of(1, 2, 3).reshape(3, 1);
        Tensor e = col.expand(2, 3, 4);
        Ref.assertShape(new int[] {2, 3, 4}, e, "expand");
        assertArrayEquals(new int[] {0, 1, 0}, e.strides());
        for (int a = 0; a < 2; a++) {
            for (int b = 0; b < 3; b++) {
                for (int c = 0; c < 4; c++) {
                    assertEquals(b + 1f, e.get(a, b, c));
                }
            }
        }
        assertTrue(e.sharesStorage(col));
        Ref.assertShape(new int[] {3, 5}, col.expand(-1, 5), "-1 keeps a size");
        Ref.assertShape(new int[] {3, 0}, col.expand(3, 0), "expand to 0");
        Ref.assertShape(new int[] {0, 3, 1}, col.expand(0, 3, 1), "new leading 0");
        Ref.assertShape(new int[] {3, 4}, col.expand(Shape.of(3, 4)), "expand(Shape)");
        ShapeMismatchException ex = assertThrows(ShapeMismatchException.class, () -> col.expand(2, 4));
        assertTrue(
                ex.getMessage().contains("expand")
                        && ex.getMessage().contains("[3, 1]")
                        && ex.getMessage().contains("[2, 4]"),
                ex.getMessage());
        assertThrows(ShapeMismatchException.class, () -> col.expand(4));
        assertThrows(ShapeMismatchException.class, () -> col.expand(-1, 3, 1));
        // Elementwise ops read an expanded operand correctly.
        assertArrayEquals(Ref.values(e), e.contiguous().toArray());
    }

    @Test
    void squeezeUnsqueezeFlatten() {
        Tensor x = Tensor.arange(6).reshape(1, 2, 1, 3, 1);
        Tensor s = x.squeeze();
        Ref.assertShape(new int[] {2, 3}, s, "squeeze");
        assertTrue(s.sharesStorage(x));
        Ref.assertShape(new int[] {2, 1, 3, 1}, x.squeeze(0), "squeeze(0)");
        Ref.assertShape(new int[] {1, 2, 1, 3}, x.squeeze(-1), "squeeze(-1)");
        assertSame(x, x.squeeze(1), "squeezing a non-1 dim is a no-op");
        Ref.assertShape(new int[] {}, Tensor.ones(1, 1).squeeze(), "all ones");
        Tensor v = Tensor.arange(3);
        Ref.assertShape(new int[] {1, 3}, v.unsqueeze(0), "unsqueeze(0)");
        Ref.assertShape(new int[] {3, 1}, v.unsqueeze(1), "unsqueeze(1)");
        Ref.assertShape(new int[] {3, 1}, v.unsqueeze(-1), "unsqueeze(-1)");
        Ref.assertShape(new int[] {1, 3}, v.unsqueeze(-2), "unsqueeze(-2)");
        assertThrows(IndexOutOfBoundsException.class, () -> v.unsqueeze(2));
        assertThrows(IndexOutOfBoundsException.class, () -> v.unsqueeze(-3));
        // unsqueeze on a non-contiguous tensor keeps reading the right elements
        Tensor t = Tensor.arange(6).reshape(2, 3).t();
        for (int d = -3; d <= 2; d++) {
            assertArrayEquals(Ref.values(t), Ref.values(t.unsqueeze(d)), "unsqueeze " + d);
        }
        Tensor y = Tensor.arange(24).reshape(2, 3, 4);
        Ref.assertShape(new int[] {24}, y.flatten(), "flatten");
        Ref.assertShape(new int[] {2, 12}, y.flatten(1, 2), "flatten(1, 2)");
        Ref.assertShape(new int[] {6, 4}, y.flatten(0, -2), "flatten(0, -2)");
        Ref.assertShape(new int[] {2, 3, 4}, y.flatten(1, 1), "flatten(1, 1)");
        assertTrue(y.flatten().sharesStorage(y));
        Tensor yt = y.transpose(0, 2);
        assertArrayEquals(Ref.values(yt), yt.flatten().toArray());
        assertThrows(IllegalArgumentException.class, () -> y.flatten(2, 1));
    }

    @Test
    void fillZeroCopyFromOnViews() {
        Tensor x = Tensor.zeros(4, 5);
        x.t().narrow(0, 1, 2).fill(3f); // columns 1 and 2
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 5; j++) {
                assertEquals(j == 1 || j == 2 ? 3f : 0f, x.get(i, j));
            }
        }
        x.slice(1, 0, 5, 2).zero();
        assertEquals(0f, x.get(0, 2));
        assertEquals(3f, x.get(0, 1));
        Tensor y = Tensor.zeros(3, 4);
        int v0 = y.version();
        y.copyFrom(Tensor.of(1, 2, 3, 4)); // broadcast row
        assertTrue(y.version() > v0);
        assertArrayEquals(new float[] {1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4}, y.toArray());
        y.t().copyFrom(Tensor.arange(12).reshape(4, 3));
        assertArrayEquals(Tensor.arange(12).reshape(4, 3).t().toArray(), y.toArray());
        // Overlapping source and destination: shift a row by one.
        Tensor z = Tensor.arange(6);
        z.narrow(0, 1, 5).copyFrom(z.narrow(0, 0, 5));
        assertArrayEquals(new float[] {0, 0, 1, 2, 3, 4}, z.toArray());
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class, () -> y.copyFrom(Tensor.zeros(3)));
        assertTrue(
                e.getMessage().contains("copyFrom")
                        && e.getMessage().contains("[3]")
                        && e.getMessage().contains("[3, 4]"),
                e.getMessage());
        assertThrows(ShapeMismatchException.class, () -> Tensor.zeros(3).copyFrom(Tensor.zeros(2, 3)));
    }

    @Test
    void metadata() {
        Tensor x = Tensor.zeros(2, 3, 4);
        assertEquals(3, x.dim());
        assertEquals(24, x.numel());
        assertEquals(4, x.size(-1));
        assertEquals(Shape.of(2, 3, 4), x.shape());
        assertArrayEquals(new int[] {12, 4, 1}, x.strides());
        x.dims()[0] = 9;
        assertEquals(2, x.size(0), "dims() is a copy");
        x.strides()[0] = 9;
        assertEquals(12, x.strides()[0], "strides() is a copy");
        assertEquals(5, x.narrow(2, 1, 2).narrow(1, 1, 1).storageOffset());
        int v = x.version();
        x.narrow(0, 1, 1).fill(1f);
        assertEquals(v + 1, x.version(), "a write through a view advances the shared version");
    }
}
