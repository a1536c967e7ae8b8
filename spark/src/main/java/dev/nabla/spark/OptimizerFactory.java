package dev.nabla.spark;

import dev.nabla.autograd.Variable;
import dev.nabla.optim.Optimizer;
import java.io.Serializable;
import java.util.List;

/**
 * Builds the optimizer over a model's parameters, on the driver and (with
 * {@link SparkTrainer.Sync#everyK averaging every k steps}) on each worker.
 *
 * <pre>{@code
 * OptimizerFactory adam = params -> new Adam(params, 2e-3);
 * OptimizerFactory sgd = params -> new SGD(params, 0.05).momentum(0.9).nesterov(true);
 * }</pre>
 */
@FunctionalInterface
public interface OptimizerFactory extends Serializable {

    /** A new optimizer over {@code params} (a model's {@code parameters()}, in order). */
    Optimizer create(List<Variable> params);
}
