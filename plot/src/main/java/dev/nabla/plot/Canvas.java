package dev.nabla.plot;

import java.awt.Color;
import java.awt.Font;
import java.awt.font.FontRenderContext;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;

/**
 * What the plots draw on: a handful of primitives in pixel coordinates (origin top left), so one
 * layout serves both the PNG raster ({@link RasterCanvas}) and SVG ({@link SvgCanvas}).
 */
sealed interface Canvas permits RasterCanvas, SvgCanvas {
    /** The one font family; both back ends measure text with the same metrics. */
    String FAMILY = "SansSerif";

    FontRenderContext METRICS = new FontRenderContext(new AffineTransform(), true, true);

    /** How a line is stroked. */
    record Stroke(Color color, double width, boolean dashed) {
        static Stroke solid(Color c, double width) {
            return new Stroke(c, width, false);
        }
    }

    /** Horizontal text anchor. */
    enum Align {
        LEFT,
        CENTER,
        RIGHT
    }

    static Font font(double size, boolean bold) {
        return new Font(FAMILY, bold ? Font.BOLD : Font.PLAIN, 1).deriveFont((float) size);
    }

    static double textWidth(String s, Font f) {
        return f.getStringBounds(s, METRICS).getWidth();
    }

    /** Height of capital letters above the baseline, used to centre text on a point. */
    static double capHeight(Font f) {
        return f.getLineMetrics("H", METRICS).getAscent() * 0.72;
    }

    void line(double x1, double y1, double x2, double y2, Stroke s);

    /** A connected line through the first {@code n} points. */
    void polyline(double[] xs, double[] ys, int n, Stroke s);

    void fillRect(double x, double y, double w, double h, Color c);

    void strokeRect(double x, double y, double w, double h, Stroke s);

    /** A filled disc with an optional edge ({@code edge} may be null). */
    void disc(double cx, double cy, double r, Color fill, Color edge);

    /** Text whose baseline starts at ({@code x}, {@code y}), anchored by {@code align}, rotated by {@code degrees} about that point. */
    void text(String s, double x, double y, Font f, Color c, Align align, double degrees);

    /** An image stretched over the rectangle; {@code smooth} interpolates, otherwise pixels stay square. */
    void image(BufferedImage img, double x, double y, double w, double h, boolean smooth);

    /** Restricts drawing to a rectangle until {@link #unclip()}. */
    void clip(double x, double y, double w, double h);

    void unclip();
}
