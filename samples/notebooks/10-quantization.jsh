// # 10. Quantization, pruning, distillation: smaller networks
//
// A float32 weight takes 4 bytes; an int8 one takes 1, and integer arithmetic is cheaper. Affine
// quantization maps a real range $[x_{min}, x_{max}]$ (widened to contain 0, so that 0 stays exact)
// onto the 256 integers $-128 \ldots 127$ with a **scale** $s$ (the real value of one step) and a
// **zero point** $z$ (the integer standing for 0):
//
// $$s = \frac{x_{max} - x_{min}}{255}, \qquad z = -128 - \mathrm{round}\!\left(\frac{x_{min}}{s}\right)$$
//
// $$q = \mathrm{clamp}\!\left(\mathrm{round}\!\left(\frac{x}{s}\right) + z,\; -128,\; 127\right), \qquad \hat x = s\,(q - z)$$
//
// Inside the range, rounding is the only loss: $|x - \hat x| \le s / 2$. We compute $s$, $z$ and
// $q$ by hand and check them against the library; compare one scale per tensor with one per
// output channel on the weights of a trained LeNet-5; then quantize that whole network to int8
// after training (post-training static quantization) and compare its accuracy and size with the
// float model's. Two more ways to shrink a network close the lesson: pruning (zeroing the smallest
// weights) and distillation (training a small student on a big teacher's answers).

import dev.nabla.quantize.*;
import dev.nabla.quantize.observer.*;
import dev.nabla.quantize.prune.*;
import dev.nabla.quantize.distill.*;

// ## Scale and zero point by hand
//
// A thousand values shaped like activations: mostly positive, with a tail below 0.

var x = Tensor.randn(new Generator(0), 1000).mul(0.8f).add(0.6f);
float xmin = Math.min(x.min().item(), 0f), xmax = Math.max(x.max().item(), 0f);
float s = (xmax - xmin) / 255f;
int z = -128 - (int) Math.rint(xmin / s);             // rint: halves to even, as PyTorch rounds
System.out.printf("range [%.4f, %.4f]: scale %.6f, zero point %d%n", xmin, xmax, s, z);

// The library's observer watches the tensor and picks the same parameters (affine int8, one pair
// for the whole tensor):

var observer = new MinMaxObserver(new ObserverConfig(DType.INT8, QScheme.PER_TENSOR_AFFINE, false));
observer.observe(x);
var qp = observer.qparams();
System.out.println(qp);
checkClose(qp.scale(), s, 0);
check(qp.zeroPoint() == z, "the zero point by hand, " + z + ", is the observer's, " + qp.zeroPoint());

// Now every value, by the formula, against `quantizePerTensor` (PyTorch's
// `torch.quantize_per_tensor`): its stored integers and the values they stand for.

/** q = clamp(round(x / s) + z, -128, 127), value by value. */
float[] quantize(float[] x, float s, int z) {
    float inv = 1 / s;          // the kernels multiply by 1/s, once per tensor, rather than divide
    var q = new float[x.length];
    for (int i = 0; i < x.length; i++) q[i] = (float) Math.max(-128, Math.min(127, Math.rint(x[i] * inv) + z));
    return q;
}
var qByHand = Tensor.fromArray(quantize(x.toArray(), s, z), x.numel());
var xHat = qByHand.sub(z).mul(s);                      // x^ = s (q - z)
var xq = x.quantizePerTensor(s, z, DType.INT8);
checkClose(xq.intRepr().toFloat(), qByHand, 0);
checkClose(xq.dequantize(), xHat, 1e-6);
double worst = x.sub(xq.dequantize()).abs().max().item();
System.out.printf("largest error %.6f, half a step %.6f%n", worst, s / 2);
check(worst <= s / 2 * (1 + 1e-5), "inside the range the error is at most half a step");

// A value outside the range saturates: it is clamped to 127, and its error is no longer bounded.

checkClose(Tensor.of(xmax + 1f).quantizePerTensor(s, z, DType.INT8).dequantize().item(), s * (127 - z), 1e-6);

