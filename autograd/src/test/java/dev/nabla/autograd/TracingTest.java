package dev.nabla.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Tracing reports every operation in order with its attributes, even without grad, and fused ones once. */
class TracingTest {
    @Test
    void reportsOperationsInOrderWithTheirAttributesEvenWithoutGrad() {
        List<Tracing.Op> ops = new ArrayList<>();
        Variable x = Variable.randn(new Generator(0), 2, 3, 4); // requires no grad
        Variable y;
        try (var off = Autograd.noGrad()) {
            y = Tracing.trace(
                    ops::add,
                    () -> x.transpose(0, 2).softmax(-1).sum(new int[] {1}, true).narrow(0, 1, 2));
        }
        assertEquals(
                List.of("transpose", "softmax", "sum", "narrow"),
                ops.stream().map(Tracing.Op::name).toList());
        assertSame(x, ops.get(0).input(0));
        assertSame(ops.get(0).output(), ops.get(1).input(0));
        assertSame(y, ops.get(3).output());
        assertEquals(0, ops.get(0).intAttr("dim0"));
        assertEquals(2, ops.get(0).intAttr("dim1"));
        assertEquals(-1, ops.get(1).intAttr("dim"));
        assertArrayEquals(new int[] {1}, ops.get(2).intsAttr("dims"));
        assertTrue(ops.get(2).boolAttr("keepdim"));
        assertEquals(1, ops.get(3).intAttr("start"));
        assertEquals(2, ops.get(3).intAttr("length"));
        assertFalse(Tracing.isTracing(), "the listener is gone afterwards");
        var e = assertThrows(IllegalArgumentException.class, () -> ops.get(0).intAttr("nope"));
        assertTrue(e.getMessage().contains("dim0"), e.getMessage());
    }

    @Test
    void aFusedLstmIsOneOperationWithAllItsOutputs() {
        Generator g = new Generator(1);
        Variable x = Variable.randn(g, 5, 2, 3);
        Variable wIh = Variable.randn(g, 16, 3);
        Variable wHh = Variable.randn(g, 16, 4);
        List<Tracing.Op> ops = new ArrayList<>();
        Functional.LstmOutput r = Tracing.trace(ops::add, () -> Functional.lstm(x, null, null, wIh, wHh, null, null));
        assertEquals(1, ops.size(), ops.toString());
        Tracing.Op op = ops.get(0);
        assertEquals("lstm", op.name());
        assertEquals(List.of(r.output(), r.h(), r.c()), op.outputs());
        assertSame(wHh, op.input(4));
        assertEquals(null, op.input(1), "no initial state");
        // the same values as outside a trace
        Functional.LstmOutput plain = Functional.lstm(x, null, null, wIh, wHh, null, null);
        assertTrue(plain.output().data().allClose(r.output().data(), 0, 0));
    }

    /** Two outputs, so the call goes through {@code recordMulti} like the LSTM's. */
    static final class SplitHalves extends MultiOutputFunction {
        @Override
        protected Tensor[] forward(FunctionContext ctx, Tensor... in) {
            return new Tensor[] {
                in[0].narrow(0, 0, 1).mul(2f), in[0].narrow(0, 1, 1).exp()
            };
        }

        @Override
        protected Tensor[] backward(FunctionContext ctx, Tensor... grads) {
            throw new UnsupportedOperationException("not needed by a trace");
        }
    }

    @Test
    void aUserFunctionIsOneOperationMarkedAsTheUsers() {
        Variable x = Variable.randn(new Generator(2), 2, 3);
        List<Tracing.Op> ops = new ArrayList<>();
        Variable[] r = Tracing.trace(ops::add, () -> new SplitHalves().apply(x.relu()));
        assertEquals(
                List.of("relu", "SplitHalves"),
                ops.stream().map(Tracing.Op::name).toList());
        Tracing.Op op = ops.get(1);
        assertEquals(SplitHalves.class.getName(), op.userFunction());
        assertEquals(List.of(r[0], r[1]), op.outputs());
        assertSame(ops.get(0).output(), op.input(0));
        assertEquals(null, ops.get(0).userFunction(), "a built-in operation");
    }

    @Test
    void tracesDoNotNest() {
        var e = assertThrows(
                IllegalStateException.class,
                () -> Tracing.trace(op -> {}, () -> Tracing.trace(op -> {}, () -> Variable.zeros(1))));
        assertTrue(e.getMessage().contains("already tracing"));
    }

    @Test
    void aReportedInputIsAnOperationWithNoOutputsAndNothingOutsideATrace() {
        Variable a = Variable.of(1f, 2f);
        Variable b = Variable.of(3f, 4f);
        List<Tracing.Op> ops = new ArrayList<>();
        Tracing.trace(ops::add, () -> {
            Tracing.reportInput(b);
            return a.relu();
        });
        assertEquals(
                List.of(Tracing.INPUT, "relu"),
                ops.stream().map(Tracing.Op::name).toList());
        assertSame(b, ops.get(0).input(0));
        assertTrue(ops.get(0).outputs().isEmpty());
        Tracing.reportInput(b); // not tracing: no listener, no error
        assertThrows(NullPointerException.class, () -> Tracing.reportInput(null));
    }
}
