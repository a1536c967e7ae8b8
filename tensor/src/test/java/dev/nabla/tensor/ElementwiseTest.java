package dev.nabla.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.tensor.Ref.Layout;
import dev.nabla.tensor.kernel.BinaryOp;
import dev.nabla.tensor.kernel.UnaryOp;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Elementwise ops through the Tensor API against a double-precision scalar reference. */
class ElementwiseTest {

    private static final float[] SPECIALS = {
        Float.NaN,
        Float.POSITIVE_INFINITY,
        Float.NEGATIVE_INFINITY,
        0f,
        -0f,
        1f,
        -1f,
        2f,
        0.5f,
        Float.MIN_VALUE,
        -Float.MAX_VALUE,
        1e-30f,
        100f
    };

    // ------------------------------------------------------------------ reference semantics

    /** The result an op must give, computed in double and rounded once (exact for + - * /). */
    static float binaryRef(BinaryOp op, float x, float y) {
        double a = x;
        double b = y;
        return switch (op) {
            case ADD -> (float) (a + b);
            case SUB -> (float) (a - b);
            case MUL -> (float) (a * b);
            case DIV -> (float) (a / b);
            case POW -> (float) Math.pow(a, b);
            case MAX -> Double.isNaN(a) || Double.isNaN(b) ? Float.NaN : (float) Math.max(a, b);
            case MIN -> Double.isNaN(a) || Double.isNaN(b) ? Float.NaN : (float) Math.min(a, b);
            case EQ -> a == b ? 1 : 0;
            case NE -> a != b ? 1 : 0;
            case LT -> a < b ? 1 : 0;
            case LE -> a <= b ? 1 : 0;
            case GT -> a > b ? 1 : 0;
            case GE -> a >= b ? 1 : 0;
        };
    }

    static float[] broadcastRef(BinaryOp op, Tensor a, Tensor b) {
        int[] ad = a.dims();
        int[] bd = b.dims();
        int[] od = Ref.broadcast(ad, bd);
        float[] av = Ref.values(a);
        float[] bv = Ref.values(b);
        float[] out = new float[Ref.numel(od)];
        int[] idx = new int[od.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = binaryRef(op, av[Ref.broadcastFlat(idx, ad)], bv[Ref.broadcastFlat(idx, bd)]);
            Ref.next(idx, od);
        }
        return out;
    }

