package dev.nabla.autograd;

import static dev.nabla.autograd.TestVars.index;
import static dev.nabla.autograd.TestVars.leaf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Whole models as compositions of primitives, checked end to end against finite differences:
 * an MLP with a cross-entropy loss, a small CNN (on the fused conv and pool primitives, and built
 * from views), and an LSTM cell unrolled over a few steps.
 */
class CompositionGradTest {

    /** Mean negative log-likelihood of integer targets under log-probabilities {@code [n, classes]}. */
    static Variable nll(Variable logProbs, Tensor targets) {
        return logProbs.gather(1, targets.reshape(-1, 1)).mean().neg();
    }

    @Test
    void mlpWithCrossEntropy() {
        Tensor targets = index(new int[] {2, 0, 1, 2}, 4);
        GradCheck.check(
                v -> {
                    Variable h = Functional.linear(v[0], v[1], v[2]).tanh();
                    Variable logits = Functional.linear(h, v[3], v[4]);
                    return nll(logits.logSoftmax(1), targets);
                },
                leaf(1, 4, 5),
                leaf(2, 6, 5),
                leaf(3, 6),
                leaf(4, 3, 6),
                leaf(5, 3));
    }

    @Test
    void mlpWithGeluAndMatmul() {
        GradCheck.check(
                v -> v[0].matmul(v[1]).add(v[2]).gelu().matmul(v[3]).softmax(-1),
                leaf(1, 3, 4),
                leaf(2, 4, 5),
                leaf(3, 5),
                leaf(4, 5, 2));
    }

    // ------------------------------------------------------------------ small CNN

