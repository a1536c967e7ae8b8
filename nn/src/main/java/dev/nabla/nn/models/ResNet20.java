package dev.nabla.nn.models;

import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;
import dev.nabla.nn.BatchNorm2d;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Module;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.ShapeMismatchException;

/**
 * ResNet-20, the CIFAR variant of He et al. 2016 ("Deep Residual Learning", section 4.2): a 3x3
 * convolution of 16 channels, three stages of three basic blocks (16, 32 and 64 channels; the
 * second and third start with stride 2), global average pooling and a linear classifier; 0.27 M
 * parameters. Shortcuts that change shape are the paper's option A: the identity, subsampled
 * and zero-padded in channels, so they add no parameters.
 *
 * <pre>{@code
 * ResNet20 net = new ResNet20(3, 10, new Generator(0));
 * Variable logits = net.forward(Variable.zeros(8, 3, 32, 32));   // [8, 10]
 * }</pre>
 */
public final class ResNet20 extends Module {
    private final int channels;
    private final Conv2d conv;
    private final BatchNorm2d bn;
    private final Block[] blocks;
    private final Linear fc;

    /** A basic block: conv-BN-ReLU-conv-BN, plus the shortcut, then ReLU. */
    static final class Block extends Module {
        private final Conv2d conv1;
        private final BatchNorm2d bn1;
        private final Conv2d conv2;
        private final BatchNorm2d bn2;
        private final int stride;
        private final int in;
        private final int out;

        Block(int in, int out, int stride, Generator g) {
            this.in = in;
            this.out = out;
            this.stride = stride;
            conv1 = registerModule("conv1", new Conv2d(in, out, 3, stride, 1, 1, 1, false, g));
            bn1 = registerModule("bn1", new BatchNorm2d(out));
            conv2 = registerModule("conv2", new Conv2d(out, out, 3, 1, 1, 1, 1, false, g));
            bn2 = registerModule("bn2", new BatchNorm2d(out));
        }

        @Override
        public Variable forward(Variable x) {
            Variable h = bn1.call(conv1.call(x)).relu();
            h = bn2.call(conv2.call(h));
            return h.add(shortcut(x)).relu();
        }

        private Variable shortcut(Variable x) {
            if (stride == 1 && in == out) {
                return x;
            }
            Variable s = x.slice(2, 0, x.size(2), stride).slice(3, 0, x.size(3), stride);
            int pad = out - in;
            int before = pad / 2;
            int[] d = s.dims();
            d[1] = before;
            Variable lo = Variable.zeros(d);
            d[1] = pad - before;
            Variable hi = Variable.zeros(d);
            return Variable.cat(1, lo, s, hi);
        }

        @Override
        protected String describe() {
            return "BasicBlock(" + in + " -> " + out + (stride > 1 ? ", stride " + stride : "") + ")";
        }
    }

    public ResNet20(int channels, int classes, Generator g) {
        this.channels = channels;
        conv = registerModule("conv1", new Conv2d(channels, 16, 3, 1, 1, 1, 1, false, g));
        bn = registerModule("bn1", new BatchNorm2d(16));
        blocks = new Block[9];
        int in = 16;
        int i = 0;
        for (int stage = 0; stage < 3; stage++) {
            int width = 16 << stage;
            for (int b = 0; b < 3; b++) {
                int stride = stage > 0 && b == 0 ? 2 : 1;
                blocks[i] = registerModule("layer" + (stage + 1) + "_" + b, new Block(in, width, stride, g));
                in = width;
                i++;
            }
        }
        fc = registerModule("fc", new Linear(64, classes, g));
        // The paper initialises convolutions with He's normal initialisation.
        for (var e : namedParameters().entrySet()) {
            if (e.getKey().endsWith("weight") && e.getValue().dim() == 4) {
                int[] s = e.getValue().dims();
                double std = Math.sqrt(2.0 / (s[0] * s[2] * s[3]));
                e.getValue().data().copyFrom(dev.nabla.tensor.Tensor.normal(g, 0, std, s));
            }
        }
    }

    @Override
    public Variable forward(Variable x) {
        if (x.dim() != 4 || x.size(1) != channels) {
            throw new ShapeMismatchException("ResNet20: expected input [N, " + channels + ", H, W], got " + x.shape());
        }
        Variable h = bn.call(conv.call(x)).relu();
        for (Block b : blocks) {
            h = b.call(h);
        }
        h = Functional.adaptiveAvgPool2d(h, 1, 1).flatten(1, -1);
        return fc.call(h);
    }

    @Override
    protected String describe() {
        return "ResNet20";
    }
}
