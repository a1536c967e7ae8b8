package dev.nabla.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Inference through a kept, packed weight gives the bits of the ordinary linear, keeps its pack
 * while the weight is unchanged, and repacks after an in-place write or for another tensor.
 */
class PackedWeightTest {

    private static float[] values(Variable v) {
        return v.data().contiguous().toArray();
    }

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
        Variable x = Variable.randn(new Generator(1), 64, 300);
        Variable w = Variable.randn(new Generator(2), 70, 300).requiresGrad(true);
        Variable b = Variable.randn(new Generator(3), 70).requiresGrad(true);
        PackedWeight cache = new PackedWeight();
        float[] plain;
        float[] packed;
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            plain = values(Functional.linear(x, w, b));
            packed = values(Functional.linear(x, w, b, cache));
        }
        assertArrayEquals(plain, packed);
        float[] want = reference(x.data(), w.data(), b.data());
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], packed[i], 1e-4f * (1 + Math.abs(want[i])), "element " + i);
        }
    }

    @Test
    void keepsThePackUntilTheWeightChanges() {
        Variable w = Variable.randn(new Generator(2), 40, 33);
        PackedWeight cache = new PackedWeight();
        var first = cache.transposed(w.data());
        assertSame(first, cache.transposed(w.data()), "unchanged weight: the same pack");
        Variable x = Variable.randn(new Generator(1), 8, 33);
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            Functional.linear(x, w, null, cache);
            w.data().storageArray()[w.data().storageOffset()] += 1f; // an in-place write, as an optimizer makes
            w.data().markModified();
            float[] after = values(Functional.linear(x, w, null, cache));
            assertArrayEquals(values(Functional.linear(x, w, null)), after, "repacked after the write");
        }
        assertNotSame(first, cache.transposed(w.data()));
        Variable other = Variable.randn(new Generator(5), 40, 33);
        assertNotSame(cache.transposed(w.data()), cache.transposed(other.data()), "another tensor: repacked");
    }

    @Test
    void trainingDoesNotUseThePack() {
        Variable x = Variable.randn(new Generator(1), 8, 33);
        Variable w = Variable.randn(new Generator(2), 40, 33).requiresGrad(true);
        PackedWeight cache = new PackedWeight();
        Functional.linear(x, w, null, cache).sum().backward();
        assertFalse(cache.isPacked());
    }
}
