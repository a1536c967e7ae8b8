package dev.nabla.autograd;

import static dev.nabla.autograd.Variable.constant;
import static dev.nabla.autograd.Variable.record;

import dev.nabla.tensor.Tensor;
import dev.nabla.tensor.TensorFunctional;
import java.util.Map;

/**
 * Batch and layer normalisation, each one primitive over {@link TensorFunctional}'s fused passes:
 * the forward returns the per-channel (per-row) statistics, which the backward reuses, so no
 * intermediate tensor (centred input, normalised input) is ever materialised or saved.
 */
final class NormOps {
    private NormOps() {}

    private static Tensor data(Variable v) {
        return v == null ? null : v.data();
    }

    static Variable batchNorm(
            Variable x,
            Tensor runningMean,
            Tensor runningVar,
            Variable weight,
            Variable bias,
            boolean training,
            double momentum,
            double eps) {
        TensorFunctional.BatchNormResult r = TensorFunctional.batchNormForward(
                x.data(), runningMean, runningVar, data(weight), data(bias), training, momentum, eps);
        Variable[] inputs = {x, weight, bias};
        if (!Autograd.needsGrad(inputs)) {
            return constant(r.output());
        }
        boolean batchStats = training || runningMean == null;
        boolean needX = x.requiresGrad();
        boolean needW = weight != null && weight.requiresGrad();
        boolean needB = bias != null && bias.requiresGrad();
        Saved sx = new Saved("batchNorm", x.data());
        Saved sw = weight == null ? null : new Saved("batchNorm", weight.data());
        return record(
                "batchNorm",
                Tracing.attrs(
                        "runningMean", runningMean,
                        "runningVar", runningVar,
                        "training", training,
                        "momentum", momentum,
                        "eps", eps),
                r.output(),
                g -> TensorFunctional.batchNormBackward(
                        g, sx.get(), sw == null ? null : sw.get(), r, batchStats, needX, needW, needB),
                inputs);
    }

    static Variable layerNorm(Variable x, int[] normalizedShape, Variable weight, Variable bias, double eps) {
        TensorFunctional.LayerNormResult r =
                TensorFunctional.layerNormForward(x.data(), normalizedShape, data(weight), data(bias), eps);
        Variable[] inputs = {x, weight, bias};
        if (!Autograd.needsGrad(inputs)) {
            return constant(r.output());
        }
        boolean needX = x.requiresGrad();
        boolean needW = weight != null && weight.requiresGrad();
        boolean needB = bias != null && bias.requiresGrad();
        Saved sx = new Saved("layerNorm", x.data());
        Saved sw = weight == null ? null : new Saved("layerNorm", weight.data());
        return record(
                "layerNorm",
                Map.of("normalizedShape", normalizedShape.clone(), "eps", eps),
                r.output(),
                g -> TensorFunctional.layerNormBackward(
                        g, sx.get(), normalizedShape, sw == null ? null : sw.get(), r, needX, needW, needB),
                inputs);
    }
}
