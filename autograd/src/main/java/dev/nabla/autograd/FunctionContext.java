package dev.nabla.autograd;

import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What one call of an {@link AutogradFunction} (or {@link MultiOutputFunction}) carries from its
 * forward to its backward, PyTorch's {@code ctx}: the tensors saved for the backward pass, which
 * inputs need a gradient, and which outputs are not differentiable.
 *
 * <p>A saved tensor is checked when the backward pass reads it, as the built-in operations' are:
 * if it was modified in place in between (its {@link Tensor#version()} moved), {@link #saved(int)}
 * throws, naming the function, instead of computing a silently wrong gradient.
 *
 * <pre>{@code
 * protected Tensor forward(FunctionContext ctx, Tensor... in) {
 *     Tensor s = in[0].sigmoid();
 *     ctx.saveForBackward(in[0], s);         // read back in backward with ctx.saved(0), ctx.saved(1)
 *     return in[0].mul(s);
 * }
 * }</pre>
 */
public final class FunctionContext {
    private final String name;
    private final Shape[] inputShapes;
    private final boolean[] needsInputGrad;
    private Saved[] saved = new Saved[0];
    private final List<Tensor> nonDifferentiable = new ArrayList<>();
    private boolean inBackward;

    private FunctionContext(String name, Variable[] inputs, boolean[] needsInputGrad) {
        this.name = name;
        this.needsInputGrad = needsInputGrad;
        this.inputShapes = new Shape[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            inputShapes[i] = inputs[i] == null ? null : inputs[i].shape();
        }
    }

    /**
     * Keeps {@code tensors} (inputs, outputs or anything computed on the way) for the backward
     * pass, replacing what an earlier call saved. Only in {@code forward}.
     */
    public void saveForBackward(Tensor... tensors) {
        requireForward("saveForBackward");
        Saved[] s = new Saved[tensors.length];
        for (int i = 0; i < tensors.length; i++) {
            s[i] = new Saved(name, Objects.requireNonNull(tensors[i], name + ": saved tensor " + i + " is null"));
        }
        saved = s;
    }

    /** How many tensors {@link #saveForBackward} kept. */
    public int savedCount() {
        return saved.length;
    }

    /**
     * Saved tensor {@code i}, in the order given to {@link #saveForBackward}.
     *
     * @throws IllegalStateException when it was modified in place since it was saved
     */
    public Tensor saved(int i) {
        if (i < 0 || i >= saved.length) {
            throw new IndexOutOfBoundsException(
                    name + ": saved tensor " + i + " requested, but " + saved.length + " were saved");
        }
        return saved[i].get();
    }

    /** Every saved tensor, each checked as {@link #saved(int)} checks it. */
    public Tensor[] savedTensors() {
        Tensor[] t = new Tensor[saved.length];
        for (int i = 0; i < t.length; i++) {
            t[i] = saved[i].get();
        }
        return t;
    }

    /**
     * True when input {@code i} requires grad (and recording is on): the backward may skip the
     * gradients of the others (return null for them), and the forward may skip saving what only
     * those would need.
     */
    public boolean needsInputGrad(int i) {
        return needsInputGrad[checkInput(i)];
    }

    /** The shape input {@code i} had (null for a null input): what a broadcasting backward reduces to. */
    public Shape inputShape(int i) {
        return inputShapes[checkInput(i)];
    }

    private int checkInput(int i) {
        if (i < 0 || i >= needsInputGrad.length) {
            throw new IndexOutOfBoundsException(
                    name + ": input " + i + " requested, but the function was applied to " + needsInputGrad.length);
        }
        return i;
    }

    /**
     * Declares outputs (the very tensors {@code forward} returns) that carry no gradient, like
     * indices or a mask: they come out not requiring grad, and the backward receives no gradient
     * for them. Integer and bool outputs are never differentiable anyway. Only in {@code forward}.
     */
    public void markNonDifferentiable(Tensor... outputs) {
        requireForward("markNonDifferentiable");
        nonDifferentiable.addAll(Arrays.asList(outputs));
    }

    private void requireForward(String call) {
        if (inBackward) {
            throw new IllegalStateException(name + ": " + call + " is for forward, not backward");
        }
    }

    private boolean differentiable(Tensor out) {
        if (!out.dtype().isFloatingPoint()) {
            return false;
        }
        for (Tensor t : nonDifferentiable) {
            if (t == out) {
                return false;
            }
        }
        return true;
    }

    // =================================================================== the call, shared by both function kinds

    /** A forward on tensors, inside the context. */
    @FunctionalInterface
    interface Forward {
        Tensor[] apply(FunctionContext ctx, Tensor[] inputs);
    }

    /** A backward: the gradients of the outputs in, of the inputs out. */
    @FunctionalInterface
    interface Backward {
        Tensor[] apply(FunctionContext ctx, Tensor[] gradOutputs);
    }

    /**
     * Runs {@code forward} on the inputs' tensors without recording, then records the outputs as
     * one node whose backward calls {@code backward} with one gradient per output (zeros for a
     * differentiable output that received none).
     */
    static Variable[] call(
            Object function, String name, Variable[] inputs, int expectedOutputs, Forward forward, Backward backward) {
        Objects.requireNonNull(inputs, name + ": inputs");
        // A trace sees the call as one operation marked as the user's, which ONNX export refuses by name.
        return Tracing.fused(
                name,
                Map.of(Tracing.USER_FUNCTION, function.getClass().getName()),
                inputs,
                () -> record(name, inputs, expectedOutputs, forward, backward),
                Arrays::asList);
    }

    private static Variable[] record(
            String name, Variable[] inputs, int expectedOutputs, Forward forward, Backward backward) {
        boolean[] needs = new boolean[inputs.length];
        boolean any = false;
        Tensor[] data = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            data[i] = inputs[i] == null ? null : inputs[i].data();
            needs[i] = inputs[i] != null && Autograd.needsGrad(inputs[i]);
            any |= needs[i];
        }
        FunctionContext ctx = new FunctionContext(name, inputs, needs);
        Tensor[] outs;
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            outs = forward.apply(ctx, data);
        }
        if (outs == null || (expectedOutputs > 0 && outs.length != expectedOutputs) || outs.length == 0) {
            throw new IllegalStateException(name + ": forward returned "
                    + (outs == null ? "null" : outs.length + " outputs")
                    + (expectedOutputs > 0 ? ", expected " + expectedOutputs : ", expected at least one"));
        }
        boolean[] differentiable = new boolean[outs.length];
        boolean anyOut = false;
        for (int i = 0; i < outs.length; i++) {
            if (outs[i] == null) {
                throw new IllegalStateException(name + ": forward returned null as output " + i);
            }
            differentiable[i] = any && ctx.differentiable(outs[i]);
            anyOut |= differentiable[i];
        }
        if (!anyOut) {
            Variable[] constants = new Variable[outs.length];
            for (int i = 0; i < outs.length; i++) {
                constants[i] = Variable.constant(outs[i]);
            }
            return constants;
        }
        Shape[] outShapes = new Shape[outs.length];
        for (int i = 0; i < outs.length; i++) {
            outShapes[i] = outs[i].shape();
        }
        ctx.inBackward = true;
        Node.MultiBackward run = grads -> {
            Tensor[] g = grads.clone();
            for (int i = 0; i < g.length; i++) {
                if (g[i] == null && differentiable[i]) {
                    g[i] = Tensor.zeros(outShapes[i]);
                }
            }
            Tensor[] result = backward.apply(ctx, g);
            if (result == null) {
                throw new IllegalStateException(name + "Backward returned null instead of one gradient per input");
            }
            return result;
        };
        if (outs.length == 1) {
            return new Variable[] {Variable.record(name, outs[0], g -> run.apply(new Tensor[] {g}), inputs)};
        }
        return Variable.recordMulti(name, outs, differentiable, run, inputs);
    }

    /** The name a function's node shows: the class's simple name, or the fallback for anonymous classes. */
    static String defaultName(Object function, String fallback) {
        String n = function.getClass().getSimpleName();
        return n.isEmpty() ? fallback : n;
    }
}
