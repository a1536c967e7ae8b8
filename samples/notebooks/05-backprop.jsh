// # 5. Backpropagation through a two-layer network
//
// A network with one hidden layer of $H$ tanh units fits a curve:
//
// $$z = X W_1 + b_1, \quad h = \tanh(z), \quad \hat y = h W_2 + b_2, \quad L = \frac1N \sum_i (\hat y_i - y_i)^2$$
//
// Backpropagation is the chain rule applied from the loss backwards, one layer at a time; each
// line below reuses the one before it:
//
// $$\frac{\partial L}{\partial \hat y} = \frac{2}{N}(\hat y - y), \quad
// \frac{\partial L}{\partial W_2} = h^\top \frac{\partial L}{\partial \hat y}, \quad
// \frac{\partial L}{\partial b_2} = \sum_i \frac{\partial L}{\partial \hat y_i}, \quad
// \frac{\partial L}{\partial h} = \frac{\partial L}{\partial \hat y} W_2^\top$$
//
// $$\frac{\partial L}{\partial z} = \frac{\partial L}{\partial h} \odot (1 - h^2), \quad
// \frac{\partial L}{\partial W_1} = X^\top \frac{\partial L}{\partial z}, \quad
// \frac{\partial L}{\partial b_1} = \sum_i \frac{\partial L}{\partial z_i}$$
//
// ($1 - h^2$ is tanh's derivative.) We compute these with plain tensor operations, check them
// against autograd and against finite differences, then train with them.

var g = new Generator(0);
int N = 64, H = 16;
var X = Tensor.linspace(-3, 3, N).reshape(N, 1);
var sines = new float[N];
for (int i = 0; i < N; i++) sines[i] = (float) Math.sin(X.get(i, 0));
var y = Tensor.fromArray(sines, N, 1).add(Tensor.normal(g, 0, 0.1, N, 1));
var W1 = Tensor.normal(g, 0, 1, 1, H);
var b1 = Tensor.uniform(g, -3, 3, H);     // spreads the units' bends over the inputs
var W2 = Tensor.normal(g, 0, 1.0 / Math.sqrt(H), H, 1);
var b2 = Tensor.zeros(1);

// ## Forward and backward by hand

record Grads(Tensor W1, Tensor b1, Tensor W2, Tensor b2, float loss) {}
Grads backprop(Tensor W1, Tensor b1, Tensor W2, Tensor b2) {
    var h = X.matmul(W1).add(b1).tanh();
    var yhat = h.matmul(W2).add(b2);
    var dyhat = yhat.sub(y).mul(2f / N);
    var dW2 = h.t().matmul(dyhat);
    var db2 = dyhat.sum(0);
    var dh = dyhat.matmul(W2.t());
    var dz = dh.mul(h.square().neg().add(1f));
    var dW1 = X.t().matmul(dz);
    var db1 = dz.sum(0);
    return new Grads(dW1, db1, dW2, db2, yhat.sub(y).square().mean().item());
}
var byHand = backprop(W1, b1, W2, b2);

// ## The same network with autograd

var vW1 = Variable.of(W1.copy()).requiresGrad(true);
var vb1 = Variable.of(b1.copy()).requiresGrad(true);
var vW2 = Variable.of(W2.copy()).requiresGrad(true);
var vb2 = Variable.of(b2.copy()).requiresGrad(true);
var loss = Variable.of(X).matmul(vW1).add(vb1).tanh().matmul(vW2).add(vb2).sub(Variable.of(y)).square().mean();
loss.backward();
checkClose(loss.item(), byHand.loss(), 1e-6);
checkClose(vW1.gradTensor(), byHand.W1(), 1e-5);
checkClose(vb1.gradTensor(), byHand.b1(), 1e-5);
checkClose(vW2.gradTensor(), byHand.W2(), 1e-5);
checkClose(vb2.gradTensor(), byHand.b2(), 1e-5);

// ## And against finite differences
//
// Nudge one weight by $\pm\epsilon$ and watch the loss: $\frac{L(w+\epsilon) - L(w-\epsilon)}{2\epsilon}$.

float lossAt(Tensor W1) { return backprop(W1, b1, W2, b2).loss(); }
float eps = 1e-2f;
var plus = W1.copy(); plus.set(W1.get(0, 3) + eps, 0, 3);
var minus = W1.copy(); minus.set(W1.get(0, 3) - eps, 0, 3);
double numeric = (lossAt(plus) - lossAt(minus)) / (2 * eps);
System.out.printf("dL/dW1[0,3]: backprop %.6f, finite difference %.6f%n", byHand.W1().get(0, 3), numeric);
checkClose(numeric, byHand.W1().get(0, 3), 2e-4);

// ## Training with our own gradients
//
// Gradient descent with the hand-made backward pass: 1,500 steps of
// $\theta \leftarrow \theta - \alpha \, \partial L / \partial \theta$.

var losses = new ArrayList<Double>();
float alpha = 0.1f;
for (int step = 0; step < 1500; step++) {
    var gr = backprop(W1, b1, W2, b2);
    losses.add((double) gr.loss());
    W1 = W1.sub(gr.W1().mul(alpha));
    b1 = b1.sub(gr.b1().mul(alpha));
    W2 = W2.sub(gr.W2().mul(alpha));
    b2 = b2.sub(gr.b2().mul(alpha));
}
System.out.printf("loss: %.4f at the start, %.4f after 1,500 steps%n", losses.get(0), losses.get(1499));
check(losses.get(1499) < 0.03, "the network fits sin(x) to within the noise");

var fitted = X.matmul(W1).add(b1).tanh().matmul(W2).add(b2);
Figure.of(
        new Chart().title("training loss").xlabel("step").ylabel("mean squared error").ylog().line(losses, null),
        new Chart().title("the fit").xlabel("x").ylabel("y")
            .scatter(X.flatten().toArray(), y.flatten().toArray(), "sin(x) + noise")
            .line(X.flatten().toArray(), fitted.flatten().toArray(), "network, 16 tanh units").width(3))
    .title("A two-layer network trained by hand-written backprop").show();
