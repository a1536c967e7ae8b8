// # 3. SGD, momentum and Adam on a 2-D valley
//
// Three optimizers race down the same function, a curved valley (a gentle Rosenbrock):
//
// $$f(x, y) = (1 - x)^2 + 5\,(y - x^2)^2, \qquad \text{minimum } f(1, 1) = 0.$$
//
// With gradient $g_t = \nabla f(\theta_t)$ and learning rate $\alpha$ (PyTorch's conventions):
//
// - **SGD**: $\theta \leftarrow \theta - \alpha g$
// - **momentum** ($\mu = 0.9$): $v \leftarrow \mu v + g$, $\;\theta \leftarrow \theta - \alpha v$: a heavy ball that keeps rolling along the valley floor
// - **Adam**: $m \leftarrow \beta_1 m + (1-\beta_1) g$, $\;s \leftarrow \beta_2 s + (1-\beta_2) g^2$,
//   $\;\theta \leftarrow \theta - \alpha \, \hat m / (\sqrt{\hat s} + \epsilon)$ with $\hat m = m / (1 - \beta_1^t)$, $\hat s = s / (1 - \beta_2^t)$: every coordinate gets its own step size
//
// We run Nabla's `SGD` and `Adam`, check their first steps against the formulas above written
// out by hand, and draw the three paths over the contours of $f$.

double f(double x, double y) { return (1 - x) * (1 - x) + 5 * (y - x * x) * (y - x * x); }
double[] grad(double x, double y) { return new double[] {-2 * (1 - x) - 20 * x * (y - x * x), 10 * (y - x * x)}; }

// The same function on `Variable`s, so that autograd finds the gradient:

Variable loss(Variable p) {
    var x = p.select(0, 0);
    var y = p.select(0, 1);
    return x.neg().add(1f).square().add(y.sub(x.square()).square().mul(5f));
}

// ## One runner for any optimizer
//
// `path(...)` starts at $(-1.5, 2)$, takes `steps` steps and returns the visited points.

float[] START = {-1.5f, 2f};
int STEPS = 200;
double[][] path(java.util.function.Function<List<Variable>, Optimizer> make) {
    var p = Variable.of(START.clone()).requiresGrad(true);
    var opt = make.apply(List.of(p));
    double[][] xy = new double[2][STEPS + 1];
    for (int t = 0; t <= STEPS; t++) {
        xy[0][t] = p.get(0);
        xy[1][t] = p.get(1);
        if (t == STEPS) break;
        opt.zeroGrad();
        loss(p).backward();
        opt.step();
    }
    return xy;
}

var sgd = path(ps -> new SGD(ps, 0.01));
var momentum = path(ps -> new SGD(ps, 0.004).momentum(0.9));
var adam = path(ps -> new Adam(ps, 0.1));

// ## The formulas by hand, step for step
//
// Plain doubles, no library: the first 20 steps of momentum and of Adam must match the
// optimizers' paths (up to float rounding).

double mx = START[0], my = START[1], vx = 0, vy = 0;
for (int t = 0; t < 20; t++) {
    checkClose(momentum[0][t], mx, 1e-4);
    checkClose(momentum[1][t], my, 1e-4);
    double[] gr = grad(mx, my);
    vx = 0.9 * vx + gr[0]; vy = 0.9 * vy + gr[1];
    mx -= 0.004 * vx; my -= 0.004 * vy;
}

double ax = START[0], ay = START[1], m1x = 0, m1y = 0, s2x = 0, s2y = 0, b1 = 0.9, b2 = 0.999, eps = 1e-8;
for (int t = 1; t <= 20; t++) {
    checkClose(adam[0][t - 1], ax, 1e-4);
    checkClose(adam[1][t - 1], ay, 1e-4);
    double[] gr = grad(ax, ay);
    m1x = b1 * m1x + (1 - b1) * gr[0]; m1y = b1 * m1y + (1 - b1) * gr[1];
    s2x = b2 * s2x + (1 - b2) * gr[0] * gr[0]; s2y = b2 * s2y + (1 - b2) * gr[1] * gr[1];
    double c1 = 1 - Math.pow(b1, t), c2 = 1 - Math.pow(b2, t);
    ax -= 0.1 * (m1x / c1) / (Math.sqrt(s2x / c2) + eps);
    ay -= 0.1 * (m1y / c1) / (Math.sqrt(s2y / c2) + eps);
}

// ## Where they got to
//
// Plain SGD creeps along the flat valley floor; momentum builds up speed there; Adam's
// per-coordinate step sizes ignore how steep each direction is.

double end(double[][] p) { return f(p[0][STEPS], p[1][STEPS]); }
System.out.printf("f after %d steps: SGD %.4f, momentum %.4f, Adam %.4f%n", STEPS, end(sgd), end(momentum), end(adam));
check(end(momentum) < end(sgd), "momentum ends lower than plain SGD");
check(end(adam) < 0.05 && end(momentum) < 0.05, "Adam and momentum reach the valley's end");

// ## Their paths over the contours of f
//
// Contour levels are spaced evenly in log scale, so the valley floor shows.

var paths = new Chart().title("Paths over f(x, y) = (1 − x)² + 5(y − x²)²").xlabel("x").ylabel("y")
    .contour((x, y) -> f(x, y), -2, 2, -1, 3, Plot.logLevels(0.01, 100, 13))
    .line(sgd[0], sgd[1], "SGD, α = 0.01").color(java.awt.Color.WHITE).width(2.5)
    .line(momentum[0], momentum[1], "momentum 0.9, α = 0.004").color(new java.awt.Color(0xff7f0e)).width(2.5)
    .line(adam[0], adam[1], "Adam, α = 0.1").color(new java.awt.Color(0xd62728)).width(2.5)
    .scatter(new double[] {1}, new double[] {1}, "minimum (1, 1)").color(java.awt.Color.BLACK).width(6)
    .size(640, 560);
double[] steps = new double[STEPS + 1];
double[][] fs = new double[3][STEPS + 1];
for (int t = 0; t <= STEPS; t++) {
    steps[t] = t;
    fs[0][t] = f(sgd[0][t], sgd[1][t]);
    fs[1][t] = f(momentum[0][t], momentum[1][t]);
    fs[2][t] = f(adam[0][t], adam[1][t]);
}
var curves = new Chart().title("f along the way").xlabel("step").ylabel("f(x, y)").ylog()
    .line(steps, fs[0], "SGD").line(steps, fs[1], "momentum").line(steps, fs[2], "Adam").size(520, 560);
Figure.of(paths, curves).title("SGD, momentum and Adam").show();
