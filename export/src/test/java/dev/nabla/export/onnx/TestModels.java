package dev.nabla.export.onnx;

import dev.nabla.autograd.Autograd;
import dev.nabla.autograd.Variable;
import dev.nabla.nn.AvgPool2d;
import dev.nabla.nn.BatchNorm2d;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Dropout;
import dev.nabla.nn.Embedding;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.GELU;
import dev.nabla.nn.LSTM;
import dev.nabla.nn.LayerNorm;
import dev.nabla.nn.LeakyReLU;
import dev.nabla.nn.Linear;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.Module;
import dev.nabla.nn.ModuleList;
import dev.nabla.nn.MultiheadAttention;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.Sigmoid;
import dev.nabla.nn.Softmax;
import dev.nabla.nn.Tanh;
import dev.nabla.nn.TransformerEncoderLayer;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;

/** Sequence models for the ONNX tests, shaped like the PyTorch ones in make_onnx_models.py. */
final class TestModels {
    private TestModels() {}

    /** An LSTM over [B, T, F] whose last step feeds a linear classifier; optionally with zero initial states. */
    static final class LstmClassifier extends Module {
        final LSTM lstm;
        final Linear fc;
        private final boolean explicitState;
        private final int layers;
        private final int hidden;

        LstmClassifier(int features, int hidden, int layers, int classes, boolean explicitState, Generator g) {
            this.explicitState = explicitState;
            this.layers = layers;
            this.hidden = hidden;
            lstm = registerModule(
                    "lstm",
                    new LSTM(
                            features,
                            hidden,
                            LSTM.options().numLayers(layers).batchFirst(true).generator(g)));
            fc = registerModule("fc", new Linear(hidden, classes, g));
        }

        @Override
        protected Variable forward(Variable x) {
            LSTM.Output o = explicitState
                    ? lstm.call(x, Variable.zeros(layers, x.size(0), hidden), Variable.zeros(layers, x.size(0), hidden))
                    : lstm.call(x, null, null);
            return fc.call(o.output().select(1, -1));
        }
    }

    /** Two encoder layers (ReLU post-norm, then GELU pre-norm with a causal mask), mean over time, linear head. */
    static final class TransformerClassifier extends Module {
        final ModuleList<TransformerEncoderLayer> layers;
        final Linear head;
        private final boolean causal;

        TransformerClassifier(int dModel, int heads, int classes, boolean causal, Generator g) {
            this.causal = causal;
            layers = registerModule(
                    "layers",
                    new ModuleList<>(
                            new TransformerEncoderLayer(
                                    dModel,
                                    heads,
                                    TransformerEncoderLayer.options()
                                            .dimFeedforward(2 * dModel)
                                            .batchFirst(true)
                                            .generator(g)),
                            new TransformerEncoderLayer(
                                    dModel,
                                    heads,
                                    TransformerEncoderLayer.options()
                                            .dimFeedforward(2 * dModel)
                                            .batchFirst(true)
                                            .activation(TransformerEncoderLayer.Activation.GELU)
                                            .normFirst(true)
                                            .generator(g))));
            head = registerModule("head", new Linear(dModel, classes, g));
        }

        @Override
        protected Variable forward(Variable x) {
            Variable h = x;
            for (TransformerEncoderLayer layer : layers) {
                h = layer.call(h, null, null, causal);
            }
            return head.call(h.mean(1, false));
        }
    }

    /** Attention of x over a transform of x (separate q, k, v projections) with a fixed attention mask. */
    static final class CrossAttention extends Module {
        final MultiheadAttention mha;
        private final Tensor mask;

        CrossAttention(int dModel, int heads, int length, Generator g) {
            mha = registerModule(
                    "mha",
                    new MultiheadAttention(
                            dModel,
                            heads,
                            MultiheadAttention.options().batchFirst(true).generator(g)));
            boolean[] blocked = new boolean[length * length];
            for (int i = 0; i < length; i++) {
                for (int j = 0; j < length; j++) {
                    blocked[i * length + j] = (i + 2 * j) % 3 == 1; // a pattern that leaves every row a key
                }
            }
            mask = Tensor.fromArray(blocked, length, length);
        }

