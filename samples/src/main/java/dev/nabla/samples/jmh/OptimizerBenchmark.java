package dev.nabla.samples.jmh;

import dev.nabla.autograd.Variable;
import dev.nabla.optim.Adam;
import dev.nabla.optim.AdamW;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.RMSprop;
import dev.nabla.optim.SGD;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import dev.nabla.tensor.Threads;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One optimizer step over the parameters of a 784-1024-192-10 MLP (1,002,570 parameters in six
 * tensors), with gradients in place, on {@code threads} kernel threads. {@code adamTensorOps}
 * is the same Adam update written with unfused tensor operations (one pass per operation, as a
 * framework without fused kernels would run it), for comparison. An Adam step reads and writes
 * 7 floats per parameter (28 MB here), so it is bound by memory bandwidth.
 *
 * <pre>{@code
 * ./nabla jmh OptimizerBenchmark -f 1 -wi 3 -i 5
 * }</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
@State(Scope.Thread)
public class OptimizerBenchmark {
    @Param({"1", "2"})
    public int threads;

    private List<Variable> params;
    private Optimizer adam;
    private Optimizer adamw;
    private Optimizer sgd;
    private Optimizer rmsprop;
    private Tensor[] m;
    private Tensor[] v;

    @Setup(Level.Trial)
    public void setup() {
        Threads.set(threads);
        Generator g = new Generator(1);
        int[][] shapes = {{1024, 784}, {1024}, {192, 1024}, {192}, {10, 192}, {10}};
        params = new ArrayList<>();
        for (int[] s : shapes) {
            Variable p = Variable.parameter(Tensor.randn(g, s).mul(0.05f));
            p.setGrad(Tensor.randn(g, s).mul(1e-3f));
            params.add(p);
        }
        adam = new Adam(params, 1e-3);
        adamw = new AdamW(params, 1e-3);
        sgd = new SGD(params, 1e-3).momentum(0.9).nesterov(true).weightDecay(1e-4);
        rmsprop = new RMSprop(params, 1e-3).momentum(0.9).centered(true);
        m = new Tensor[params.size()];
        v = new Tensor[params.size()];
        for (int i = 0; i < params.size(); i++) {
            m[i] = Tensor.zerosLike(params.get(i).data());
            v[i] = Tensor.zerosLike(params.get(i).data());
        }
    }

    @Benchmark
    public Optimizer adam() {
        adam.step();
        return adam;
    }

    @Benchmark
    public Optimizer adamw() {
        adamw.step();
        return adamw;
    }

    @Benchmark
    public Optimizer sgdNesterov() {
        sgd.step();
        return sgd;
    }

    @Benchmark
    public Optimizer rmspropCenteredMomentum() {
        rmsprop.step();
        return rmsprop;
    }

    /** Adam written with one tensor operation per term, writing into existing tensors where it can. */
    @Benchmark
    public Tensor adamTensorOps() {
        float b1 = 0.9f, b2 = 0.999f, lr = 1e-3f, eps = 1e-8f;
        Tensor beta1 = Tensor.scalar(b1), beta2 = Tensor.scalar(b2);
        Tensor last = null;
        for (int i = 0; i < params.size(); i++) {
            Tensor w = params.get(i).data();
            Tensor g = params.get(i).gradTensor();
            m[i].mul(beta1, m[i]).add(g.mul(1 - b1), m[i]);
            v[i].mul(beta2, v[i]).add(g.mul(g).mul(1 - b2), v[i]);
            Tensor denom = v[i].sqrt().div(0.03f).add(eps);
            w.sub(m[i].div(denom).mul(lr / 0.1f), w);
            last = w;
        }
        return last;
    }
}
