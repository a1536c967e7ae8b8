package dev.nabla.quantize.quantized;

import dev.nabla.autograd.Autograd;
import dev.nabla.autograd.Variable;
import dev.nabla.nn.LSTM;
import dev.nabla.nn.Module;
import dev.nabla.quantize.observer.QParams;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.QuantizedOps;
import dev.nabla.tensor.QuantizedWeight;
import dev.nabla.tensor.ShapeMismatchException;
import dev.nabla.tensor.Tensor;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;

/**
 * A dynamically quantized LSTM, PyTorch's {@code nnqd.LSTM}: the input and hidden projections of
 * every gate use int8 weights (a scale per row) and dynamically quantized activations
 * ({@link QuantizedOps#linearDynamic}: the whole input sequence at once, the hidden state step by
 * step); the gate nonlinearities and the cell state stay in float32. Inference only. It takes an
 * {@link LSTM}'s place, typed call included ({@link LSTM.Replacement}).
 *
 * <p>State dict, per layer {@code k}: {@code weight_ih_l}k and {@code weight_hh_l}k (int8, the float
 * layer's shapes and gate order i, f, g, o), {@code weight_ih_l}k{@code _scale} and
 * {@code weight_hh_l}k{@code _scale} (float32 {@code [4H]}), {@code bias_ih_l}k and
 * {@code bias_hh_l}k (float32 {@code [4H]}).
 *
 * <pre>{@code
 * LSTM lstm = new LSTM(32, 64, LSTM.options().batchFirst(true));
 * var q = DynamicQuantizedLSTM.from(lstm, w -> new PerChannelMinMaxObserver(ObserverConfig.weights()));
 * q.call(Variable.randn(new Generator(0), 8, 20, 32), null, null).output();   // [8, 20, 64]
 * }</pre>
 */
public final class DynamicQuantizedLSTM extends Module implements LSTM.Replacement {
    static {
        OnnxQdq.register(); // ONNX export of int8 models works without set-up
    }

    private final int inputSize;
    private final int hiddenSize;
    private final int numLayers;
    private final boolean batchFirst;
    private final WeightCache[] ih;
    private final WeightCache[] hh;
    private final Tensor[] bih;
    private final Tensor[] bhh;

    /** An LSTM of this shape with zero weights, for {@link Module#loadStateDict}. */
    public DynamicQuantizedLSTM(int inputSize, int hiddenSize, int numLayers, boolean batchFirst) {
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        this.numLayers = numLayers;
        this.batchFirst = batchFirst;
        ih = new WeightCache[numLayers];
        hh = new WeightCache[numLayers];
        bih = new Tensor[numLayers];
        bhh = new Tensor[numLayers];
        int g = 4 * hiddenSize;
        for (int l = 0; l < numLayers; l++) {
            int in = l == 0 ? inputSize : hiddenSize;
            Tensor wi = registerBuffer("weight_ih_l" + l, Tensor.zeros(DType.INT8, g, in));
            Tensor wiScale = registerBuffer("weight_ih_l" + l + "_scale", Tensor.ones(g));
            Tensor wh = registerBuffer("weight_hh_l" + l, Tensor.zeros(DType.INT8, g, hiddenSize));
            Tensor whScale = registerBuffer("weight_hh_l" + l + "_scale", Tensor.ones(g));
            bih[l] = registerBuffer("bias_ih_l" + l, Tensor.zeros(g));
            bhh[l] = registerBuffer("bias_hh_l" + l, Tensor.zeros(g));
            ih[l] = new WeightCache(wi, wiScale);
            hh[l] = new WeightCache(wh, whScale);
        }
    }

