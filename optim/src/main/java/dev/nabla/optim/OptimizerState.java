package dev.nabla.optim;

import dev.nabla.tensor.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * An optimizer's saved state, from {@link Optimizer#stateDict()}: per-parameter buffers (moments,
 * momentum) as tensors named {@code "state.<index>.<buffer>"}, and everything scalar (optimizer
 * type, step counts, every group's hyperparameters) as strings, so both fit a safetensors file
 * (tensors plus a string-to-string {@code __metadata__}). Parameters are indexed across groups in
 * order, as in PyTorch. Doubles are written with {@link Double#toString}, which reads back to the
 * same bits.
 *
 * <pre>{@code
 * OptimizerState s = adam.stateDict();
 * s.metadata().get("step_count");           // "100"
 * s.tensors().get("state.0.exp_avg");       // first moment of parameter 0
 * freshAdam.loadStateDict(s);               // continues exactly where adam was
 * }</pre>
 *
 * @param tensors  buffers by name; the live tensors of the optimizer, not copies
 * @param metadata scalars as strings
 */
public record OptimizerState(Map<String, Tensor> tensors, Map<String, String> metadata) {
    public OptimizerState {
        Objects.requireNonNull(tensors, "tensors");
        Objects.requireNonNull(metadata, "metadata");
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }
}
