/**
 * A small model zoo: {@link LeNet5}, the Fashion-MNIST peer's
 * {@link SmallCnn}, the VGG-style CNN of the benchmarks
 * ({@link VggCnn}) and {@link ResNet20}, each adapting
 * to the data set's channels, image size and classes.
 *
 * <pre>{@code
 * Module net = Models.create("resnet20", 3, 32, 10, new Generator(0));
 * }</pre>
 */
package dev.nabla.nn.models;
