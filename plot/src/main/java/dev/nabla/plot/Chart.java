package dev.nabla.plot;

import dev.nabla.tensor.Tensor;
import java.awt.Color;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleBinaryOperator;

/**
 * A chart on x-y axes: lines, scatter points, contours and heat maps, with a title, axis labels, a
 * legend for every labelled series and, optionally, logarithmic axes. Methods return the chart so
 * that a plot reads as one expression; the style methods ({@link #dashed()}, {@link #color},
 * {@link #markers()}, {@link #width}) apply to the series added last.
 *
 * <pre>{@code
 * double[] epochs = {1, 2, 3, 4, 5};
 * new Chart().title("Loss").xlabel("epoch").ylabel("loss").ylog()
 *     .line(epochs, new double[] {2.3, 0.9, 0.5, 0.35, 0.3}, "train")
 *     .line(epochs, new double[] {2.1, 1.0, 0.6, 0.5, 0.48}, "test").dashed()
 *     .save("loss.png");                  // prints the path
 *
 * new Chart().title("x² + 3y²")
 *     .contour((x, y) -> x * x + 3 * y * y, -2, 2, -2, 2)
 *     .line(new double[] {1.5, 0.8, 0.3}, new double[] {1.5, 0.4, 0.1}, "descent").markers()
 *     .save("bowl.svg");
 * }</pre>
 */
public final class Chart implements Panel {
    final List<Layer> layers = new ArrayList<>();
    String title;
    String xlabel;
    String ylabel;
    String colorbarLabel;
    boolean xlog;
    boolean ylog;
    double[] xlim;
    double[] ylim;
    String[] xticks;
    String[] yticks;
    String[] classNames;
    int width = 640;
    int height = 440;

    public Chart() {}

    // ---------------------------------------------------------------- decoration

    public Chart title(String title) {
        this.title = title;
        return this;
    }

    public Chart xlabel(String label) {
        this.xlabel = label;
        return this;
    }

    public Chart ylabel(String label) {
        this.ylabel = label;
        return this;
    }

    /** A logarithmic x axis (values {@code <= 0} are not drawn). */
    public Chart xlog() {
        this.xlog = true;
        return this;
    }

    /** A logarithmic y axis (values {@code <= 0} are not drawn). */
    public Chart ylog() {
        this.ylog = true;
        return this;
    }

    public Chart xlim(double lo, double hi) {
        this.xlim = limits(lo, hi, "xlim");
        return this;
    }

    public Chart ylim(double lo, double hi) {
        this.ylim = limits(lo, hi, "ylim");
        return this;
    }

    private static double[] limits(double lo, double hi, String what) {
        if (!(hi > lo)) {
            throw new IllegalArgumentException(
                    what + "(" + lo + ", " + hi + "): the upper limit must exceed the lower");
        }
        return new double[] {lo, hi};
    }

    /** Names for the x positions 0, 1, 2, ... (classes, tokens) instead of numbers. */
    public Chart xticks(String... labels) {
        this.xticks = labels.clone();
        return this;
    }

    /** Names for the y positions 0, 1, 2, ... (rows of a heat map). */
    public Chart yticks(String... labels) {
        this.yticks = labels.clone();
        return this;
    }

    /** The size in pixels (default 640 x 440). */
    public Chart size(int width, int height) {
        if (width < 120 || height < 100) {
            throw new IllegalArgumentException("chart size " + width + "x" + height + " is too small (min 120x100)");
        }
        this.width = width;
        this.height = height;
        return this;
    }

    // ---------------------------------------------------------------- lines and points

    /** A line through (x[i], y[i]); a null or empty label keeps it out of the legend; NaN breaks the line. */
    public Chart line(double[] x, double[] y, String label) {
        Data.sameLength(x, y, "line");
        layers.add(new Layer.Line(x.clone(), y.clone(), label));
        return this;
    }

    /** A line through (i, y[i]). */
    public Chart line(double[] y, String label) {
        return line(Data.indices(y.length), y, label);
    }

    public Chart line(float[] x, float[] y, String label) {
        return line(Data.of(x), Data.of(y), label);
    }

    public Chart line(float[] y, String label) {
        return line(Data.of(y), label);
    }