// ## A LeNet-5 to quantize
//
// Two short epochs on 4,000 of the embedded digits, a few seconds.

var mnist = Mnist.embedded();
var norm = Transforms.normalize(Mnist.STATS);
var trainLoader = new DataLoader(mnist.train().slice(0, 4000), DataLoader.options().batchSize(32).shuffle(true).dropLast(true).transforms(norm));
var testLoader = new DataLoader(mnist.test().slice(0, 1000), DataLoader.options().batchSize(500).transforms(norm));
var model = new LeNet5(1, 28, 10, new Generator(0));
var opt = new Adam(model.parameters(), 2e-3);
for (int epoch = 0; epoch < 2; epoch++)
    for (var b : trainLoader.epoch(epoch)) {
        opt.zeroGrad();
        Functional.crossEntropy(model.call(b.inputs()), b.targets()).backward();
        opt.step();
    }
model.eval();

/** Test logits [1000, 10] and labels of a model, without recording a graph. */
record Scores(Tensor logits, int[] labels) {
    double accuracy() {
        var p = logits.argmax(1, false).toIntArray();
        int ok = 0;
        for (int i = 0; i < p.length; i++) if (p[i] == labels[i]) ok++;
        return ok / (double) p.length;
    }
}
Scores scores(Module net) {
    var logits = new ArrayList<Tensor>();
    var labels = new ArrayList<Integer>();
    try (var off = Autograd.noGrad()) {
        for (var b : testLoader.epoch(0)) {
            logits.add(net.call(b.inputs()).data());
            for (int y : b.targets().data().toIntArray()) labels.add(y);
        }
    }
    return new Scores(Tensor.cat(0, logits.toArray(new Tensor[0])), labels.stream().mapToInt(Integer::intValue).toArray());
}
var fp32 = scores(model);
System.out.printf("float32 LeNet-5: %.1f%% of 1,000 test digits%n", 100 * fp32.accuracy());
check(fp32.accuracy() > 0.92, "the float model learned");

// ## One scale per tensor or one per channel?
//
// Weights are centred on 0, so they are quantized **symmetrically**: $z = 0$ and
// $s = \max|w| / 127.5$. With one scale for the whole weight of the first fully connected layer
// (120 output channels of 400 inputs), a channel whose weights are all small uses only a
// fraction of the 256 levels; with one scale per output channel $c$, $s_c = \max_j |w_{cj}| / 127.5$, each channel
// uses the whole int8 range.

var w = model.namedParameters().get("f1.weight").data();         // [120, 400]
int C = w.size(0);
float sTensor = w.abs().max().item() / 127.5f;
var sChannel = w.abs().max(1).div(127.5f);                        // [120]
var perTensor = w.quantizePerTensor(sTensor, 0, DType.INT8).dequantize();
var perChannel = QuantizedWeight.quantize(w, sChannel);           // what a quantized layer holds

// The per-channel integers by hand, and the scales against the weight observer's:

var wByHand = Tensor.stack(0, IntStream.range(0, C)
    .mapToObj(c -> Tensor.fromArray(quantize(w.select(0, c).toArray(), sChannel.get(c), 0), 400)).toArray(Tensor[]::new));
checkClose(perChannel.values().toFloat(), wByHand, 0);
var weightObserver = new PerChannelMinMaxObserver(ObserverConfig.weights());
weightObserver.observe(w);
checkClose(Tensor.fromArray(weightObserver.qparams().scales(), C), sChannel, 1e-7);

// Rounding errors spread evenly over one step, $[-s/2, s/2]$, so their root mean square is
// $s / \sqrt{12}$: with one scale, every channel has the same error; with its own scale, a channel's
// error follows its largest weight.

var errTensor = perTensor.sub(w);
var errChannel = perChannel.dequantize().sub(w);
var rmsTensor = errTensor.square().mean(1).sqrt();
var rmsChannel = errChannel.square().mean(1).sqrt();
System.out.printf("RMS error: per tensor %.3g (s/sqrt(12) = %.3g), per channel %.3g%n",
    errTensor.square().mean().sqrt().item(), sTensor / Math.sqrt(12), errChannel.square().mean().sqrt().item());
