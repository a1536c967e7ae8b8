// # 1. Tensors, shapes and broadcasting
//
// A tensor is an n-dimensional array of numbers with a **shape**: a vector has shape `[n]`, a
// matrix `[rows, cols]`, a batch of grey images `[N, 1, H, W]`. Nearly every line of a neural
// network is an operation on tensors, so this lesson is about three things: making tensors,
// reading their shapes, and **broadcasting**, the rule that lets tensors of different shapes meet
// in one operation.
//
// Broadcasting, as in NumPy and PyTorch: line the two shapes up from the right; each pair of
// sizes must be equal or one of them 1, and a size of 1 is stretched to match:
//
// $$[3, 1] \oplus [1, 4] \rightarrow [3, 4], \qquad z_{ij} = x_{i1} + y_{1j}$$
//
// Run it with `./nabla notebook run samples/notebooks/01-tensors.jsh`, or open it in Jupyter.

// ## Making tensors

var a = Tensor.arange(6);
var m = a.reshape(2, 3);
m.shape();
var ones = Tensor.ones(2, 3);
var r = Tensor.randn(new Generator(0), 2, 3);     // seeded: the same numbers on every run
check(m.numel() == 6 && m.dim() == 2, "a 2 x 3 matrix has 6 elements in 2 dimensions");

// `reshape` and `transpose` are **views**: they share storage with the original and copy nothing.
// Indexing picks rows, columns and single elements.

var mt = m.t();
mt.shape();
check(mt.sharesStorage(m), "the transpose is a view of the same numbers");
m.select(0, 1);        // row 1: [3, 4, 5]
m.select(1, 2);        // column 2: [2, 5]
m.get(1, 2);
check(m.get(1, 2) == 5f, "element (1, 2) is 5");

// ## Elementwise operations and reductions
//
// `add`, `mul`, `exp`, ... work element by element; `sum`, `mean`, `max` reduce along a
// dimension (`sum(0)` adds the rows together, `sum(1)` each row's columns).

m.mul(2f).add(1f);
m.sum(0);
m.sum(1);
m.mean();
checkClose(m.sum(1), Tensor.of(3, 12), 0);

// ## Broadcasting
//
// A column `[3, 1]` plus a row `[1, 4]` gives a `[3, 4]` table: every pair meets once. We check
// it against two plain loops, then look at it.

var col = Tensor.arange(3).reshape(3, 1);
var row = Tensor.arange(4).reshape(1, 4).mul(10f);
var table = col.add(row);
table.shape();
var loops = Tensor.zeros(3, 4);
for (int i = 0; i < 3; i++)
    for (int j = 0; j < 4; j++)
        loops.set(col.get(i, 0) + row.get(0, j), i, j);
checkClose(table, loops, 0);

// A bias added to every row of a batch is the most common broadcast in a network: `[B, n] + [n]`
// lines up as `[B, n] + [1, n]`.

var batch = Tensor.randn(new Generator(1), 4, 3);
var bias = Tensor.of(1, 2, 3);
checkClose(batch.add(bias).sub(batch).select(0, 3), bias, 1e-6);

// Shapes that do not line up are an error that names both shapes:

try {
    Tensor.zeros(3, 2).add(Tensor.zeros(3));
} catch (IllegalArgumentException e) {
    System.out.println(e.getMessage());
}

// ## Matrix multiplication
//
// $C = AB$ with $C_{ij} = \sum_k A_{ik} B_{kj}$: shapes `[n, k] @ [k, m] -> [n, m]`.

var A = Tensor.randn(new Generator(2), 3, 4);
var B = Tensor.randn(new Generator(3), 4, 2);
var C = A.matmul(B);
double c01 = 0;
for (int k = 0; k < 4; k++) c01 += A.get(0, k) * B.get(k, 1);
checkClose(C.get(0, 1), c01, 1e-5);

// ## A picture of broadcasting
//
// The distance between every pair of points on a line, $d_{ij} = |x_i - x_j|$, is one broadcast:
// `[n, 1] - [1, n]`. As a heat map, each row is one point's distances to all others; the dark
// diagonal is every point's distance to itself.

var x = Tensor.linspace(0, 1, 12);
var dist = x.reshape(12, 1).sub(x.reshape(1, 12)).abs();
check(dist.get(3, 3) == 0f && dist.get(0, 11) == 1f, "zero on the diagonal, 1 between the ends");
Plot.heatmap(dist).title("|xᵢ − xⱼ| by broadcasting").xlabel("j").ylabel("i").colorbarLabel("distance").show();
