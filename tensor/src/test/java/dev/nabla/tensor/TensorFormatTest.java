package dev.nabla.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * toString() against what PyTorch 2.x prints for the same values (torch/_tensor_str.py with the
 * default print options: precision 4, threshold 1000, edgeitems 3, linewidth 80), with Nabla's
 * {@code , shape=[...]} suffix in place of PyTorch's dtype/size suffix.
 */
class TensorFormatTest {

    private static float[] range(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = i;
        }
        return v;
    }

    @Test
    void integerMode() {
        assertEquals(
                "tensor([[0., 1., 2.],\n        [3., 4., 5.]], shape=[2, 3])",
                Tensor.arange(6).reshape(2, 3).toString());
        assertEquals("tensor([ 0., -1.], shape=[2])", Tensor.of(0, -1).toString());
        assertEquals("tensor(3.)", Tensor.scalar(3).toString());
        // torch.arange(30.): 14 per line at width 3
        assertEquals(
                "tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n"
                        + "        14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,\n"
                        + "        28., 29.], shape=[30])",
                Tensor.arange(30).toString());
    }

    @Test
    void fixedPoint() {
        assertEquals("tensor(3.5000)", Tensor.scalar(3.5f).toString());
        assertEquals(
                "tensor([1.5000, 2.2500], shape=[2])", Tensor.of(1.5f, 2.25f).toString());
        assertEquals(
                "tensor([-1.5000,  2.2500], shape=[2])", Tensor.of(-1.5f, 2.25f).toString());
        assertEquals(
                "tensor([[ 0.1000, -0.2000],\n        [10.0000,  3.0000]], shape=[2, 2])",
                Tensor.of(new float[][] {{0.1f, -0.2f}, {10, 3}}).toString());
    }

    @Test
    void roundingIsHalfEvenOnTheExactValueAsInPython() {
        // '{:.4f}'.format(0.03125) == '0.0312' and '{:.4f}'.format(1.03125) == '1.0312'
        assertEquals(
                "tensor([0.0312, 1.0312], shape=[2])",
                Tensor.of(0.03125f, 1.03125f).toString());
        // 0.09375 = 3/32 rounds to even upwards: '0.0938'
        assertEquals("tensor(0.0938)", Tensor.scalar(0.09375f).toString());
        // Scientific digits round the same way: '{:.4e}'.format(1.03125) == '1.0312e+00'
        assertEquals(
                "tensor([1.0312e+00, 1.0000e-05], shape=[2])",
                Tensor.of(1.03125f, 1e-5f).toString());
        assertEquals(
                "tensor([9.8348e-07, 1.0000e+00], shape=[2])",
                Tensor.of(1.03125f * 0x1p-20f, 1f).toString());
        // Negative zero keeps its sign, as Python's format does; it does not count for the width.
        assertEquals(
                "tensor([-0.0000, 1.5000], shape=[2])", Tensor.of(-0f, 1.5f).toString());
    }

    @Test
    void scientific() {
        assertEquals(
                "tensor([1.0000e-05, 1.0000e+00], shape=[2])",
                Tensor.of(1e-5f, 1f).toString());
        assertEquals("tensor([1.0000e+09], shape=[1])", Tensor.of(1e9f).toString());
        // All integers but spanning more than 1000x: PyTorch switches to scientific too.
        assertEquals(
                "tensor([1.0000e+00, 2.0000e+03], shape=[2])",
                Tensor.of(1, 2000).toString());
        assertEquals(
                "tensor([-1.2346e+05,  1.0000e-01], shape=[2])",
                Tensor.of(-123456f, 0.1f).toString());
    }

    @Test
    void nonFiniteValuesDoNotWidenTheColumns() {
        assertEquals(
                "tensor([0., 1., nan], shape=[3])", Tensor.of(0, 1, Float.NaN).toString());
        assertEquals(
                "tensor([1., -inf], shape=[2])",
                Tensor.of(1, Float.NEGATIVE_INFINITY).toString());
        assertEquals(
                "tensor([1.5000,    nan], shape=[2])",
                Tensor.of(1.5f, Float.NaN).toString());
        assertEquals(
                "tensor([   inf, 2.5000], shape=[2])",
                Tensor.of(Float.POSITIVE_INFINITY, 2.5f).toString());
        assertEquals(
                "tensor([nan, inf], shape=[2])",
                Tensor.of(Float.NaN, Float.POSITIVE_INFINITY).toString());
        assertEquals("tensor([0., 0.], shape=[2])", Tensor.zeros(2).toString());
    }

    @Test
    void elisionAboveAThousandElements() {
        assertEquals(
                "tensor([   0.,    1.,    2.,  ...,  998.,  999., 1000.], shape=[1001])",
                Tensor.of(range(1001)).toString());
        assertEquals(
                "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n"
                        + "        1.9990e+03], shape=[2000])",
                Tensor.of(range(2000)).toString());
        assertEquals(
                "tensor([0., 1., 2., 3., 4., 5., 6., 7., 8., 9.], shape=[10])",
                Tensor.arange(10).toString(),
                "no elision at or below 1000 elements");
        assertEquals(
                "tensor([[0., 0.],\n        [0., 0.],\n        [0., 0.],\n        ...,\n"
                        + "        [0., 0.],\n        [0., 0.],\n        [0., 0.]], shape=[1001, 2])",
                Tensor.zeros(1001, 2).toString());
        assertEquals(
                "tensor([[[1., 1., 1.,  ..., 1., 1., 1.],\n"
                        + "         [1., 1., 1.,  ..., 1., 1., 1.]],\n\n"
                        + "        [[1., 1., 1.,  ..., 1., 1., 1.],\n"
                        + "         [1., 1., 1.,  ..., 1., 1., 1.]]], shape=[2, 2, 300])",
                Tensor.ones(2, 2, 300).toString());
        String big = Tensor.arange(1_000_000).reshape(1000, 1000).toString();
        assertTrue(big.length() < 2000, "elided output stays short: " + big.length());
        assertTrue(big.endsWith("shape=[1000, 1000])"), big);
    }

    @Test
    void emptyAndViews() {
        assertEquals("tensor([], shape=[0])", Tensor.zeros(0).toString());
        assertEquals("tensor([], shape=[2, 0])", Tensor.zeros(2, 0).toString());
        assertEquals(
                "tensor([[0., 3.],\n        [1., 4.],\n        [2., 5.]], shape=[3, 2])",
                Tensor.arange(6).reshape(2, 3).t().toString());
        assertEquals(
                "tensor([1., 3.], shape=[2])",
                Tensor.arange(5).slice(0, 1, 5, 2).toString());
    }
}
