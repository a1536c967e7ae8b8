// # 7. LeNet-5 end to end
//
// LeCun's LeNet-5 reads a digit through two convolution + pooling stages and three fully
// connected layers, ending in 10 scores (logits) $z$, one per class. Training minimises the
// cross-entropy of the softmax of those scores against the true class $y$:
//
// $$L = -\log \frac{e^{z_y}}{\sum_k e^{z_k}} = -z_y + \log \sum_k e^{z_k}$$
//
// averaged over a mini-batch, with Adam. Here: 3,000 of the embedded MNIST digits, three passes
// (epochs), then the test accuracy on 1,000 digits it never saw, the learning curves, the
// confusion matrix and the digits it got wrong. At the end, the same network on real CIFAR-10
// images, if they are on this machine.

var mnist = Mnist.embedded();
var train = mnist.train().slice(0, 3000);
var test = mnist.test().slice(0, 1000);
var first = new Tensor[16];
var firstLabels = new String[16];
for (int i = 0; i < 16; i++) {
    first[i] = train.get(i).input();
    firstLabels[i] = Integer.toString(train.get(i).label());
}
Plot.images(Tensor.stack(0, first)).labels(firstLabels).cols(8).title("the first training digits").show();

// ## Model, optimizer, data loaders
//
// Inputs are normalised with the data set's mean and standard deviation; batches of 32 are
// shuffled anew every epoch.

var model = new LeNet5(1, 28, 10, new Generator(0));
System.out.println(model);
System.out.printf("%,d parameters%n", model.parameterCount());
var opt = new Adam(model.parameters(), 2e-3);
var trainLoader = new DataLoader(train, DataLoader.options().batchSize(32).shuffle(true).dropLast(true).transforms(Transforms.normalize(Mnist.STATS)));
var testLoader = new DataLoader(test, DataLoader.options().batchSize(500).transforms(Transforms.normalize(Mnist.STATS)));

// ## Cross-entropy by hand, once
//
// On the first batch, before training: $-z_y + \log\sum_k e^{z_k}$ from the logits, against
// `Functional.crossEntropy`. Untrained, every class is about equally likely, so the loss is
// near $\log 10 \approx 2.30$.

Batch batch0;
try (var batches = trainLoader.epoch(0).iterator()) {      // closing stops the loader's prefetching
    batch0 = batches.next();
}
var z = model.call(batch0.inputs()).data();
var y0 = batch0.targets().data().toIntArray();            // the labels are int64 class indices
double byHand = 0;
for (int i = 0; i < y0.length; i++) {
    var zi = z.select(0, i);
    byHand += -zi.get(y0[i]) + Math.log(zi.exp().sum().item());
}
byHand /= y0.length;
checkClose(Functional.crossEntropy(Variable.of(z), batch0.targets()).item(), byHand, 1e-5);
checkClose(byHand, Math.log(10), 0.3);

// ## Evaluation: accuracy and the confusion matrix
//
// Row = true class, column = predicted class; the diagonal counts the correct answers.
// `eval()` switches layers to inference behaviour and `noGrad` skips recording the graph.

record Wrong(int index, int truth, int predicted) {}
record Evaluation(double accuracy, double[][] confusion, List<Wrong> wrong) {}
Evaluation evaluate(Module net, DataLoader loader) {
    net.eval();
    var confusion = new double[10][10];
    var wrong = new ArrayList<Wrong>();
    int correct = 0, total = 0;
    try (var off = Autograd.noGrad()) {
        for (var b : loader.epoch(0)) {
            var predicted = net.call(b.inputs()).data().argmax(1, false).toIntArray();
            var truth = b.targets().data().toIntArray();
            for (int i = 0; i < truth.length; i++) {
                confusion[truth[i]][predicted[i]]++;
                if (truth[i] == predicted[i]) correct++;
                else wrong.add(new Wrong(b.indices()[i], truth[i], predicted[i]));
                total++;
            }
        }
    }
    net.train();
    return new Evaluation(correct / (double) total, confusion, wrong);
}

// ## Training
//
// Three epochs of about 94 steps each; the loss of every step and the test accuracy after
// every epoch are kept for the curves.

var stepLoss = new ArrayList<Double>();
var testAccuracy = new ArrayList<Double>();
Evaluation last = null;
for (int epoch = 0; epoch < 3; epoch++) {
    for (var b : trainLoader.epoch(epoch)) {
        opt.zeroGrad();
        var loss = Functional.crossEntropy(model.call(b.inputs()), b.targets());
        loss.backward();
        opt.step();
        stepLoss.add((double) loss.item());
    }
    last = evaluate(model, testLoader);
    testAccuracy.add(100 * last.accuracy());
    System.out.printf("epoch %d: last loss %.4f, test accuracy %.2f%%%n", epoch + 1, stepLoss.get(stepLoss.size() - 1), 100 * last.accuracy());
}
check(last.accuracy() > 0.92, "LeNet-5 reads more than 92% of unseen digits after three short epochs");
double diagonal = 0;
for (int k = 0; k < 10; k++) diagonal += last.confusion()[k][k];
checkClose(diagonal / 1000, last.accuracy(), 1e-12);

// ## Curves, confusion matrix, mistakes

// A single step's loss is noisy (32 digits); the mean of the last 20 steps shows the trend.

