// # 6. Convolution and max-pooling on a real digit
//
// A convolution slides a small kernel $k$ over the image and takes a weighted sum at every
// position (deep-learning libraries compute cross-correlation and call it convolution):
//
// $$(x \star k)[i, j] = \sum_{u=0}^{2} \sum_{v=0}^{2} x[i + u, j + v] \; k[u, v]$$
//
// With padding 1, a 3 x 3 kernel keeps the 28 x 28 size. Max-pooling then keeps the largest
// value of each 2 x 2 block, halving height and width:
// $\; p[i, j] = \max_{u, v \in \{0, 1\}} y[2i + u, 2j + v]$.
//
// We apply four hand-made kernels to a digit from the embedded MNIST set, check a few outputs by
// hand, and look at everything: the input, the kernels, the feature maps and the pooled maps.

var digits = Mnist.embedded().train();
var sample = digits.get(0);
var image = sample.input();                       // [1, 28, 28], values in [0, 1]
System.out.println("label " + sample.label() + ", shape " + image.shape());

// A tensor that is an image saves as a picture in one call, which prints where it went:

Plot.image(image).title("digit " + sample.label()).save(Display.directory().resolve("digit.png"));

// ## Four kernels, written out
//
// Vertical edges (Sobel), horizontal edges, a blur and a sharpen. As one weight tensor of shape
// `[out channels, in channels, 3, 3]`.

var kernels = Tensor.of(new float[][] {
    {-1, 0, 1, -2, 0, 2, -1, 0, 1},                      // vertical edges
    {-1, -2, -1, 0, 0, 0, 1, 2, 1},                      // horizontal edges
    {1 / 9f, 1 / 9f, 1 / 9f, 1 / 9f, 1 / 9f, 1 / 9f, 1 / 9f, 1 / 9f, 1 / 9f},   // blur
    {0, -1, 0, -1, 5, -1, 0, -1, 0}}).reshape(4, 1, 3, 3);                    // sharpen
String[] names = {"vertical edges", "horizontal edges", "blur", "sharpen"};
Plot.filters(kernels).labels(names).title("the kernels (blue < 0 < red)").zoom(24).show();

// ## Convolution and pooling

var x = Variable.of(image.reshape(1, 1, 28, 28));
var maps = Functional.conv2d(x, Variable.of(kernels), null, 1, 1);     // stride 1, padding 1
var pooled = Functional.maxPool2d(maps, 2);
check(Arrays.equals(maps.dims(), new int[] {1, 4, 28, 28}), "padding 1 keeps 28 x 28");
check(Arrays.equals(pooled.dims(), new int[] {1, 4, 14, 14}), "2 x 2 pooling halves each side");

// ## Checked by hand
//
// The formula at position (14, 10) for the vertical-edge kernel (padding shifts the window by
// one), and the maximum of one 2 x 2 block.

double sum = 0;
for (int u = 0; u < 3; u++)
    for (int v = 0; v < 3; v++) {
        int r = 14 + u - 1, c = 10 + v - 1;
        sum += image.get(0, r, c) * kernels.get(0, 0, u, v);
    }
checkClose(maps.get(0, 0, 14, 10), sum, 1e-5);
double max = Double.NEGATIVE_INFINITY;
for (int u = 0; u < 2; u++)
    for (int v = 0; v < 2; v++) max = Math.max(max, maps.get(0, 0, 2 * 7 + u, 2 * 5 + v));
checkClose(pooled.get(0, 0, 7, 5), max, 0);

// ## What the kernels see
//
// Each feature map is scaled to its own range. The edge detectors light up (red) and go dark
// (blue) on opposite sides of every stroke; after pooling the maps are coarser but keep where
// each feature is.

Plot.images(maps.data().reshape(4, 28, 28)).labels(names).perImage().colorMap(ColorMap.BLUE_RED).symmetric()
    .title("feature maps, 28 x 28").show();
Plot.images(pooled.data().reshape(4, 14, 14)).labels(names).perImage().colorMap(ColorMap.BLUE_RED).symmetric()
    .zoom(6).title("after 2 x 2 max-pooling, 14 x 14").show();

// ## The same with layers
//
// `Conv2d` and `MaxPool2d` hold the same operations as modules, with a learned weight. Give the
// layer our kernels and it must produce the same maps.

var conv = new Conv2d(1, 4, 3, Conv2d.options().padding(1).generator(new Generator(0)));
conv.weight.data().copyFrom(kernels);
conv.bias.data().zero();
var viaLayers = new MaxPool2d(2).call(conv.call(x));
checkClose(viaLayers.data(), pooled.data(), 1e-6);
