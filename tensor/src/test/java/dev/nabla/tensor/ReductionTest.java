package dev.nabla.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.tensor.Ref.Layout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Reductions against odometer loops in double over every axis subset, with keepdim, on any layout. */
class ReductionTest {

    enum Kind {
        SUM,
        MEAN,
        MAX,
        MIN,
        VAR0,
        VAR1
    }

    /** Result of reducing {@code x} over {@code axes} (sorted, distinct; all when empty) in double. */
    static double[] reference(Kind kind, Tensor x, int[] axes) {
        int[] d = x.dims();
        boolean[] red = reducedMask(d.length, axes);
        int[] od = keptDims(d, red, true);
        int outN = Ref.numel(od);
        int r = 1;
        for (int k = 0; k < d.length; k++) {
            if (red[k]) {
                r *= d[k];
            }
        }
        double[] acc = new double[outN];
        double[] acc2 = new double[outN];
        boolean[] seen = new boolean[outN];
        float[] v = Ref.values(x);
        int[] idx = new int[d.length];
        for (float value : v) {
            int o = 0;
            for (int k = 0; k < d.length; k++) {
                o = o * od[k] + (red[k] ? 0 : idx[k]);
            }
            switch (kind) {
                case SUM, MEAN, VAR0, VAR1 -> acc[o] += value;
                case MAX ->
                    acc[o] = !seen[o]
                            ? value
                            : Double.isNaN(acc[o]) || Double.isNaN(value) ? Double.NaN : Math.max(acc[o], value);
                case MIN ->
                    acc[o] = !seen[o]
                            ? value
                            : Double.isNaN(acc[o]) || Double.isNaN(value) ? Double.NaN : Math.min(acc[o], value);
            }
            seen[o] = true;
            Ref.next(idx, d);
        }
        if (kind == Kind.MEAN) {
            for (int i = 0; i < outN; i++) {
                acc[i] /= r;
            }
        }
        if (kind == Kind.VAR0 || kind == Kind.VAR1) {
            Arrays.fill(idx, 0);
            for (float value : v) {
                int o = 0;
                for (int k = 0; k < d.length; k++) {
                    o = o * od[k] + (red[k] ? 0 : idx[k]);
                }
                double dev = value - acc[o] / r;
                acc2[o] += dev * dev;
                Ref.next(idx, d);
            }
            int correction = kind == Kind.VAR0 ? 0 : 1;
            for (int i = 0; i < outN; i++) {
                acc[i] = r - correction > 0 ? acc2[i] / (r - correction) : Double.NaN;
            }
        }
        return acc;
    }

    static boolean[] reducedMask(int rank, int[] axes) {
        boolean[] red = new boolean[rank];
        if (axes.length == 0) {
            Arrays.fill(red, true);
        }
        for (int a : axes) {
            red[a] = true;
        }
        return red;
    }

    static int[] keptDims(int[] d, boolean[] red, boolean keepdim) {
        int[] out = new int[d.length];
        int j = 0;
        for (int k = 0; k < d.length; k++) {
            if (!red[k]) {
                out[j++] = d[k];
            } else if (keepdim) {
                out[j++] = 1;
            }
        }
        return Arrays.copyOf(out, j);
    }

    /** Sum of |x| per output, for the summation error bound. */
    static double[] absSums(Tensor x, int[] axes) {
        return reference(Kind.SUM, x.abs(), axes);
    }

