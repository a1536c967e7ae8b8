package dev.nabla.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.function.BinaryOperator;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Nabla's dtypes against PyTorch: conversions (NaN, infinities, overflow, negatives to uint8),
 * {@code torch.promote_types}, every binary op over every pair of dtypes, the unary ops and
 * reductions of integer and bool tensors, and the printed form of integer and bool tensors. The
 * goldens come from {@code src/test/python/dtype_goldens.py}.
 */
class DTypeGoldenTest {

    static List<String> cases() {
        try (InputStream in = DTypeGoldenTest.class.getResourceAsStream("/goldens/dtypes.txt")) {
            if (in == null) {
                throw new IllegalStateException("goldens/dtypes.txt is missing; run dtype_goldens.py");
            }
            return Stream.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n"))
                    .filter(l -> !l.isBlank() && !l.startsWith("#"))
                    .toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static DType dtype(String name) {
        return DType.valueOf(name.toUpperCase(Locale.ROOT));
    }

    /** A 1-D tensor of the golden's values in {@code dtype}. */
    static Tensor values(String text, DType dtype) {
        String[] parts = text.isBlank() ? new String[0] : text.trim().split(" ");
        if (dtype == DType.FLOAT32) {
            float[] v = new float[parts.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = switch (parts[i]) {
                    case "nan" -> Float.NaN;
                    case "inf" -> Float.POSITIVE_INFINITY;
                    case "-inf" -> Float.NEGATIVE_INFINITY;
                    default -> (float) Double.parseDouble(parts[i]);
                };
            }
            return Tensor.of(v);
        }
        long[] v = new long[parts.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = Long.parseLong(parts[i]);
        }
        Tensor t = Tensor.ofLongs(v);
        // The golden's values fit the dtype, so this conversion is exact.
        return t.to(dtype);
    }

    /**
     * Same dtype and shape, and the same values: bit for bit (any NaN matching any NaN) unless
     * {@code ulps > 0}, for the transcendental functions, whose last bit may differ from PyTorch's.
     */
    static void assertSame(Tensor expected, Tensor actual, int ulps, String ctx) {
        assertEquals(expected.dtype(), actual.dtype(), ctx + ": dtype");
        assertEquals(expected.shape(), actual.shape(), ctx + ": shape");
        if (expected.dtype() != DType.FLOAT32) {
            long[] e = expected.toLongArray();
            long[] a = actual.toLongArray();
            for (int i = 0; i < e.length; i++) {
                if (e[i] != a[i]) {
                    fail(ctx + ": element " + i + " is " + a[i] + ", PyTorch gives " + e[i]);
                }
            }
            return;
        }
        float[] e = expected.toArray();
        float[] a = actual.toArray();
        for (int i = 0; i < e.length; i++) {
            boolean ok = Float.isNaN(e[i])
                    ? Float.isNaN(a[i])
                    : ulps == 0 || Float.isInfinite(e[i])
                            ? Float.floatToIntBits(e[i]) == Float.floatToIntBits(a[i])
                            : Math.abs(a[i] - e[i]) <= ulps * Math.ulp(e[i]);
            if (!ok) {
                fail(ctx + ": element " + i + " is " + a[i] + ", PyTorch gives " + e[i]);
            }
        }
    }

    static BinaryOperator<Tensor> binary(String op) {
        return switch (op) {
            case "add" -> Tensor::add;
            case "sub" -> Tensor::sub;
            case "mul" -> Tensor::mul;
            case "div" -> Tensor::div;
            case "maximum" -> Tensor::maximum;
            case "minimum" -> Tensor::minimum;
            case "eq" -> Tensor::eq;
            case "ne" -> Tensor::ne;
            case "lt" -> Tensor::lt;
            case "le" -> Tensor::le;
            case "gt" -> Tensor::gt;
            case "ge" -> Tensor::ge;
            default -> throw new IllegalStateException("unknown golden op " + op);
        };
    }

    static UnaryOperator<Tensor> unary(String op) {
        return switch (op) {
            case "neg" -> Tensor::neg;
            case "abs" -> Tensor::abs;
            case "sign" -> Tensor::sign;
            case "square" -> Tensor::square;
            case "relu" -> Tensor::relu;
            case "exp" -> Tensor::exp;
            case "sqrt" -> Tensor::sqrt;
            case "sigmoid" -> Tensor::sigmoid;
            case "tanh" -> Tensor::tanh;
            case "reciprocal" -> Tensor::reciprocal;
            case "sum" -> Tensor::sum;
            case "max" -> Tensor::max;
            case "min" -> Tensor::min;
            case "argmax" -> Tensor::argmax;
            case "argmin" -> t -> t.argmin(0, false);
            default -> throw new IllegalStateException("unknown golden op " + op);
        };
    }

    /** PyTorch's repr and ours, reduced to what both print: no shape suffix, no {@code torch.}, no size. */
    static String comparable(String repr) {
        return repr.replace("torch.", "")
                .replaceAll("size=\\([0-9, ]*\\), ", "")
                .replaceAll(", shape=\\[[0-9, ]*\\]\\)$", ")");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesPyTorch(String line) {
        String[] f = line.split(" \\| ", -1);
        String[] head = f[0].split(" ");
        switch (head[0]) {
            case "cast" -> {
                Tensor in = values(f[1], dtype(head[1]));
                Tensor got = in.to(dtype(head[2]));
                assertSame(values(f[2], dtype(head[2])), got, 0, line);
                // The strided path converts the same way as the contiguous one.
                Tensor strided = Tensor.cat(0, in, in).slice(0, 0, 2 * in.numel(), 2);
                Tensor both = Tensor.cat(0, in, in).to(dtype(head[2])).slice(0, 0, 2 * in.numel(), 2);
                assertSame(both.contiguous(), strided.to(dtype(head[2])), 0, line + " (strided)");
            }
            case "promote" -> assertEquals(dtype(f[1].trim()), DType.promote(dtype(head[1]), dtype(head[2])), line);
            case "binary" -> {
                Tensor a = values(f[1], dtype(head[2]));
                Tensor b = values(f[2], dtype(head[3]));
                Tensor expected = values(f[4], dtype(f[3].trim()));
                assertSame(expected, binary(head[1]).apply(a, b), 0, line);
                // Broadcast against a one-element operand too (the scalar paths).
                Tensor one = b.narrow(0, 2, 1);
                assertSame(expected.narrow(0, 2, 1), binary(head[1]).apply(a.narrow(0, 2, 1), one), 0, line);
            }
            case "unary" -> {
                boolean transcendental = List.of("exp", "sigmoid", "tanh").contains(head[1]);
                Tensor got = unary(head[1]).apply(values(f[1], dtype(head[2])));
                assertSame(values(f[3], dtype(f[2].trim())), got, transcendental ? 2 : 0, line);
            }
            case "reduce" -> {
                Tensor got = unary(head[1]).apply(values(f[1], dtype(head[2])));
                assertEquals(0, got.dim(), line + ": a full reduction is rank 0");
                assertSame(values(f[3], dtype(f[2].trim())), got.reshape(1), 0, line);
            }
            case "print" -> {
                int[] dims = head[2].equals("-") ? new int[0] : parseDims(head[2]);
                Tensor t = values(f[1], dtype(head[1])).reshape(dims);
                String torch = f[2].replace("\\n", "\n");
                assertEquals(comparable(torch), comparable(t.toString()), line);
                assertTrue(t.numel() == 0 || t.toString().contains("shape=") == (dims.length > 0), t.toString());
            }
            default -> fail("unknown golden entry: " + line);
        }
    }

    private static int[] parseDims(String s) {
        String[] p = s.split(",");
        int[] d = new int[p.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = Integer.parseInt(p[i]);
        }
        return d;
    }
}
