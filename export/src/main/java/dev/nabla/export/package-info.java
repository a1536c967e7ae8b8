/**
 * Saving and loading: {@link SafeTensors} reads and writes the safetensors format
 * that PyTorch and Hugging Face use (validating every file before allocating for it),
 * {@link Checkpoint} saves a whole {@link TrainingState} (model,
 * optimizer, scheduler, generators, counters) so a run resumes bit for bit, and
 * {@link AtomicFiles} replaces files so a crash never leaves half of one.
 *
 * <pre>{@code
 * SafeTensors.save(model, Path.of("model.safetensors"));
 * Checkpoint.save(Path.of("runs/step-1000"), TrainingState.capture(model, opt, sched, Map.of(), epoch, 1000));
 * }</pre>
 */
package dev.nabla.export;
