package dev.nabla.autograd;

import dev.nabla.tensor.Tensor;
import java.util.Arrays;

/**
 * One recorded operation in the graph: the inputs it read and the function that turns the
 * gradient of its output (or outputs) into gradients of those inputs. Created by the primitives
 * of the op families ({@code PointwiseOps}, {@code ShapeOps}, ...), which keep each forward and
 * its backward side by side, and by the user-defined functions ({@code AutogradFunction}).
 */
final class Node {

    /** Gradient of the output in, one gradient per input out (null where an input needs none). */
    @FunctionalInterface
    interface Backward {
        Tensor[] apply(Tensor gradOutput);
    }

    /**
     * Gradients of several outputs in (null for an output that received none), one gradient per
     * input out.
     */
    @FunctionalInterface
    interface MultiBackward {
        Tensor[] apply(Tensor[] gradOutputs);
    }

    final String name;
    private Variable[] inputs;
    private Backward backward;
    private MultiBackward multiBackward;

    // Engine scratch, valid during one backward pass.
    /** The sum of the gradients of output 0 received so far. */
    private Tensor gradAccum;
    /** Outputs 1.. of a node with several outputs (null for a single-output node). */
    private final Tensor[] moreGrads;

    int pending;
    /** The pass that last reached this node (an identity token, compared with ==). */
    Object visit;
    /**
     * Bit k set when output k's sum is a tensor the engine allocated itself: nothing else sees it,
     * so further contributions are added in place. The first contribution is kept as it came (it
     * may be another node's gradient or a view of one) and is never written to.
     */
    private long owned;

    Node(String name, Backward backward, Variable[] inputs) {
        this.name = name;
        this.backward = backward;
        this.inputs = inputs;
        this.moreGrads = null;
    }

    Node(String name, MultiBackward backward, Variable[] inputs, int outputs) {
        if (outputs < 1 || outputs > Long.SIZE) {
            throw new IllegalArgumentException(name + ": a function has 1 to 64 outputs, got " + outputs);
        }
        this.name = name;
        this.multiBackward = backward;
        this.inputs = inputs;
        this.moreGrads = new Tensor[outputs - 1];
    }

    /** Joins a backward pass: nothing counted, nothing received yet. */
    void enter(Object pass) {
        visit = pass;
        pending = 0;
        clearGrads();
        owned = 0;
    }

    private Tensor grad(int output) {
        return output == 0 ? gradAccum : moreGrads[output - 1];
    }

    private void setGrad(int output, Tensor g) {
        if (output == 0) {
            gradAccum = g;
        } else {
            moreGrads[output - 1] = g;
        }
    }

    /** Adds one consumer's gradient of this node's output {@code output}. */
    void accumulate(int output, Tensor g) {
        Tensor sum = grad(output);
        long bit = 1L << output;
        if (sum == null) {
            setGrad(output, g);
        } else if ((owned & bit) != 0) {
            sum.add(g, sum);
        } else {
            setGrad(output, sum.add(g));
            owned |= bit;
        }
    }

    /**
     * Runs the backward function on the gradients received, or returns null when no consumer sent
     * any (the node still passes through, so the nodes below it are counted down and released).
     */
    Tensor[] runBackward() {
        Tensor g = gradAccum;
        gradAccum = null;
        if (moreGrads == null) {
            return g == null ? null : backward.apply(g);
        }
        Tensor[] all = new Tensor[moreGrads.length + 1];
        all[0] = g;
        boolean any = g != null;
        for (int i = 0; i < moreGrads.length; i++) {
            all[i + 1] = moreGrads[i];
            any |= moreGrads[i] != null;
            moreGrads[i] = null;
        }
        return any ? multiBackward.apply(all) : null;
    }

    /** Drops the gradients received in a pass that stopped early. */
    void clearGrads() {
        gradAccum = null;
        if (moreGrads != null) {
            Arrays.fill(moreGrads, null);
        }
    }

    Variable[] inputs() {
        return inputs;
    }

    boolean released() {
        return backward == null && multiBackward == null;
    }

    /** Drops the backward function and the inputs, so saved tensors and upstream nodes can be freed. */
    void release() {
        backward = null;
        multiBackward = null;
        inputs = null;
    }

    @Override
    public String toString() {
        return name + "Backward";
    }
}
