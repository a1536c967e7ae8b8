package dev.nabla.nn.models;

import dev.nabla.autograd.Variable;
import dev.nabla.nn.AdaptiveAvgPool2d;
import dev.nabla.nn.BatchNorm2d;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.FloatFunctional;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Module;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.ShapeMismatchException;
import dev.nabla.tensor.Tensor;

/**
 * ResNet-20, the CIFAR variant of He et al. 2016 ("Deep Residual Learning", section 4.2): a 3x3
 * convolution of 16 channels, three stages of three basic blocks (16, 32 and 64 channels; the
 * second and third start with stride 2), global average pooling and a linear classifier; 0.27 M
 * parameters. Shortcuts that change shape are the paper's option A: the identity, subsampled
 * and zero-padded in channels, so they add no parameters.
 *
 * <p>The structure and names are those of the best-known PyTorch definition, Yerlan Idelbayev's
 * {@code resnet20()} in <a href="https://github.com/akamaster/pytorch_resnet_cifar10/blob/master/resnet.py">
 * akamaster/pytorch_resnet_cifar10</a>: {@code conv1}, {@code bn1}, stages {@code layer1} to
 * {@code layer3} (each a {@link Sequential} of {@link BasicBlock}s with {@code conv1}, {@code bn1},
 * {@code conv2}, {@code bn2}) and the classifier {@code linear}. Its state dict
 * ({@code layer2.0.conv1.weight}, {@code layer3.2.bn2.running_mean}, {@code linear.bias}, ...)
 * therefore loads strictly into this model, and ours into it, giving the same outputs.
 *
 * <p>Every step is a module, as in torchvision's quantizable ResNets: the ReLUs, the residual
 * {@code add_relu} (a {@link FloatFunctional}), the global pooling and the flattening. They own no
 * state (until quantization gives {@code add_relu} its output scale), and they let quantization
 * fuse conv-BN-ReLU, observe the sum of each block and run the whole network on int8.
 *
 * <pre>{@code
 * ResNet20 net = new ResNet20(3, 10, new Generator(0));
 * Variable logits = net.call(Variable.zeros(8, 3, 32, 32));   // [8, 10]
 * net.layer2.get(0);                                          // the first block of stage 2
 * }</pre>
 */
public final class ResNet20 extends Module {

    /**
     * A basic block: conv-BN-ReLU-conv-BN, plus the shortcut, then ReLU.
     *
     * <pre>{@code
     * var block = new ResNet20.BasicBlock(16, 32, 2, new Generator(0));   // halves the resolution, doubles the width
     * block.call(Variable.zeros(1, 16, 32, 32)).shape();                 // [1, 32, 16, 16]
     * }</pre>
     */
    public static final class BasicBlock extends Module {
        public final Conv2d conv1;
        public final BatchNorm2d bn1;
        public final ReLU relu1;
        public final Conv2d conv2;
        public final BatchNorm2d bn2;
        /** {@code relu(out + shortcut)}, the block's residual sum. */
        public final FloatFunctional addRelu;

        private final int stride;
        private final int in;
        private final int out;

        /**
         * @param in     input channels
         * @param out    output channels (at least {@code in})
         * @param stride 1, or 2 to halve the resolution
         */
        public BasicBlock(int in, int out, int stride, Generator g) {
            if (out < in || stride < 1) {
                throw new IllegalArgumentException("BasicBlock: need out >= in and stride >= 1, got in=" + in + ", out="
                        + out + ", stride=" + stride);
            }
            this.in = in;
            this.out = out;
            this.stride = stride;
            Conv2d.Options conv = Conv2d.options().padding(1).bias(false).generator(g);
            conv1 = registerModule("conv1", new Conv2d(in, out, 3, conv.stride(stride)));
            bn1 = registerModule("bn1", new BatchNorm2d(out));
            relu1 = registerModule("relu1", new ReLU());
            conv2 = registerModule("conv2", new Conv2d(out, out, 3, conv));
            bn2 = registerModule("bn2", new BatchNorm2d(out));
            addRelu = registerModule("add_relu", new FloatFunctional());
        }

