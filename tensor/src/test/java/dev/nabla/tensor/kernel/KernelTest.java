package dev.nabla.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The raw kernels at every length around the vector width (so the SIMD main loop, the scalar
 * tail and both together run), at odd offsets, with strides 0, 1 and 2, and never touching the
 * output outside its range.
 */
class KernelTest {
    private static final int L = Elementwise.L;
    private static final float GUARD = -12345f;

    private static float[] random(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 4 - 2);
        }
        return v;
    }

    private static void assertGuards(float[] o, int oo, int n) {
        for (int i = 0; i < o.length; i++) {
            if (i < oo || i >= oo + n) {
                assertEquals(GUARD, o[i], "wrote outside [" + oo + ", " + (oo + n) + ") at " + i);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(BinaryOp.class)
    void binaryAtEveryLengthOffsetAndStride(BinaryOp op) {
        SplittableRandom r = new SplittableRandom(op.ordinal());
        for (int n = 0; n <= 5 * L + 3; n++) {
            for (int as = 0; as <= 2; as++) {
                for (int bs = 0; bs <= 2; bs++) {
                    int ao = r.nextInt(5);
                    int bo = r.nextInt(5);
                    int oo = r.nextInt(5);
                    float[] a = random(r, ao + Math.max(1, n * as) + 2);
                    float[] b = random(r, bo + Math.max(1, n * bs) + 2);
                    if (op == BinaryOp.POW) {
                        for (int i = 0; i < a.length; i++) {
                            a[i] = Math.abs(a[i]);
                        }
                    }
                    float[] o = new float[oo + n + 3];
                    Arrays.fill(o, GUARD);
                    Elementwise.binaryRange(op, a, ao, as, b, bo, bs, o, oo, n);
                    for (int i = 0; i < n; i++) {
                        double x = a[ao + i * as];
                        double y = b[bo + i * bs];
                        float e = switch (op) {
                            case ADD -> (float) (x + y);
                            case SUB -> (float) (x - y);
                            case MUL -> (float) (x * y);
                            case DIV -> (float) (x / y);
                            case POW -> (float) Math.pow(x, y);
                            case MAX -> (float) Math.max(x, y);
                            case MIN -> (float) Math.min(x, y);
                            case EQ -> x == y ? 1 : 0;
                            case NE -> x != y ? 1 : 0;
                            case LT -> x < y ? 1 : 0;
                            case LE -> x <= y ? 1 : 0;
                            case GT -> x > y ? 1 : 0;
                            case GE -> x >= y ? 1 : 0;
                        };
                        assertEquals(e, o[oo + i], op + " n=" + n + " strides " + as + "," + bs + " at " + i);
                    }
                    assertGuards(o, oo, n);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void unaryAtEveryLengthAndOffset(UnaryOp op) {
        SplittableRandom r = new SplittableRandom(op.ordinal());
        for (int n = 0; n <= 5 * L + 3; n++) {
            int xo = r.nextInt(5);
            int oo = r.nextInt(5);
            float[] x = random(r, xo + n + 2);
            if (op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.RSQRT) {
                for (int i = 0; i < x.length; i++) {
                    x[i] = Math.abs(x[i]) + 0.01f;
                }
            }
            float[] o = new float[oo + n + 3];
            Arrays.fill(o, GUARD);
            Elementwise.unaryRange(op, x, xo, o, oo, n);
            for (int i = 0; i < n; i++) {
                // UnaryOp.apply is the scalar definition: lanes and tail must give its bits exactly.
                float e = op.apply(x[xo + i]);
                assertEquals(
                        Float.floatToIntBits(e),
                        Float.floatToIntBits(o[oo + i]),
                        op + " n=" + n + " at " + i + " x=" + x[xo + i] + ": " + e + " vs " + o[oo + i]);
            }
            assertGuards(o, oo, n);
        }
    }

    @Test
    void axpyClampWhereAtEveryLength() {
        SplittableRandom r = new SplittableRandom(5);
        for (int n = 0; n <= 5 * L + 3; n++) {
            int xo = r.nextInt(4);
            int yo = r.nextInt(4);
            float[] x = random(r, xo + n);
            float[] y = random(r, yo + n + 2);
            float[] y0 = y.clone();
            Elementwise.axpy(n, 0.75f, x, xo, y, yo);
            for (int i = 0; i < y.length; i++) {
                if (i >= yo && i < yo + n) {
                    double e = y0[i] + 0.75 * x[xo + i - yo];
                    // fma rounds once; the scalar tail's y + a*x twice (the product, then the sum)
                    double tol = 0.5 * Math.ulp((float) e) + 0.5 * Math.ulp(0.75f * x[xo + i - yo]);
                    assertEquals(e, y[i], tol, "axpy n=" + n + " at " + i);
                } else {
                    assertEquals(y0[i], y[i], "axpy wrote outside its range");
                }
            }
            float[] o = new float[n + 4];
            Arrays.fill(o, GUARD);
            Elementwise.clamp(x, xo, -0.5f, 0.5f, o, 2, n);
            for (int i = 0; i < n; i++) {
                assertEquals(Math.min(Math.max(x[xo + i], -0.5f), 0.5f), o[2 + i]);
            }
            assertGuards(o, 2, n);
            float[] c = new float[n + 1];
            for (int i = 0; i < c.length; i++) {
                c[i] = r.nextInt(3) == 0 ? 0f : 1f;
            }
            float[] a = random(r, n + 2);
            float[] b = random(r, n + 3);
            Arrays.fill(o, GUARD);
            Elementwise.where(c, 1, a, 2, b, 3, o, 1, n);
            for (int i = 0; i < n; i++) {
                assertEquals(c[1 + i] != 0 ? a[2 + i] : b[3 + i], o[1 + i]);
            }
            assertGuards(o, 1, n);
        }
    }

    @Test
    void reduceKernelOnBlocks() {
        SplittableRandom r = new SplittableRandom(6);
        for (int outer = 0; outer <= 3; outer++) {
            for (int red = 0; red <= 4 * L + 5; red += 3) {
                for (int inner = 1; inner <= 2 * L + 3; inner += L / 2 + 1) {
                    float[] x = random(r, 2 + outer * red * inner);
                    float[] o = new float[outer * inner + 1];
                    Arrays.fill(o, GUARD);
                    Reduce.sum(x, 2, outer, red, inner, o, 1);
                    for (int i = 0; i < outer; i++) {
                        for (int j = 0; j < inner; j++) {
                            double s = 0;
                            double abs = 0;
                            for (int k = 0; k < red; k++) {
                                s += x[2 + (i * red + k) * inner + j];
                                abs += Math.abs(x[2 + (i * red + k) * inner + j]);
                            }
                            assertEquals(
                                    s,
                                    o[1 + i * inner + j],
                                    (red + 2) * 0x1p-24 * abs + 1e-30,
                                    "sum outer=" + outer + " r=" + red + " inner=" + inner);
                        }
                    }
                    assertEquals(GUARD, o[0]);
                    if (red == 0 && outer > 0) {
                        int rr = red;
                        int oo2 = outer;
                        int ii = inner;
                        IllegalArgumentException e = assertThrows(
                                IllegalArgumentException.class,
                                () -> Reduce.reduce(Reduce.Op.MAX, x, 0, oo2, rr, ii, o, 0));
                        assertTrue(e.getMessage().contains("size 0"), e.getMessage());
                    }
                }
            }
        }
    }
}
