package dev.nabla.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Quantized tensors: PyTorch's quantize/dequantize/int_repr, views that stay quantized, printing,
 * and a clear refusal of every operation that would read the integers as numbers; plus the two
 * tensor operations quantization added, {@code pad} and {@code histc}.
 */
class QuantizedTensorTest {

    @Test
    void quantizeDequantizeAndTheIntegers() {
        Tensor q = Tensor.of(-1f, 0f, 0.26f, 0.25f, 100f).quantizePerTensor(0.1, 10, DType.UINT8);
        assertTrue(q.isQuantized());
        assertEquals(DType.UINT8, q.dtype());
        assertEquals(0.1, q.qScale());
        assertEquals(10, q.qZeroPoint());
        assertArrayEquals(new long[] {0, 10, 13, 12, 255}, q.intRepr().toLongArray()); // 2.5 -> 2: half to even
        assertFalse(q.intRepr().isQuantized());
        assertArrayEquals(
                new float[] {-1f, 0f, 0.3f, 0.2f, 24.5f}, q.dequantize().toArray(), 1e-6f);
        Tensor s = Tensor.of(-20f, 3f).quantizePerTensor(0.1, -1, DType.INT8);
        assertArrayEquals(new long[] {-128, 29}, s.intRepr().toLongArray());
    }

    @Test
    void viewsAndCopiesStayQuantized() {
        Tensor q = Tensor.arange(24).reshape(2, 3, 4).quantizePerTensor(0.5, 3, DType.UINT8);
        Tensor v = q.flatten(1, -1).slice(1, 0, 12, 5).transpose(0, 1);
        assertTrue(v.isQuantized() && v.qScale() == 0.5 && v.qZeroPoint() == 3);
        Tensor c = v.contiguous();
        assertTrue(c.isQuantized());
        assertArrayEquals(new float[] {0, 12, 5, 17, 10, 22}, c.dequantize().toArray());
        Tensor p = Tensor.of(1f, 2f).quantizePerTensor(0.5, 7, DType.UINT8).pad(1, 2);
        assertArrayEquals(new long[] {7, 9, 11, 7, 7}, p.intRepr().toLongArray(), "padded with the zero point");
    }

    @Test
    void printsTheRealValuesAndTheQuantization() {
        Tensor q = Tensor.of(0.5f, -0.25f).quantizePerTensor(0.25, 4, DType.UINT8);
        assertEquals("tensor([ 0.5000, -0.2500], shape=[2], dtype=quint8, scale=0.25, zero_point=4)", q.toString());
    }

    @Test
    void arithmeticOnTheIntegersIsRefusedByName() {
        Tensor q = Tensor.of(1f, 2f).quantizePerTensor(0.5, 0, DType.UINT8);
        for (Runnable op : new Runnable[] {
            () -> q.add(q),
            () -> q.relu(),
            () -> q.sum(),
            () -> q.toArray(),
            () -> q.item(),
            () -> q.get(0),
            () -> Tensor.cat(0, q, q),
            () -> q.to(DType.FLOAT32),
            () -> Tensor.zeros(2).copyFrom(q),
            () -> q.fill(1f)
        }) {
            var e = assertThrows(IllegalArgumentException.class, op::run);
            assertTrue(
                    e.getMessage().contains("quantized tensor (quint8, scale=0.5, zero_point=0")
                            && e.getMessage().contains("dequantize()"),
                    e.getMessage());
        }
        var m = assertThrows(IllegalArgumentException.class, () -> Tensor.of(1f).quantizePerTensor(0, 0, DType.UINT8));
        assertTrue(m.getMessage().contains("scale must be positive"), m.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(1f).quantizePerTensor(1, 300, DType.UINT8));
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(1f).quantizePerTensor(1, 0, DType.INT32));
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(1f).intRepr());
    }

    @Test
    void padAndHistc() {
        Tensor x = Tensor.arange(6).reshape(1, 2, 3);
        Tensor p = x.pad(0, 1, 1, 0);
        assertArrayEquals(new int[] {1, 3, 4}, p.dims());
        assertArrayEquals(new float[] {0, 0, 0, 0, 0, 1, 2, 0, 3, 4, 5, 0}, p.toArray());
        assertThrows(IllegalArgumentException.class, () -> x.pad(1));
        assertThrows(IllegalArgumentException.class, () -> x.pad(-1, 0));
        assertArrayEquals(
                new float[] {0, 2, 1, 1},
                Tensor.of(1f, 2f, 1f, 4f).histc(4, 0f, 4f).toArray());
        assertArrayEquals(
                new float[] {1, 0, 3},
                Tensor.of(1f, 3f, 3f, 3f).histc(3, 0f, 0f).toArray(),
                "own range");
    }
}
