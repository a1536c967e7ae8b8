// # 8. The LSTM cell, equation by equation
//
// A long short-term memory cell carries a memory $c$ along a sequence. At every step it reads
// the input $x_t$ and its previous output $h_{t-1}$ and computes four gates ($\sigma$ is the
// logistic sigmoid, so three of them lie between 0 and 1):
//
// $$i = \sigma(W_{ii} x_t + b_{ii} + W_{hi} h_{t-1} + b_{hi}) \quad \text{input gate: how much new to write}$$
// $$f = \sigma(W_{if} x_t + b_{if} + W_{hf} h_{t-1} + b_{hf}) \quad \text{forget gate: how much memory to keep}$$
// $$g = \tanh(W_{ig} x_t + b_{ig} + W_{hg} h_{t-1} + b_{hg}) \quad \text{the candidate to write}$$
// $$o = \sigma(W_{io} x_t + b_{io} + W_{ho} h_{t-1} + b_{ho}) \quad \text{output gate: how much memory to show}$$
// $$c_t = f \odot c_{t-1} + i \odot g, \qquad h_t = o \odot \tanh(c_t)$$
//
// We take the weights of Nabla's `LSTM` layer (PyTorch's layout: the four gates' blocks stacked
// in the order i, f, g, o), run these six lines by hand, and check every step against the layer.
// Then an LSTM learns to remember.

int IN = 3, H = 5, T = 8;
var lstm = new LSTM(IN, H, new Generator(0));
var p = lstm.namedParameters();
p.keySet();
var Wih = p.get("weight_ih_l0").data();      // [4H, IN]
var Whh = p.get("weight_hh_l0").data();      // [4H, H]
var bih = p.get("bias_ih_l0").data();        // [4H]
var bhh = p.get("bias_hh_l0").data();
Tensor block(Tensor t, int gate) { return t.narrow(0, gate * H, H); }   // gate 0..3 = i, f, g, o

// ## Six lines per step, by hand

var xs = Tensor.randn(new Generator(1), T, IN);
var h = Tensor.zeros(H);
var c = Tensor.zeros(H);
var gates = new Tensor[4][T];      // i, f, g, o at every step, kept for the pictures
var hs = new Tensor[T];
var cs = new Tensor[T];
Tensor pre(int gate, Tensor x, Tensor h) {
    return block(Wih, gate).matmul(x.reshape(IN, 1)).reshape(H).add(block(bih, gate))
        .add(block(Whh, gate).matmul(h.reshape(H, 1)).reshape(H)).add(block(bhh, gate));
}
for (int t = 0; t < T; t++) {
    var x = xs.select(0, t);
    var i = pre(0, x, h).sigmoid();
    var f = pre(1, x, h).sigmoid();
    var g = pre(2, x, h).tanh();
    var o = pre(3, x, h).sigmoid();
    c = f.mul(c).add(i.mul(g));
    h = o.mul(c.tanh());
    gates[0][t] = i; gates[1][t] = f; gates[2][t] = g; gates[3][t] = o;
    hs[t] = h; cs[t] = c;
}

// ## Against the layer
//
// The layer runs the whole sequence in one fused step; its output is $h_t$ at every step, and it
// also returns the final $h$ and $c$.

var out = lstm.call(Variable.of(xs), null, null);
checkClose(out.output().data(), Tensor.stack(0, hs), 1e-5);
checkClose(out.c().data().reshape(H), c, 1e-5);
checkClose(out.h().data().reshape(H), h, 1e-5);

// `LSTMCell` is one step of the same layer; with the same weights it walks the same path.

var cell = new LSTMCell(IN, H, new Generator(2));
cell.weightIh.data().copyFrom(Wih);
cell.weightHh.data().copyFrom(Whh);
cell.biasIh.data().copyFrom(bih);
cell.biasHh.data().copyFrom(bhh);
var state = new LSTMCell.State(Variable.zeros(H), Variable.zeros(H));
for (int t = 0; t < T; t++) state = cell.call(Variable.of(xs.select(0, t)), state.h(), state.c());
checkClose(state.h().data(), h, 1e-5);

// ## The gates over time
//
// One row per hidden unit, one column per step. Gates near 1 are yellow, near 0 dark purple.

Chart gate(String title, Tensor[] steps, boolean unit) {
    var chart = new Chart().title(title).xlabel("step t").ylabel("unit").heatmap(Tensor.stack(1, steps)).size(360, 240);
    return unit ? chart.range(0, 1) : chart.range(-1, 1).colorMap(ColorMap.BLUE_RED);
}
Figure.grid(3,
        gate("input gate i", gates[0], true), gate("forget gate f", gates[1], true), gate("output gate o", gates[3], true),
        gate("candidate g", gates[2], false), gate("memory c", cs, false), gate("output h", hs, false))
    .title("One LSTM layer reading 8 random inputs").show();

// ## Learning to remember
//
// A task only memory can solve: read a sequence of 12 random numbers and, at the end, output the
// **first** one. An LSTM with 16 units and a linear read-out, trained with Adam on the mean
// squared error. Guessing without memory cannot beat the variance of the target, 1/3.
//
// One trick from the LSTM literature (Jozefowicz et al., 2015): start the forget gate's bias at
// 1, so that $f \approx 0.73$ and the memory is kept by default rather than halved every step.

var g = new Generator(3);
var rnn = new LSTM(1, 16, g);
rnn.namedParameters().get("bias_ih_l0").data().narrow(0, 16, 16).fill(1f);    // the f block
var readout = new Linear(16, 1, g);
var params = new ArrayList<Variable>(rnn.parameters());
params.addAll(readout.parameters());
var adam = new Adam(params, 0.01);
var losses = new ArrayList<Double>();
for (int step = 0; step < 400; step++) {
    var seq = Tensor.uniform(g, -1, 1, 12, 32, 1);                 // [T, B, 1]
    var target = Variable.of(seq.select(0, 0));                     // the first value, [B, 1]
    var last = rnn.call(Variable.of(seq)).select(0, 11);            // h at the last step, [B, 16]
    var loss = Functional.mseLoss(readout.call(last), target);
    adam.zeroGrad();
    loss.backward();
    adam.step();
    losses.add((double) loss.item());
}
double tail = losses.subList(380, 400).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
System.out.printf("mean squared error: %.3f at first, %.4f at the end (no memory: 0.333)%n", losses.get(0), tail);
check(tail < 0.05, "the LSTM remembers the first input across 12 steps");
new Chart().title("remembering the first of 12 numbers").xlabel("step").ylabel("mean squared error").ylog()
    .line(losses, "LSTM, 16 units").line(new double[] {0, 399}, new double[] {1 / 3.0, 1 / 3.0}, "no memory (1/3)").dashed()
    .show();
