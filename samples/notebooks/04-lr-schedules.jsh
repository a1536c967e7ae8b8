// # 4. Learning-rate decay
//
// A large learning rate crosses the landscape quickly; a small one settles into a minimum
// instead of bouncing around it. Schedules start large and shrink. Three classics, for step
// $t$, initial rate $\alpha_0$:
//
// - **inverse time**: $\alpha_t = \dfrac{\alpha_0}{1 + \beta t}$
// - **step**: $\alpha_t = \alpha_0 \, \gamma^{\lfloor t / s \rfloor}$ (divide by $1/\gamma$ every $s$ steps)
// - **cosine**: $\alpha_t = \eta_{min} + (\alpha_0 - \eta_{min}) \, \frac{1 + \cos(\pi t / T)}{2}$
//
// We check Nabla's `Schedule`s against these formulas, draw them side by side, then watch what
// they do to SGD with noisy gradients.

double a0 = 0.1;
int T = 300;
var inverse = Schedule.inverseTime(0.02);
var stepped = Schedule.step(100, 0.3);
var cosine = Schedule.cosine(T, 0.0);
for (int t = 0; t <= T; t++) {
    checkClose(inverse.lr(t, a0), a0 / (1 + 0.02 * t), 1e-12);
    checkClose(stepped.lr(t, a0), a0 * Math.pow(0.3, t / 100), 1e-12);
    checkClose(cosine.lr(t, a0), a0 * (1 + Math.cos(Math.PI * t / T)) / 2, 1e-12);
}

// ## The three side by side

double[] ts = new double[T + 1];
double[][] lr = new double[3][T + 1];
for (int t = 0; t <= T; t++) {
    ts[t] = t;
    lr[0][t] = inverse.lr(t, a0);
    lr[1][t] = stepped.lr(t, a0);
    lr[2][t] = cosine.lr(t, a0);
}
Chart panel(String title, double[] y, int colour) {
    return new Chart().title(title).xlabel("step t").ylabel("α").ylim(0, 0.105)
        .line(ts, y, null).color(new java.awt.Color(colour)).width(2.5).size(420, 340);
}
Figure.of(
        panel("inverse time: α₀ / (1 + 0.02 t)", lr[0], 0x1f77b4),
        panel("step: α₀ · 0.3^⌊t / 100⌋", lr[1], 0xff7f0e),
        panel("cosine, T = 300", lr[2], 0x2ca02c))
    .title("Learning-rate schedules, α₀ = 0.1").show();

// ## Why decay: SGD with noisy gradients
//
// Minimise $J(\theta) = \frac12 \|\theta\|^2$ over $\theta \in \mathbb{R}^{20}$, but every step
// sees the gradient plus noise, $g = \theta + \xi$, as a mini-batch would. (The loss
// $\frac12\|\theta\|^2 + \theta \cdot \xi$ has exactly that gradient.) With a constant rate,
// $\theta$ jitters around the minimum at a distance that grows with $\alpha$; a decaying rate
// averages the noise away.

double[] run(Schedule schedule, long seed) {
    var noise = new Generator(seed);
    var theta = Variable.of(Tensor.full(2f, 20)).requiresGrad(true);
    var opt = new SGD(List.of(theta), a0);
    var sched = new LrScheduler(opt, schedule);
    double[] err = new double[T + 1];
    for (int t = 0; t <= T; t++) {
        err[t] = theta.data().square().sum().item();
        if (t == T) break;
        var xi = Variable.of(Tensor.randn(noise, 20));
        opt.zeroGrad();
        theta.square().sum().mul(0.5f).add(theta.mul(xi).sum()).backward();
        opt.step();
        sched.step();
    }
    return err;
}
var constant = run(Schedule.constant(), 7);
var inv = run(inverse, 7);
var stp = run(stepped, 7);
var cos = run(cosine, 7);

// The distance at the end, averaged over the last 20 steps:

double tail(double[] e) { double s = 0; for (int t = T - 20; t <= T; t++) s += e[t]; return s / 21; }
System.out.printf("‖θ‖² at the end: constant %.3f, inverse time %.3f, step %.3f, cosine %.3f%n", tail(constant), tail(inv), tail(stp), tail(cos));
check(tail(cos) < tail(constant) / 3 && tail(stp) < tail(constant) / 2, "decay ends much closer to the minimum");

new Chart().title("SGD on noisy gradients").xlabel("step").ylabel("‖θ‖²").ylog()
    .line(ts, constant, "constant α = 0.1")
    .line(ts, inv, "inverse time")
    .line(ts, stp, "step")
    .line(ts, cos, "cosine")
    .show();
