package dev.nabla.plot;

import dev.nabla.tensor.Tensor;
import java.util.List;

/**
 * One-call pictures of tensors, and helpers for charts. Each returns a {@link Panel} to
 * {@code save("file.png")} (which prints the path) or {@code show()}.
 *
 * <pre>{@code
 * Plot.image(digit).save("digit.png");                 // [28, 28] or [1, 28, 28] or [3, 32, 32]
 * Plot.images(batch).labels("7", "2", "1").show();     // [N, C, H, W] or [N, H, W]
 * Plot.heatmap(attention).save("attention.svg");       // a matrix with a colour bar
 * Plot.filters(conv1.weight.data()).show();          // [out, in, kh, kw], blue < 0 < red
 * }</pre>
 */
public final class Plot {
    private Plot() {}

    /** One image: {@code [H, W]} (gray), or {@code [C, H, W]} with C = 1 or 3. */
    public static ImageGrid image(Tensor image) {
        int[] d = image.dims();
        if (d.length == 3 && (d[0] == 1 || d[0] == 3)) {
            return new ImageGrid(List.of(
                    new ImageGrid.Picture(d[0], d[1], d[2], image.contiguous().toArray())));
        }
        if (d.length == 2) {
            return ImageGrid.of(image);
        }
        throw new IllegalArgumentException(
                "Plot.image: expected one image [H, W] or [C, H, W] with C = 1 or 3, got shape " + image.shape()
                        + (d.length == 4 ? " (a batch: use Plot.images)" : ""));
    }

    /** A batch of images in a grid: {@code [N, C, H, W]} with C = 1 or 3, or {@code [N, H, W]}. */
    public static ImageGrid images(Tensor batch) {
        if (batch.dim() < 3) {
            throw new IllegalArgumentException("Plot.images: expected a batch [N, C, H, W] or [N, H, W], got shape "
                    + batch.shape() + " (one image: use Plot.image)");
        }
        return ImageGrid.of(batch);
    }

    /** A matrix as a heat map with a colour bar (viridis). */
    public static Chart heatmap(Tensor matrix) {
        return new Chart().heatmap(matrix);
    }

    /**
     * Convolution kernels {@code [out, in, kh, kw]}, one tile per (output, input) channel pair (a
     * row per output channel when there are several inputs), each scaled around zero: blue
     * negative, white zero, red positive.
     */
    public static ImageGrid filters(Tensor weight) {
        int[] d = weight.dims();
        if (d.length != 4) {
            throw new IllegalArgumentException(
                    "Plot.filters: expected convolution weights [out, in, kh, kw], got shape " + weight.shape());
        }
        ImageGrid grid = ImageGrid.of(weight.reshape(d[0] * d[1], d[2], d[3]));
        return grid.cols(d[1] > 1 ? d[1] : Math.min(d[0], 8))
                .perImage()
                .symmetric()
                .colorMap(ColorMap.BLUE_RED);
    }

    /** {@code n} contour levels spaced evenly in log scale from {@code lo} to {@code hi} (both > 0). */
    public static double[] logLevels(double lo, double hi, int n) {
        if (!(lo > 0 && hi > lo) || n < 2) {
            throw new IllegalArgumentException(
                    "logLevels(" + lo + ", " + hi + ", " + n + "): need 0 < lo < hi and n >= 2");
        }
        double[] lv = new double[n];
        for (int i = 0; i < n; i++) {
            lv[i] = lo * Math.pow(hi / lo, i / (double) (n - 1));
        }
        return lv;
    }
}