    public Chart line(List<? extends Number> x, List<? extends Number> y, String label) {
        return line(Data.of(x), Data.of(y), label);
    }

    /** A line through (i, y[i]) for a list, e.g. losses collected during training. */
    public Chart line(List<? extends Number> y, String label) {
        return line(Data.of(y), label);
    }

    /** A line through the values of two 1-D tensors. */
    public Chart line(Tensor x, Tensor y, String label) {
        return line(Data.of(x, "line x"), Data.of(y, "line y"), label);
    }

    public Chart scatter(double[] x, double[] y, String label) {
        Data.sameLength(x, y, "scatter");
        layers.add(new Layer.Scatter(x.clone(), y.clone(), null, label));
        return this;
    }

    public Chart scatter(float[] x, float[] y, String label) {
        return scatter(Data.of(x), Data.of(y), label);
    }

    public Chart scatter(Tensor x, Tensor y, String label) {
        return scatter(Data.of(x, "scatter x"), Data.of(y, "scatter y"), label);
    }

    /**
     * Points coloured by class (0, 1, 2, ...), one legend entry per class named by {@code names}
     * (or "class k" when {@code names} is empty).
     */
    public Chart scatter(double[] x, double[] y, int[] classes, String... names) {
        Data.sameLength(x, y, "scatter");
        if (classes.length != x.length) {
            throw new IllegalArgumentException(
                    "scatter: " + x.length + " points but " + classes.length + " class labels; they must match");
        }
        for (int c : classes) {
            if (c < 0) {
                throw new IllegalArgumentException("scatter: class labels must be >= 0, got " + c);
            }
        }
        Layer.Scatter s = new Layer.Scatter(x.clone(), y.clone(), classes.clone(), null);
        layers.add(s);
        int k = 0;
        for (int c : classes) {
            k = Math.max(k, c + 1);
        }
        classNames = new String[k];
        for (int c = 0; c < k; c++) {
            classNames[c] = c < names.length ? names[c] : "class " + c;
        }
        return this;
    }

    // ---------------------------------------------------------------- style of the last series

    private Layer last(String what) {
        if (layers.isEmpty()) {
            throw new IllegalStateException(what + "() styles the series added last, but the chart has none yet");
        }
        return layers.get(layers.size() - 1);
    }

    /** Draws the last line dashed. */
    public Chart dashed() {
        if (!(last("dashed") instanceof Layer.Line l)) {
            throw new IllegalStateException("dashed() applies to a line; the last series is not one");
        }
        l.dashed = true;
        return this;
    }

    /** Marks every point of the last line. */
    public Chart markers() {
        if (!(last("markers") instanceof Layer.Line l)) {
            throw new IllegalStateException("markers() applies to a line; the last series is not one");
        }
        l.markers = true;
        return this;
    }

    /** Line width or point radius of the last series, in pixels. */
    public Chart width(double pixels) {
        if (!(pixels > 0)) {
            throw new IllegalArgumentException("width must be positive, got " + pixels);
        }
        switch (last("width")) {
            case Layer.Line l -> l.width = pixels;
            case Layer.Scatter s -> s.radius = pixels;
            default -> throw new IllegalStateException("width() applies to a line or scatter series");
        }
        return this;
    }

    /** The colour of the last line or scatter series (otherwise taken from the tab10 cycle). */
    public Chart color(Color color) {
        switch (last("color")) {
            case Layer.Line l -> l.color = color;
            case Layer.Scatter s -> s.color = color;
            default -> throw new IllegalStateException("color() applies to a line or scatter series");
        }
        return this;
    }

    /** The colour map of the last heat map or contour. */
    public Chart colorMap(ColorMap map) {
        switch (last("colorMap")) {
            case Layer.Heat h -> h.colorMap = map;
            case Layer.Contour c -> c.colorMap = map;
            default -> throw new IllegalStateException("colorMap() applies to a heat map or contour");
        }
        return this;
    }

    // ---------------------------------------------------------------- grids

