package dev.nabla.spark;

import dev.nabla.nn.Module;
import dev.nabla.nn.models.Models;
import dev.nabla.tensor.Generator;
import java.io.Serializable;

/**
 * Builds a fresh model on a worker. Nabla's modules are not serializable, so what Spark ships to
 * the executors is this recipe, and the weights travel separately as arrays; every replica must
 * have the same parameter names and shapes (its initial values do not matter, they are
 * overwritten).
 *
 * <pre>{@code
 * ModelFactory lenet = ModelFactory.zoo("lenet5", 1, 28, 10, 42);
 * ModelFactory mine = () -> new Sequential(new Flatten(), new Linear(784, 10, new Generator(1)));
 * }</pre>
 */
@FunctionalInterface
public interface ModelFactory extends Serializable {

    /** A new model. */
    Module create();

    /** One of {@link Models#NAMES}, initialised from {@code seed}. */
    static ModelFactory zoo(String name, int channels, int size, int classes, long seed) {
        if (!Models.NAMES.contains(name)) {
            throw new IllegalArgumentException("unknown model '" + name + "'; choose one of " + Models.NAMES);
        }
        return () -> Models.create(name, channels, size, classes, new Generator(seed));
    }
}