        @Override
        protected Variable forward(Variable x) {
            Variable h = relu1.call(bn1.call(conv1.call(x)));
            h = bn2.call(conv2.call(h));
            return addRelu.addRelu(h, shortcut(x));
        }

        /**
         * Option A: {@code F.pad(x[:, :, ::s, ::s], (0, 0, 0, 0, pad // 2, pad - pad // 2))}, views and
         * a zero padding, which work on quantized tensors as they are.
         */
        private Variable shortcut(Variable x) {
            if (stride == 1 && in == out) {
                return x;
            }
            Variable s = x.slice(2, 0, x.size(2), stride).slice(3, 0, x.size(3), stride);
            int pad = out - in;
            if (s.data().isQuantized()) {
                return s.pad(0, 0, 0, 0, pad / 2, pad - pad / 2);
            }
            // Float tensors concatenate zero channels: the same values, and an op ONNX export knows.
            int[] d = s.dims();
            d[1] = pad / 2;
            Variable lo = Variable.zeros(d);
            d[1] = pad - pad / 2;
            Variable hi = Variable.zeros(d);
            return Variable.cat(1, lo, s, hi);
        }

        @Override
        protected String describe() {
            return "BasicBlock(" + in + " -> " + out + (stride > 1 ? ", stride " + stride : "") + ")";
        }
    }

    private final int channels;
    public final Conv2d conv1;
    public final BatchNorm2d bn1;
    public final ReLU relu;
    public final Sequential layer1;
    public final Sequential layer2;
    public final Sequential layer3;
    public final AdaptiveAvgPool2d avgpool;
    public final Flatten flatten;
    public final Linear linear;

    /**
     * @param channels input channels (3 for CIFAR)
     * @param classes  output classes
     */
    public ResNet20(int channels, int classes, Generator g) {
        this.channels = channels;
        conv1 = registerModule(
                "conv1",
                new Conv2d(
                        channels, 16, 3, Conv2d.options().padding(1).bias(false).generator(g)));
        bn1 = registerModule("bn1", new BatchNorm2d(16));
        relu = registerModule("relu", new ReLU());
        layer1 = registerModule("layer1", stage(16, 16, 1, g));
        layer2 = registerModule("layer2", stage(16, 32, 2, g));
        layer3 = registerModule("layer3", stage(32, 64, 2, g));
        avgpool = registerModule("avgpool", new AdaptiveAvgPool2d(1));
        flatten = registerModule("flatten", new Flatten());
        linear = registerModule("linear", new Linear(64, classes, g));
        // The paper initialises convolutions with He's normal initialisation.
        for (var e : namedParameters().entrySet()) {
            if (e.getKey().endsWith("weight") && e.getValue().dim() == 4) {
                int[] s = e.getValue().dims();
                double std = Math.sqrt(2.0 / (s[0] * s[2] * s[3]));
                e.getValue().data().copyFrom(Tensor.normal(g, 0, std, s));
            }
        }
    }

    /** Three blocks; the first changes the width and stride. */
    private static Sequential stage(int in, int out, int stride, Generator g) {
        return new Sequential(
                new BasicBlock(in, out, stride, g), new BasicBlock(out, out, 1, g), new BasicBlock(out, out, 1, g));
    }

    @Override
    protected Variable forward(Variable x) {
        if (x.dim() != 4 || x.size(1) != channels) {
            throw new ShapeMismatchException("ResNet20: expected input [N, " + channels + ", H, W], got " + x.shape());
        }
        Variable h = relu.call(bn1.call(conv1.call(x)));
        h = layer3.call(layer2.call(layer1.call(h)));
        return linear.call(flatten.call(avgpool.call(h)));
    }

    @Override
    protected String describe() {
        return "ResNet20";
    }
}
