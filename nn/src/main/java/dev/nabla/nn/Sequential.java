package dev.nabla.nn;

import dev.nabla.autograd.Variable;
import java.util.ArrayList;
import java.util.List;

/**
 * Modules applied one after another; children are named {@code "0"}, {@code "1"}, ... as in
 * PyTorch, so state dict keys match a PyTorch {@code nn.Sequential}.
 *
 * <pre>{@code
 * Sequential mlp = new Sequential(new Linear(784, 128), new ReLU(), new Linear(128, 10));
 * Variable logits = mlp.forward(Variable.zeros(64, 784));   // [64, 10]
 * System.out.println(mlp);                                   // layers, output shapes, parameters
 * }</pre>
 */
public final class Sequential extends Module {
    private final List<Module> layers = new ArrayList<>();

    public Sequential(Module... modules) {
        for (Module m : modules) {
            add(m);
        }
    }

    /** Appends a module; returns this for chaining. */
    public Sequential add(Module m) {
        layers.add(registerModule(Integer.toString(layers.size()), m));
        return this;
    }

    public Module get(int index) {
        return layers.get(index);
    }

    public int size() {
        return layers.size();
    }

    @Override
    public Variable forward(Variable input) {
        Variable x = input;
        for (Module m : layers) {
            x = m.call(x);
        }
        return x;
    }
}
