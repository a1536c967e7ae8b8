package dev.nabla.nn;

import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.ShapeMismatchException;
import java.util.Arrays;

/**
 * A multi-layer long short-term memory network, PyTorch's {@code nn.LSTM}: each layer runs
 * <pre>
 *   i = sigmoid(x W_ii^T + b_ii + h W_hi^T + b_hi)      f = sigmoid(... _if ... _hf)
 *   g = tanh(x W_ig^T + b_ig + h W_hg^T + b_hg)         o = sigmoid(... _io ... _ho)
 *   c' = f * c + i * g                                  h' = o * tanh(c')
 * </pre>
 * over the sequence, and each layer's hidden states are the next layer's input.
 *
 * <p>Layout as in PyTorch: input {@code [T, B, in]} ({@code [B, T, in]} when {@code batchFirst},
 * {@code [T, in]} unbatched); states {@code [numLayers, B, H]} whatever the layout. Parameters
 * have PyTorch's names and shapes, so state dicts move both ways: {@code weight_ih_l{k}}
 * {@code [4H, in_k]} and {@code weight_hh_l{k}} {@code [4H, H]} with the gate blocks stacked in the
 * order i, f, g, o, and {@code bias_ih_l{k}}, {@code bias_hh_l{k}} {@code [4H]}; all initialised
 * uniform in {@code ±1/sqrt(H)} like PyTorch. Each layer is one fused autograd node (see
 * {@link Functional#lstm}). With {@code dropout > 0}, the outputs of every layer but the last are
 * dropped out in training mode. PyTorch's {@code bidirectional} and {@code proj_size} are not
 * provided.
 *
 * <pre>{@code
 * LSTM lstm = new LSTM(64, 128, LSTM.options().numLayers(2).batchFirst(true).generator(new Generator(0)));
 * Variable x = Variable.randn(new Generator(1), 32, 50, 64);       // [B, T, in]
 * LSTM.Output r = lstm.call(x, null, null);                        // zero initial state
 * r.output();   // [32, 50, 128]: the last layer's h at every step
 * r.h();        // [2, 32, 128]:  the final h of each layer
 * }</pre>
 */
public final class LSTM extends Module {

    /**
     * Result of a forward pass: the last layer's hidden state at every step ({@code [T, B, H]},
     * or {@code [B, T, H]} batch first) and the final hidden and cell states of every layer
     * ({@code [numLayers, B, H]}; unbatched inputs drop the B dimension throughout).
     */
    public record Output(Variable output, Variable h, Variable c) {}

    private final int inputSize;
    private final int hiddenSize;
    private final int numLayers;
    private final boolean bias;
    private final boolean batchFirst;
    private final double dropout;
    private final Generator generator;
    private final Variable[] wIh;
    private final Variable[] wHh;
    private final Variable[] bIh;
    private final Variable[] bHh;

    /**
     * The optional arguments of {@link LSTM}, PyTorch's keyword arguments: {@code numLayers} (1),
     * {@code bias} (true), {@code batchFirst} (false), {@code dropout} (0: the probability of
     * dropping each output of every layer but the last, in training), and the {@link Generator}
     * that draws the initial weights and the dropout masks (the default generator). Immutable: each
     * method returns a changed copy.
     *
     * <pre>{@code
     * new LSTM(64, 128, LSTM.options().numLayers(2).dropout(0.2).batchFirst(true));
     * }</pre>
     */
    public static final class Options {
        private static final Options DEFAULTS = new Options(1, true, false, 0, null);

        private final int numLayers;
        private final boolean bias;
        private final boolean batchFirst;
        private final double dropout;
        private final Generator generator;

        private Options(int numLayers, boolean bias, boolean batchFirst, double dropout, Generator generator) {
            this.numLayers = numLayers;
            this.bias = bias;
            this.batchFirst = batchFirst;
            this.dropout = dropout;
            this.generator = generator;
        }

        /** Stacked layers, each feeding its hidden states to the next. */
        public Options numLayers(int numLayers) {
            return new Options(numLayers, bias, batchFirst, dropout, generator);
        }

        public Options bias(boolean bias) {
            return new Options(numLayers, bias, batchFirst, dropout, generator);
        }

        /** Input and output {@code [B, T, ...]} instead of {@code [T, B, ...]}. */
        public Options batchFirst(boolean batchFirst) {
            return new Options(numLayers, bias, batchFirst, dropout, generator);
        }

        public Options dropout(double dropout) {
            return new Options(numLayers, bias, batchFirst, dropout, generator);
        }

        public Options generator(Generator generator) {
            return new Options(numLayers, bias, batchFirst, dropout, generator);
        }

        @Override
        public String toString() {
            return "LSTM.Options(num_layers=" + numLayers + ", bias=" + bias + ", batch_first=" + batchFirst
                    + ", dropout=" + dropout + ")";
        }
    }

    /** PyTorch's defaults: one layer, biases, time-major, no dropout. */
    public static Options options() {
        return Options.DEFAULTS;
    }

    /** One layer, time-major, with biases, initialised from the default generator. */
    public LSTM(int inputSize, int hiddenSize) {
        this(inputSize, hiddenSize, options());
    }

    public LSTM(int inputSize, int hiddenSize, Generator g) {
        this(inputSize, hiddenSize, options().generator(g));
    }