checkClose(errTensor.square().mean().sqrt().item(), sTensor / Math.sqrt(12), 0.05 * sTensor / Math.sqrt(12));
check(errChannel.square().mean().item() < errTensor.square().mean().item(), "per-channel scales lose less");
check(errChannel.abs().max(1).sub(sChannel.div(2f)).max().item() <= 1e-6, "every channel within half its own step");

int bins = 40;
float half = sTensor / 2;                                         // per-tensor errors fill [-s/2, s/2]
var centres = Tensor.linspace(-half + half / bins, half - half / bins, bins);
var largest = w.abs().max(1);
Figure.of(
        new Chart().title("rounding errors of all 48,000 weights").xlabel("quantized − float").ylabel("count")
            .line(centres, errTensor.histc(bins, -half, half), "one scale per tensor")
            .line(centres, errChannel.histc(bins, -half, half), "one scale per channel"),
        new Chart().title("RMS error of each output channel").xlabel("largest |weight| of the channel").ylabel("RMS error")
            .scatter(largest, rmsTensor, "per tensor").scatter(largest, rmsChannel, "per channel")
            .line(new double[] {0, largest.max().item()}, new double[] {0, largest.max().item() / 127.5 / Math.sqrt(12)}, "s_c / √12").dashed())
    .title("f1.weight [120, 400] in int8").show();

// ## Post-training static quantization
//
// The library quantizes the whole network, PyTorch's eager-mode recipe: `prepare` fuses each
// convolution or linear layer with the ReLU after it and puts an observer on every activation;
// `calibrate` runs real batches through it so each observer sees its activation's range;
// `convert` swaps every layer for its int8 version: weights int8 with one scale per channel,
// activations uint8 (the same formula with the range $0 \ldots 255$) with the scale and zero point
// their observer chose. The result takes float images, quantizes them once, computes in 8-bit
// integers from the first layer to the last (32-bit sums, rescaled between layers), and returns
// float logits.
//
// `prepare` changes the model in place, so the float model is copied first.

var floatModel = new LeNet5(1, 28, 10, new Generator(0));
floatModel.loadStateDict(model.stateDict());
floatModel.eval();
Batch first;
try (var it = trainLoader.epoch(0).iterator()) { first = it.next(); }
var int8 = Quantization.prepare(model, QConfig.defaults(), first.inputs().data());
Quantization.calibrate(int8, trainLoader, 8);
Quantization.convert(int8);
System.out.println(int8);

var q8 = scores(int8);
double agree = 0;
var p32 = fp32.logits().argmax(1, false).toIntArray();
var p8 = q8.logits().argmax(1, false).toIntArray();
for (int i = 0; i < p32.length; i++) if (p32[i] == p8[i]) agree++;
System.out.printf("accuracy: float32 %.1f%%, int8 %.1f%%; the same answer on %.1f%% of the digits%n",
    100 * fp32.accuracy(), 100 * q8.accuracy(), 100 * agree / p32.length);
check(q8.accuracy() >= fp32.accuracy() - 0.01, "int8 keeps the accuracy within one point");
check(agree / p32.length > 0.98, "int8 and float32 agree on almost every digit");
checkClose(scores(floatModel).logits(), fp32.logits(), 0);       // the copy is the float model

// The int8 model holds its weights as int8 tensors with their scales. Saved, it is about four
// times smaller:

var dir = Files.createDirectories(Display.directory());         // the notebook's folder, beside its pictures
SafeTensors.save(floatModel, dir.resolve("float32.safetensors"));
SafeTensors.save(int8, dir.resolve("int8.safetensors"));
long bytes32 = Files.size(dir.resolve("float32.safetensors")), bytes8 = Files.size(dir.resolve("int8.safetensors"));
System.out.printf("float32 %,d bytes, int8 %,d bytes: %.2f times smaller%n", bytes32, bytes8, bytes32 / (double) bytes8);
check(int8.stateDict().get("module.f1.weight").dtype() == DType.INT8, "the weights are stored as int8");
check(bytes32 > 3.5 * bytes8, "int8 is about a quarter of the size");

