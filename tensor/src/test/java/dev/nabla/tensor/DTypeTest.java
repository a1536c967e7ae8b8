package dev.nabla.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.tensor.kernel.BinaryOp;
import dev.nabla.tensor.kernel.UnaryOp;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The dtype API: creation, views and writes on every dtype, conversions and element access,
 * comparisons and bool logic, promotion, integer reductions, index ops on integer data, and the
 * errors for what needs floating point. PyTorch's exact results for conversions, promotion and
 * the elementwise ops are checked by {@link DTypeGoldenTest}.
 */
class DTypeTest {

    /** The message of what {@code body} throws, checked to be an {@code type}. */
    static <T extends Throwable> String message(Class<T> type, Executable body) {
        return assertThrows(type, body).getMessage();
    }

    static void assertMentions(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), "'" + p + "' missing from: " + message);
        }
    }

    // ================================================================== DType itself

    @Test
    void namesSizesAndCodesArePyTorchs() {
        assertEquals(
                List.of("float32", "int64", "int32", "int8", "uint8", "bool"),
                List.of(DType.values()).stream().map(DType::toString).toList());
        assertEquals(
                List.of("F32", "I64", "I32", "I8", "U8", "BOOL"),
                List.of(DType.values()).stream().map(DType::safetensorsName).toList());
        assertEquals(
                List.of(4, 8, 4, 1, 1, 1),
                List.of(DType.values()).stream().map(DType::byteSize).toList());
        for (DType d : DType.values()) {
            assertSame(d, DType.fromSafetensorsName(d.safetensorsName()));
            assertEquals(d == DType.FLOAT32, d.isFloatingPoint());
            assertEquals(d != DType.FLOAT32 && d != DType.BOOL, d.isInteger());
        }
        assertNull(DType.fromSafetensorsName("F16"));
        // PyTorch gives int16, which Nabla lacks; int32 holds every int8 and uint8 value.
        assertEquals(DType.INT32, DType.promote(DType.INT8, DType.UINT8));
        assertEquals(DType.INT32, DType.promote(DType.UINT8, DType.INT8));
    }

    // ================================================================== creation

    @ParameterizedTest
    @EnumSource(DType.class)
    void creationInEveryDtype(DType d) {
        Tensor z = Tensor.zeros(d, 2, 3);
        assertEquals(d, z.dtype());
        assertEquals(Shape.of(2, 3), z.shape());
        assertArrayEquals(new long[6], z.toLongArray());
        Tensor o = Tensor.ones(d, 4);
        assertEquals(d, o.dtype());
        assertArrayEquals(new long[] {1, 1, 1, 1}, o.toLongArray());
        assertEquals(d, Tensor.zerosLike(o).dtype());
        assertEquals(d, Tensor.onesLike(z).dtype());
        assertArrayEquals(new long[] {1, 1, 1, 1, 1, 1}, Tensor.onesLike(z).toLongArray());
        Tensor s = Tensor.full(d, 7L);
        assertEquals(0, s.dim(), "an empty shape is a scalar");
        assertEquals(d == DType.BOOL ? 1 : 7, s.itemLong());
        assertEquals(d, Tensor.full(d, 2.75, 3).dtype());
    }

    @Test
    void fullConvertsLikeTo() {
        assertArrayEquals(new long[] {2, 2}, Tensor.full(DType.INT64, 2.75, 2).toLongArray(), "truncates");
        assertArrayEquals(new long[] {-2}, Tensor.full(DType.INT32, -2.75, 1).toLongArray());
        assertArrayEquals(new long[] {255}, Tensor.full(DType.UINT8, -1L, 1).toLongArray(), "wraps");
        assertArrayEquals(
                new long[] {Long.MAX_VALUE},
                Tensor.full(DType.INT64, Long.MAX_VALUE, 1).toLongArray());
        assertArrayEquals(new float[] {0.5f}, Tensor.full(DType.FLOAT32, 0.5, 1).toArray());
        assertArrayEquals(
                new boolean[] {true, true},
                Tensor.full(DType.BOOL, Double.NaN, 2).toBooleanArray());
    }

    @Test
    void literalsAndArrays() {
        Tensor l = Tensor.ofLongs(3, -1, Long.MIN_VALUE);
        assertEquals(DType.INT64, l.dtype());
        assertArrayEquals(new long[] {3, -1, Long.MIN_VALUE}, l.toLongArray());
        assertEquals(DType.INT32, Tensor.ofInts(1, 2).dtype());
        assertArrayEquals(
                new boolean[] {true, false}, Tensor.ofBools(true, false).toBooleanArray());
        assertEquals(DType.BOOL, Tensor.ofBools().dtype());
        assertEquals(Shape.of(0), Tensor.ofBools().shape());

        long[] src = {1, 2, 3, 4, 5, 6};
        Tensor m = Tensor.fromArray(src, 2, 3);
        src[0] = 99;
        assertEquals(1L, m.getLong(0, 0), "fromArray copies");
        assertEquals(6L, m.getLong(1, 2));
        int[] ints = {7, 8};
        Tensor i = Tensor.fromArray(ints, 2, 1);
        ints[0] = 0;
        assertEquals(DType.INT32, i.dtype());
        assertEquals(7L, i.getLong(0, 0));
        byte[] bytes = {-1, 0, 127, -128};
        assertEquals(DType.INT8, Tensor.fromArray(bytes, 4).dtype());
        assertArrayEquals(
                new long[] {-1, 0, 127, -128}, Tensor.fromArray(bytes, 4).toLongArray());
        assertArrayEquals(
                new long[] {255, 0, 127, 128},
                Tensor.fromArray(bytes, DType.UINT8, 2, 2).toLongArray(),
                "unsigned");
        assertArrayEquals(
                new boolean[] {true, false, true, true},
                Tensor.fromArray(bytes, DType.BOOL, 4).toBooleanArray());
        assertArrayEquals(
                new byte[] {1, 0, 1, 1}, Tensor.fromArray(bytes, DType.BOOL, 4).toByteArray());
        assertArrayEquals(
                new boolean[] {false, true},
                Tensor.fromArray(new boolean[] {false, true}, 2).toBooleanArray());

        assertMentions(
                message(IllegalArgumentException.class, () -> Tensor.fromArray(bytes, DType.FLOAT32, 4)), "float32");
        assertMentions(
                message(ShapeMismatchException.class, () -> Tensor.fromArray(new long[5], 2, 3)),
                "fromArray",
                "5 values",
                "[2, 3]");
        assertThrows(ShapeMismatchException.class, () -> Tensor.fromArray(new boolean[1], 2));
    }

    @Test
    void indicesFromRandomnessAreInt64() {
        Tensor r = Tensor.randint(new Generator(1), -3, 5, 4, 100);
        assertEquals(DType.INT64, r.dtype());
        for (long v : r.toLongArray()) {
            assertTrue(v >= -3 && v < 5, "value " + v);
        }
        Tensor p = Tensor.randperm(new Generator(2), 50);
        assertEquals(DType.INT64, p.dtype());
        long[] sorted = p.toLongArray().clone();
        Arrays.sort(sorted);
        for (int i = 0; i < 50; i++) {
            assertEquals(i, sorted[i]);
        }
        assertArrayEquals(
                Tensor.permutation(new Generator(2), 50), p.toIntArray(), "the same permutation as the int[] form");
    }

    // ================================================================== views and writes

    /** Every view op, applied to the same values held as float32 and as {@code d}. */
    @ParameterizedTest
    @EnumSource(DType.class)
    void viewsWorkOnEveryDtype(DType d) {
        Tensor f = Tensor.arange(24).reshape(2, 3, 4);
        Tensor t = f.to(d);
        List<Function<Tensor, Tensor>> views = List.of(
                x -> x.reshape(4, 6),
                x -> x.view(6, 4),
                x -> x.transpose(0, 2),
                x -> x.permute(2, 0, 1),
                x -> x.narrow(2, 1, 2),
                x -> x.slice(1, 0, 3, 2),
                x -> x.select(1, 2),
                x -> x.select(0, 1).t(),
                x -> x.unsqueeze(1).expand(2, 5, 3, 4),
                x -> x.narrow(0, 1, 1).squeeze(),
                x -> x.flatten(),
                x -> x.flatten(1, 2),
                x -> x.transpose(0, 1).reshape(-1),
                x -> x.split(2, 2)[1],
                x -> x.transpose(1, 2).contiguous(),
                x -> x.transpose(1, 2).copy(),
                Tensor::clone,
                x -> Tensor.cat(1, x, x.narrow(1, 0, 1)),
                x -> Tensor.stack(0, x, x));
        for (int i = 0; i < views.size(); i++) {
            Tensor expect = views.get(i).apply(f).to(d);
            Tensor got = views.get(i).apply(t);
            assertEquals(d, got.dtype(), "view " + i);
            assertEquals(expect.shape(), got.shape(), "view " + i);
            assertArrayEquals(expect.toLongArray(), got.toLongArray(), "view " + i + " of " + d);
        }
        // Views share storage: writes through them show in the base and bump its version.
        Tensor base = Tensor.zeros(d, 3, 4);
        int v = base.version();
        base.select(0, 1).fill(1f);
        base.t().setLong(1, 3, 2);
        assertTrue(base.version() > v);
        assertEquals(1L, base.getLong(1, 0));
        assertEquals(1L, base.getLong(2, 3));
        assertEquals(0L, base.getLong(0, 0));
        assertTrue(base.select(0, 1).sharesStorage(base));
        assertFalse(base.copy().sharesStorage(base));
        assertSame(base, base.contiguous());
    }

    @Test
    void catPromotesMixedDtypes() {
        Tensor c = Tensor.cat(0, Tensor.ofLongs(1, 2), Tensor.of(0.5f), Tensor.ofBools(true));
        assertEquals(DType.FLOAT32, c.dtype());
        assertArrayEquals(new float[] {1, 2, 0.5f, 1}, c.toArray());
        Tensor i = Tensor.cat(0, Tensor.ofInts(1), Tensor.ofLongs(1L << 40));
        assertEquals(DType.INT64, i.dtype());
        assertArrayEquals(new long[] {1, 1L << 40}, i.toLongArray());
        assertEquals(
                DType.INT32,
                Tensor.stack(0, Tensor.ofInts(1), Tensor.ofBools(true)).dtype());
    }

    // ================================================================== conversion and access

    @Test
    void toReturnsThisWhenTheDtypeMatches() {
        Tensor l = Tensor.ofLongs(1, 2);
        assertSame(l, l.to(DType.INT64));
        assertSame(l, l.toLong());
        Tensor f = Tensor.of(1.9f, -1.9f);
        assertSame(f, f.toFloat());
        Tensor c = f.toLong();
        assertNotSame(f, c);
        assertArrayEquals(new long[] {1, -1}, c.toLongArray(), "truncation toward zero");
        assertFalse(c.sharesStorage(f));
    }

    @Test
    void exactLongAccessBeyondFloatPrecision() {
        long big = (1L << 53) + 1;
        Tensor t = Tensor.zeros(DType.INT64, 2);
        t.setLong(big, 0);
        t.setLong(Long.MAX_VALUE, -1);
        assertEquals(big, t.getLong(0));
        assertEquals(Long.MAX_VALUE, t.getLong(1));
        assertEquals((float) big, t.get(0), "get converts to the nearest float");
        assertEquals(big, t.narrow(0, 0, 1).itemLong());
        assertEquals((float) big, t.narrow(0, 0, 1).item());
        assertArrayEquals(new long[] {big, Long.MAX_VALUE}, t.toLongArray());
        // set(float) converts as to() does; setLong wraps into narrow types.
        Tensor b = Tensor.zeros(DType.UINT8, 3);
        b.set(-1f, 0).setLong(256 + 7, 1).set(300.7f, 2);
        assertArrayEquals(new long[] {255, 7, 44}, b.toLongArray());
        Tensor flag = Tensor.zeros(DType.BOOL, 2).set(0.25f, 0);
        assertArrayEquals(new boolean[] {true, false}, flag.toBooleanArray());
        assertEquals(1f, flag.get(0));
        // getLong of a float tensor truncates like toLong().
        assertEquals(-2L, Tensor.of(-2.9f).getLong(0));
        assertEquals(7L, Tensor.scalar(7.9f).itemLong());
        assertMentions(
                message(ShapeMismatchException.class, () -> Tensor.ofLongs(1, 2).itemLong()), "itemLong", "[2]");
    }

    @Test
    void arrayExtractorsConvert() {
        Tensor f = Tensor.of(-1.5f, 0f, 255.9f, 300f);
        assertArrayEquals(new long[] {-1, 0, 255, 300}, f.toLongArray());
        assertArrayEquals(new int[] {-1, 0, 255, 300}, f.toIntArray());
        assertArrayEquals(new byte[] {-1, 0, -1, 44}, f.toByteArray(), "as to(INT8)");
        assertArrayEquals(new boolean[] {true, false, true, true}, f.toBooleanArray());
        Tensor u = Tensor.ofLongs(0, 128, 255).to(DType.UINT8);
        assertArrayEquals(new byte[] {0, -128, -1}, u.toByteArray(), "uint8 keeps its bits");
        assertArrayEquals(new float[] {0, 128, 255}, u.toArray());
        assertArrayEquals(
                new int[] {0, 1, -1}, Tensor.ofLongs(0, 1, (1L << 32) - 1).toIntArray());
        // Non-contiguous views give their elements in row-major order.
        Tensor m = Tensor.ofLongs(1, 2, 3, 4, 5, 6).reshape(2, 3).t();
        assertArrayEquals(new long[] {1, 4, 2, 5, 3, 6}, m.toLongArray());
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, m.toArray());
    }

    @Test
    void copyFromAndFillConvert() {
        Tensor i = Tensor.zeros(DType.INT64, 2, 2);
        i.copyFrom(Tensor.of(1.7f, -2.5f)); // broadcast over rows, truncated
        assertArrayEquals(new long[] {1, -2, 1, -2}, i.toLongArray());
        Tensor f = Tensor.zeros(2);
        f.copyFrom(Tensor.ofBools(true, false));
        assertArrayEquals(new float[] {1, 0}, f.toArray());
        Tensor t = Tensor.zeros(DType.INT32, 2, 3).t();
        t.fill(2.9f);
        assertArrayEquals(new long[] {2, 2, 2, 2, 2, 2}, t.toLongArray());
        assertArrayEquals(new long[6], t.zero().toLongArray());
        Tensor self = Tensor.ofLongs(1, 2, 3);
        self.narrow(0, 1, 2).copyFrom(self.narrow(0, 0, 2)); // overlapping source and destination
        assertArrayEquals(new long[] {1, 1, 2}, self.toLongArray());
    }

    @Test
    void bulkCopiesConvertAndStreamEveryDtype() {
        float[] dst = new float[5];
        Tensor.ofLongs(7, -2).copyTo(dst, 2);
        assertArrayEquals(new float[] {0, 0, 7, -2, 0}, dst, "int64 copied out as floats, from an offset");
        Tensor i32 = Tensor.zeros(DType.INT32, 2, 2).t();
        i32.copyFrom(new float[] {9, 1.9f, 2, 3, -4}, 1);
        assertArrayEquals(new long[] {1, 3, 2, -4}, i32.t().toLongArray(), "a strided view filled row-major");
        assertThrows(IndexOutOfBoundsException.class, () -> Tensor.zeros(3).copyTo(new float[4], 2));
        for (DType d : DType.values()) {
            Tensor t = Tensor.arange(4).to(d);
            ByteBuffer buf = ByteBuffer.allocate(8 * d.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
            buf.position(d.byteSize());
            t.copyTo(buf, 1, 2);
            assertEquals(3 * d.byteSize(), buf.position(), d + ": the position advances past the elements");
            long second = switch (d) {
                case FLOAT32 -> (long) buf.getFloat(2 * d.byteSize());
                case INT64 -> buf.getLong(2 * d.byteSize());
                case INT32 -> buf.getInt(2 * d.byteSize());
                case INT8, UINT8, BOOL -> buf.get(2 * d.byteSize());
            };
            assertEquals(d == DType.BOOL ? 1 : 2, second, d + ": element 2, little-endian");
        }
        assertThrows(BufferOverflowException.class, () -> Tensor.zeros(4).copyTo(ByteBuffer.allocate(8), 0, 4));
    }

    // ================================================================== comparisons and bool logic

    @Test
    void comparisonsGiveBool() {
        Tensor a = Tensor.ofLongs(1, 5, 3);
        Tensor b = Tensor.ofInts(2, 5, 1);
        assertArrayEquals(new boolean[] {false, true, false}, a.eq(b).toBooleanArray());
        assertArrayEquals(new boolean[] {true, false, true}, a.ne(b).toBooleanArray());
        assertArrayEquals(new boolean[] {true, false, false}, a.lt(b).toBooleanArray());
        assertArrayEquals(new boolean[] {true, true, false}, a.le(b).toBooleanArray());
        assertArrayEquals(new boolean[] {false, false, true}, a.gt(b).toBooleanArray());
        assertArrayEquals(new boolean[] {false, true, true}, a.ge(b).toBooleanArray());
        // Scalars are floats: they compare in float32, as a Python float does in PyTorch.
        assertArrayEquals(new boolean[] {false, true, true}, a.gt(2.5f).toBooleanArray());
        assertArrayEquals(new boolean[] {false, true, false}, a.eq(5f).toBooleanArray());
        assertArrayEquals(new boolean[] {true, false, true}, a.ne(5f).toBooleanArray());
        assertArrayEquals(new boolean[] {true, false, true}, a.le(3f).toBooleanArray());
        assertArrayEquals(new boolean[] {false, true, true}, a.ge(3f).toBooleanArray());
        Tensor f = Tensor.of(Float.NaN, 0f, -0f);
        assertArrayEquals(new boolean[] {true, false, false}, f.ne(0f).toBooleanArray(), "NaN != 0");
        assertEquals(DType.BOOL, f.lt(f).dtype());
        // Broadcast: [2, 1] against [3].
        Tensor g = Tensor.ofLongs(1, 4).reshape(2, 1).gt(Tensor.ofLongs(0, 2, 5));
        assertEquals(Shape.of(2, 3), g.shape());
        assertArrayEquals(new boolean[] {true, false, false, true, true, false}, g.toBooleanArray());
    }

    @Test
    void logicalOps() {
        Tensor a = Tensor.ofBools(true, true, false, false);
        Tensor b = Tensor.ofBools(true, false, true, false);
        assertArrayEquals(
                new boolean[] {true, false, false, false}, a.logicalAnd(b).toBooleanArray());
        assertArrayEquals(
                new boolean[] {true, true, true, false}, a.logicalOr(b).toBooleanArray());
        assertArrayEquals(
                new boolean[] {false, true, true, false}, a.logicalXor(b).toBooleanArray());
        assertArrayEquals(
                new boolean[] {false, false, true, true}, a.logicalNot().toBooleanArray());
        // Any dtype counts as its truth value, as in PyTorch.
        Tensor n = Tensor.of(0f, 2f, Float.NaN, -0f);
        assertArrayEquals(
                new boolean[] {true, false, false, true}, n.logicalNot().toBooleanArray());
        assertArrayEquals(
                new boolean[] {false, false, true, false},
                Tensor.ofLongs(0, 3, -1, 0)
                        .logicalAnd(Tensor.ofInts(1, 0, 5, 0))
                        .toBooleanArray());
        Tensor col = Tensor.ofBools(true, false).reshape(2, 1);
        assertEquals(Shape.of(2, 4), col.logicalOr(a).shape());
        assertArrayEquals(
                new boolean[] {true, true, true, true, true, true, false, false},
                col.logicalOr(a).toBooleanArray());
        assertThrows(ShapeMismatchException.class, () -> a.logicalAnd(Tensor.ofBools(true, false, true)));
    }

    @Test
    void whereAndMaskedFill() {
        Tensor c = Tensor.ofBools(true, false, true);
        Tensor w = Tensor.where(c, Tensor.ofLongs(1, 2, 3), Tensor.ofLongs(-1, -2, -3));
        assertEquals(DType.INT64, w.dtype());
        assertArrayEquals(new long[] {1, -2, 3}, w.toLongArray());
        Tensor mixed = Tensor.where(c, Tensor.ofInts(1, 2, 3), Tensor.scalar(0.5f));
        assertEquals(DType.FLOAT32, mixed.dtype());
        assertArrayEquals(new float[] {1, 0.5f, 3}, mixed.toArray());
        assertEquals(DType.BOOL, Tensor.where(c, c, c.logicalNot()).dtype());
        assertMentions(
                message(IllegalArgumentException.class, () -> Tensor.where(Tensor.of(1, 0, 1), w, w)),
                "where",
                "bool",
                "float32",
                "ne(0f)");

        Tensor x = Tensor.arange(6).reshape(2, 3);
        Tensor filled = x.maskedFill(Tensor.ofBools(true, false, true), Float.NEGATIVE_INFINITY);
        assertArrayEquals(
                new float[] {
                    Float.NEGATIVE_INFINITY,
                    1,
                    Float.NEGATIVE_INFINITY,
                    Float.NEGATIVE_INFINITY,
                    4,
                    Float.NEGATIVE_INFINITY
                },
                filled.toArray());
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, x.toArray(), "a copy: the input is unchanged");
        Tensor ints = Tensor.ofLongs(5, 6).maskedFill(Tensor.ofBools(false, true), 2.9f);
        assertEquals(DType.INT64, ints.dtype(), "keeps the tensor's dtype");
        assertArrayEquals(new long[] {5, 2}, ints.toLongArray());
        assertMentions(
                message(IllegalArgumentException.class, () -> x.maskedFill(Tensor.of(1, 0, 1), 0f)),
                "maskedFill",
                "bool");
        assertThrows(ShapeMismatchException.class, () -> Tensor.ofLongs(1).maskedFill(Tensor.ofBools(true, true), 0));
    }

    // ================================================================== promotion

    @Test
    void arithmeticPromotes() {
        Tensor i = Tensor.ofLongs(7, -7);
        Tensor two = Tensor.ofLongs(2, 2);
        assertEquals(DType.INT64, i.add(two).dtype());
        assertArrayEquals(new long[] {9, -5}, i.add(two).toLongArray());
        assertArrayEquals(new long[] {14, -14}, i.mul(two).toLongArray());
        assertArrayEquals(new long[] {5, -9}, i.sub(two).toLongArray());
        Tensor q = i.div(two);
        assertEquals(DType.FLOAT32, q.dtype(), "true division");
        assertArrayEquals(new float[] {3.5f, -3.5f}, q.toArray());
        assertEquals(DType.FLOAT32, i.add(1.5f).dtype(), "a float scalar promotes");
        assertArrayEquals(new float[] {8.5f, -5.5f}, i.add(1.5f).toArray());
        assertEquals(DType.FLOAT32, i.mul(Tensor.of(0.5f, 0.5f)).dtype());
        assertArrayEquals(
                new long[] {243, -16807},
                Tensor.ofLongs(3, -7).pow(Tensor.ofLongs(5)).toLongArray());
        assertArrayEquals(new long[] {49, 49}, i.pow(two).toLongArray(), "integer pow is exact");
        assertMentions(
                message(IllegalArgumentException.class, () -> i.pow(Tensor.ofLongs(-1))),
                "pow",
                "negative",
                "toFloat()");
        // int32 arithmetic wraps at 32 bits, as PyTorch's does.
        assertArrayEquals(
                new long[] {Integer.MIN_VALUE},
                Tensor.ofInts(Integer.MAX_VALUE).add(Tensor.ofInts(1)).toLongArray());
        assertEquals(
                DType.INT32,
                Tensor.ofInts(1).add(Tensor.ofLongs(1).to(DType.UINT8)).dtype());
        Tensor byteSum =
                Tensor.ofLongs(-100).to(DType.INT8).add(Tensor.ofLongs(200).to(DType.UINT8));
        assertEquals(DType.INT32, byteSum.dtype(), "int8 with uint8: int32 (PyTorch's int16)");
        assertEquals(100L, byteSum.itemLong());
        // bool arithmetic: + is or, * is and, - is refused as in PyTorch.
        Tensor b = Tensor.ofBools(true, false);
        assertArrayEquals(new boolean[] {true, false}, b.add(b).toBooleanArray());
        assertEquals(DType.BOOL, b.mul(b).dtype());
        assertArrayEquals(new long[] {4, 3}, b.add(Tensor.ofLongs(3)).toLongArray());
        assertMentions(message(IllegalArgumentException.class, () -> b.sub(b)), "sub", "bool", "logicalXor()");
        assertArrayEquals(new float[] {2.5f, 0}, b.mul(2.5f).toArray(), "a mask times a float");
    }

    @Test
    void outTensorsFollowPyTorchsCastingRule() {
        Tensor i = Tensor.ofLongs(1, 2);
        Tensor fo = Tensor.zeros(2);
        assertSame(fo, i.add(i, fo));
        assertArrayEquals(new float[] {2, 4}, fo.toArray(), "an integer result may go into a float out");
        Tensor io = Tensor.zeros(DType.INT64, 2);
        assertSame(io, i.add(i, io));
        assertArrayEquals(new long[] {2, 4}, io.toLongArray());
        assertMentions(
                message(IllegalArgumentException.class, () -> Tensor.of(1, 2).add(Tensor.of(1, 2), io)),
                "add",
                "float32",
                "int64");
        assertMentions(message(IllegalArgumentException.class, () -> i.add(i, Tensor.zeros(DType.BOOL, 2))), "bool");
        assertThrows(IllegalArgumentException.class, () -> i.div(i, io), "true division gives float32");
        // A comparison may land in a float out as 1.0 / 0.0, as PyTorch's eq(out=) does.
        Tensor a = Tensor.of(1, 5);
        assertArrayEquals(
                new float[] {0, 1}, a.apply(BinaryOp.GT, Tensor.of(2, 2), fo).toArray());
        // In place on an integer tensor.
        i.add(Tensor.ofLongs(10), i);
        assertArrayEquals(new long[] {11, 12}, i.toLongArray());
        Tensor u = Tensor.ofLongs(-3, 4);
        assertSame(u, u.apply(UnaryOp.ABS, u));
        assertArrayEquals(new long[] {3, 4}, u.toLongArray());
        assertThrows(
                IllegalArgumentException.class,
                () -> Tensor.ofLongs(1).apply(UnaryOp.EXP, Tensor.zeros(DType.INT64, 1)));
    }

    @Test
    void unaryOpsOfIntegers() {
        Tensor i = Tensor.ofLongs(-4, 0, 9);
        assertEquals(DType.INT64, i.neg().dtype());
        assertArrayEquals(new long[] {4, 0, -9}, i.neg().toLongArray());
        assertArrayEquals(new long[] {0, 0, 9}, i.relu().toLongArray());
        assertEquals(DType.FLOAT32, i.sqrt().dtype());
        assertArrayEquals(new float[] {Float.NaN, 0, 3}, i.sqrt().toArray());
        Tensor c = i.clamp(-1.5f, 2.5f);
        assertEquals(DType.FLOAT32, c.dtype(), "float bounds give float32, as in PyTorch");
        assertArrayEquals(new float[] {-1.5f, 0, 2.5f}, c.toArray());
        assertMentions(message(IllegalArgumentException.class, () -> i.gelu()), "gelu", "int64", "toFloat()");
        Tensor b = Tensor.ofBools(true, false);
        assertMentions(message(IllegalArgumentException.class, b::neg), "neg", "bool", "logicalNot()");
        assertThrows(IllegalArgumentException.class, b::abs);
        assertThrows(IllegalArgumentException.class, b::relu);
        assertEquals(DType.INT64, b.square().dtype());
        assertEquals(DType.BOOL, b.sign().dtype());
        assertArrayEquals(new float[] {0.7310586f, 0.5f}, b.sigmoid().toArray(), 1e-6f);
    }

    @Test
    void floatingPointOnlyOpsSayHowToConvert() {
        Tensor i = Tensor.ofLongs(1, 2, 3, 4).reshape(2, 2);
        for (var c : List.<Map.Entry<String, Executable>>of(
                Map.entry("mean", () -> i.mean()),
                Map.entry("mean", () -> i.mean(0)),
                Map.entry("var", () -> i.var()),
                Map.entry("softmax", () -> i.softmax(1)),
                Map.entry("logSoftmax", () -> i.logSoftmax(1)),
                Map.entry("matmul", () -> i.matmul(i)),
                Map.entry("matmul", () -> Tensor.eye(2).matmul(i)),
                Map.entry("softmax backward", () -> Tensor.eye(2).softmaxBackward(false, 1, i)),
                Map.entry("exp backward", () -> i.unaryBackward(UnaryOp.EXP, Tensor.eye(2), Tensor.eye(2))))) {
            assertMentions(message(IllegalArgumentException.class, c.getValue()), c.getKey(), "int64", "toFloat()");
        }
        assertEquals(2.5f, i.toFloat().mean().item());
    }

    // ================================================================== reductions

    @Test
    void integerReductions() {
        long big = 1L << 53;
        Tensor l = Tensor.ofLongs(big, 1, 1);
        assertEquals(DType.INT64, l.sum().dtype());
        assertEquals(big + 2, l.sum().itemLong(), "exact beyond float precision");
        Tensor m = Tensor.ofInts(3, -1, 7, 7, 0, -9).reshape(2, 3);
        assertEquals(DType.INT64, m.sum(1).dtype(), "int32 sums into int64, as in PyTorch");
        assertArrayEquals(new long[] {9, -2}, m.sum(1).toLongArray());
        assertArrayEquals(new long[] {10, -1, -2}, m.sum(0).toLongArray());
        assertEquals(Shape.of(2, 1), m.sum(1, true).shape());
        assertEquals(DType.INT32, m.max(1).dtype());
        assertArrayEquals(new long[] {7, 7}, m.max(1).toLongArray());
        assertArrayEquals(new long[] {-1, -9}, m.min(1).toLongArray());
        assertEquals(DType.INT64, m.argmax(1, false).dtype());
        assertArrayEquals(new long[] {2, 0}, m.argmax(1, false).toLongArray(), "ties go to the first");
        assertArrayEquals(new long[] {1, 2}, m.argmin(1, false).toLongArray());
        assertArrayEquals(new long[] {1, 1, 0}, m.argmax(0, false).toLongArray());
        assertEquals(2L, m.argmax().itemLong());
        assertArrayEquals(new long[] {2, 0}, m.t().argmax(0, false).toLongArray(), "strided input");
        Tensor mask = Tensor.ofBools(true, false, true, true);
        assertEquals(DType.INT64, mask.sum().dtype());
        assertEquals(3L, mask.sum().itemLong(), "a bool sum counts the trues");
        assertEquals(DType.BOOL, mask.max().dtype());
        assertEquals(0L, Tensor.zeros(DType.INT32, 0).sum().itemLong());
        assertMentions(
                message(
                        IllegalArgumentException.class,
                        () -> Tensor.zeros(DType.INT64, 2, 0).max(1)),
                "max",
                "size 0");
        assertMentions(
                message(
                        IllegalArgumentException.class,
                        () -> Tensor.zeros(DType.INT64, 0).argmax()),
                "argmax",
                "size 0");
        // argmax of floats is int64 too.
        assertEquals(DType.INT64, Tensor.of(1, 3, 2).argmax().dtype());
        assertEquals(1L, Tensor.of(1, 3, 2).argmax().itemLong());
    }

    // ================================================================== index ops on integer data

    @Test
    void indexOpsKeepTheDataDtype() {
        Tensor x = Tensor.ofLongs(10, 11, 12, 13, 14, 15).reshape(2, 3);
        Tensor sel = x.indexSelect(1, Tensor.ofInts(2, 0, 2));
        assertEquals(DType.INT64, sel.dtype());
        assertArrayEquals(new long[] {12, 10, 12, 15, 13, 15}, sel.toLongArray());
        Tensor g = x.gather(1, Tensor.ofLongs(1, 1, 0, 2).reshape(2, 2));
        assertEquals(DType.INT64, g.dtype());
        assertArrayEquals(new long[] {11, 11, 13, 15}, g.toLongArray());
        Tensor acc = Tensor.zeros(DType.INT32, 2, 3);
        acc.scatterAdd(
                1,
                Tensor.ofLongs(0, 0, 2, 1).reshape(2, 2),
                Tensor.ofInts(5, 6, 7, 8).reshape(2, 2));
        assertArrayEquals(new long[] {11, 0, 0, 0, 8, 7}, acc.toLongArray());
        Tensor rows = Tensor.zeros(DType.INT64, 3, 2);
        rows.indexAdd(
                0, Tensor.ofLongs(2, 2, 0), Tensor.ofLongs(1, 2, 3, 4, 5, 6).reshape(3, 2));
        assertArrayEquals(new long[] {5, 6, 0, 0, 4, 6}, rows.toLongArray());
        Tensor bools = Tensor.ofBools(true, false, true).indexSelect(0, Tensor.ofLongs(1, 0));
        assertArrayEquals(new boolean[] {false, true}, bools.toBooleanArray());
    }

    // ================================================================== printing

    @Test
    void printingNamesTheDtypeWherePyTorchDoes() {
        assertEquals(
                "tensor([1, 2], dtype=int32, shape=[2])", Tensor.ofInts(1, 2).toString());
        assertEquals("tensor([1, 2], shape=[2])", Tensor.ofLongs(1, 2).toString());
        assertEquals(
                "tensor([ True, False], shape=[2])", Tensor.ofBools(true, false).toString());
        assertEquals("tensor(3)", Tensor.full(DType.INT64, 3L).toString());
        assertEquals("tensor([], dtype=bool, shape=[0])", Tensor.ofBools().toString());
        assertEquals("tensor([], shape=[0])", Tensor.zeros(0).toString());
        // Views print their own elements.
        assertEquals(
                "tensor([[1, 3],\n        [2, 4]], dtype=uint8, shape=[2, 2])",
                Tensor.ofLongs(1, 2, 3, 4).to(DType.UINT8).reshape(2, 2).t().toString());
    }
}
