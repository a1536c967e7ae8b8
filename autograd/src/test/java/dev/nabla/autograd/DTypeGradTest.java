package dev.nabla.autograd;

import static dev.nabla.autograd.TestVars.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.tensor.AttentionSpec;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Reduction;
import dev.nabla.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Autograd with dtypes: only float32 variables take gradients (PyTorch's rule), integer results
 * such as argmax are constants, integer and bool operands of differentiable ops promote and pass
 * gradients to the float side, and the ops that run on float kernels name the op and the argument
 * when given an integer tensor.
 */
class DTypeGradTest {

    private static void assertMessage(Executable body, String... parts) {
        String m = assertThrows(IllegalArgumentException.class, body).getMessage();
        for (String p : parts) {
            assertTrue(m.contains(p), "'" + p + "' missing from: " + m);
        }
    }

    @Test
    void onlyFloatingPointVariablesRequireGrad() {
        Variable labels = Variable.of(Tensor.ofLongs(1, 2));
        assertEquals(DType.INT64, labels.dtype());
        assertMessage(
                () -> labels.requiresGrad(true),
                "only tensors of floating point dtype can require gradients",
                "int64",
                "toFloat()");
        assertFalse(labels.requiresGrad(), "the flag is unchanged");
        assertSame(labels, labels.requiresGrad(false));
        assertMessage(() -> Variable.parameter(Tensor.ofBools(true)), "floating point", "bool");
        assertTrue(Variable.parameter(Tensor.ofLongs(1, 2).toFloat()).requiresGrad());
    }

    @Test
    void argmaxIsAnInt64Constant() {
        Variable x = Variable.of(new float[][] {{1, 3, 2}, {5, 4, 0}}).requiresGrad(true);
        Variable a = x.argmax(1, false);
        assertEquals(DType.INT64, a.dtype());
        assertFalse(a.requiresGrad());
        assertNull(a.gradFnName());
        assertEquals(1L, a.data().getLong(0));
        assertEquals(0L, a.data().getLong(1));
    }

    @Test
    void integerOperandsPassGradientsToTheFloatSide() {
        Variable x = Variable.of(1f, 2f, 3f).requiresGrad(true);
        Variable counts = Variable.of(Tensor.ofLongs(4, 5, 6));
        Variable y = x.mul(counts).add(counts);
        assertEquals(DType.FLOAT32, y.dtype());
        y.sum().backward();
        assertClose(new float[] {4, 5, 6}, x.grad().toArray(), 0);
        // A bool mask from a comparison, multiplied in: the gradient flows where it is true.
        Variable z = Variable.of(-1f, 2f, -3f, 4f).requiresGrad(true);
        Variable kept = z.mul(Variable.of(z.data().gt(0f)));
        kept.sum().backward();
        assertClose(new float[] {0, 1, 0, 1}, z.grad().toArray(), 0);
        // where with a bool condition, and a gradient check through it.
        Tensor cond = Tensor.of(0.5f, -1f, 2f).gt(0f);
        GradCheck.check(v -> Variable.where(cond, v[0].exp(), v[0].mul(v[0])).sum(), TestVars.leaf(1, 3));
        // Integer-only arithmetic needs no graph.
        Variable ints = Variable.of(Tensor.ofLongs(1, 2)).add(Variable.of(Tensor.ofLongs(3, 4)));
        assertEquals(DType.INT64, ints.dtype());
        assertFalse(ints.requiresGrad());
    }

    @Test
    void kernelOpsNameTheOpAndArgumentForIntegerInputs() {
        Variable img = Variable.of(Tensor.zeros(DType.INT64, 1, 1, 4, 4));
        Variable w = Variable.randn(new Generator(1), 2, 1, 3, 3);
        Map<String, Executable> cases = new LinkedHashMap<>();
        cases.put("conv2d: input", () -> Functional.conv2d(img, w, null));
        cases.put(
                "conv2d: weight",
                () -> Functional.conv2d(
                        Variable.of(img.data().toFloat()), Variable.of(w.data().toLong()), null));
        cases.put("maxPool2d: input", () -> Functional.maxPool2d(img, 2));
        cases.put("avgPool2d: input", () -> Functional.avgPool2d(img, 2));
        cases.put("adaptiveAvgPool2d: input", () -> Functional.adaptiveAvgPool2d(img, 1, 1));
        cases.put("batchNorm: input", () -> Functional.batchNorm(img, null, null, null, null, true, 0.1, 1e-5));
        cases.put("layerNorm: input", () -> Functional.layerNorm(img, new int[] {4}, null, null, 1e-5));
        cases.put("dropout: input", () -> Functional.dropout(img, 0.5, true, new Generator(2)));
        cases.put(
                "lstm: input",
                () -> Functional.lstm(
                        Variable.of(Tensor.zeros(DType.INT32, 2, 1, 3)),
                        null,
                        null,
                        Variable.randn(new Generator(3), 8, 3),
                        Variable.randn(new Generator(4), 8, 2),
                        null,
                        null));
        Variable seq = Variable.randn(new Generator(5), 3, 1, 4);
        cases.put(
                "attention: key",
                () -> Functional.attention(seq, Variable.of(seq.data().toLong()), seq, AttentionSpec.of(2)));
        cases.put(
                "crossEntropy: input",
                () -> Functional.crossEntropy(
                        Variable.of(Tensor.zeros(DType.INT64, 2, 3)), Variable.of(Tensor.ofLongs(0, 1))));
        cases.put(
                "bceWithLogits: target",
                () -> Functional.bceWithLogits(Variable.zeros(2), Variable.of(Tensor.ofLongs(0, 1))));
        cases.put("mseLoss: input", () -> Functional.mseLoss(Variable.of(Tensor.ofLongs(1)), Variable.zeros(1)));
        for (var c : cases.entrySet()) {
            String[] opAndArg = c.getKey().split(": ");
            assertMessage(c.getValue(), opAndArg[0] + ": " + opAndArg[1] + " must be float32", "toFloat()");
        }
        // What composes from tensor ops fails in the tensor op, which names itself.
        assertMessage(() -> Variable.of(Tensor.ofLongs(1, 2)).mean(), "mean", "int64", "toFloat()");
        assertMessage(() -> Variable.of(Tensor.ofLongs(1, 2)).softmax(0), "softmax", "int64");
    }

    @Test
    void classIndexTargetsAreIntegers() {
        Variable x = TestVars.leaf(7, 4, 3);
        Tensor labels = Tensor.ofLongs(2, 0, 1, 2);
        Variable l64 = Functional.crossEntropy(x, Variable.of(labels));
        Variable l32 = Functional.crossEntropy(x, Variable.of(labels.to(DType.INT32)));
        assertEquals(l64.item(), l32.item(), "int32 targets give the same loss");
        l64.backward();
        Tensor g64 = x.grad().data().copy();
        x.setGrad(null);
        l32.backward();
        assertTrue(g64.allClose(x.grad().data(), 0, 0), "and the same gradient");
        assertMessage(
                () -> Functional.crossEntropy(x, Variable.of(labels.toFloat())),
                "crossEntropy",
                "int64",
                "float32",
                "toLong()");
        assertMessage(
                () -> Functional.nllLoss(x.logSoftmax(1), Variable.of(Tensor.ofBools(true, false, true, true))),
                "nllLoss",
                "bool");
    }

    @Test
    void floatTargetsOfTheInputsShapeAreClassProbabilities() {
        Variable x = TestVars.leaf(8, 4, 3);
        Variable p = TestVars.uniform(9, 0.05, 1, 4, 3).requiresGrad(true);
        Tensor w = Tensor.of(0.5f, 2f, 1f);
        for (Reduction r : new Reduction[] {Reduction.MEAN, Reduction.SUM, Reduction.NONE}) {
            GradCheck.check(v -> Functional.crossEntropy(v[0], v[1], w, -100, 0.1, r), x, p);
        }
        // One-hot probabilities give the class-index loss.
        Tensor labels = Tensor.ofLongs(2, 0, 1, 2);
        Tensor oneHot = Tensor.arange(3)
                .reshape(1, 3)
                .eq(labels.reshape(4, 1).toFloat())
                .toFloat();
        assertEquals(
                Functional.crossEntropy(x, Variable.of(labels)).item(),
                Functional.crossEntropy(x, Variable.of(oneHot)).item(),
                1e-6);
        assertMessage(
                () -> Functional.crossEntropy(x, Variable.of(oneHot), null, 1, 0, Reduction.MEAN),
                "ignore index 1",
                "class probabilities");
        assertMessage(
                () -> Functional.crossEntropy(x, Variable.of(Tensor.of(1, 2, 0, 1))),
                "toLong()",
                "class probabilities must have the input's shape");
    }
}