// Logits of int8 against float32: the points lie close to the diagonal.

var l32 = fp32.logits().narrow(0, 0, 200).flatten();
var l8 = q8.logits().narrow(0, 0, 200).flatten();
new Chart().title(String.format("logits of 200 test digits (%.1f%% / %.1f%% correct)", 100 * fp32.accuracy(), 100 * q8.accuracy()))
    .xlabel("float32 logit").ylabel("int8 logit").scatter(l32, l8, "one logit")
    .line(new double[] {l32.min().item(), l32.max().item()}, new double[] {l32.min().item(), l32.max().item()}, "y = x").dashed()
    .show();

// ## Pruning: zeros instead of small weights
//
// Magnitude pruning removes the weights that matter least by the simplest measure, their size: to
// prune a fraction $a$ of a weight's $n$ entries, zero the $\mathrm{round}(a n)$ smallest $|w|$ and
// keep a 0/1 **mask** $m$ so they stay zero: $w \leftarrow m \odot w$. (PyTorch's
// `torch.nn.utils.prune`; `Pruning` keeps the mask and makes optimizers honour it.)
//
// Half of `f1.weight` by hand, against `l1Unstructured`, on a fresh copy of the float model:

Module floatCopy() {
    var net = new LeNet5(1, 28, 10, new Generator(0));
    net.loadStateDict(floatModel.stateDict());
    return net.eval();
}
var net = floatCopy();
var w1 = net.namedParameters().get("f1.weight").data().copy();
var sortedMagnitudes = w1.abs().flatten().toArray();
Arrays.sort(sortedMagnitudes);
float threshold = sortedMagnitudes[24_000 - 1];                  // the 24,000th smallest |w| goes, and all below it
var maskByHand = w1.abs().gt(threshold).toFloat();
var pruning = Pruning.of(net).l1Unstructured("f1.weight", 0.5);
checkClose(pruning.mask("f1.weight"), maskByHand, 0);
checkClose(net.namedParameters().get("f1.weight").data(), w1.mul(maskByHand), 0);
checkClose(pruning.sparsity(), 0.5, 0);

// ## Sparsity against accuracy
//
// Prune every convolution and linear weight to a sparsity $s$ and measure the test accuracy, with
// no retraining: each layer on its own, or **globally**, ranking all the weights together so that
// layers with many small weights (the large `f1`) give up more than the small first convolution.

var sparsities = new double[] {0, 0.5, 0.7, 0.8, 0.9, 0.95};
var eachLayer = new double[sparsities.length];
var global = new double[sparsities.length];
for (int i = 0; i < sparsities.length; i++) {
    for (boolean g : new boolean[] {false, true}) {
        var pruned = floatCopy();
        var p = Pruning.of(pruned).pruneTo(Pruning.weights(pruned), sparsities[i], g);
        checkClose(p.sparsity(), sparsities[i], 1e-4);
        (g ? global : eachLayer)[i] = 100 * scores(pruned).accuracy();
    }
    System.out.printf("sparsity %.2f: accuracy %.1f%% each layer alone, %.1f%% global%n", sparsities[i], eachLayer[i], global[i]);
}
checkClose(global[0], 100 * fp32.accuracy(), 1e-9);
check(global[1] >= 100 * fp32.accuracy() - 1, "half the weights go at almost no cost");

// At 90% sparsity, a short fine-tuning (60 steps) lets the remaining weights make up for the
// missing ones. `attach` makes the optimizer keep the pruned weights at exactly zero: their
// gradients are masked before each step, the weights and Adam's moments after it.