    /**
     * A 2-D convolution (stride 1, no padding) built from views and one matmul: the k*k shifted
     * windows of the input are stacked into patches {@code [n, c*k*k, oh*ow]} and multiplied by the
     * weight {@code [out, c*k*k]}. Built only from ops whose gradients are checked one by one
     * elsewhere, it doubles as a reference for a fused conv2d primitive.
     */
    static Variable conv2dByPatches(Variable x, Variable w, Variable b) {
        int n = x.size(0);
        int c = x.size(1);
        int out = w.size(0);
        int k = w.size(2);
        int oh = x.size(2) - k + 1;
        int ow = x.size(3) - k + 1;
        Variable[] windows = new Variable[k * k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                windows[i * k + j] = x.narrow(2, i, oh).narrow(3, j, ow);
            }
        }
        Variable patches = Variable.stack(2, windows).reshape(n, c * k * k, oh * ow); // [n, c, k*k, oh, ow]
        Variable y = w.reshape(out, c * k * k).matmul(patches); // [n, out, oh*ow]
        return y.add(b.reshape(out, 1)).reshape(n, out, oh, ow);
    }

    /** 2x2 max pooling with stride 2 as a reshape and a max over the two window axes. */
    static Variable maxPool2x2(Variable x) {
        int n = x.size(0);
        int c = x.size(1);
        int h = x.size(2) / 2;
        int w = x.size(3) / 2;
        return x.reshape(n, c, h, 2, w, 2).max(new int[] {3, 5}, false);
    }

    @Test
    void smallCnn() {
        // conv -> relu -> max pool -> conv -> relu -> linear -> cross-entropy, on the fused primitives.
        Tensor targets = index(new int[] {1, 3}, 2);
        Variable x = leaf(1, 2, 2, 8, 8);
        Variable w1 = leaf(2, 4, 2, 3, 3);
        Variable b1 = leaf(3, 4);
        Variable w2 = leaf(4, 3, 4, 2, 2);
        Variable b2 = leaf(5, 3);
        Variable w3 = leaf(6, 4, 12);
        Variable b3 = leaf(7, 4);
        // A small step keeps every perturbation on one side of the relu kinks and pooling near-ties.
        GradCheck.Options o = GradCheck.Options.defaults().withStep(1e-3);
        GradCheck.check(
                v -> {
                    Variable h = Functional.maxPool2d(
                            Functional.conv2d(v[0], v[1], v[2]).relu(), 2); // [2, 4, 3, 3]
                    h = Functional.conv2d(h, v[3], v[4]).relu(); // [2, 3, 2, 2]
                    Variable logits = Functional.linear(h.flatten(1, -1), v[5], v[6]);
                    return nll(logits.logSoftmax(1), targets);
                },
                o,
                x,
                w1,
                b1,
                w2,
                b2,
                w3,
                b3);
    }

    @Test
    void smallCnnComposedFromViews() {
        Tensor targets = index(new int[] {1, 3}, 2);
        Variable x = leaf(1, 2, 2, 6, 6);
        Variable w1 = leaf(2, 3, 2, 3, 3);
        Variable b1 = leaf(3, 3);
        Variable w2 = leaf(4, 4, 12);
        Variable b2 = leaf(5, 4);
        assertArrayEquals(new int[] {2, 3, 4, 4}, conv2dByPatches(x, w1, b1).dims());
        GradCheck.Options o = GradCheck.Options.defaults().withStep(1e-3);
        GradCheck.check(
                v -> {
                    Variable h = maxPool2x2(conv2dByPatches(v[0], v[1], v[2]).tanh()); // [2, 3, 2, 2]
                    Variable logits = Functional.linear(h.flatten(1, -1), v[3], v[4]);
                    return nll(logits.logSoftmax(1), targets);
                },
                o,
                x,
                w1,
                b1,
                w2,
                b2);
    }

    @Test
    void fusedConvAndPoolAgreeWithTheirCompositions() {
        // Two independent routes to the same values and gradients: the fused kernels of
        // Functional and the composition of views, matmul and reductions.
        Variable x = leaf(1, 2, 3, 6, 8);
        Variable w = leaf(2, 4, 3, 3, 3);
        Variable b = leaf(3, 4);
        Tensor g = Tensor.uniform(new Generator(4), -1, 1, 2, 4, 2, 3);
        Variable fused = Functional.maxPool2d(Functional.conv2d(x, w, b), 2);
        Variable composed = maxPool2x2(conv2dByPatches(x, w, b));
        TestVars.assertClose(composed.toArray(), fused.toArray(), 1e-5);
        fused.backward(g);
        Tensor[] fusedGrads = {x.gradTensor(), w.gradTensor(), b.gradTensor()};
        for (Variable v : new Variable[] {x, w, b}) {
            v.setGrad(null);
        }
        composed.backward(g);
        Tensor[] composedGrads = {x.gradTensor(), w.gradTensor(), b.gradTensor()};
        for (int i = 0; i < 3; i++) {
            TestVars.assertClose(composedGrads[i].toArray(), fusedGrads[i].toArray(), 1e-5);
        }
    }

    @Test
    void convolutionByPatchesMatchesTheDefinition() {
        // The reference convolution must itself be right: compare with the direct sum.
        Variable x = leaf(1, 2, 2, 5, 4);
        Variable w = leaf(2, 3, 2, 3, 3);
        Variable b = leaf(3, 3);
        float[] y = conv2dByPatches(x, w, b).toArray();
        float[] want = new float[2 * 3 * 3 * 2];
        int at = 0;
        for (int n = 0; n < 2; n++) {
            for (int o = 0; o < 3; o++) {
                for (int i = 0; i < 3; i++) {
                    for (int j = 0; j < 2; j++) {
                        double s = b.get(o);
                        for (int c = 0; c < 2; c++) {
                            for (int p = 0; p < 3; p++) {
                                for (int q = 0; q < 3; q++) {
                                    s += (double) x.get(n, c, i + p, j + q) * w.get(o, c, p, q);
                                }
                            }
                        }
                        want[at++] = (float) s;
                    }
                }
            }
        }
        TestVars.assertClose(want, y, 1e-5);
    }

    // ------------------------------------------------------------------ LSTM

    /** One LSTM step in PyTorch's gate order (input, forget, cell, output); returns {h, c}. */
    static Variable[] lstmCell(
            Variable x, Variable h, Variable c, Variable wIh, Variable wHh, Variable bIh, Variable bHh) {
        int hidden = h.size(1);
        Variable gates = Functional.linear(x, wIh, bIh).add(Functional.linear(h, wHh, bHh));
        Variable[] g = gates.split(hidden, 1);
        Variable i = g[0].sigmoid();
        Variable f = g[1].sigmoid();
        Variable cell = g[2].tanh();
        Variable o = g[3].sigmoid();
        Variable c2 = f.mul(c).add(i.mul(cell));
        return new Variable[] {o.mul(c2.tanh()), c2};
    }

    @Test
    void lstmCellOverThreeSteps() {
        int batch = 2;
        int in = 3;
        int hidden = 4;
        Variable xs = leaf(1, 3, batch, in);
        Variable h0 = leaf(2, batch, hidden);
        Variable c0 = leaf(3, batch, hidden);
        Variable wIh = leaf(4, 4 * hidden, in);
        Variable wHh = leaf(5, 4 * hidden, hidden);
        Variable bIh = leaf(6, 4 * hidden);
        Variable bHh = leaf(7, 4 * hidden);
        GradCheck.check(
                v -> {
                    Variable h = v[1];
                    Variable c = v[2];
                    for (int t = 0; t < 3; t++) {
                        Variable[] hc = lstmCell(v[0].select(0, t), h, c, v[3], v[4], v[5], v[6]);
                        h = hc[0];
                        c = hc[1];
                    }
                    return Variable.cat(1, h, c);
                },
                xs,
                h0,
                c0,
                wIh,
                wHh,
                bIh,
                bHh);
    }
}
