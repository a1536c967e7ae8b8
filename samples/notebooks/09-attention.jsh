// # 9. Self-attention by hand
//
// Self-attention lets every position of a sequence look at every other. Each token's vector $x$
// is projected three ways, into a query, a key and a value: $Q = X W_Q^\top + b_Q$,
// $K = X W_K^\top + b_K$, $V = X W_V^\top + b_V$. A query scores every key by a dot product,
// the scores become weights through a softmax over each row, and the output mixes the values:
//
// $$\mathrm{Attention}(Q, K, V) = \mathrm{softmax}\!\left(\frac{Q K^\top}{\sqrt{d}}\right) V$$
//
// ($\sqrt d$ keeps the scores' spread independent of the width $d$.) A final projection
// $W_O$ maps the result back. With several heads, $Q$, $K$ and $V$ are cut into slices of width
// $d = E / \text{heads}$, each head attends on its own, and the heads' outputs are concatenated.
//
// We do it by hand for the six tokens of "the cat sat on the mat", check it against Nabla's
// `MultiheadAttention`, and look at the attention matrices.

String[] tokens = {"the", "cat", "sat", "on", "the", "mat"};
int T = tokens.length, E = 8;
var vocab = List.of("the", "cat", "sat", "on", "mat");
var table = Tensor.randn(new Generator(0), vocab.size(), E);      // one random vector per word
var rows = new Tensor[T];
for (int t = 0; t < T; t++) rows[t] = table.select(0, vocab.indexOf(tokens[t]));
var X = Tensor.stack(0, rows);                                     // [T, E]

// ## One head

var mha = new MultiheadAttention(E, 1, new Generator(1));
var W = mha.inProjWeight.data();       // [3E, E]: W_Q, W_K, W_V stacked
var bW = mha.inProjBias.data();        // [3E]
Tensor project(Tensor x, int which) { return x.matmul(W.narrow(0, which * E, E).t()).add(bW.narrow(0, which * E, E)); }
var Q = project(X, 0);
var K = project(X, 1);
var V = project(X, 2);
var A = Q.matmul(K.t()).div((float) Math.sqrt(E)).softmax(1);       // [T, T], rows sum to 1
var out = A.matmul(V).matmul(mha.outProj.weight.data().t()).add(mha.outProj.bias.data());

var result = mha.call(Variable.of(X), Variable.of(X), Variable.of(X), null, null, false, true);
checkClose(result.output().data(), out, 1e-5);
checkClose(result.weights().data().reshape(T, T), A, 1e-6);
checkClose(A.sum(1), Tensor.ones(T), 1e-6);

// Without word order (no positional encoding here), the two "the"s are the same vector, so they
// ask the same question: their rows of attention are identical.

checkClose(A.select(0, 0), A.select(0, 4), 1e-6);
Plot.heatmap(A).title("one head: who attends to whom").xticks(tokens).yticks(tokens)
    .xlabel("key (attended to)").ylabel("query (attending)").colorbarLabel("weight").range(0, A.max().item()).show();

// ## Two heads
//
// Width $d = 4$ per head: head $h$ uses columns $4h \ldots 4h+3$ of $Q$, $K$, $V$. The layer
// reports the weights averaged over the heads.

var mha2 = new MultiheadAttention(E, 2, new Generator(2));
var W2 = mha2.inProjWeight.data();
var b2 = mha2.inProjBias.data();
var Q2 = X.matmul(W2.narrow(0, 0, E).t()).add(b2.narrow(0, 0, E));
var K2 = X.matmul(W2.narrow(0, E, E).t()).add(b2.narrow(0, E, E));
var V2 = X.matmul(W2.narrow(0, 2 * E, E).t()).add(b2.narrow(0, 2 * E, E));
int d = E / 2;
var heads = new Tensor[2];
var mixed = new Tensor[2];
for (int h = 0; h < 2; h++) {
    var q = Q2.narrow(1, h * d, d);
    var k = K2.narrow(1, h * d, d);
    var v = V2.narrow(1, h * d, d);
    heads[h] = q.matmul(k.t()).div((float) Math.sqrt(d)).softmax(1);
    mixed[h] = heads[h].matmul(v);
}
var out2 = Tensor.cat(1, mixed).matmul(mha2.outProj.weight.data().t()).add(mha2.outProj.bias.data());
var result2 = mha2.call(Variable.of(X), Variable.of(X), Variable.of(X), null, null, false, true);
checkClose(result2.output().data(), out2, 1e-5);
checkClose(result2.weights().data().reshape(T, T), heads[0].add(heads[1]).div(2f), 1e-6);

float top = Math.max(heads[0].max().item(), heads[1].max().item());      // one colour scale for both
Chart headMap(String title, Tensor a) {
    return Plot.heatmap(a).title(title).xticks(tokens).yticks(tokens).range(0, top).size(430, 400);
}
Figure.of(headMap("head 1", heads[0]), headMap("head 2", heads[1])).title("Two heads look at different things").show();

// ## A causal mask
//
// A language model must not read ahead: query $t$ may only see keys $\le t$. Masked scores are
// set to $-\infty$ before the softmax, so their weights are exactly 0.

var causal = mha.call(Variable.of(X), Variable.of(X), Variable.of(X), null, null, true, true).weights().data().reshape(T, T);
for (int i = 0; i < T; i++) {
    double rowSum = 0;
    for (int j = 0; j < T; j++) {
        if (j > i) check(causal.get(i, j) == 0f, "no weight on a later token (" + i + ", " + j + ")");
        rowSum += causal.get(i, j);
    }
    checkClose(rowSum, 1, 1e-6);
}
checkClose(causal.get(0, 0), 1, 1e-6);     // the first token can only look at itself
Plot.heatmap(causal).title("causal self-attention").xticks(tokens).yticks(tokens).range(0, 1)
    .xlabel("key").ylabel("query").show();