    private static int[] randomAxes(SplittableRandom r, int rank, boolean allowEmpty) {
        List<Integer> axes = new ArrayList<>();
        for (int k = 0; k < rank; k++) {
            if (r.nextInt(3) == 0) {
                axes.add(k);
            }
        }
        if (axes.isEmpty() && !allowEmpty && rank > 0) {
            axes.add(r.nextInt(rank));
        }
        return axes.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int[] negate(SplittableRandom r, int[] axes, int rank) {
        int[] out = axes.clone();
        for (int i = 0; i < out.length; i++) {
            if (r.nextBoolean()) {
                out[i] -= rank;
            }
        }
        // order must not matter
        for (int i = out.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = out[i];
            out[i] = out[j];
            out[j] = t;
        }
        return out;
    }

    @Test
    void everyReductionOverRandomAxisSubsets() {
        SplittableRandom r = new SplittableRandom(12);
        for (int t = 0; t < 600; t++) {
            int[] dims = Ref.randomShape(r, 5, 4000);
            int rank = dims.length;
            Layout layout = Layout.random(r);
            boolean ints = r.nextInt(3) == 0;
            Tensor x =
                    Ref.layout(r, layout, dims, n -> ints ? ElementwiseTest.values(r, n, 0) : Ref.randomValues(r, n));
            int[] axes = randomAxes(r, rank, true);
            int[] arg = negate(r, axes, rank);
            boolean keep = r.nextBoolean();
            boolean[] red = reducedMask(rank, axes);
            int[] od = keptDims(dims, red, keep);
            int count = 1;
            for (int k = 0; k < rank; k++) {
                if (red[k]) {
                    count *= dims[k];
                }
            }
            String ctx = layout + " " + Arrays.toString(dims) + " over " + Arrays.toString(arg) + " keepdim=" + keep;
            double[] abs = absSums(x, axes);

            double[] sum = reference(Kind.SUM, x, axes);
            Tensor s = x.sum(arg, keep);
            Ref.assertShape(od, s, "sum " + ctx);
            double[] tol = new double[sum.length];
            for (int i = 0; i < tol.length; i++) {
                tol[i] = (count + 2) * Ref.U * abs[i];
            }
            Ref.assertWithin(sum, tol, s, "sum " + ctx);

            double[] mean = reference(Kind.MEAN, x, axes);
            Tensor m = x.mean(arg, keep);
            Ref.assertShape(od, m, "mean " + ctx);
            double[] mtol = new double[mean.length];
            for (int i = 0; i < mtol.length; i++) {
                mtol[i] = (count + 4) * Ref.U * abs[i] / Math.max(1, count);
            }
            Ref.assertWithin(mean, mtol, m, "mean " + ctx);

            for (int c = 0; c <= 1; c++) {
                double[] var = reference(c == 0 ? Kind.VAR0 : Kind.VAR1, x, axes);
                Tensor v = x.var(arg, keep, c);
                Ref.assertShape(od, v, "var " + ctx);
                Ref.assertClose(var, v, 1e-6, 2e-5, "var correction=" + c + " " + ctx);
            }

            if (count > 0) {
                Tensor mx = x.max(arg, keep);
                Ref.assertShape(od, mx, "max " + ctx);
                Ref.assertClose(reference(Kind.MAX, x, axes), mx, 0, 0, "max " + ctx);
                Ref.assertClose(reference(Kind.MIN, x, axes), x.min(arg, keep), 0, 0, "min " + ctx);
            } else if (Ref.numel(od) > 0) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.max(arg, keep));
                assertTrue(
                        e.getMessage().contains("max")
                                && e.getMessage().contains("size 0")
                                && e.getMessage().contains(x.shape().toString()),
                        e.getMessage());
            }
        }
    }

    @Test
    void argmaxArgminAlongEachDimWithTies() {
        SplittableRandom r = new SplittableRandom(13);
        for (int t = 0; t < 300; t++) {
            int[] dims = Ref.randomShape(r, 4, 3000);
            if (dims.length == 0) {
                continue;
            }
            Tensor x = Ref.layout(r, Layout.random(r), dims, n -> ElementwiseTest.values(r, n, r.nextInt(2)));
            int d = r.nextInt(dims.length);
            boolean keep = r.nextBoolean();
            if (dims[d] == 0) {
                assertThrows(IllegalArgumentException.class, () -> x.argmax(d, keep));
                continue;
            }
            boolean[] red = reducedMask(dims.length, new int[] {d});
            int[] od = keptDims(dims, red, keep);
            float[] v = Ref.values(x);
            for (boolean largest : new boolean[] {true, false}) {
                float[] expect = new float[Ref.numel(od)];
                float[] best = new float[expect.length];
                boolean[] seen = new boolean[expect.length];
                int[] idx = new int[dims.length];
                for (float value : v) {
                    int o = 0;
                    for (int k = 0; k < dims.length; k++) {
                        if (k != d) {
                            o = o * dims[k] + idx[k];
                        }
                    }
                    boolean better = !seen[o]
                            || (!Float.isNaN(best[o])
                                    && (Float.isNaN(value) || (largest ? value > best[o] : value < best[o])));
                    if (better) {
                        best[o] = value;
                        expect[o] = idx[d];
                        seen[o] = true;
                    }
                    Ref.next(idx, dims);
                }
                int dimArg = r.nextBoolean() ? d : d - dims.length;
                Tensor got = largest ? x.argmax(dimArg, keep) : x.argmin(dimArg, keep);
                Ref.assertShape(od, got, "arg " + largest);
                assertEquals(DType.INT64, got.dtype());
                Ref.assertExact(expect, got, (largest ? "argmax " : "argmin ") + Arrays.toString(dims) + " dim " + d);
            }
        }
        assertEquals(4f, Tensor.of(1, 5, 2, 5, 7, 7, -1).argmax(0, false).item(), "first of the tied 7s");
        assertEquals(6f, Tensor.of(1, 5, 2, 5, 7, 7, -1).argmin(0, false).item());
        assertEquals(
                5f, Tensor.of(3, 1, 4, 1, 5, 9, 2, 6).reshape(2, 4).argmax().item());
        assertEquals(1f, Tensor.of(3, Float.NaN, 4, Float.NaN).argmax().item(), "NaN wins, first one");
        assertEquals(1f, Tensor.of(3, Float.NaN, 1).argmin(0, false).item(), "NaN wins argmin too, as in PyTorch");
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> Tensor.zeros(0).argmax());
        assertTrue(e.getMessage().contains("argmax") && e.getMessage().contains("size 0"), e.getMessage());
    }

    @Test
    void emptyReductions() {
        Tensor e = Tensor.zeros(3, 0);
        assertArrayEquals(new float[] {0, 0, 0}, e.sum(1).toArray(), "sum of empty is 0");
        assertEquals(0f, e.sum().item());
        assertTrue(Float.isNaN(e.mean().item()), "mean of empty is NaN");
        for (float v : e.mean(1).toArray()) {
            assertTrue(Float.isNaN(v));
        }
        Ref.assertShape(new int[] {0}, e.sum(0), "sum over the non-empty dim");
        Ref.assertShape(new int[] {0}, e.max(0), "max over the non-empty dim of an empty tensor");
        Ref.assertShape(new int[] {1, 0}, e.mean(0, true), "keepdim");
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> e.max());
        assertTrue(
                ex.getMessage().startsWith("max")
                        && ex.getMessage().contains("[3, 0]")
                        && ex.getMessage().contains("size 0"),
                ex.getMessage());
        ex = assertThrows(IllegalArgumentException.class, () -> e.min(1));
        assertTrue(ex.getMessage().startsWith("min"), ex.getMessage());
        assertTrue(Float.isNaN(e.var().item()));
        assertTrue(Float.isNaN(Tensor.of(2).var().item()), "unbiased variance of one element is NaN");
        assertEquals(0f, Tensor.of(2).var(new int[0], false, 0).item());
    }

    @Test
    void scalarsAndFixedValues() {
        Tensor s = Tensor.scalar(4f);
        assertEquals(4f, s.sum().item());
        assertEquals(4f, s.sum(0).item());
        assertEquals(4f, s.mean(-1).item());
        assertEquals(4f, s.max().item());
        Tensor x = Tensor.arange(6).reshape(2, 3);
        assertArrayEquals(new float[] {3, 12}, x.sum(1, false).toArray());
        assertArrayEquals(new float[] {3, 5, 7}, x.sum(0).toArray());
        assertArrayEquals(new float[] {1, 4}, x.mean(1).toArray());
        assertArrayEquals(new float[] {2, 5}, x.max(1).toArray());
        assertArrayEquals(new float[] {0, 1, 2}, x.min(0).toArray());
        assertEquals(3.5f, x.var().item(), 1e-6);
        assertArrayEquals(new float[] {1, 1}, x.var(1, false).toArray());
        Ref.assertShape(new int[] {2, 1}, x.sum(1, true), "keepdim");
        Ref.assertShape(new int[] {2, 1}, x.max(-1, true), "keepdim");
        IllegalArgumentException dup =
                assertThrows(IllegalArgumentException.class, () -> x.sum(new int[] {1, -1}, false));
        assertTrue(dup.getMessage().contains("sum"), dup.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> x.sum(2));
        assertThrows(IndexOutOfBoundsException.class, () -> x.argmax(-3, false));
    }

    @Test
    void nanPropagates() {
        Tensor x = Tensor.arange(40).reshape(4, 10);
        x.set(Float.NaN, 2, 7);
        float[] mx = x.max(1).toArray();
        assertTrue(Float.isNaN(mx[2]));
        assertEquals(9f, mx[0]);
        assertTrue(Float.isNaN(x.max().item()), "max propagates NaN");
        assertTrue(Float.isNaN(x.min().item()), "min propagates NaN");
        assertTrue(Float.isNaN(x.t().max(0).toArray()[2]));
        assertTrue(Float.isNaN(x.max(0).toArray()[7]), "column max through the inner-SIMD path");
        assertTrue(Float.isNaN(x.sum().item()));
    }

    /** Sizes that reach each parallel split of Reduce and the 4-accumulator SIMD loop and its tail. */
    @ParameterizedTest
    @ValueSource(strings = {"100003", "5000x37", "3x20000x5", "300x1001", "2x70001", "70001x2"})
    void largeReductions(String spec) {
        int[] dims = Arrays.stream(spec.split("x")).mapToInt(Integer::parseInt).toArray();
        SplittableRandom r = new SplittableRandom(spec.hashCode());
        Tensor x = Tensor.fromArray(Ref.randomValues(r, Ref.numel(dims)), dims);
        for (int d = -1; d < dims.length; d++) {
            int[] axes = d < 0 ? new int[0] : new int[] {d};
            String ctx = spec + " over " + Arrays.toString(axes);
            double[] abs = absSums(x, axes);
            double[] sum = reference(Kind.SUM, x, axes);
            int count = d < 0 ? x.numel() : dims[d];
            double[] tol = new double[sum.length];
            for (int i = 0; i < tol.length; i++) {
                tol[i] = (count + 2) * Ref.U * abs[i];
            }
            Ref.assertWithin(sum, tol, x.sum(axes, false), "sum " + ctx);
            Ref.assertClose(reference(Kind.MAX, x, axes), x.max(axes, false), 0, 0, "max " + ctx);
            Ref.assertClose(reference(Kind.MIN, x, axes), x.min(axes, false), 0, 0, "min " + ctx);
            Ref.assertClose(reference(Kind.VAR1, x, axes), x.var(axes, false, 1), 1e-6, 2e-5, "var " + ctx);
        }
    }
}