    /** Values suited to an op: small integers (ties for comparisons), uniform, or with specials mixed in. */
    static float[] values(SplittableRandom r, int n, int kind) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = switch (kind) {
                case 0 -> r.nextInt(5) - 2;
                case 1 -> (float) (r.nextDouble() * 6 - 3);
                default -> r.nextInt(8) == 0 ? SPECIALS[r.nextInt(SPECIALS.length)] : (float) (r.nextDouble() * 6 - 3);
            };
        }
        return v;
    }

    // ------------------------------------------------------------------ binary

    @ParameterizedTest
    @EnumSource(BinaryOp.class)
    void broadcastingOnRandomShapesAndLayouts(BinaryOp op) {
        SplittableRandom r = new SplittableRandom(1000 + op.ordinal());
        for (int t = 0; t < 250; t++) {
            int[][] p = Ref.broadcastPair(r, 4, 3000);
            int kind = r.nextInt(3);
            Layout la = Layout.random(r);
            Layout lb = Layout.random(r);
            Tensor a = Ref.layout(r, la, p[0], n -> values(r, n, kind));
            Tensor b = Ref.layout(r, lb, p[1], n -> values(r, n, kind));
            float[] expect = broadcastRef(op, a, b);
            int[] od = Ref.broadcast(p[0], p[1]);
            String ctx = op + " " + la + " " + Arrays.toString(p[0]) + " with " + lb + " " + Arrays.toString(p[1]);
            Tensor got = a.apply(op, b, null);
            Ref.assertShape(od, got, ctx);
            assertEquals(op.isComparison() ? DType.BOOL : DType.FLOAT32, got.dtype(), ctx);
            Ref.assertExact(expect, got, ctx);
            Tensor out = Tensor.full(Float.NaN, od);
            assertSame(out, a.apply(op, b, out), "out= returns out");
            Ref.assertExact(expect, out, ctx + " out=");
            // In place: out is an input of the result's shape.
            if (Arrays.equals(p[0], od) && a.isContiguous()) {
                int v = a.version();
                a.apply(op, b, a);
                Ref.assertExact(expect, a, ctx + " in place on a");
                assertTrue(a.version() > v, "in-place bumps the version");
            } else if (Arrays.equals(p[1], od) && b.isContiguous()) {
                a.apply(op, b, b);
                Ref.assertExact(expect, b, ctx + " in place on b");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(BinaryOp.class)
    void largeOperandsTakeParallelAndSimdPaths(BinaryOp op) {
        SplittableRandom r = new SplittableRandom(77 + op.ordinal());
        int kind = op.ordinal() >= BinaryOp.EQ.ordinal() ? 0 : 2;
        // contiguous, same shape: Elementwise.binary split over the pool, odd length for the tail
        int n = 3 * 32_768 + 13;
        Tensor a = Tensor.fromArray(values(r, n, kind), n);
        Tensor b = Tensor.fromArray(values(r, n, kind), n);
        Ref.assertExact(broadcastRef(op, a, b), a.apply(op, b, null), op + " contiguous " + n);
        // tensor-scalar and scalar-tensor (stride-0 SIMD paths)
        Tensor s = Tensor.scalar(values(r, 1, kind)[0]);
        Ref.assertExact(broadcastRef(op, a, s), a.apply(op, s, null), op + " tensor-scalar");
        Ref.assertExact(broadcastRef(op, s, a), s.apply(op, a, null), op + " scalar-tensor");
        // broadcast rows through Strided.rows with a parallel outer loop
        Tensor m = Tensor.fromArray(values(r, 5 * 20_011, kind), 5, 20_011);
        Tensor row = Tensor.fromArray(values(r, 20_011, kind), 20_011);
        Ref.assertExact(broadcastRef(op, m, row), m.apply(op, row, null), op + " [5, 20011] with [20011]");
        Tensor col = Tensor.fromArray(values(r, 5, kind), 5, 1);
        Ref.assertExact(broadcastRef(op, col, m), col.apply(op, m, null), op + " [5, 1] with [5, 20011]");
        // transposed (non-contiguous) big operand: strided scalar loop
        Tensor mt = Tensor.fromArray(values(r, 5 * 20_011, kind), 20_011, 5).t();
        Ref.assertExact(broadcastRef(op, m, mt), m.apply(op, mt, null), op + " with transposed");
        Tensor many = Tensor.fromArray(values(r, 40_000 * 3, kind), 40_000, 3);
        Tensor three = Tensor.fromArray(values(r, 3, kind), 3);
        Ref.assertExact(broadcastRef(op, many, three), many.apply(op, three, null), op + " [40000, 3] with [3]");
    }

    @Test
    void namedMethodsAreTheirOps() {
        SplittableRandom r = new SplittableRandom(3);
        Tensor a = Tensor.fromArray(values(r, 12, 0), 3, 4);
        Tensor b = Tensor.fromArray(values(r, 4, 0), 4);
        float s = 1f;
        Object[][] cases = {
            {BinaryOp.ADD, a.add(b), a.add(s)},
            {BinaryOp.SUB, a.sub(b), a.sub(s)},
            {BinaryOp.MUL, a.mul(b), a.mul(s)},
            {BinaryOp.DIV, a.div(b), a.div(s)},
            {BinaryOp.POW, a.pow(b), a.pow(s)},
            {BinaryOp.MAX, a.maximum(b), null},
            {BinaryOp.MIN, a.minimum(b), null},
            {BinaryOp.EQ, a.eq(b), a.eq(s)},
            {BinaryOp.NE, a.ne(b), null},
            {BinaryOp.LT, a.lt(b), a.lt(s)},
            {BinaryOp.LE, a.le(b), null},
            {BinaryOp.GT, a.gt(b), a.gt(s)},
            {BinaryOp.GE, a.ge(b), null},
        };
        for (Object[] c : cases) {
            BinaryOp op = (BinaryOp) c[0];
            Ref.assertExact(broadcastRef(op, a, b), (Tensor) c[1], op.label());
            if (c[2] != null) {
                Ref.assertExact(broadcastRef(op, a, Tensor.scalar(s)), (Tensor) c[2], op.label() + " scalar");
            }
        }
        Tensor out = Tensor.zeros(3, 4);
        Ref.assertExact(broadcastRef(BinaryOp.ADD, a, b), a.add(b, out), "add out");
        Ref.assertExact(broadcastRef(BinaryOp.SUB, a, b), a.sub(b, out), "sub out");
        Ref.assertExact(broadcastRef(BinaryOp.MUL, a, b), a.mul(b, out), "mul out");
        Ref.assertExact(broadcastRef(BinaryOp.DIV, a, b), a.div(b, out), "div out");
    }

    @Test
    void scalarVariantsOnEveryLayout() {
        SplittableRandom r = new SplittableRandom(4);
        for (Layout layout : Layout.values()) {
            for (int t = 0; t < 20; t++) {
                int[] dims = Ref.randomShape(r, 4, 3000);
                Tensor x = Ref.layout(r, layout, dims, n -> values(r, n, 2));
                float s = values(r, 1, 2)[0];
                Tensor sc = Tensor.scalar(s);
                String ctx = layout + " " + Arrays.toString(dims) + " op " + s;
                Ref.assertExact(broadcastRef(BinaryOp.ADD, x, sc), x.add(s), ctx);
                Ref.assertExact(broadcastRef(BinaryOp.SUB, x, sc), x.sub(s), ctx);
                Ref.assertExact(broadcastRef(BinaryOp.MUL, x, sc), x.mul(s), ctx);
                Ref.assertExact(broadcastRef(BinaryOp.DIV, x, sc), x.div(s), ctx);
                Ref.assertExact(broadcastRef(BinaryOp.EQ, x, sc), x.eq(s), ctx);
                Ref.assertExact(broadcastRef(BinaryOp.LT, x, sc), x.lt(s), ctx);
                Ref.assertExact(broadcastRef(BinaryOp.GT, x, sc), x.gt(s), ctx);
                for (float e : new float[] {s, 2f, 0.5f, 3f, -1f}) {
                    Ref.assertExact(broadcastRef(BinaryOp.POW, x, Tensor.scalar(e)), x.pow(e), ctx + " pow " + e);
                }
            }
        }
    }

    /** Every op gives the same answer for a value whether it lands in a SIMD lane or in the scalar tail. */
    @ParameterizedTest
    @EnumSource(BinaryOp.class)
    void specialValuesAgreeBetweenSimdAndTail(BinaryOp op) {
        int n = 8 * 4 + 5;
        for (float x : SPECIALS) {
            for (float y : SPECIALS) {
                float expect = binaryRef(op, x, y);
                Tensor a = Tensor.full(x, n);
                Tensor b = Tensor.full(y, n);
                float[] e = new float[n];
                Arrays.fill(e, expect);
                String ctx = op + "(" + x + ", " + y + ")";
                Ref.assertExact(e, a.apply(op, b, null), ctx + " vector-vector");
                Ref.assertExact(e, a.apply(op, Tensor.scalar(y), null), ctx + " vector-scalar");
                Ref.assertExact(e, Tensor.scalar(x).apply(op, b, null), ctx + " scalar-vector");
                Tensor strided = Tensor.full(x, 2 * n).slice(0, 0, 2 * n, 2);
                Ref.assertExact(e, strided.apply(op, b, null), ctx + " strided");
            }
        }
    }

    @Test
    void nanPropagatesThroughMaximumAndMinimum() {
        for (int n : new int[] {4, 8 * 5 + 4}) {
            float[] av = new float[n];
            float[] bv = new float[n];
            for (int i = 0; i < n; i++) {
                av[i] = i % 4 == 1 || i % 4 == 3 ? Float.NaN : i;
                bv[i] = i % 4 == 0 || i % 4 == 3 ? Float.NaN : -i;
            }
            float[] mx = Tensor.of(av).maximum(Tensor.of(bv)).toArray();
            float[] mn = Tensor.of(av).minimum(Tensor.of(bv)).toArray();
            for (int i = 0; i < n; i++) {
                boolean nan = i % 4 != 2;
                assertEquals(nan, Float.isNaN(mx[i]), "maximum at " + i);
                assertEquals(nan, Float.isNaN(mn[i]), "minimum at " + i);
            }
        }
    }

    @Test
    void shapeErrorsNameOperationAndBothShapes() {
        Tensor a = Tensor.zeros(2, 3);
        Tensor b = Tensor.zeros(4);
        for (BinaryOp op : BinaryOp.values()) {
            ShapeMismatchException e = assertThrows(ShapeMismatchException.class, () -> a.apply(op, b, null));
            assertTrue(
                    e.getMessage().startsWith(op.label() + ":")
                            && e.getMessage().contains("[2, 3]")
                            && e.getMessage().contains("[4]"),
                    e.getMessage());
        }
        ShapeMismatchException e =
                assertThrows(ShapeMismatchException.class, () -> a.add(Tensor.zeros(3), Tensor.zeros(3)));
        assertTrue(
                e.getMessage().contains("add")
                        && e.getMessage().contains("[3]")
                        && e.getMessage().contains("[2, 3]"),
                e.getMessage());
        IllegalArgumentException nc = assertThrows(
                IllegalArgumentException.class,
                () -> a.add(a, Tensor.zeros(3, 2).t()));
        assertTrue(nc.getMessage().contains("contiguous"), nc.getMessage());
        // An empty out of the right shape is fine.
        Tensor empty = Tensor.zeros(0, 3);
        assertSame(empty, empty.add(Tensor.ones(3), empty));
        Ref.assertShape(new int[] {3, 0}, Tensor.zeros(3, 0).mul(Tensor.ones(3, 1), Tensor.zeros(3, 0)), "empty out");
    }

    // ------------------------------------------------------------------ overlapping out

    @Test
    void outOverlappingAnInputPartiallyReadsTheOldValues() {
        // b is the first element of out: every chunk must still see the old value.
        int n = 4 * 32_768 + 3;
        Tensor x = Tensor.arange(1, n + 1);
        float[] before = x.toArray();
        x.sub(x.narrow(0, 0, 1), x);
        float[] expect = new float[n];
        for (int i = 0; i < n; i++) {
            expect[i] = before[i] - before[0];
        }
        Ref.assertExact(expect, x, "x -= x[0] in place");

        // a is a column of out, broadcast along rows; b non-contiguous so the strided loop runs.
        Tensor m = Tensor.arange(12).reshape(3, 4);
        Tensor yt = Tensor.arange(100, 112).reshape(4, 3).t();
        float[] mv = m.toArray();
        float[] yv = yt.toArray();
        m.narrow(1, 0, 1).add(yt, m);
        float[] e2 = new float[12];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 4; j++) {
                e2[i * 4 + j] = mv[i * 4] + yv[i * 4 + j];
            }
        }
        Ref.assertExact(e2, m, "m = m[:, :1] + y.T");

        // out shifted by one against the input
        Tensor z = Tensor.arange(40);
        z.narrow(0, 0, 39).add(Tensor.ones(39), z.narrow(0, 1, 39));
        float[] e3 = new float[40];
        for (int i = 0; i < 40; i++) {
            e3[i] = i == 0 ? 0 : i;
        }
        Ref.assertExact(e3, z, "z[1:] = z[:-1] + 1");
    }

    @Test
    void unaryOutOverlappingTheInputPartially() {
        for (int n : new int[] {40, 3 * 32_768 + 5}) {
            Tensor z = Tensor.arange(n);
            z.narrow(0, 0, n - 1).apply(UnaryOp.NEG, z.narrow(0, 1, n - 1));
            float[] e = new float[n];
            for (int i = 1; i < n; i++) {
                e[i] = -(float) (i - 1);
            }
            Ref.assertExact(e, z, "z[1:] = -z[:-1], n=" + n);
            Tensor w = Tensor.arange(n);
            w.narrow(0, 1, n - 1).apply(UnaryOp.NEG, w.narrow(0, 0, n - 1));
            float[] e2 = new float[n];
            for (int i = 0; i < n - 1; i++) {
                e2[i] = -(float) (i + 1);
            }
            e2[n - 1] = n - 1;
            Ref.assertExact(e2, w, "w[:-1] = -w[1:], n=" + n);
        }
    }

    // ------------------------------------------------------------------ where

    @Test
    void whereBroadcastsAllThree() {
        SplittableRandom r = new SplittableRandom(6);
        for (int t = 0; t < 200; t++) {
            int[] od = Ref.randomShape(r, 4, 2000);
            int[] cd = Ref.broadcastOperand(r, od);
            int[] ad = Ref.broadcastOperand(r, od);
            int[] bd = Ref.broadcastOperand(r, od);
            // A bool condition made from values != 0, so NaN and -0 test the conversion too.
            Tensor c = Ref.as(
                    Ref.layout(r, Layout.random(r), cd, n -> {
                        float[] v = new float[n];
                        for (int i = 0; i < n; i++) {
                            v[i] = new float[] {0f, -0f, 1f, Float.NaN, 2.5f}[r.nextInt(5)];
                        }
                        return v;
                    }),
                    DType.BOOL);
            Tensor a = Ref.random(r, Layout.random(r), ad);
            Tensor b = Ref.random(r, Layout.random(r), bd);
            int[] full = Ref.broadcast(Ref.broadcast(cd, ad), bd);
            float[] cv = Ref.values(c);
            float[] av = Ref.values(a);
            float[] bv = Ref.values(b);
            float[] expect = new float[Ref.numel(full)];
            int[] idx = new int[full.length];
            for (int i = 0; i < expect.length; i++) {
                float cond = cv[Ref.broadcastFlat(idx, cd)];
                expect[i] = cond != 0 ? av[Ref.broadcastFlat(idx, ad)] : bv[Ref.broadcastFlat(idx, bd)];
                Ref.next(idx, full);
            }
            Tensor got = Tensor.where(c, a, b);
            Ref.assertShape(full, got, "where");
            Ref.assertExact(expect, got, "where " + Arrays.toString(cd) + Arrays.toString(ad) + Arrays.toString(bd));
        }
        int n = 3 * 32_768 + 7;
        Tensor c = Tensor.arange(n).gt(n / 2f);
        Tensor got = Tensor.where(c, Tensor.ones(n), Tensor.scalar(-1));
        for (int i = 0; i < n; i += 997) {
            assertEquals(i > n / 2f ? 1f : -1f, got.get(i));
        }
        ShapeMismatchException e = assertThrows(
                ShapeMismatchException.class,
                () -> Tensor.where(Tensor.zeros(DType.BOOL, 2), Tensor.zeros(3), Tensor.zeros(1)));
        assertTrue(e.getMessage().startsWith("where:"), e.getMessage());
    }

    // ------------------------------------------------------------------ unary

    /** Reference value of a unary op in double. */
    static double unaryRef(UnaryOp op, float xf) {
        double x = xf;
        return switch (op) {
            case NEG -> -x;
            case ABS -> Math.abs(x);
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case SQRT -> Math.sqrt(x);
            case RSQRT -> 1 / Math.sqrt(x);
            case TANH -> Math.tanh(x);
            case SIGMOID -> x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
            case RELU -> Double.isNaN(x) ? x : Math.max(x, 0);
            case GELU -> ErfOracle.gelu(x);
            case SQUARE -> x * x;
            case RECIPROCAL -> 1 / x;
            case SIGN -> Double.isNaN(x) ? x : Math.signum(x);
        };
    }

    /**
     * Absolute error allowed in the kernel's erf: Abramowitz-Stegun 7.1.26 is good to 1.5e-7 in
     * exact arithmetic; evaluated in float its alternating polynomial loses more near 0 (5.2e-7
     * measured on a 4M-point grid over [-10, 10]). PyTorch's vectorized CPU erf is the same formula.
     */
    static final double ERF_ABS = 8e-7;

    /**
     * Allowed error. Ops the hardware rounds correctly must be exact; the transcendental ones get
     * a few float ulps of the result; GELU = x Phi(x) gets 0.5 |x| ERF_ABS plus an ulp.
     */
    static double unaryTol(UnaryOp op, float x, double ref) {
        float rf = (float) ref;
        double ulp = Float.isFinite(rf) ? Math.ulp(rf) : 0;
        return switch (op) {
            case NEG, ABS, SQRT, RELU, SQUARE, RECIPROCAL, SIGN -> 0.5 * ulp;
            case RSQRT -> 1.5 * ulp; // 1 / sqrt(x) in float rounds twice
            case EXP, LOG, TANH -> 2.0 * ulp;
            case SIGMOID -> 3.0 * ulp;
            case GELU -> 0.5 * Math.abs(x) * ERF_ABS + ulp;
        };
    }

    static float[] unaryDomain(UnaryOp op, SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            double u = r.nextDouble();
            v[i] = (float)
                    switch (op) {
                        case EXP -> u * 180 - 90;
                        case LOG, SQRT, RSQRT -> Math.exp(u * 60 - 30);
                        case TANH -> u * 24 - 12;
                        case SIGMOID -> u * 120 - 60;
                        case GELU -> u * 20 - 10;
                        case RECIPROCAL -> (u * 8 - 4);
                        default -> u * 8 - 4;
                    };
        }
        return v;
    }

    static void checkUnary(UnaryOp op, Tensor x, Tensor got, String ctx) {
        float[] xv = Ref.values(x);
        double[] e = new double[xv.length];
        double[] tol = new double[xv.length];
        for (int i = 0; i < xv.length; i++) {
            e[i] = unaryRef(op, xv[i]);
            tol[i] = unaryTol(op, xv[i], e[i]);
            if (Float.isInfinite((float) e[i])) {
                e[i] = (float) e[i]; // beyond float range: must be that infinity
            }
        }
        Ref.assertShape(x.dims(), got, ctx);
        Ref.assertWithin(e, tol, got, ctx);
    }

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void unaryOnRandomShapesAndLayouts(UnaryOp op) {
        SplittableRandom r = new SplittableRandom(2000 + op.ordinal());
        for (int t = 0; t < 120; t++) {
            int[] dims = Ref.randomShape(r, 4, 3000);
            Layout layout = Layout.random(r);
            Tensor x = Ref.layout(r, layout, dims, n -> unaryDomain(op, r, n));
            String ctx = op + " " + layout + " " + Arrays.toString(dims);
            checkUnary(op, x, x.apply(op, null), ctx);
            Tensor out = Tensor.full(Float.NaN, dims);
            assertSame(out, x.apply(op, out));
            checkUnary(op, x, out, ctx + " out=");
            if (x.isContiguous()) {
                Tensor before = x.copy();
                x.apply(op, x);
                checkUnary(op, before, x, ctx + " in place");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void unaryLargeAndSpecial(UnaryOp op) {
        SplittableRandom r = new SplittableRandom(op.ordinal());
        int n = 3 * 32_768 + 11;
        Tensor x = Tensor.fromArray(unaryDomain(op, r, n), n);
        checkUnary(op, x, x.apply(op, null), op + " large");
        int m = 8 * 3 + 5;
        for (float s : SPECIALS) {
            Tensor sx = Tensor.full(s, m);
            Tensor got = sx.apply(op, null);
            float[] g = got.toArray();
            // SIMD lanes and the scalar tail compute the same float operations: same bits.
            Tensor gx = sx.unaryBackward(op, got, Tensor.full(0.75f, m));
            float[] b = gx.toArray();
            for (int i = 1; i < m; i++) {
                assertEquals(
                        Float.floatToIntBits(g[0]),
                        Float.floatToIntBits(g[i]),
                        op + "(" + s + ") differs between SIMD lane 0 (" + g[0] + ") and position " + i + " (" + g[i]
                                + ")");
                assertEquals(
                        Float.floatToIntBits(b[0]),
                        Float.floatToIntBits(b[i]),
                        op + " backward at " + s + " differs between lane 0 (" + b[0] + ") and position " + i + " ("
                                + b[i] + ")");
            }
            checkUnary(op, sx, got, op + "(" + s + ")");
        }
    }

    @Test
    void namedUnaryMethods() {
        Tensor x = Tensor.of(-2, -0.5f, 0.25f, 3);
        Tensor p = Tensor.of(0.5f, 1, 2, 9);
        Object[][] cases = {
            {UnaryOp.NEG, x, x.neg()},
            {UnaryOp.ABS, x, x.abs()},
            {UnaryOp.EXP, x, x.exp()},
            {UnaryOp.LOG, p, p.log()},
            {UnaryOp.SQRT, p, p.sqrt()},
            {UnaryOp.RSQRT, p, p.rsqrt()},
            {UnaryOp.TANH, x, x.tanh()},
            {UnaryOp.SIGMOID, x, x.sigmoid()},
            {UnaryOp.RELU, x, x.relu()},
            {UnaryOp.GELU, x, x.gelu()},
            {UnaryOp.SQUARE, x, x.square()},
            {UnaryOp.RECIPROCAL, x, x.reciprocal()},
            {UnaryOp.SIGN, x, x.sign()},
        };
        for (Object[] c : cases) {
            checkUnary((UnaryOp) c[0], (Tensor) c[1], (Tensor) c[2], ((UnaryOp) c[0]).label());
        }
        assertArrayEquals(new float[] {0, 0, 0.25f, 3}, x.relu().toArray());
        assertArrayEquals(new float[] {-1, -1, 1, 1}, x.sign().toArray());
        // PyTorch: F.gelu(torch.tensor([-1., 0., 1., 2.])) = [-0.1587, 0.0000, 0.8413, 1.9545]
        float[] g = Tensor.of(-1, 0, 1, 2).gelu().toArray();
        assertEquals(-0.15865525f, g[0], 2e-7);
        assertEquals(0f, g[1]);
        assertEquals(0.8413447f, g[2], 2e-7);
        assertEquals(1.9544997f, g[3], 4e-7);
    }

    @Test
    void geluOnADenseGrid() {
        int n = 200_001; // SIMD lanes and, via an odd offset, the scalar tail see the same grid
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (-10 + 20.0 * i / (n - 1));
        }
        checkUnary(UnaryOp.GELU, Tensor.of(x), Tensor.of(x).gelu(), "gelu grid");
        for (int start = 0; start < 8; start++) {
            Tensor part = Tensor.of(x).narrow(0, start * 1000, 7); // 7 < 8 lanes: all scalar tail
            checkUnary(UnaryOp.GELU, part, part.gelu(), "gelu tail");
        }
    }

    @Test
    void erfOracleMatchesTables() {
        assertEquals(0.5204998778130465, ErfOracle.erf(0.5), 1e-15);
        assertEquals(0.8427007929497149, ErfOracle.erf(1), 1e-15);
        assertEquals(0.9953222650189527, ErfOracle.erf(2), 1e-15);
        assertEquals(-0.9999779095030014, ErfOracle.erf(-3), 1e-15);
        assertEquals(2.209049699858544e-05, ErfOracle.erfc(3), 1e-19);
        assertEquals(1.5374597944280349e-12, ErfOracle.erfc(5), 1e-25);
        assertEquals(1.9999779095030014, ErfOracle.erfc(-3), 1e-15);
        assertEquals(0, ErfOracle.erf(0));
        for (double x = -2.9; x < 2.9; x += 0.173) {
            // Continuity where the two methods meet, and oddness.
            assertEquals(-ErfOracle.erf(x), ErfOracle.erf(-x), 1e-15);
        }
        assertEquals(ErfOracle.erf(3 - 1e-12), ErfOracle.erf(3), 1e-13);
    }

    @Test
    void reluAndClampPropagateNan() {
        Tensor x = Tensor.full(Float.NaN, 37);
        for (float v : x.relu().toArray()) {
            assertTrue(Float.isNaN(v), "relu(NaN) is NaN, as in PyTorch");
        }
        for (float v : x.clamp(-1, 1).toArray()) {
            assertTrue(Float.isNaN(v), "clamp(NaN) is NaN, as in PyTorch");
        }
    }

    @Test
    void clampOnLayouts() {
        SplittableRandom r = new SplittableRandom(8);
        for (int t = 0; t < 100; t++) {
            int[] dims = Ref.randomShape(r, 4, 3000);
            Tensor x = Ref.layout(r, Layout.random(r), dims, n -> values(r, n, 2));
            float lo = (float) (r.nextDouble() * 2 - 1.5);
            float hi = r.nextInt(5) == 0 ? lo : lo + (float) r.nextDouble() * 2;
            float[] xv = Ref.values(x);
            float[] e = new float[xv.length];
            for (int i = 0; i < e.length; i++) {
                e[i] = Float.isNaN(xv[i]) ? Float.NaN : xv[i] < lo ? lo : xv[i] > hi ? hi : xv[i];
            }
            Ref.assertExact(e, x.clamp(lo, hi), "clamp " + lo + " " + hi + " " + Arrays.toString(dims));
        }
        int n = 3 * 32_768 + 9;
        Tensor big = Tensor.fromArray(values(r, n, 1), n);
        float[] bv = big.toArray();
        float[] e = new float[n];
        for (int i = 0; i < n; i++) {
            e[i] = Math.min(Math.max(bv[i], -1f), 1f);
        }
        Ref.assertExact(e, big.clamp(-1, 1), "clamp large");
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> big.clamp(1, -1));
        assertTrue(ex.getMessage().contains("clamp"), ex.getMessage());
    }

    // ------------------------------------------------------------------ unaryBackward

    /** d op(x)/dx in double, from the definitions (not from the kernel's forms). */
    static double derivativeRef(UnaryOp op, double x) {
        return switch (op) {
            case NEG -> -1;
            case ABS -> Math.signum(x);
            case EXP -> Math.exp(x);
            case LOG -> 1 / x;
            case SQRT -> 0.5 / Math.sqrt(x);
            case RSQRT -> -0.5 * Math.pow(x, -1.5);
            case TANH -> 1 / (Math.cosh(x) * Math.cosh(x));
            case SIGMOID -> {
                double s = 1 / (1 + Math.exp(-x));
                yield s * (1 - s);
            }
            case RELU -> x > 0 ? 1 : 0;
            case GELU -> ErfOracle.geluDerivative(x);
            case SQUARE -> 2 * x;
            case RECIPROCAL -> -1 / (x * x);
            case SIGN -> 0;
        };
    }

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void derivativeOracleAgreesWithFiniteDifferences(UnaryOp op) {
        SplittableRandom r = new SplittableRandom(op.ordinal());
        for (int i = 0; i < 200; i++) {
            float xf = unaryDomain(op, r, 1)[0];
            double x = xf;
            if (op == UnaryOp.ABS || op == UnaryOp.RELU || op == UnaryOp.SIGN) {
                if (Math.abs(x) < 1e-3) {
                    continue;
                }
            }
            if (op == UnaryOp.EXP && Math.abs(x) > 40 || op == UnaryOp.SIGMOID && Math.abs(x) > 30) {
                continue;
            }
            double h = 1e-6 * Math.max(1, Math.abs(x));
            if (op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.RSQRT) {
                h = 1e-6 * x;
            }
            double fd = (unaryRef2(op, x + h) - unaryRef2(op, x - h)) / (2 * h);
            double d = derivativeRef(op, x);
            assertEquals(d, fd, 1e-5 * Math.max(1, Math.abs(d)), op + " at " + x);
        }
    }

    /** The op in double at a double argument (for finite differences of the oracle). */
    private static double unaryRef2(UnaryOp op, double x) {
        return switch (op) {
            case NEG -> -x;
            case ABS -> Math.abs(x);
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case SQRT -> Math.sqrt(x);
            case RSQRT -> 1 / Math.sqrt(x);
            case TANH -> Math.tanh(x);
            case SIGMOID -> 1 / (1 + Math.exp(-x));
            case RELU -> Math.max(x, 0);
            case GELU -> ErfOracle.gelu(x);
            case SQUARE -> x * x;
            case RECIPROCAL -> 1 / x;
            case SIGN -> Math.signum(x);
        };
    }

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void unaryBackwardMatchesAnalyticDerivative(UnaryOp op) {
        SplittableRandom r = new SplittableRandom(3000 + op.ordinal());
        for (int t = 0; t < 60; t++) {
            int[] dims = t == 0 ? new int[] {3 * 32_768 + 3} : Ref.randomShape(r, 4, 3000);
            Tensor x = Ref.layout(r, Layout.random(r), dims, n -> unaryDomain(op, r, n));
            if (op == UnaryOp.EXP) {
                x = x.clamp(-85, 85); // the gradient comes from y = exp(x), which must not overflow
            }
            Tensor y = x.apply(op, null);
            Tensor g = Ref.random(r, Layout.random(r), dims);
            Tensor gx = x.unaryBackward(op, y, g);
            float[] xv = Ref.values(x);
            float[] gv = Ref.values(g);
            double[] e = new double[xv.length];
            double[] tol = new double[xv.length];
            for (int i = 0; i < e.length; i++) {
                double d = derivativeRef(op, xv[i]);
                e[i] = gv[i] * d;
                // The kernel works from y = op(x) in float: a few ulps of the result, plus the
                // cancellation in 1 - y^2 and y(1 - y) near saturation, and GELU's erf error.
                double extra = switch (op) {
                    case TANH, SIGMOID -> 3 * Ref.U;
                    case GELU -> ERF_ABS * (1 + Math.abs(xv[i]));
                    default -> 0;
                };
                tol[i] = Math.abs(gv[i]) * (8 * Ref.U * Math.abs(d) + extra) + Float.MIN_NORMAL;
                float ef = (float) e[i];
                if (Float.isInfinite(ef)) {
                    e[i] = ef; // overflows float: must be that infinity
                }
            }
            Ref.assertShape(dims, gx, op + " backward");
            Ref.assertWithin(e, tol, gx, op + " backward " + Arrays.toString(dims));
        }
        ShapeMismatchException ex = assertThrows(
                ShapeMismatchException.class,
                () -> Tensor.zeros(2, 3).unaryBackward(op, Tensor.zeros(2, 3), Tensor.zeros(3, 2)));
        assertTrue(ex.getMessage().contains(op.label()) && ex.getMessage().contains("[3, 2]"), ex.getMessage());
    }

    @Test
    void reluBackwardAgreesBetweenSimdAndTailForNan() {
        int n = 8 * 2 + 3;
        Tensor x = Tensor.full(Float.NaN, n);
        Tensor g = Tensor.ones(n);
        float[] gx = x.unaryBackward(UnaryOp.RELU, x.relu(), g).toArray();
        for (int i = 1; i < n; i++) {
            assertEquals(
                    Float.floatToIntBits(gx[0]),
                    Float.floatToIntBits(gx[i]),
                    "relu backward at NaN: position 0 gives " + gx[0] + ", position " + i + " gives " + gx[i]);
        }
        // PyTorch's threshold_backward passes the gradient where the input is not <= 0 (so at NaN).
        assertEquals(1f, gx[0]);
    }
}
