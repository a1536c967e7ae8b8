/**
 * Data sets and the batch loader that feeds training.
 *
 * <p>{@link ImageDataset} keeps images compactly as bytes in memory; readers
 * build it from real formats: {@link Idx} (MNIST, Fashion-MNIST, see
 * {@link Mnist} and {@link FashionMnist}) and the CIFAR binary
 * format ({@link Cifar10}, {@link Cifar100}).
 * {@link DataLoader} shuffles with a seed, applies
 * {@link Transforms} while it converts bytes to floats, and prepares the next
 * batches on a background thread. {@link Download} fetches archives with resume
 * and an MD5 check; {@link ProgressBar} reports progress on the console.
 *
 * <pre>{@code
 * import dev.nabla.nn.data.*;
 *
 * Split mnist = Mnist.embedded();                  // 8,000 train + 2,000 test digits, no network
 * DataLoader train = new DataLoader(mnist.train(), DataLoader.options()
 *         .batchSize(64)
 *         .shuffle(true)
 *         .seed(42)
 *         .transforms(Transforms.normalize(mnist.train().channelStats())));
 * for (int epoch = 0; epoch < 3; epoch++) {
 *     for (Batch b : train.epoch(epoch)) {
 *         // b.inputs(): [64, 1, 28, 28], b.targets(): [64] int64 class indices
 *     }
 * }
 * }</pre>
 */
package dev.nabla.nn.data;
