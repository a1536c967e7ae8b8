package dev.nabla.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Inference through a kept, packed weight gives the bits of the ordinary linear, keeps its pack
 * while the weight is unchanged, and repacks after an in-place write or for another tensor.
 * (That training never uses the pack is autograd's part: {@code FunctionalGradTest}.)
 */
class PackedWeightTest {

    /** Independent oracle: y[r][o] = b[o] + sum_i x[r][i] w[o][i], in double. */
    private static float[] reference(Tensor x, Tensor w, Tensor b) {
        float[] xs = x.contiguous().toArray(), ws = w.contiguous().toArray(), bs = b.toArray();
        int rows = x.size(0), in = w.size(1), out = w.size(0);
        float[] y = new float[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double s = bs[o];
                for (int i = 0; i < in; i++) {
                    s += (double) xs[r * in + i] * ws[o * in + i];
                }
                y[r * out + o] = (float) s;
            }
        }
        return y;
    }

    @Test
    void packedInferenceMatchesTheUnpackedBitsAndTheOracle() {
        Tensor x = Tensor.randn(new Generator(1), 64, 300);
        Tensor w = Tensor.randn(new Generator(2), 70, 300);
        Tensor b = Tensor.randn(new Generator(3), 70);
        PackedWeight cache = new PackedWeight();
        float[] plain = TensorFunctional.linear(x, w, b).toArray();
        float[] packed = TensorFunctional.linear(x, w, b, cache).toArray();
        assertTrue(cache.isPacked());
        assertArrayEquals(plain, packed);
        float[] want = reference(x, w, b);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], packed[i], 1e-4f * (1 + Math.abs(want[i])), "element " + i);
        }
        // Leading dimensions fold into the rows; a transposed (non-row-major) weight takes the general path.
        Tensor x3 = x.reshape(4, 16, 300);
        assertArrayEquals(packed, TensorFunctional.linear(x3, w, b, cache).toArray());
        Tensor wt = w.t().contiguous().t();
        assertArrayEquals(want, TensorFunctional.linear(x, wt, b).toArray(), 1e-3f);
    }

    @Test
    void keepsThePackUntilTheWeightChanges() {
        Tensor w = Tensor.randn(new Generator(2), 40, 33);
        PackedWeight cache = new PackedWeight();
        var first = cache.transposed(w);
        assertSame(first, cache.transposed(w), "unchanged weight: the same pack");
        Tensor x = Tensor.randn(new Generator(1), 8, 33);
        TensorFunctional.linear(x, w, null, cache);
        w.set(w.get(0, 0) + 1f, 0, 0); // an in-place write, as an optimizer makes
        float[] after = TensorFunctional.linear(x, w, null, cache).toArray();
        assertArrayEquals(TensorFunctional.linear(x, w, null).toArray(), after, "repacked after the write");
        assertNotSame(first, cache.transposed(w));
        Tensor other = Tensor.randn(new Generator(5), 40, 33);
        assertNotSame(cache.transposed(w), cache.transposed(other), "another tensor: repacked");
    }

    @Test
    void shapesThatDoNotFitNameTheOperation() {
        Tensor w = Tensor.zeros(4, 3);
        var e = assertThrows(ShapeMismatchException.class, () -> TensorFunctional.linear(Tensor.zeros(2, 5), w, null));
        assertTrue(e.getMessage().startsWith("linear: input [2, 5] and weight [4, 3]"), e.getMessage());
        assertThrows(
                ShapeMismatchException.class, () -> TensorFunctional.linear(Tensor.zeros(2, 3), w, Tensor.zeros(3)));
        assertThrows(
                ShapeMismatchException.class,
                () -> TensorFunctional.linear(Tensor.zeros(2, 3), Tensor.zeros(12), null));
    }
}
