/**
 * Pictures for notebooks and training runs, drawn with the JDK's Java2D alone (no window, no
 * dependency): {@link Chart} (lines with legends and log axes, scatter, contours,
 * heat maps with a colour bar), {@link ImageGrid} (batches of images, feature maps,
 * convolution kernels), {@link Figure} (panels side by side) and
 * {@link Plot} (one call from a tensor to a picture). Pictures save as PNG or SVG.
 *
 * <pre>{@code
 * import dev.nabla.plot.*;
 *
 * new Chart().title("f(x) = x²").line(Tensor.linspace(-2, 2, 50), Tensor.linspace(-2, 2, 50).square(), "x²")
 *     .save("square.png");
 * Plot.images(Tensor.rand(8, 1, 28, 28)).save("noise.png");
 * }</pre>
 */
package dev.nabla.plot;
