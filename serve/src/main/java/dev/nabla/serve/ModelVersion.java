package dev.nabla.serve;

import dev.nabla.inference.Classifier;
import dev.nabla.nn.data.Preprocessing;
import java.nio.file.Path;

/**
 * One loaded version of a served model: its classifier, the batcher that runs it, and the quality
 * measured from feedback on its predictions.
 *
 * @param model        the model's name
 * @param version      its version number
 * @param checkpoint   where it was loaded from
 * @param checksum     its weights' checksum, to tell whether a reload finds new weights
 * @param architecture the zoo model it was built as
 * @param loadSeconds  time to read the checkpoint and build the model
 * @param warmupSeconds time spent warming the model up before it took requests
 */
record ModelVersion(
        String model,
        long version,
        Path checkpoint,
        String checksum,
        String architecture,
        Classifier classifier,
        Batcher batcher,
        Quality quality,
        double loadSeconds,
        double warmupSeconds) {

    Preprocessing preprocessing() {
        return classifier.preprocessing();
    }

    int classes() {
        return preprocessing().classNames().size();
    }
}