var sparse = floatCopy();
var sparsePruning = Pruning.of(sparse).pruneTo(Pruning.weights(sparse), 0.9, true);
double before = scores(sparse).accuracy();
var fineTune = new Adam(sparse.parameters(), 1e-3);
sparsePruning.attach(fineTune);
sparse.train();
try (var it = trainLoader.epoch(5).iterator()) {
    for (int step = 0; step < 60; step++) {
        var b = it.next();
        fineTune.zeroGrad();
        Functional.crossEntropy(sparse.call(b.inputs()), b.targets()).backward();
        fineTune.step();
    }
}
sparse.eval();
double after = scores(sparse).accuracy();
System.out.printf("90%% sparse: %.1f%% before fine-tuning, %.1f%% after (dense float32: %.1f%%)%n", 100 * before, 100 * after, 100 * fp32.accuracy());
check(after > before && after > 0.9, "fine-tuning recovers most of the accuracy");
for (var name : sparsePruning.pruned()) {         // w = m * w: every pruned weight is still exactly zero
    var trained = sparse.namedParameters().get(name).data();
    checkClose(trained.mul(sparsePruning.mask(name)), trained, 0);
}
new Chart().title("magnitude pruning of LeNet-5, no retraining").xlabel("sparsity (fraction of weights zeroed)").ylabel("test accuracy %")
    .line(sparsities, eachLayer, "each layer alone").markers().line(sparsities, global, "global").markers()
    .scatter(new double[] {0.9}, new double[] {100 * after}, "global, 60 steps of fine-tuning")
    .show();

// ## Distillation: a student learns from a teacher's soft answers
//
// A small student can learn from a trained teacher's whole probability distribution, not just the
// label: which wrong classes look plausible is information too. Hinton et al. soften both
// distributions with a temperature $T$, $p^T = \mathrm{softmax}(z / T)$, and mix the KL divergence
// with the usual cross-entropy on the labels $y$:
//
// $$L = \alpha \, T^2 \, \mathrm{KL}\!\left(p^T_{teacher} \,\|\, p^T_{student}\right) + (1 - \alpha)\, \mathrm{CE}(z_{student}, y), \qquad \mathrm{KL}(p \| q) = \sum_k p_k \log \frac{p_k}{q_k}$$
//
// ($T^2$ keeps the soft term's gradients on the scale of the hard one.) The teacher is our float
// LeNet-5; the student a small two-layer network, untrained. The loss of one batch by hand,
// against the library's:

var teacher = Teacher.of(floatCopy());
var student = new Sequential(new Flatten(), new Linear(784, 32, new Generator(1)), new ReLU(), new Linear(32, 10, new Generator(2)));
double T = 4, alpha = 0.7;
var zs = student.call(first.inputs());
var zt = teacher.logits(first.inputs());
var pt = zt.data().div((float) T).softmax(1);
var logPs = zs.data().div((float) T).logSoftmax(1);
var kl = pt.mul(pt.log().sub(logPs)).sum().item() / zs.size(0);       // summed over classes, averaged over the batch
var ce = Functional.crossEntropy(zs, first.targets()).item();
double kdByHand = alpha * T * T * kl + (1 - alpha) * ce;
var kd = new DistillationLoss(T, alpha).call(zs, zt, first.targets());
System.out.printf("KL %.4f, cross-entropy %.4f: distillation loss %.5f by hand, %.5f by the library%n", kl, ce, kdByHand, kd.item());
checkClose(kd.item(), kdByHand, 1e-5);
checkClose(Functional.distillationLoss(zs, zt, first.targets(), T, alpha).item(), kdByHand, 1e-5);

// What the student is shown for the first digit: at $T = 1$ the teacher is nearly certain; at
// $T = 4$ the other classes get visible probability.

var digitClasses = Tensor.arange(10).toFloat();
new Chart().title("the teacher's answer for the first digit (label " + first.targets().data().toIntArray()[0] + "), softened").xlabel("class").ylabel("probability").ylog()
    .line(digitClasses, zt.data().select(0, 0).softmax(0), "T = 1").markers()
    .line(digitClasses, pt.select(0, 0), "T = 4").markers()
    .show();
