/**
 * Saving and loading: {@link dev.nabla.export.SafeTensors} reads and writes the safetensors format
 * that PyTorch and Hugging Face use (validating every file before allocating for it),
 * {@link dev.nabla.export.Checkpoint} saves a whole {@link dev.nabla.export.TrainingState} (model,
 * optimizer, scheduler, generators, counters) so a run resumes bit for bit, and
 * {@link dev.nabla.export.AtomicFiles} replaces files so a crash never leaves half of one.
 *
 * <pre>{@code
 * SafeTensors.save(model, Path.of("model.safetensors"));
 * Checkpoint.save(Path.of("runs/step-1000"), TrainingState.capture(model, opt, sched, Map.of(), epoch, 1000));
 * }</pre>
 */
package dev.nabla.export;
