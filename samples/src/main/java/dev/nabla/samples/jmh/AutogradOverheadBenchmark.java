package dev.nabla.samples.jmh;

import dev.nabla.autograd.Autograd;
import dev.nabla.autograd.Variable;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What autograd costs per operation on tensors so small that the kernels take almost no time:
 * a chain of 20 elementwise ops on {@code [8, 8]} tensors, run on bare tensors, on variables
 * that record nothing, on variables inside a no-grad scope, recorded, and recorded plus the
 * backward pass. Scores are per op ({@link OperationsPerInvocation}); the difference between a
 * row and {@code tensors} is the framework's overhead. {@code fanOutForwardBackward} adds values
 * with several consumers, whose gradients the engine sums.
 *
 * <pre>{@code
 * ./nabla jmh AutogradOverheadBenchmark -f 1 -wi 3 -i 5
 * ./nabla jmh AutogradOverheadBenchmark -f 1 -wi 3 -i 5 -prof gc     # bytes allocated per op
 * }</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
@State(Scope.Thread)
public class AutogradOverheadBenchmark {
    /** Ops in one chain: {@link #chain} applies five ops four times. */
    static final int OPS = 20;

    private Tensor x;
    private Tensor w;
    private Tensor b;
    private Tensor c;
    private Variable xv;
    private Variable wConst;
    private Variable bConst;
    private Variable cConst;
    private Variable wParam;
    private Variable bParam;

    @Setup
    public void setup() {
        Generator g = new Generator(1);
        x = Tensor.uniform(g, -1, 1, 8, 8);
        w = Tensor.uniform(g, -1, 1, 8, 8);
        b = Tensor.uniform(g, -1, 1, 8, 8);
        c = Tensor.uniform(g, -1, 1, 8, 8);
        xv = Variable.of(x);
        wConst = Variable.of(w);
        bConst = Variable.of(b);
        cConst = Variable.of(c);
        wParam = Variable.parameter(w);
        bParam = Variable.parameter(b);
    }

    static Tensor chain(Tensor y, Tensor w, Tensor b, Tensor c) {
        for (int i = 0; i < 4; i++) {
            y = y.mul(w).add(b).tanh().sub(c).add(0.1f);
        }
        return y;
    }

    static Variable chain(Variable y, Variable w, Variable b, Variable c) {
        for (int i = 0; i < 4; i++) {
            y = y.mul(w).add(b).tanh().sub(c).add(0.1f);
        }
        return y;
    }

    /**
     * Twenty ops in two blocks where one value feeds four consumers (as a residual stream feeds
     * the query, key and value projections and the skip connection): its gradient is a sum.
     */
    static Variable fanOut(Variable y, Variable w, Variable b, Variable c) {
        for (int i = 0; i < 2; i++) {
            Variable h = y.mul(w);
            Variable p = h.mul(b).tanh();
            Variable q = h.mul(c).tanh();
            y = p.add(q).add(h.sigmoid()).add(h).mul(0.5f);
        }
        return y;
    }

    /** The kernels alone. */
    @Benchmark
    @OperationsPerInvocation(OPS)
    public Tensor tensors() {
        return chain(x, w, b, c);
    }

    /** Variables none of which requires grad: wrapping only. */
    @Benchmark
    @OperationsPerInvocation(OPS)
    public Variable variablesNotRecorded() {
        return chain(xv, wConst, bConst, cConst);
    }

    /** Parameters that require grad, inside a no-grad scope (evaluation). */
    @Benchmark
    @OperationsPerInvocation(OPS)
    @SuppressWarnings("try")
    public Variable noGradScope() {
        try (Autograd.NoGrad off = Autograd.noGrad()) {
            return chain(xv, wParam, bParam, cConst);
        }
    }

    /** Recorded: every op allocates its node and saves what its backward needs. */
    @Benchmark
    @OperationsPerInvocation(OPS)
    public Variable recorded() {
        return chain(xv, wParam, bParam, cConst);
    }

    /** Recorded forward, then the backward pass into the two parameters' gradients. */
    @Benchmark
    @OperationsPerInvocation(OPS)
    public Tensor forwardBackward() {
        wParam.zeroGrad();
        bParam.zeroGrad();
        chain(xv, wParam, bParam, cConst).sum().backward();
        return wParam.gradTensor();
    }

    /** Forward and backward through {@link #fanOut}: gradients of shared values are summed. */
    @Benchmark
    @OperationsPerInvocation(OPS)
    public Tensor fanOutForwardBackward() {
        wParam.zeroGrad();
        bParam.zeroGrad();
        fanOut(xv, wParam, bParam, cConst).sum().backward();
        return wParam.gradTensor();
    }
}
