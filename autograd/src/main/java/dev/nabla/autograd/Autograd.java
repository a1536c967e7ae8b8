package dev.nabla.autograd;

import dev.nabla.tensor.DType;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.ShapeMismatchException;
import dev.nabla.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The reverse-mode engine and the grad mode switch.
 *
 * <p>{@link #backward} walks the graph from the output in topological order with an explicit
 * work list (no recursion, so a graph thousands of operations deep cannot overflow the stack),
 * hands each node the sum of the gradients flowing into it, accumulates into the {@code grad} of
 * leaves, and frees every node's saved tensors as soon as it has run, unless the graph is retained.
 *
 * <pre>{@code
 * Variable x = Variable.of(1f, 2f, 3f).requiresGrad(true);
 * Variable y = x.mul(x).sum();
 * y.backward();                 // x.grad() = [2, 4, 6]
 * try (var off = Autograd.noGrad()) {
 *     Variable z = x.mul(2);    // not recorded: z.requiresGrad() == false
 * }
 * }</pre>
 */
public final class Autograd {
    private static final ThreadLocal<int[]> NO_GRAD_DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    private Autograd() {}

    /** A scope in which operations are not recorded; close it to restore the previous mode. */
    public static final class NoGrad implements AutoCloseable {
        private final int[] depth;
        private boolean closed;

        private NoGrad(int[] depth) {
            this.depth = depth;
            depth[0]++;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                depth[0]--;
            }
        }
    }

    /** Turns recording off on this thread until the returned scope is closed (try-with-resources). */
    public static NoGrad noGrad() {
        return new NoGrad(NO_GRAD_DEPTH.get());
    }

    /** False inside a {@link #noGrad()} scope on this thread. */
    public static boolean isGradEnabled() {
        return NO_GRAD_DEPTH.get()[0] == 0;
    }

    /**
     * Fails unless {@code v} is null or float32: for the ops that run on the float kernels, so an
     * integer tensor gets an error naming the op and the argument rather than a failure inside.
     */
    static void requireFloat(String op, String what, Variable v) {
        if (v != null && v.data().dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException(op + ": " + what + " must be float32, got "
                    + v.data().dtype() + " of shape " + v.shape() + "; convert with toFloat()");
        }
    }

    /** True when an op over these inputs must be recorded. */
    static boolean needsGrad(Variable... inputs) {
        boolean any = false;
        for (Variable v : inputs) {
            any |= v != null && v.requiresGrad();
        }
        return (any && isGradEnabled()) || Tracing.isTracing();
    }

    static boolean needsGrad(Variable a) {
        return (a.requiresGrad() && isGradEnabled()) || Tracing.isTracing();
    }

    /**
     * Back-propagates {@code gradOutput} (the gradient of some scalar with respect to
     * {@code root}) through the graph that produced {@code root}.
     */
    public static void backward(Variable root, Tensor gradOutput, boolean retainGraph) {
        if (!root.requiresGrad()) {
            throw new IllegalStateException("backward: the tensor of shape " + root.shape()
                    + " does not require grad and has no gradient function (was it computed in a noGrad scope, "
                    + "or from inputs that do not require grad?)");
        }
        Tensor g = gradOutput;
        if (g == null) {
            if (root.numel() != 1) {
                throw new IllegalArgumentException("backward: a gradient can be created implicitly only for "
                        + "scalar outputs, but this output has shape " + root.shape()
                        + "; pass the output gradient explicitly");
            }
            g = Tensor.onesLike(root.data());
        } else if (!g.shape().equals(root.shape())) {
            throw new ShapeMismatchException(
                    "backward: gradient of shape " + g.shape() + " does not match the output's shape " + root.shape());
        }
        Node top = root.gradFn();
        if (top == null) {
            root.accumulateGrad(g);
            return;
        }
        if (top.released()) {
            throw releasedError(top);
        }
        if (root.retainsGrad()) {
            // The engine hands gradients to a node's inputs, never to its output: the root's own
            // gradient is the one given here.
            root.accumulateGrad(g);
        }
        try (NoGrad ignored = noGrad()) {
            run(top, root.outputNr(), g, retainGraph);
        }
    }

    private static IllegalStateException releasedError(Node n) {
        return new IllegalStateException("backward: trying to go through the graph a second time (at " + n
                + "); its saved tensors were freed after the first backward. Pass retainGraph = true "
                + "to the first backward call if you need to go through it again");
    }

    private static void run(Node top, int rootOutput, Tensor gradOutput, boolean retainGraph) {
        // Pass 1: count, for every reachable node, how many edges lead into it. A node belongs to
        // this pass when its mark is this pass's token: cheaper than a set of visited nodes.
        Object pass = new Object();
        List<Node> reachable = new ArrayList<>();
        ArrayDeque<Node> stack = new ArrayDeque<>();
        top.enter(pass);
        reachable.add(top);
        stack.push(top);
        while (!stack.isEmpty()) {
            Node n = stack.pop();
            if (n.released()) {
                throw releasedError(n);
            }
            for (Variable in : n.inputs()) {
                Node child = in == null ? null : in.gradFn();
                if (child == null) {
                    continue;
                }
                if (child.visit != pass) {
                    child.enter(pass);
                    reachable.add(child);
                    stack.push(child);
                }
                child.pending++;
            }
        }
        // Pass 2: a node runs once every node that feeds it a gradient has run.
        top.accumulate(rootOutput, gradOutput);
        stack.push(top);
        try {
            while (!stack.isEmpty()) {
                Node n = stack.pop();
                Variable[] inputs = n.inputs();
                Tensor[] grads = n.runBackward();
                if (grads != null && grads.length != inputs.length) {
                    throw new IllegalStateException(
                            n + " returned " + grads.length + " gradients for " + inputs.length + " inputs");
                }
                for (int i = 0; i < inputs.length; i++) {
                    Variable in = inputs[i];
                    Tensor gi = grads == null ? null : grads[i];
                    if (in == null || !in.requiresGrad()) {
                        continue;
                    }
                    Node child = in.gradFn();
                    if (gi != null) {
                        checkGradShape(n, i, in, gi);
                        if (in.retainsGrad() || child == null) {
                            in.accumulateGrad(gi);
                        }
                    }
                    if (child != null) {
                        if (gi != null) {
                            child.accumulate(in.outputNr(), gi);
                        }
                        if (--child.pending == 0) {
                            stack.push(child);
                        }
                    }
                }
                if (!retainGraph) {
                    n.release();
                }
            }
        } finally {
            for (Node n : reachable) {
                n.clearGrads();
            }
        }
    }

    private static void checkGradShape(Node n, int i, Variable in, Tensor g) {
        Shape want = in.shape();
        if (!g.shape().equals(want)) {
            throw new IllegalStateException(n + " produced a gradient of shape " + g.shape() + " for input " + i
                    + " of shape " + want + " (a bug in that operation's backward)");
        }
    }
}
