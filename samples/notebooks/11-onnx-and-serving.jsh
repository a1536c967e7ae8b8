// # 11. Export to ONNX, and serve
//
// A trained network leaves the notebook in two ways. **ONNX** is a file format every major runtime
// reads (ONNX Runtime, TensorRT, OpenVINO, browsers): a graph of standard operators, each node
// computing its outputs from its inputs and the weights stored beside it. LeNet-5's fully
// connected layers become `Gemm` nodes, $Y = X W^\top + b$, its convolutions `Conv` nodes with the
// same weights, named by the model's state-dict keys.
//
// A **server** answers requests over HTTP. A client sends raw pixels $p \in [0, 255]$; the server
// prepares them as in training and answers with the softmax of the logits $z$:
//
// $$x = \frac{p / 255 - \mu}{\sigma}, \qquad P(k) = \frac{e^{z_k}}{\sum_j e^{z_j}}$$
//
// We train a LeNet-5 briefly, export it, read the file back and compare outputs; then start
// Nabla's inference server inside this notebook, post digits to it, check its answers against the
// library's own prediction, and stop it.

import dev.nabla.export.onnx.*;
import dev.nabla.serve.*;
import java.net.URI;
import java.net.http.*;

// ## A model to ship
//
// One short epoch on 4,000 of the embedded digits: a few seconds.

var mnist = Mnist.embedded();
var pre = Preprocessing.of(mnist.train(), Mnist.STATS);          // input shape, normalisation, class names
var model = new LeNet5(1, 28, 10, new Generator(0));
var opt = new Adam(model.parameters(), 2e-3);
var loader = new DataLoader(mnist.train().slice(0, 4000), DataLoader.options().batchSize(32).shuffle(true).transforms(pre.normalize()));
for (var b : loader.epoch(0)) {
    opt.zeroGrad();
    Functional.crossEntropy(model.call(b.inputs()), b.targets()).backward();
    opt.step();
}
model.eval();

// ## Export, and read back
//
// Export traces one forward pass on an example input, recording every operation. The batch
// dimension stays free: the file takes any number of images.

var dir = Files.createDirectories(Display.directory());         // the notebook's folder, beside its pictures
var file = dir.resolve("lenet5.onnx");                          // Netron (netron.app) draws its graph
Onnx.export(model, Variable.zeros(1, 1, 28, 28), file);
System.out.printf("%s: %,d bytes%n", file.getFileName(), Files.size(file));
var back = Onnx.load(file);
back.eval();
System.out.println("input " + back.inputShape() + ", nodes " + back.operators());
check(back.inputShape().get(0).equals("batch"), "the batch dimension is symbolic");
check(back.operators().stream().filter("Gemm"::equals).count() == 3, "three fully connected layers, three Gemm nodes");

// The weights travel bit for bit, under their own names:

for (var e : model.stateDict().entrySet())
    checkClose(back.stateDict().get(e.getKey()), e.getValue(), 0);

// The imported graph runs on Nabla's own operations; on 100 test digits it gives the logits the
// model gives, up to float rounding.

var test = mnist.test().slice(0, 100);
var images = Tensor.stack(0, IntStream.range(0, 100).mapToObj(i -> pre.apply(test.pixels(i)).reshape(1, 28, 28)).toArray(Tensor[]::new));
Tensor logits, logitsOnnx;
try (var off = Autograd.noGrad()) {
    logits = model.call(Variable.of(images)).data();
    logitsOnnx = back.call(Variable.of(images)).data();
}
System.out.printf("largest difference of the logits: %.2g%n", logits.sub(logitsOnnx).abs().max().item());
checkClose(logitsOnnx, logits, 1e-4);
check(Arrays.equals(logits.argmax(1, false).toIntArray(), logitsOnnx.argmax(1, false).toIntArray()), "the same answer for every digit");

// `Gemm` by hand: the last node is $Y = X W^\top + b$ with the file's `f3` initializers. Its input
// is the output of the 84-unit layer before it, which a hook on the model catches.

var f2Out = new Tensor[1];
var hook = model.getSubmodule("relu4").registerForwardHook((m, in, out) -> { f2Out[0] = out.data(); return null; });
try (var off = Autograd.noGrad()) { model.call(Variable.of(images)); }
hook.remove();
var gemm = f2Out[0].matmul(back.stateDict().get("f3.weight").t()).add(back.stateDict().get("f3.bias"));
checkClose(gemm, logitsOnnx, 1e-4);

// The same file runs in ONNX Runtime from Python, C++, C# or JavaScript, and `./nabla export
// --checkpoint RUN --out model.onnx` writes one from a training run.

// ## Serving
//
// The server reads a checkpoint: the weights with the preprocessing (so it can turn raw pixels
// into the model's input), and the architecture to build. From a shell, `./nabla serve
// --checkpoint DIR --model lenet5` runs the same server as a process; here it runs inside the
// notebook, on a free port (0), and answers once it has warmed up.

var checkpoint = dir.resolve("digits");
Checkpoint.saveModel(checkpoint, model, pre);
var server = InferenceServer.start(
    InferenceServer.options().port(0).warmup(2),
    List.of(ModelSource.checkpoint("digits", checkpoint).architecture("lenet5")));
System.out.println("serving at " + server.url() + ", models " + server.models());

