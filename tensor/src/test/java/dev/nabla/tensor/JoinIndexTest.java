package dev.nabla.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.tensor.Ref.Layout;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** cat, stack, split, indexSelect/indexAdd, gather/scatterAdd, element access and their errors. */
class JoinIndexTest {

    private static int flat(int[] idx, int[] dims) {
        int f = 0;
        for (int k = 0; k < dims.length; k++) {
            f = f * dims[k] + idx[k];
        }
        return f;
    }

    @Test
    void catAndStackAlongEveryDim() {
        SplittableRandom r = new SplittableRandom(61);
        for (int t = 0; t < 200; t++) {
            int[] dims = Ref.randomShape(r, 4, 1500);
            if (dims.length == 0) {
                continue;
            }
            int d = r.nextInt(dims.length);
            int parts = 1 + r.nextInt(4);
            Tensor[] ts = new Tensor[parts];
            int[] starts = new int[parts + 1];
            for (int p = 0; p < parts; p++) {
                int[] pd = dims.clone();
                pd[d] = r.nextInt(4);
                ts[p] = Ref.random(r, Layout.random(r), pd);
                starts[p + 1] = starts[p] + pd[d];
            }
            int dimArg = r.nextBoolean() ? d : d - dims.length;
            Tensor c = Tensor.cat(dimArg, ts);
            int[] cd = dims.clone();
            cd[d] = starts[parts];
            Ref.assertShape(cd, c, "cat");
            float[] got = Ref.values(c);
            int[] idx = new int[cd.length];
            for (float g : got) {
                int p = 0;
                while (idx[d] >= starts[p + 1]) {
                    p++;
                }
                int[] src = idx.clone();
                src[d] -= starts[p];
                assertEquals(Ref.values(ts[p])[flat(src, ts[p].dims())], g, "cat at " + Arrays.toString(idx));
                Ref.next(idx, cd);
            }
            // stack: equal shapes, a new dimension anywhere in [-rank-1, rank]
            Tensor[] same = new Tensor[parts];
            for (int p = 0; p < parts; p++) {
                same[p] = Ref.random(r, Layout.random(r), dims);
            }
            int sd = r.nextInt(dims.length + 1);
            Tensor s = Tensor.stack(r.nextBoolean() ? sd : sd - dims.length - 1, same);
            for (int p = 0; p < parts; p++) {
                assertArrayEquals(Ref.values(same[p]), Ref.values(s.select(sd, p)), "stack part " + p);
            }
        }
        ShapeMismatchException e =
                assertThrows(ShapeMismatchException.class, () -> Tensor.cat(0, Tensor.zeros(2, 3), Tensor.zeros(2, 4)));
        assertTrue(
                e.getMessage().startsWith("cat:")
                        && e.getMessage().contains("[2, 3]")
                        && e.getMessage().contains("[2, 4]"),
                e.getMessage());
        e = assertThrows(ShapeMismatchException.class, () -> Tensor.cat(0, Tensor.zeros(2, 3), Tensor.zeros(3)));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[3]"), e.getMessage());
        e = assertThrows(ShapeMismatchException.class, () -> Tensor.stack(0, Tensor.zeros(2), Tensor.zeros(3)));
        assertTrue(
                e.getMessage().startsWith("stack:")
                        && e.getMessage().contains("[2]")
                        && e.getMessage().contains("[3]"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.cat(0));
        assertThrows(IllegalArgumentException.class, () -> Tensor.stack(0));
        RuntimeException ex =
                assertThrows(RuntimeException.class, () -> Tensor.cat(0, Tensor.scalar(1), Tensor.scalar(2)));
        assertTrue(ex.getMessage().contains("cat") && ex.getMessage().contains("rank 0"), ex.getMessage());
        assertArrayEquals(
                new float[] {1, 2},
                Tensor.stack(0, Tensor.scalar(1), Tensor.scalar(2)).toArray());
    }

    @Test
    void splitIntoViews() {
        Tensor x = Tensor.arange(7 * 3).reshape(7, 3);
        Tensor[] parts = x.split(3, 0);
        assertEquals(3, parts.length);
        assertEquals(1, parts[2].size(0), "the last piece is smaller");
        for (Tensor p : parts) {
            assertTrue(p.sharesStorage(x));
        }
        assertArrayEquals(x.toArray(), Tensor.cat(0, parts).toArray());
        Tensor[] cols = x.split(2, -1);
        assertEquals(2, cols.length);
        assertArrayEquals(new float[] {2, 5, 8, 11, 14, 17, 20}, cols[1].toArray());
        assertEquals(1, Tensor.zeros(0, 2).split(4, 0).length);
        assertThrows(IllegalArgumentException.class, () -> x.split(0, 0));
    }

    @Test
    void indexSelectAndIndexAdd() {
        SplittableRandom r = new SplittableRandom(62);
        for (int t = 0; t < 200; t++) {
            int[] dims = Ref.randomShape(r, 4, 1500);
            if (dims.length == 0) {
                continue;
            }
            int d = r.nextInt(dims.length);
            Tensor x = Ref.random(r, Layout.random(r), dims);
            int len = r.nextInt(6);
            long[] ix = new long[dims[d] == 0 ? 0 : len];
            for (int i = 0; i < ix.length; i++) {
                int k = r.nextInt(dims[d]);
                ix[i] = r.nextBoolean() ? k : k - dims[d]; // negative indices count from the end
            }
            // int64 is PyTorch's index type; int32 is accepted too
            Tensor index =
                    r.nextBoolean() ? Tensor.ofLongs(ix) : Tensor.ofLongs(ix).to(DType.INT32);
            Tensor sel = x.indexSelect(d, index);
            int[] sd = dims.clone();
            sd[d] = ix.length;
            Ref.assertShape(sd, sel, "indexSelect");
            float[] xv = Ref.values(x);
            float[] got = Ref.values(sel);
            int[] idx = new int[sd.length];
            for (float g : got) {
                int[] src = idx.clone();
                int k = (int) ix[idx[d]];
                src[d] = k < 0 ? k + dims[d] : k;
                assertEquals(xv[flat(src, dims)], g);
                Ref.next(idx, sd);
            }
            // indexAdd accumulates repeated indices: the adjoint of indexSelect
            Layout tl = Layout.random(r);
            Tensor target = Ref.random(r, tl == Layout.EXPANDED ? Layout.STEPPED : tl, dims);
            float[] before = Ref.values(target);
            Tensor src = Ref.random(r, Layout.random(r), sd);
            float[] sv = Ref.values(src);
            double[] expect = Ref.toDouble(before);
            idx = new int[sd.length];
            for (float s : sv) {
                int[] dst = idx.clone();
                int k = (int) ix[idx[d]];
                dst[d] = k < 0 ? k + dims[d] : k;
                expect[flat(dst, dims)] += s;
                Ref.next(idx, sd);
            }
            int v = target.version();
            target.indexAdd(d, index, src);
            Ref.assertClose(expect, target, 1e-6, 1e-6, "indexAdd " + Arrays.toString(dims) + " dim " + d);
            assertTrue(target.version() > v || ix.length == 0);
        }
        Tensor x = Tensor.zeros(3, 4);
        IndexOutOfBoundsException e =
                assertThrows(IndexOutOfBoundsException.class, () -> x.indexSelect(1, Tensor.ofLongs(0, 4)));
        assertTrue(
                e.getMessage().contains("indexSelect")
                        && e.getMessage().contains("index 4")
                        && e.getMessage().contains("size 4"),
                e.getMessage());
        e = assertThrows(IndexOutOfBoundsException.class, () -> x.indexSelect(0, Tensor.ofInts(-4)));
        assertTrue(e.getMessage().contains("-4") && e.getMessage().contains("size 3"), e.getMessage());
        // Float indices are refused whatever their values, as PyTorch refuses them.
        for (Tensor floats : new Tensor[] {Tensor.of(0.5f), Tensor.of(Float.NaN), Tensor.of(1f)}) {
            IllegalArgumentException nonInt =
                    assertThrows(IllegalArgumentException.class, () -> x.indexSelect(0, floats));
            assertTrue(
                    nonInt.getMessage().startsWith("indexSelect:")
                            && nonInt.getMessage().contains("float32")
                            && nonInt.getMessage().contains("toLong()"),
                    nonInt.getMessage());
        }
        for (DType bad : new DType[] {DType.BOOL, DType.UINT8, DType.INT8}) {
            IllegalArgumentException ex =
                    assertThrows(IllegalArgumentException.class, () -> x.indexSelect(0, Tensor.zeros(bad, 1)));
            assertTrue(ex.getMessage().contains(bad.toString()), ex.getMessage());
        }
        assertThrows(ShapeMismatchException.class, () -> x.indexSelect(0, Tensor.zeros(DType.INT64, 1, 1)));
        ShapeMismatchException sm = assertThrows(
                ShapeMismatchException.class, () -> x.indexAdd(0, Tensor.ofLongs(0, 1), Tensor.zeros(3, 4)));
        assertTrue(
                sm.getMessage().startsWith("indexAdd:")
                        && sm.getMessage().contains("[3, 4]")
                        && sm.getMessage().contains("[2, 4]"),
                sm.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> x.indexAdd(0, Tensor.ofLongs(3), Tensor.zeros(1, 4)));
        IllegalArgumentException mixed = assertThrows(
                IllegalArgumentException.class,
                () -> x.indexAdd(0, Tensor.ofLongs(0), Tensor.zeros(DType.INT64, 1, 4)));
        assertTrue(
                mixed.getMessage().startsWith("indexAdd:")
                        && mixed.getMessage().contains("int64")
                        && mixed.getMessage().contains("float32"),
                mixed.getMessage());
    }

    @Test
    void inPlaceWritesIntoExpandedTensorsAreRefused() {
        Tensor e = Tensor.zeros(1, 4).expand(3, 4);
        IllegalArgumentException ex = assertThrows(
                IllegalArgumentException.class, () -> e.indexAdd(0, Tensor.ofLongs(0, 1), Tensor.ones(2, 4)));
        assertTrue(ex.getMessage().startsWith("indexAdd:") && ex.getMessage().contains("[3, 4]"), ex.getMessage());
        ex = assertThrows(
                IllegalArgumentException.class,
                () -> e.scatterAdd(1, Tensor.zeros(DType.INT64, 3, 4), Tensor.ones(3, 4)));
        assertTrue(ex.getMessage().startsWith("scatterAdd:"), ex.getMessage());
        ex = assertThrows(
                IllegalArgumentException.class,
                () -> e.copyFrom(Tensor.arange(12).reshape(3, 4)));
        assertTrue(ex.getMessage().startsWith("copyFrom:"), ex.getMessage());
        assertArrayEquals(new float[4], Tensor.zeros(1, 4).toArray(), "nothing was written");
        // Size-1 dims may have stride 0 (nothing aliases), and so may the source.
        Tensor ok = Tensor.zeros(1, 4).expand(1, 4);
        ok.copyFrom(Tensor.ones(4));
        assertArrayEquals(new float[] {1, 1, 1, 1}, ok.toArray());
    }

    @Test
    void gatherAndScatterAdd() {
        SplittableRandom r = new SplittableRandom(63);
        for (int t = 0; t < 200; t++) {
            int[] dims = Ref.randomShape(r, 4, 1500);
            if (dims.length == 0) {
                continue;
            }
            int d = r.nextInt(dims.length);
            if (dims[d] == 0) {
                continue;
            }
            Tensor x = Ref.random(r, Layout.random(r), dims);
            int[] id = new int[dims.length];
            for (int k = 0; k < dims.length; k++) {
                id[k] = k == d ? r.nextInt(5) : r.nextInt(dims[k] + 1); // may be smaller than x
            }
            int bound = dims[d];
            Tensor index = Ref.as(
                    Ref.layout(r, Layout.random(r), id, n -> {
                        float[] v = new float[n];
                        for (int i = 0; i < n; i++) {
                            v[i] = r.nextInt(2 * bound) - bound;
                        }
                        return v;
                    }),
                    r.nextBoolean() ? DType.INT64 : DType.INT32);
            float[] iv = Ref.values(index);
            float[] xv = Ref.values(x);
            Tensor g = x.gather(d - (r.nextBoolean() ? dims.length : 0), index);
            Ref.assertShape(id, g, "gather");
            float[] expect = new float[iv.length];
            int[] idx = new int[id.length];
            for (int i = 0; i < iv.length; i++) {
                int[] src = idx.clone();
                int k = (int) iv[i];
                src[d] = k < 0 ? k + bound : k;
                expect[i] = xv[flat(src, dims)];
                Ref.next(idx, id);
            }
            Ref.assertExact(
                    expect, g, "gather " + Arrays.toString(dims) + " dim " + d + " index " + Arrays.toString(id));
            // scatterAdd into a (possibly non-contiguous) target
            Tensor target = Ref.random(r, r.nextBoolean() ? Layout.PERMUTED : Layout.STEPPED, dims);
            double[] e = Ref.toDouble(Ref.values(target));
            Tensor src = Ref.random(r, Layout.random(r), id);
            float[] sv = Ref.values(src);
            idx = new int[id.length];
            for (int i = 0; i < iv.length; i++) {
                int[] dst = idx.clone();
                int k = (int) iv[i];
                dst[d] = k < 0 ? k + bound : k;
                e[flat(dst, dims)] += sv[i];
                Ref.next(idx, id);
            }
            target.scatterAdd(d, index, src);
            Ref.assertClose(e, target, 1e-6, 1e-6, "scatterAdd " + Arrays.toString(dims) + " dim " + d);
        }
        Tensor x = Tensor.zeros(2, 3);
        IndexOutOfBoundsException e = assertThrows(
                IndexOutOfBoundsException.class,
                () -> x.gather(1, Tensor.ofLongs(0, 3).reshape(1, 2)));
        assertTrue(
                e.getMessage().contains("gather")
                        && e.getMessage().contains("index 3")
                        && e.getMessage().contains("size 3"),
                e.getMessage());
        ShapeMismatchException s = assertThrows(ShapeMismatchException.class, () -> x.gather(1, Tensor.ofLongs(0, 1)));
        assertTrue(
                s.getMessage().startsWith("gather:")
                        && s.getMessage().contains("[2]")
                        && s.getMessage().contains("[2, 3]"),
                s.getMessage());
        s = assertThrows(ShapeMismatchException.class, () -> x.gather(1, Tensor.zeros(DType.INT64, 3, 1)));
        assertTrue(s.getMessage().contains("[3, 1]") && s.getMessage().contains("[2, 3]"), s.getMessage());
        s = assertThrows(
                ShapeMismatchException.class,
                () -> x.scatterAdd(1, Tensor.zeros(DType.INT64, 2, 1), Tensor.zeros(2, 2)));
        assertTrue(
                s.getMessage().startsWith("scatterAdd:")
                        && s.getMessage().contains("[2, 1]")
                        && s.getMessage().contains("[2, 2]"),
                s.getMessage());
        assertThrows(
                IndexOutOfBoundsException.class,
                () -> x.scatterAdd(0, Tensor.ofLongs(2).reshape(1, 1), Tensor.ones(1, 1)));
        IllegalArgumentException f =
                assertThrows(IllegalArgumentException.class, () -> x.gather(1, Tensor.zeros(2, 1)));
        assertTrue(f.getMessage().startsWith("gather:") && f.getMessage().contains("float32"), f.getMessage());
        IllegalArgumentException mixed = assertThrows(
                IllegalArgumentException.class,
                () -> x.scatterAdd(1, Tensor.zeros(DType.INT64, 2, 1), Tensor.zeros(DType.INT32, 2, 1)));
        assertTrue(mixed.getMessage().startsWith("scatterAdd:"), mixed.getMessage());
    }

    @Test
    void getSetItemBounds() {
        Tensor x = Tensor.arange(12).reshape(3, 4);
        assertEquals(7f, x.get(1, 3));
        assertEquals(11f, x.get(-1, -1));
        assertEquals(4f, x.t().get(0, 1));
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> x.get(1, 4));
        assertTrue(
                e.getMessage().contains("index 4")
                        && e.getMessage().contains("size 4")
                        && e.getMessage().contains("dimension 1"),
                e.getMessage());
        e = assertThrows(IndexOutOfBoundsException.class, () -> x.get(-4, 0));
        assertTrue(e.getMessage().contains("-4") && e.getMessage().contains("size 3"), e.getMessage());
        e = assertThrows(IndexOutOfBoundsException.class, () -> x.get(1));
        assertTrue(e.getMessage().contains("rank 2") && e.getMessage().contains("[1]"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> x.set(1f, 3, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> x.set(1f, 0, 0, 0));
        // A view must not reach the elements outside it even though they are in the same storage.
        Tensor v = x.narrow(1, 1, 2);
        assertThrows(IndexOutOfBoundsException.class, () -> v.get(0, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> v.get(0, -3));
        int ver = x.version();
        v.set(-5f, 2, 1);
        assertEquals(-5f, x.get(2, 2));
        assertTrue(x.version() > ver);
        assertEquals(3f, Tensor.of(3).item());
        assertEquals(3f, Tensor.of(3).reshape(1, 1, 1).item());
        ShapeMismatchException s = assertThrows(ShapeMismatchException.class, () -> x.item());
        assertTrue(s.getMessage().contains("item") && s.getMessage().contains("[3, 4]"), s.getMessage());
        assertThrows(ShapeMismatchException.class, () -> Tensor.zeros(0).item());
        assertThrows(IndexOutOfBoundsException.class, () -> Tensor.zeros(0).get(0));
    }

    @Test
    void allClose() {
        Tensor a = Tensor.of(1, 2, 3);
        assertTrue(a.allClose(Tensor.of(1, 2, 3.000001f), 1e-5, 0));
        assertFalse(a.allClose(Tensor.of(1, 2, 3.1f), 1e-5, 1e-5));
        assertFalse(a.allClose(Tensor.of(1, 2), 1, 1));
        assertFalse(Tensor.of(Float.NaN).allClose(Tensor.of(Float.NaN), 1, 1));
        assertTrue(Tensor.of(Float.POSITIVE_INFINITY).allClose(Tensor.of(Float.POSITIVE_INFINITY), 0, 0));
        assertTrue(a.t().allClose(a.reshape(3), 0, 0));
    }
}
