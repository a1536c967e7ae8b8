package dev.nabla.autograd;

import dev.nabla.tensor.Tensor;

/**
 * One recorded operation in the graph: the inputs it read and the function that turns the
 * gradient of its output into gradients of those inputs. Created by the primitives of the op
 * families ({@code PointwiseOps}, {@code ShapeOps}, ...), which keep each forward and its backward
 * side by side.
 */
final class Node {

    /** Gradient of the output in, one gradient per input out (null where an input needs none). */
    @FunctionalInterface
    interface Backward {
        Tensor[] apply(Tensor gradOutput);
    }

    final String name;
    private Variable[] inputs;
    private Backward backward;

    // Engine scratch, valid during one backward pass.
    Tensor gradAccum;
    int pending;
    /** The pass that last reached this node (an identity token, compared with ==). */
    Object visit;
    /**
     * True when {@link #gradAccum} is a sum the engine allocated itself: nothing else sees it, so
     * further contributions are added in place. The first contribution is kept as it came (it may
     * be another node's gradient or a view of one) and is never written to.
     */
    private boolean gradOwned;

    Node(String name, Backward backward, Variable[] inputs) {
        this.name = name;
        this.backward = backward;
        this.inputs = inputs;
    }

    /** Joins a backward pass: nothing counted, nothing received yet. */
    void enter(Object pass) {
        visit = pass;
        pending = 0;
        gradAccum = null;
        gradOwned = false;
    }

    /** Adds one consumer's gradient of this node's output. */
    void accumulate(Tensor g) {
        if (gradAccum == null) {
            gradAccum = g;
        } else if (gradOwned) {
            gradAccum.add(g, gradAccum);
        } else {
            gradAccum = gradAccum.add(g);
            gradOwned = true;
        }
    }

    Variable[] inputs() {
        return inputs;
    }

    boolean released() {
        return backward == null;
    }

    Tensor[] apply(Tensor gradOutput) {
        return backward.apply(gradOutput);
    }

    /** Drops the backward function and the inputs, so saved tensors and upstream nodes can be freed. */
    void release() {
        backward = null;
        inputs = null;
    }

    @Override
    public String toString() {
        return name + "Backward";
    }
}