    /**
     * Contour lines of {@code z[iy][ix]}, sampled at ({@code x[ix]}, {@code y[iy]}), at the given
     * levels (empty: about ten evenly spaced ones).
     */
    public Chart contour(double[] x, double[] y, double[][] z, double... levels) {
        layers.add(contourLayer(x, y, z, levels, false));
        return this;
    }

    /** Filled contours: bands between levels coloured by the colour map, with the contour lines on top. */
    public Chart contourFilled(double[] x, double[] y, double[][] z, double... levels) {
        layers.add(contourLayer(x, y, z, levels, true));
        return this;
    }

    /**
     * Filled contours of a function over [xlo, xhi] x [ylo, yhi], sampled on a 120 x 120 grid.
     * Pass levels for functions that span decades (for example {@code Plot.logLevels(0.1, 1000, 12)}).
     */
    public Chart contour(DoubleBinaryOperator f, double xlo, double xhi, double ylo, double yhi, double... levels) {
        int n = 120;
        double[] x = new double[n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = xlo + (xhi - xlo) * i / (n - 1);
            y[i] = ylo + (yhi - ylo) * i / (n - 1);
        }
        double[][] z = new double[n][n];
        for (int iy = 0; iy < n; iy++) {
            for (int ix = 0; ix < n; ix++) {
                z[iy][ix] = f.applyAsDouble(x[ix], y[iy]);
            }
        }
        return contourFilled(x, y, z, levels);
    }

    private static Layer.Contour contourLayer(double[] x, double[] y, double[][] z, double[] levels, boolean filled) {
        Data.rectangular(z, "contour");
        if (z.length != y.length || z[0].length != x.length) {
            throw new IllegalArgumentException("contour: z is " + z.length + "x" + z[0].length
                    + " but needs y.length x x.length = " + y.length + "x" + x.length);
        }
        if (x.length < 2 || y.length < 2) {
            throw new IllegalArgumentException("contour: the grid needs at least 2 x 2 points");
        }
        double[] lv = levels.length > 0 ? levels.clone() : Contours.defaultLevels(Data.min(z), Data.max(z));
        for (int i = 1; i < lv.length; i++) {
            if (!(lv[i] > lv[i - 1])) {
                throw new IllegalArgumentException("contour levels must increase, got " + lv[i - 1] + " then " + lv[i]);
            }
        }
        return new Layer.Contour(x.clone(), y.clone(), z, lv, filled);
    }

    /** A matrix as coloured cells (row 0 at the top) with a colour bar; use {@link #annotate()} to print the values. */
    public Chart heatmap(double[][] matrix) {
        double[][] copy = new double[matrix.length][];
        for (int r = 0; r < matrix.length; r++) {
            copy[r] = matrix[r].clone();
        }
        layers.add(new Layer.Heat(Data.rectangular(copy, "heatmap")));
        return this;
    }

    /** A 2-D tensor as a heat map. */
    public Chart heatmap(Tensor matrix) {
        layers.add(new Layer.Heat(Data.matrix(matrix, "heatmap")));
        return this;
    }

    /** Fixes the colour range of the last heat map (values outside take the end colours). */
    public Chart range(double vmin, double vmax) {
        if (!(last("range") instanceof Layer.Heat h)) {
            throw new IllegalStateException("range() applies to a heat map; the last layer is not one");
        }
        limits(vmin, vmax, "range");
        h.vmin = vmin;
        h.vmax = vmax;
        return this;
    }

    /** Writes each cell's value on the last heat map. */
    public Chart annotate() {
        if (!(last("annotate") instanceof Layer.Heat h)) {
            throw new IllegalStateException("annotate() applies to a heat map; the last layer is not one");
        }
        h.annotate = true;
        return this;
    }

    /** A label beside the colour bar. */
    public Chart colorbarLabel(String label) {
        this.colorbarLabel = label;
        return this;
    }

    @Override
    public int width() {
        return width;
    }

    @Override
    public int height() {
        return height;
    }

    @Override
    public String title() {
        return title;
    }

    @Override
    public String toString() {
        return "Chart[" + (title != null ? "\"" + title + "\", " : "") + layers.size() + " series, " + width + "x"
                + height + "]";
    }

    void draw(Canvas c, double x, double y, double w, double h) {
        new ChartRenderer(this).draw(c, x, y, w, h);
    }
}