    /**
     * Quantizes a float LSTM's weights, each with the per-channel parameters {@code weightQParams}
     * gives for it. Dropout between layers is an inference no-op and is dropped.
     */
    public static DynamicQuantizedLSTM from(LSTM lstm, Function<Tensor, QParams> weightQParams) {
        DynamicQuantizedLSTM q =
                new DynamicQuantizedLSTM(lstm.inputSize(), lstm.hiddenSize(), lstm.numLayers(), lstm.batchFirst());
        Map<String, Tensor> own = q.stateDict();
        Map<String, Variable> params = lstm.namedParameters();
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            for (int l = 0; l < lstm.numLayers(); l++) {
                for (String w : new String[] {"weight_ih_l" + l, "weight_hh_l" + l}) {
                    Tensor f = params.get(w).data();
                    QuantizedWeight qw = WeightQParams.quantize("DynamicQuantizedLSTM", f, weightQParams.apply(f));
                    own.get(w).copyFrom(qw.values());
                    own.get(w + "_scale").copyFrom(qw.scales());
                }
                for (String b : new String[] {"bias_ih_l" + l, "bias_hh_l" + l}) {
                    Variable p = params.get(b);
                    if (p != null) {
                        own.get(b).copyFrom(p.data());
                    }
                }
            }
        }
        return q;
    }

    /** The last layer's hidden state at every step, from a zero initial state. */
    @Override
    protected Variable forward(Variable x) {
        return run(x.data(), null, null).output();
    }

    @Override
    public LSTM.Output call(Variable x, Variable h0, Variable c0) {
        return run(x.data(), h0 == null ? null : h0.data(), c0 == null ? null : c0.data());
    }

    private LSTM.Output run(Tensor x, Tensor h0, Tensor c0) {
        boolean unbatched = x.dim() == 2;
        if ((x.dim() != 3 && !unbatched) || x.size(-1) != inputSize) {
            throw new ShapeMismatchException(describe() + ": expected input " + (batchFirst ? "[B, T, " : "[T, B, ")
                    + inputSize + "] (or [T, " + inputSize + "]), got " + x.shape());
        }
        if ((h0 == null) != (c0 == null)) {
            throw new IllegalArgumentException(describe() + ": give both h0 and c0, or neither");
        }
        Tensor seq = unbatched ? x.unsqueeze(1) : batchFirst ? x.transpose(0, 1) : x;
        int steps = seq.size(0), batch = seq.size(1), hs = hiddenSize;
        if (h0 != null) {
            int[] want = unbatched ? new int[] {numLayers, hs} : new int[] {numLayers, batch, hs};
            if (!Arrays.equals(h0.dims(), want) || !Arrays.equals(c0.dims(), want)) {
                throw new ShapeMismatchException(describe() + ": expected initial states " + Arrays.toString(want)
                        + ", got " + h0.shape() + " and " + c0.shape());
            }
            if (unbatched) {
                h0 = h0.unsqueeze(1);
                c0 = c0.unsqueeze(1);
            }
        }
        Tensor[] hn = new Tensor[numLayers];
        Tensor[] cn = new Tensor[numLayers];
        for (int l = 0; l < numLayers; l++) {
            int in = seq.size(2);
            Tensor xw = QuantizedOps.linearDynamic(seq.contiguous().reshape(steps * batch, in), ih[l].get(), bih[l])
                    .reshape(steps, batch, 4 * hs);
            Tensor h = h0 == null ? Tensor.zeros(batch, hs) : h0.select(0, l).contiguous();
            Tensor c = c0 == null ? Tensor.zeros(batch, hs) : c0.select(0, l).contiguous();
            Tensor[] outs = new Tensor[steps];
            for (int t = 0; t < steps; t++) {
                Tensor gates = xw.select(0, t).add(QuantizedOps.linearDynamic(h, hh[l].get(), bhh[l]));
                Tensor i = gates.narrow(1, 0, hs).sigmoid();
                Tensor f = gates.narrow(1, hs, hs).sigmoid();
                Tensor g = gates.narrow(1, 2 * hs, hs).tanh();
                Tensor o = gates.narrow(1, 3 * hs, hs).sigmoid();
                c = f.mul(c).add(i.mul(g));
                h = o.mul(c.tanh());
                outs[t] = h;
            }
            seq = Tensor.stack(0, outs);
            hn[l] = h;
            cn[l] = c;
        }
        Tensor h = Tensor.stack(0, hn);
        Tensor c = Tensor.stack(0, cn);
        if (unbatched) {
            return new LSTM.Output(Variable.of(seq.squeeze(1)), Variable.of(h.squeeze(1)), Variable.of(c.squeeze(1)));
        }
        return new LSTM.Output(Variable.of(batchFirst ? seq.transpose(0, 1) : seq), Variable.of(h), Variable.of(c));
    }

    @Override
    protected String describe() {
        return "DynamicQuantizedLSTM(" + inputSize + " -> " + hiddenSize
                + (numLayers > 1 ? ", " + numLayers + " layers" : "") + (batchFirst ? ", batch first" : "") + ")";
    }
}
