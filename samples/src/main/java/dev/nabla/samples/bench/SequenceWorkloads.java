package dev.nabla.samples.bench;

import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;
import dev.nabla.nn.LSTM;
import dev.nabla.nn.Linear;
import dev.nabla.nn.MultiheadAttention;
import dev.nabla.optim.Adam;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code lstm_train}: LSTM(64 -> 128) over 32 steps of a batch of 32, a Linear(128 -> 10) on the
 * last step, cross-entropy, Adam. {@code attn_train}: MultiheadAttention(128, 4 heads) self-attention
 * over 64 steps of a batch of 32 (weights returned, as PyTorch does by default), sum, backward.
 * Both in steps per second, as in {@code torch_bench.py}.
 */
final class SequenceWorkloads {
    private SequenceWorkloads() {}

    static List<Bench.Workload> all() {
        List<Bench.Workload> w = new ArrayList<>();
        w.add(new Bench.Workload("lstm_train", "steps/s", SequenceWorkloads::lstmTrain));
        w.add(new Bench.Workload("attn_train", "steps/s", SequenceWorkloads::attnTrain));
        return w;
    }

    private static Bench.Call lstmTrain() {
        Generator g = new Generator(0);
        LSTM lstm = new LSTM(64, 128, g);
        Linear head = new Linear(128, 10, g);
        List<Variable> params = new ArrayList<>(lstm.parameters());
        params.addAll(head.parameters());
        Adam opt = new Adam(params, 1e-3);
        Variable xs = Variable.of(Tensor.randn(new Generator(1), 32, 32, 64));
        Variable ys = Variable.of(Tensor.randint(new Generator(2), 0, 10, 32));
        return new Bench.Call(
                () -> {
                    opt.zeroGrad();
                    Variable out = lstm.call(xs);
                    Functional.crossEntropy(head.call(out.select(0, -1)), ys).backward();
                    opt.step();
                },
                1);
    }

    private static Bench.Call attnTrain() {
        MultiheadAttention mha = new MultiheadAttention(128, 4, new Generator(0));
        Variable q = Variable.of(Tensor.randn(new Generator(1), 64, 32, 128)).requiresGrad(true);
        return new Bench.Call(
                () -> mha.call(q, q, q, null, null, false, true).output().sum().backward(), 1);
    }
}