// TensorFlow Serving's REST API: POST `{"instances": [...]}` to `/v1/models/NAME:predict`, one
// 28 x 28 array of pixels per digit.

var http = HttpClient.newHttpClient();
String post(String path, Object body) throws Exception {
    var request = HttpRequest.newBuilder(URI.create(server.url() + path))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(Json.write(body))).build();
    var response = http.send(request, HttpResponse.BodyHandlers.ofString());
    check(response.statusCode() == 200, path + " answered " + response.statusCode() + ": " + response.body());
    return response.body();
}
List<int[]> rows(byte[] pixels) {
    var r = new ArrayList<int[]>();
    for (int y = 0; y < 28; y++) {
        var row = new int[28];
        for (int x = 0; x < 28; x++) row[x] = pixels[28 * y + x] & 0xff;    // bytes are unsigned pixels
        r.add(row);
    }
    return r;
}
int N = 8;
var instances = IntStream.range(0, N).mapToObj(i -> rows(test.pixels(i))).toList();
var reply = post("v1/models/digits:predict", Map.of("instances", instances));
System.out.println(reply.substring(0, 200) + " ...");

// Each prediction holds the class and the ten probabilities. The library computes them here from
// the same pixels: $x = (p/255 - \mu)/\sigma$ by hand, the model, then the softmax.

var predictions = (List<Map<String, Object>>) ((Map<String, Object>) Json.parse(reply)).get("predictions");
check(predictions.size() == N, "one prediction per digit");
float mu = Mnist.STATS.mean()[0], sigma = Mnist.STATS.std()[0];
var batch = new float[N * 28 * 28];
for (int i = 0; i < N; i++) {
    var px = test.pixels(i);
    for (int j = 0; j < px.length; j++) batch[i * 784 + j] = ((px[j] & 0xff) / 255f - mu) / sigma;
}
var byHand = Tensor.fromArray(batch, N, 1, 28, 28);
checkClose(byHand, images.narrow(0, 0, N), 1e-6);                  // what Preprocessing.apply gave
Tensor expected;
try (var off = Autograd.noGrad()) { expected = model.call(Variable.of(byHand)).data().softmax(1); }
var probabilities = new float[N][];
var captions = new String[N];
for (int i = 0; i < N; i++) {
    var p = predictions.get(i);
    var listed = (List<Number>) p.get("probabilities");
    probabilities[i] = new float[10];
    for (int k = 0; k < 10; k++) probabilities[i][k] = listed.get(k).floatValue();
    int cls = ((Number) p.get("class")).intValue();
    check(cls == expected.select(0, i).argmax().item(), "digit " + i + ": the server's class is the library's");
    captions[i] = String.format("%d (%.0f%%), true %d", cls, 100 * probabilities[i][cls], test.label(i));
}
var servedProbabilities = Tensor.of(probabilities);
checkClose(servedProbabilities, expected, 1e-5);
checkClose(servedProbabilities.sum(1), Tensor.ones(N), 1e-5);

// An application that embeds the model instead of calling a server uses `Classifier`, which loads
// the same checkpoint; its answers are the server's too.

var classifier = Classifier.load(checkpoint, new LeNet5(1, 28, 10, new Generator(1)));
for (int i = 0; i < N; i++) {
    var local = classifier.predict(test.pixels(i), 10).get(0);
    check(local.top() == ((Number) predictions.get(i).get("class")).intValue(), "digit " + i + ": Classifier agrees with the server");
    checkClose(local.probability(), probabilities[i][local.top()], 1e-5);
}
Plot.images(images.narrow(0, 0, N).reshape(N, 28, 28)).labels(captions).cols(4).title("answers of the server (probability), and the truth").show();

// The served probabilities of the first digit, beside the library's, on a log scale where the
// small ones can be seen:

var classes = Tensor.arange(10).toFloat();
new Chart().title("P(k) for the first test digit").xlabel("class k").ylabel("probability").ylog()
    .line(classes, expected.select(0, 0), "library: softmax(model(x))").markers()
    .line(classes, servedProbabilities.select(0, 0), "server").dashed().markers()
    .show();

// The server also describes what it serves, and refuses what it cannot serve with a clear error:

var metadata = http.send(HttpRequest.newBuilder(URI.create(server.url() + "v1/models/digits/metadata")).build(),
    HttpResponse.BodyHandlers.ofString()).body();
System.out.println(metadata);
check(metadata.contains("\"input_shape\":[1,28,28]"), "the metadata gives the input shape");
var bad = http.send(HttpRequest.newBuilder(URI.create(server.url() + "v1/models/digits:predict"))
    .POST(HttpRequest.BodyPublishers.ofString("{\"instances\": [[1, 2, 3]]}")).build(), HttpResponse.BodyHandlers.ofString());
System.out.println(bad.statusCode() + " " + bad.body());
check(bad.statusCode() == 400, "a wrongly shaped image is a bad request");

// Closing drains the requests in flight and stops listening.

server.close();
boolean refused;
try {
    http.send(HttpRequest.newBuilder(URI.create(server.url() + "health")).build(), HttpResponse.BodyHandlers.ofString());
    refused = false;
} catch (IOException e) {
    refused = true;
}
check(refused, "nothing answers after close()");
