package dev.nabla.nn;

import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.ShapeMismatchException;
import java.util.Arrays;

/**
 * One step of an LSTM, PyTorch's {@code nn.LSTMCell}: the equations of {@link LSTM} for a single
 * time step, for loops that feed each step's output back in (decoders, samplers).
 *
 * <p>Parameters {@code weight_ih} {@code [4H, in]}, {@code weight_hh} {@code [4H, H]} (gate blocks
 * i, f, g, o), {@code bias_ih}, {@code bias_hh} {@code [4H]}, initialised uniform in
 * {@code ±1/sqrt(H)} as in PyTorch. Input {@code [B, in]} (or {@code [in]} unbatched), states
 * {@code [B, H]}. The step is the fused primitive {@link Functional#lstm} over a sequence of one.
 *
 * <pre>{@code
 * LSTMCell cell = new LSTMCell(10, 20, new Generator(0));
 * LSTMCell.State s = new LSTMCell.State(Variable.zeros(3, 20), Variable.zeros(3, 20));
 * for (int t = 0; t < 6; t++) {
 *     s = cell.call(Variable.randn(3, 10), s.h(), s.c());
 * }
 * }</pre>
 */
public final class LSTMCell extends Module {

    /** The hidden and cell state after a step. */
    public record State(Variable h, Variable c) {}

    private final int inputSize;
    private final int hiddenSize;
    private final boolean bias;
    public final Variable weightIh;
    public final Variable weightHh;
    public final Variable biasIh;
    public final Variable biasHh;

    public LSTMCell(int inputSize, int hiddenSize) {
        this(inputSize, hiddenSize, true, Generator.defaultGenerator());
    }

    public LSTMCell(int inputSize, int hiddenSize, Generator g) {
        this(inputSize, hiddenSize, true, g);
    }

    public LSTMCell(int inputSize, int hiddenSize, boolean bias, Generator g) {
        if (inputSize <= 0 || hiddenSize <= 0) {
            throw new IllegalArgumentException(
                    "LSTMCell: sizes must be positive, got inputSize=" + inputSize + ", hiddenSize=" + hiddenSize);
        }
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        this.bias = bias;
        double k = 1.0 / Math.sqrt(hiddenSize);
        weightIh = registerParameter("weight_ih", Init.uniform(g, k, 4 * hiddenSize, inputSize));
        weightHh = registerParameter("weight_hh", Init.uniform(g, k, 4 * hiddenSize, hiddenSize));
        biasIh = bias ? registerParameter("bias_ih", Init.uniform(g, k, 4 * hiddenSize)) : null;
        biasHh = bias ? registerParameter("bias_hh", Init.uniform(g, k, 4 * hiddenSize)) : null;
    }

    /** The hidden state after one step from a zero state; {@link #call(Variable)} runs it with the hooks. */
    @Override
    protected Variable forward(Variable x) {
        return step(x, null, null).h();
    }

    /**
     * One step from state {@code (h, c)}, or from zeros when both are null. Runs the hooks as
     * {@link #call(Variable)} does: they see (and may replace) the input and the new hidden state;
     * the cell state passes through.
     */
    public State call(Variable x, Variable h, Variable c) {
        return callHooked(x, in -> step(in, h, c), State::h, (r, out) -> new State(out, r.c()));
    }

    private State step(Variable x, Variable h, Variable c) {
        boolean unbatched = x.dim() == 1;
        if ((x.dim() != 2 && !unbatched) || x.size(-1) != inputSize) {
            throw new ShapeMismatchException(describe() + ": expected input [B, " + inputSize + "] (or [" + inputSize
                    + "] unbatched), got " + x.shape());
        }
        if ((h == null) != (c == null)) {
            throw new IllegalArgumentException(describe() + ": give both h and c, or neither");
        }
        Variable xb = unbatched ? x.unsqueeze(0) : x;
        if (h != null) {
            int[] want = unbatched ? new int[] {hiddenSize} : new int[] {x.size(0), hiddenSize};
            for (Variable s : new Variable[] {h, c}) {
                if (!Arrays.equals(s.dims(), want)) {
                    throw new ShapeMismatchException(describe() + ": expected state " + Arrays.toString(want)
                            + " for input " + x.shape() + ", got " + s.shape());
                }
            }
            if (unbatched) {
                h = h.unsqueeze(0);
                c = c.unsqueeze(0);
            }
        }
        Functional.LstmOutput r = Functional.lstm(xb.unsqueeze(0), h, c, weightIh, weightHh, biasIh, biasHh);
        return unbatched ? new State(r.h().squeeze(0), r.c().squeeze(0)) : new State(r.h(), r.c());
    }

    @Override
    protected String describe() {
        return "LSTMCell(" + inputSize + " -> " + hiddenSize + (bias ? "" : ", no bias") + ")";
    }
}
