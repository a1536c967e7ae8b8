/**
 * A small model zoo: {@link dev.nabla.nn.models.LeNet5}, the Fashion-MNIST peer's
 * {@link dev.nabla.nn.models.SmallCnn}, the VGG-style CNN of the benchmarks
 * ({@link dev.nabla.nn.models.VggCnn}) and {@link dev.nabla.nn.models.ResNet20}, each adapting
 * to the data set's channels, image size and classes.
 *
 * <pre>{@code
 * Module net = Models.create("resnet20", 3, 32, 10, new Generator(0));
 * }</pre>
 */
package dev.nabla.nn.models;
