package dev.nabla.plot;

import java.awt.Color;

/**
 * Colour maps from values in [0, 1] to colours, for heat maps, contours and single-channel images.
 * The perceptually uniform ones (viridis, magma) are matplotlib's, interpolated between eleven
 * samples of its tables; the blues and the diverging blue-red come from ColorBrewer.
 *
 * <pre>{@code
 * Color c = ColorMap.VIRIDIS.color(0.5);          // the teal in the middle of viridis
 * Plot.heatmap(Tensor.randn(8, 8)).colorMap(ColorMap.BLUE_RED);
 * }</pre>
 */
public enum ColorMap {
    /** Dark purple through teal to yellow: matplotlib's default for heat maps. */
    VIRIDIS(
            0x440154, 0x482576, 0x414487, 0x35608d, 0x2a788e, 0x21918c, 0x22a884, 0x44bf70, 0x7ad151, 0xbddf26,
            0xfde725),
    /** Black through purple and orange to pale yellow. */
    MAGMA(0x000004, 0x140e36, 0x3b0f70, 0x641a80, 0x8c2981, 0xb73779, 0xde4968, 0xf7705c, 0xfe9f6d, 0xfecf92, 0xfcfdbf),
    /** Black to white: single-channel images such as digits. */
    GRAY(0x000000, 0xffffff),
    /** White to dark blue: counts, such as a confusion matrix. */
    BLUES(0xf7fbff, 0xdeebf7, 0xc6dbef, 0x9ecae1, 0x6baed6, 0x4292c6, 0x2171b5, 0x08519c, 0x08306b),
    /** Blue for low, white in the middle, red for high: signed values such as weights and filters. */
    BLUE_RED(
            0x053061, 0x2166ac, 0x4393c3, 0x92c5de, 0xd1e5f0, 0xf7f7f7, 0xfddbc7, 0xf4a582, 0xd6604d, 0xb2182b,
            0x67001f);

    private final int[] anchors;
    private final int[] table = new int[256];

    ColorMap(int... anchors) {
        this.anchors = anchors;
        for (int i = 0; i < table.length; i++) {
            table[i] = interpolate(i / 255.0);
        }
    }

    private int interpolate(double t) {
        double pos = t * (anchors.length - 1);
        int i = Math.min(anchors.length - 2, (int) Math.floor(pos));
        double f = pos - i;
        int a = anchors[i];
        int b = anchors[i + 1];
        int r = (int) Math.round(((a >> 16) & 255) * (1 - f) + ((b >> 16) & 255) * f);
        int g = (int) Math.round(((a >> 8) & 255) * (1 - f) + ((b >> 8) & 255) * f);
        int bl = (int) Math.round((a & 255) * (1 - f) + (b & 255) * f);
        return (r << 16) | (g << 8) | bl;
    }

    /** The colour at {@code t} in [0, 1] (clamped); NaN maps to transparent white. */
    public Color color(double t) {
        return Double.isNaN(t) ? new Color(255, 255, 255, 0) : new Color(rgb(t));
    }

    /** The colour at {@code t} as 0xRRGGBB (clamped; NaN gives white). */
    public int rgb(double t) {
        if (Double.isNaN(t)) {
            return 0xffffff;
        }
        int i = (int) Math.round(Math.max(0, Math.min(1, t)) * 255);
        return table[i];
    }
}