double[] steps = new double[stepLoss.size()];
double[] raw = new double[steps.length];
double[] smooth = new double[steps.length];
for (int i = 0; i < steps.length; i++) {
    steps[i] = (i + 1) / (double) trainLoader.size();
    raw[i] = stepLoss.get(i);
    int from = Math.max(0, i - 19);
    for (int k = from; k <= i; k++) smooth[i] += stepLoss.get(k) / (i - from + 1);
}
var lossChart = new Chart().title("training loss").xlabel("epoch").ylabel("cross-entropy").ylog()
    .line(steps, raw, "each step").color(new java.awt.Color(0x9ecae1)).width(1)
    .line(steps, smooth, "mean of the last 20").color(new java.awt.Color(0x08519c));
var accChart = new Chart().title("test accuracy").xlabel("epoch").ylabel("%")
    .line(new double[] {1, 2, 3}, testAccuracy.stream().mapToDouble(Double::doubleValue).toArray(), "test").markers();
Figure.of(lossChart, accChart).title("LeNet-5 on 3,000 MNIST digits").show();

String[] digitNames = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
new Chart().title(String.format("confusion matrix, %.1f%% correct", 100 * last.accuracy()))
    .xlabel("predicted").ylabel("true").heatmap(last.confusion()).colorMap(ColorMap.BLUES).annotate()
    .xticks(digitNames).yticks(digitNames).size(600, 520).show();

int shown = Math.min(16, last.wrong().size());
var mistakes = new Tensor[shown];
var captions = new String[shown];
for (int i = 0; i < shown; i++) {
    var w = last.wrong().get(i);
    mistakes[i] = test.get(w.index()).input();
    captions[i] = w.truth() + " → " + w.predicted();
}
if (shown > 0) Plot.images(Tensor.stack(0, mistakes)).labels(captions).cols(8).title("misread digits (true → predicted)").show();

// ## The same loop from the library: `Trainer`
//
// The loop above is what `Trainer` runs for you (Keras' `fit`, Lightning's `Trainer`): here a
// tenth of the training digits is held out, stratified, to validate on after every epoch; each
// epoch logs a line, and `Metrics` gives the test set's accuracy, per-class precision, recall
// and F1, and the confusion matrix. Callbacks add early stopping, best and last checkpoints and a
// CSV log; `./nabla train` is built on it.

var parts = train.stratifiedSplit(0.1, 0);
var valLoader = new DataLoader(parts.test(), DataLoader.options().batchSize(500).transforms(Transforms.normalize(Mnist.STATS)));
var net = new LeNet5(1, 28, 10, new Generator(0));
var trainer = new Trainer(net, new Adam(net.parameters(), 2e-3), Trainer.options().epochs(3).classNames(Mnist.CLASSES).progress(null));
var history = trainer.fit(
    new DataLoader(parts.train(), DataLoader.options().batchSize(32).shuffle(true).transforms(Transforms.normalize(Mnist.STATS))),
    valLoader);
var testMetrics = trainer.evaluate(testLoader);
System.out.println(testMetrics.report());
check(testMetrics.accuracy() > 0.92, "the Trainer's LeNet-5 also reads more than 92% of unseen digits");
checkClose(history.last().orElseThrow().valAccuracy(), trainer.evaluate(valLoader).accuracy(), 1e-12);

// ## The same network on CIFAR-10
//
// Colour 32 x 32 photos of ten kinds of object are much harder than digits. If CIFAR-10 (or the
// project's real subset) is on this machine, at `-Dnabla.cifar10=DIR` or `data/cifar10`, LeNet-5
// gets two short epochs on 2,000 of them; chance is 10%.

var cifarDir = Path.of(System.getProperty("nabla.cifar10", "data/cifar10"));
if (Files.exists(cifarDir)) {
    var cifar = Cifar10.load(cifarDir);
    var ctrain = cifar.train().slice(0, 2000);
    var ctest = cifar.test().slice(0, 500);
    var norm = Transforms.normalize(ctrain.channelStats());
    var cnet = new LeNet5(3, 32, 10, new Generator(1));
    var adam = new Adam(cnet.parameters(), 2e-3);
    var loader = new DataLoader(ctrain, DataLoader.options().batchSize(32).shuffle(true).dropLast(true).seed(1).transforms(norm));
    for (int epoch = 0; epoch < 2; epoch++)
        for (var b : loader.epoch(epoch)) {
            adam.zeroGrad();
            Functional.crossEntropy(cnet.call(b.inputs()), b.targets()).backward();
            adam.step();
        }
    var result = evaluate(cnet, new DataLoader(ctest, DataLoader.options().batchSize(500).transforms(norm)));
    System.out.printf("CIFAR-10: test accuracy %.1f%% after 2 epochs on 2,000 images (chance 10%%)%n", 100 * result.accuracy());
    check(result.accuracy() > 0.18, "well above chance on CIFAR-10");
    var pics = new Tensor[10];
    var picNames = new String[10];
    for (int i = 0; i < 10; i++) {
        pics[i] = ctest.get(i).input();
        picNames[i] = Cifar10.CLASSES.get(ctest.get(i).label());
    }
    Plot.images(Tensor.stack(0, pics)).labels(picNames).title("CIFAR-10 test images").show();
} else {
    System.out.println("CIFAR-10 is not at " + cifarDir + ": skipped (./nabla train --dataset cifar10 --download fetches it)");
}