    /** See {@link Options}. */
    public LSTM(int inputSize, int hiddenSize, Options options) {
        int numLayers = options.numLayers;
        boolean bias = options.bias;
        boolean batchFirst = options.batchFirst;
        double dropout = options.dropout;
        Generator g = options.generator == null ? Generator.defaultGenerator() : options.generator;
        if (inputSize <= 0 || hiddenSize <= 0 || numLayers <= 0) {
            throw new IllegalArgumentException("LSTM: sizes must be positive, got inputSize=" + inputSize
                    + ", hiddenSize=" + hiddenSize + ", numLayers=" + numLayers);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("LSTM: dropout must be in [0, 1), got " + dropout);
        }
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        this.numLayers = numLayers;
        this.bias = bias;
        this.batchFirst = batchFirst;
        this.dropout = dropout;
        this.generator = g;
        wIh = new Variable[numLayers];
        wHh = new Variable[numLayers];
        bIh = new Variable[numLayers];
        bHh = new Variable[numLayers];
        double k = 1.0 / Math.sqrt(hiddenSize);
        for (int l = 0; l < numLayers; l++) {
            int in = l == 0 ? inputSize : hiddenSize;
            wIh[l] = registerParameter("weight_ih_l" + l, Init.uniform(g, k, 4 * hiddenSize, in));
            wHh[l] = registerParameter("weight_hh_l" + l, Init.uniform(g, k, 4 * hiddenSize, hiddenSize));
            if (bias) {
                bIh[l] = registerParameter("bias_ih_l" + l, Init.uniform(g, k, 4 * hiddenSize));
                bHh[l] = registerParameter("bias_hh_l" + l, Init.uniform(g, k, 4 * hiddenSize));
            }
        }
    }

    public int inputSize() {
        return inputSize;
    }

    public int hiddenSize() {
        return hiddenSize;
    }

    public int numLayers() {
        return numLayers;
    }

    public boolean batchFirst() {
        return batchFirst;
    }

    /**
     * The last layer's hidden state at every step, from a zero initial state; {@link #call(Variable)}
     * runs it with the hooks.
     */
    @Override
    protected Variable forward(Variable x) {
        return run(x, null, null).output();
    }

    /**
     * Runs the sequence from the initial state {@code (h0, c0)}, each {@code [numLayers, B, H]}
     * ({@code [numLayers, H]} unbatched), or from zeros when both are null. Runs the hooks as
     * {@link #call(Variable)} does: they see (and may replace) the input sequence and the output
     * sequence; the states pass through.
     */
    public Output call(Variable x, Variable h0, Variable c0) {
        if (replacement() instanceof Replacement r) {
            return r.call(x, h0, c0);
        }
        return callHooked(x, in -> run(in, h0, c0), Output::output, (r, out) -> new Output(out, r.h(), r.c()));
    }

    /**
     * A module that can take an LSTM's place ({@link Module#setSubmodule}) with the typed call too,
     * such as dynamic quantization's int8 LSTM: {@link LSTM#call(Variable, Variable, Variable)} on
     * the replaced LSTM forwards to it.
     */
    public interface Replacement {
        Output call(Variable x, Variable h0, Variable c0);
    }

    private Output run(Variable x, Variable h0, Variable c0) {
        boolean unbatched = x.dim() == 2;
        if ((x.dim() != 3 && !unbatched) || x.size(-1) != inputSize || x.size(batchFirst && !unbatched ? 1 : 0) == 0) {
            throw new ShapeMismatchException(describe() + ": expected input "
                    + (batchFirst ? "[B, T, " : "[T, B, ") + inputSize + "] (or [T, " + inputSize
                    + "] unbatched, T >= 1), got " + x.shape());
        }
        if ((h0 == null) != (c0 == null)) {
            throw new IllegalArgumentException(describe() + ": give both h0 and c0, or neither");
        }
        Variable seq = unbatched ? x.unsqueeze(1) : batchFirst ? x.transpose(0, 1) : x;
        int batch = seq.size(1);
        if (h0 != null) {
            int[] want = unbatched ? new int[] {numLayers, hiddenSize} : new int[] {numLayers, batch, hiddenSize};
            for (Variable s : new Variable[] {h0, c0}) {
                if (!Arrays.equals(s.dims(), want)) {
                    throw new ShapeMismatchException(describe() + ": expected initial state " + Arrays.toString(want)
                            + " for input " + x.shape() + ", got " + s.shape());
                }
            }
            if (unbatched) {
                h0 = h0.unsqueeze(1);
                c0 = c0.unsqueeze(1);
            }
        }
        Variable[] hs = new Variable[numLayers];
        Variable[] cs = new Variable[numLayers];
        for (int l = 0; l < numLayers; l++) {
            Functional.LstmOutput r = Functional.lstm(
                    seq,
                    h0 == null ? null : h0.select(0, l),
                    c0 == null ? null : c0.select(0, l),
                    wIh[l],
                    wHh[l],
                    bIh[l],
                    bHh[l]);
            hs[l] = r.h();
            cs[l] = r.c();
            seq = r.output();
            if (dropout > 0 && l < numLayers - 1 && isTraining()) {
                seq = Functional.dropout(seq, dropout, true, generator);
            }
        }
        Variable h = Variable.stack(0, hs);
        Variable c = Variable.stack(0, cs);
        if (unbatched) {
            return new Output(seq.squeeze(1), h.squeeze(1), c.squeeze(1));
        }
        return new Output(batchFirst ? seq.transpose(0, 1) : seq, h, c);
    }

    @Override
    protected String describe() {
        return "LSTM(" + inputSize + " -> " + hiddenSize + (numLayers > 1 ? ", " + numLayers + " layers" : "")
                + (bias ? "" : ", no bias") + (batchFirst ? ", batch first" : "")
                + (dropout > 0 ? ", dropout " + dropout : "") + ")";
    }
}
