/**
 * Using a trained model: {@link Classifier} loads a checkpoint's weights and
 * recorded {@link Preprocessing} in one call and predicts the top classes of raw
 * images (pixel arrays or {@code BufferedImage}s) as {@link Prediction}s.
 * Checkpoints are written by {@link Checkpoint}.
 *
 * <pre>{@code
 * Classifier c = Classifier.load(Path.of("runs/mnist-10k-lenet5/best"), new LeNet5(1, 28, 10, new Generator(0)));
 * Prediction p = c.predict(ImageIO.read(new File("digit.png")), 3);
 * System.out.println(p);       // Prediction[7 0.9981, 2 0.0011, 3 0.0004]
 * }</pre>
 */
package dev.nabla.inference;

import dev.nabla.export.Checkpoint;
import dev.nabla.nn.data.Preprocessing;