        @Override
        protected Variable forward(Variable x) {
            Variable memory = x.mul(0.5f).tanh();
            return mha.call(x, memory, memory, null, mask, false, false).output();
        }
    }

    /** Token ids [B, T] (int64) through an embedding, averaged, then a linear layer. */
    static final class Bag extends Module {
        final Embedding embedding;
        final Linear fc;

        Bag(Generator g) {
            embedding = registerModule("embedding", new Embedding(20, 8, g));
            fc = registerModule("fc", new Linear(8, 3, g));
        }

        @Override
        protected Variable forward(Variable ids) {
            return fc.call(embedding.call(ids).mean(1, false));
        }
    }

    /**
     * Free operations between layers: transpose, concat, mul, softmax, log-softmax, clamp, pow,
     * gather (on a weight) and index-select (on the input).
     */
    static final class Mixer extends Module {
        /** Each row of b's weight read in its own order (gather along dim 1). */
        private static final Tensor SHUFFLED_COLUMNS = Tensor.fromArray(
                new long[] {5, 4, 3, 2, 1, 0, 0, 2, 4, 1, 3, 5, 1, 1, 2, 2, 3, 3, 0, 5, 1, 4, 2, 3}, 4, 6);
        /** Eight of x's six features, some twice (index-select along dim 1). */
        private static final Tensor PICKED_FEATURES = Tensor.fromArray(new long[] {5, 0, 2, 2, 4, 1, 3, 0}, 8);

        final Linear a;
        final Linear b;

        Mixer(Generator g) {
            a = registerModule("a", new Linear(6, 4, g));
            b = registerModule("b", new Linear(6, 4, g));
        }

        @Override
        protected Variable forward(Variable x) {
            Variable p = a.call(x).tanh();
            Variable shuffled = x.matmul(b.weight.gather(1, SHUFFLED_COLUMNS).transpose(0, 1)); // [B, 4]
            Variable q = b.call(x).add(shuffled).sigmoid().mul(2f).sub(0.5f);
            Variable c = Variable.cat(1, p, q.clamp(-0.3f, 0.8f)).add(x.indexSelect(1, PICKED_FEATURES)); // [B, 8]
            Variable t = c.reshape(c.size(0), 2, 4).transpose(1, 2); // [B, 4, 2]
            Variable s =
                    t.softmax(-1).add(t.logSoftmax(1).exp().pow(2f)).div(t.abs().add(1f));
            return s.flatten(1, -1)
                    .leakyRelu(0.1f)
                    .sub(s.flatten(1, -1).sqrt().mul(0.01f))
                    .neg()
                    .exp();
        }
    }

    /**
     * Convolutions (strided, grouped, dilated, without bias), batch norm, the pools with their
     * options, the activations, dropout, flatten, layer norm and softmax in one stack over [B, 3, 16, 16],
     * its batch norm warmed.
     */
    static Module layerZoo(Generator g) {
        Module m = new Sequential(
                new Conv2d(3, 8, 3, Conv2d.options().padding(1).stride(2).generator(g)),
                new BatchNorm2d(8),
                new LeakyReLU(0.2),
                new AvgPool2d(2, AvgPool2d.options().padding(1).countIncludePad(false)),
                new Conv2d(
                        8,
                        8,
                        3,
                        Conv2d.options()
                                .groups(4)
                                .dilation(2)
                                .padding(2)
                                .bias(false)
                                .generator(g)),
                new GELU(),
                new MaxPool2d(3, MaxPool2d.options().stride(2).ceilMode(true)),
                new Dropout(0.3, g),
                new Flatten(),
                new LayerNorm(32),
                new Linear(32, 10, g),
                new Tanh(),
                new Linear(10, 6, g),
                new Sigmoid(),
                new Softmax(1));
        warmBatchNorm(m, 4, 3, 16, 16);
        return m;
    }

    /** Runs a few training-mode forward passes so batch norm's running statistics are not 0 and 1. */
    static void warmBatchNorm(Module m, int... inputShape) {
        m.train();
        Generator g = new Generator(7);
        try (var off = Autograd.noGrad()) {
            for (int i = 0; i < 3; i++) {
                m.call(Variable.of(Tensor.randn(g, inputShape).mul(2f).add(0.5f)));
            }
        }
        m.eval();
    }
}
