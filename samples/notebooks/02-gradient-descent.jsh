// # 2. Gradient descent, by hand and with autograd
//
// Training a model means finding parameters $\theta$ that make a loss $J(\theta)$ small.
// Gradient descent walks downhill: the gradient $\nabla J$ points uphill, so step the other way,
//
// $$\theta \leftarrow \theta - \alpha \, \nabla J(\theta)$$
//
// with a learning rate $\alpha$. We fit a line $\hat y = w x + b$ to noisy points by least
// squares, $J(w, b) = \frac{1}{N} \sum_i (w x_i + b - y_i)^2$, first with the gradient worked
// out on paper, then with autograd computing it for us, and check that both agree.

// ## The data: y = 3x + 2, plus noise

var g = new Generator(0);
int N = 64;
var x = Tensor.uniform(g, -1, 1, N);
var y = x.mul(3f).add(2f).add(Tensor.normal(g, 0, 0.3, N));

// ## By hand
//
// With the residual $r_i = w x_i + b - y_i$, the chain rule gives
// $\partial J / \partial w = \frac{2}{N} \sum_i r_i x_i$ and
// $\partial J / \partial b = \frac{2}{N} \sum_i r_i$.

double w = 0, b = 0, alpha = 0.1;
var lossByHand = new ArrayList<Double>();
for (int step = 0; step < 100; step++) {
    var residual = x.mul((float) w).add((float) b).sub(y);
    lossByHand.add((double) residual.square().mean().item());
    double dw = 2.0 / N * residual.mul(x).sum().item();
    double db = 2.0 / N * residual.sum().item();
    w -= alpha * dw;
    b -= alpha * db;
}
System.out.printf("by hand: w = %.3f, b = %.3f, loss %.4f%n", w, b, lossByHand.get(99));
checkClose(w, 3, 0.2);
checkClose(b, 2, 0.2);

// ## With autograd
//
// Now the parameters are `Variable`s that record every operation; `backward()` walks the record
// in reverse and leaves $\partial J / \partial \theta$ in each parameter's `grad()`. The update is
// the same line of arithmetic, done without recording (`Autograd.noGrad()`).

var wv = Variable.of(0f).requiresGrad(true);
var bv = Variable.of(0f).requiresGrad(true);
var X = Variable.of(x);
var Y = Variable.of(y);
var lossAutograd = new ArrayList<Double>();
for (int step = 0; step < 100; step++) {
    var loss = X.mul(wv).add(bv).sub(Y).square().mean();
    lossAutograd.add((double) loss.item());
    wv.zeroGrad();
    bv.zeroGrad();
    loss.backward();
    try (var off = Autograd.noGrad()) {
        wv.data().sub(wv.gradTensor().mul((float) alpha), wv.data());     // w <- w - alpha * dJ/dw, in place
        bv.data().sub(bv.gradTensor().mul((float) alpha), bv.data());
    }
}
System.out.printf("autograd: w = %.3f, b = %.3f%n", wv.item(), bv.item());

// Both ways take the same 100 steps, so they must land on the same line (up to float rounding),
// and their gradients must agree at any point: here at $w = 1, b = -1$.

checkClose(wv.item(), w, 1e-4);
checkClose(bv.item(), b, 1e-4);
var w1 = Variable.of(1f).requiresGrad(true);
var b1 = Variable.of(-1f).requiresGrad(true);
X.mul(w1).add(b1).sub(Y).square().mean().backward();
var r1 = x.mul(1f).add(-1f).sub(y);
checkClose(w1.gradTensor().item(), 2.0 / N * r1.mul(x).sum().item(), 1e-5);
checkClose(b1.gradTensor().item(), 2.0 / N * r1.sum().item(), 1e-5);

// ## Pictures
//
// The loss falls fast, then flattens at the noise level (the points do not lie on any line); the
// two curves lie on top of each other. On the right, the fitted line through the data.

var losses = new Chart().title("loss J(w, b)").xlabel("step").ylabel("mean squared error").ylog()
    .line(lossByHand, "by hand").width(4)
    .line(lossAutograd, "autograd").dashed();
double[] ends = {-1, 1};
var fit = new Chart().title("y = 3x + 2 + noise").xlabel("x").ylabel("y")
    .scatter(x.toArray(), y.toArray(), "data")
    .line(ends, new double[] {-w + b, w + b}, String.format("fit: %.2f x + %.2f", w, b));
Figure.of(losses, fit).title("Gradient descent on a least-squares line").show();
