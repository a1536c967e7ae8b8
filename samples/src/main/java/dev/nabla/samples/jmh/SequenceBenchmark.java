package dev.nabla.samples.jmh;

import dev.nabla.autograd.Variable;
import dev.nabla.nn.LSTM;
import dev.nabla.nn.Linear;
import dev.nabla.nn.MultiheadAttention;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The sequence workloads of {@code torch_bench.py}, same definitions, in steps per second:
 * <ul>
 * <li>{@code lstmTrain}: LSTM(64 -> 128), seq 32, batch 32, Linear(128 -> 10) on the last step,
 *     cross-entropy, Adam (PyTorch's {@code lstm_train});
 * <li>{@code attnTrain}: MultiheadAttention(128, 4 heads) self-attention on [64, 32, 128] with
 *     the head-averaged weights computed (PyTorch's default {@code need_weights=True}),
 *     {@code output.sum().backward()} (PyTorch's {@code attn_train}).
 * </ul>
 * Cross-entropy and Adam are written out here (log-softmax + gather, the textbook update) so the
 * benchmark needs nothing beyond the layers it measures.
 *
 * <pre>{@code
 * ./nabla jmh SequenceBenchmark -f 1 -wi 2 -i 3
 * /usr/bin/python3 /work/shared/peers/torch_bench.py --only lstm_train,attn_train   # the peer
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:+UseParallelGC"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class SequenceBenchmark {
    private LSTM lstm;
    private Linear head;
    private List<Variable> params;
    private final List<Tensor[]> adamState = new ArrayList<>();
    private int adamStep;
    private Variable xs;
    private Tensor ys;

    private MultiheadAttention mha;
    private Variable q;

    @Setup
    public void setup() {
        Generator g = new Generator(0);
        lstm = new LSTM(64, 128, g);
        head = new Linear(128, 10, g);
        params = new ArrayList<>(lstm.parameters());
        params.addAll(head.parameters());
        for (Variable p : params) {
            adamState.add(new Tensor[] {Tensor.zerosLike(p.data()), Tensor.zerosLike(p.data())});
        }
        xs = Variable.randn(g, 32, 32, 64);
        ys = Tensor.randint(g, 0, 10, 32, 1);
        mha = new MultiheadAttention(128, 4, g);
        q = Variable.randn(g, 64, 32, 128).requiresGrad(true);
    }

    @Benchmark
    public float lstmTrain() {
        for (Variable p : params) {
            p.zeroGrad();
        }
        Variable out = lstm.call(xs);
        Variable logits = head.call(out.select(0, out.size(0) - 1));
        Variable loss = logits.logSoftmax(1).gather(1, ys).mean().neg();
        loss.backward();
        adam(1e-3f, 0.9f, 0.999f, 1e-8f);
        return loss.item();
    }

    @Benchmark
    public Variable attnTrain() {
        Variable o = mha.call(q, q, q, null, null, false, true).output();
        o.sum().backward();
        return o;
    }

    private void adam(float lr, float b1, float b2, float eps) {
        adamStep++;
        float c1 = 1 - (float) Math.pow(b1, adamStep);
        float c2 = 1 - (float) Math.pow(b2, adamStep);
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i).data();
            Tensor gr = params.get(i).gradTensor();
            Tensor m = adamState.get(i)[0];
            Tensor v = adamState.get(i)[1];
            m.mul(Tensor.scalar(b1), m).add(gr.mul(1 - b1), m);
            v.mul(Tensor.scalar(b2), v).add(gr.square().mul(1 - b2), v);
            Tensor step = m.div(c1).div(v.div(c2).sqrt().add(eps)).mul(lr);
            p.sub(step, p);
        }
    }
}
