package dev.nabla.plot;

import java.awt.Color;
import java.awt.Font;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Lays out and draws one {@link Chart}: data ranges, margins sized to the tick labels, the plot
 * area (grid, contours, heat maps, lines, points), ticks, labels, legend, colour bar and title.
 */
final class ChartRenderer {
    static final Color TEXT = new Color(0x222222);
    static final Color FRAME = new Color(0x555555);
    static final Color GRID = new Color(0xe8e8e8);
    /** matplotlib's tab10 cycle. */
    static final Color[] CYCLE = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf)
    };

    static final Font TITLE = Canvas.font(16, true);
    static final Font LABEL = Canvas.font(14, false);
    static final Font TICK = Canvas.font(12, false);
    static final Font LEGEND = Canvas.font(12.5, false);
    static final double TICK_LEN = 5;

    private final Chart chart;
    private final Layer.Heat heat;
    Axis xAxis;
    Axis yAxis;
    /** The plot area, set by {@link #layout}. */
    double left;

    double top;
    double right;
    double bottom;
    /** Room taken by the tick labels below and left of the plot area. */
    private double xTickSpace;

    private double yTickWidth;

    ChartRenderer(Chart chart) {
        this.chart = chart;
        Layer.Heat h = null;
        for (Layer l : chart.layers) {
            if (l instanceof Layer.Heat hh) {
                h = hh;
            }
        }
        this.heat = h;
    }

    // ---------------------------------------------------------------- ranges

    private double[] range(boolean x) {
        boolean log = x ? chart.xlog : chart.ylog;
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        boolean exact = false;
        for (Layer l : chart.layers) {
            double[] v = switch (l) {
                case Layer.Line s -> x ? s.x : s.y;
                case Layer.Scatter s -> x ? s.x : s.y;
                case Layer.Contour c -> {
                    exact = true;
                    yield x ? new double[] {c.x[0], c.x[c.x.length - 1]} : new double[] {c.y[0], c.y[c.y.length - 1]};
                }
                case Layer.Heat h -> {
                    exact = true;
                    int n = x ? h.m[0].length : h.m.length;
                    yield new double[] {-0.5, n - 0.5};
                }
            };
            for (double d : v) {
                if (Double.isFinite(d) && (!log || d > 0)) {
                    lo = Math.min(lo, d);
                    hi = Math.max(hi, d);
                }
            }
        }
        if (lo > hi) {
            return log ? new double[] {1, 10} : new double[] {0, 1};
        }
        return exact || hi == lo ? new double[] {lo, hi} : Axis.padded(lo, hi, 0.05, log);
    }

    /** True when every point's coordinate on this axis is a whole number (epochs, counts). */
    private boolean integral(boolean x) {
        boolean any = false;
        for (Layer l : chart.layers) {
            double[] v = switch (l) {
                case Layer.Line s -> x ? s.x : s.y;
                case Layer.Scatter s -> x ? s.x : s.y;
                default -> null;
            };
            if (v == null) {
                return false;
            }
            for (double d : v) {
                if (Double.isFinite(d) && d != Math.rint(d)) {
                    return false;
                }
                any = true;
            }
        }
        return any;
    }

    // ---------------------------------------------------------------- layout

    /** Places the axes inside the panel rectangle. */
    void layout(double x, double y, double w, double h) {
        double[] xr = chart.xlim != null ? chart.xlim : range(true);
        double[] yr = chart.ylim != null ? chart.ylim : range(false);
        xAxis = new Axis(xr[0], xr[1], chart.xlog);
        yAxis = new Axis(yr[0], yr[1], chart.ylog);
        xAxis.integral = integral(true);
        yAxis.integral = integral(false);

        double tickH = Canvas.capHeight(TICK);
        top = y + 12 + (chart.title != null ? 28 : 0);
        xTickSpace = TICK_LEN + 5 + tickH;
        if (chart.xticks != null && rotateXTicks(w)) {
            xTickSpace = TICK_LEN + 5 + maxWidth(chart.xticks, TICK) * 0.72 + tickH;
        }
        bottom = y + h - 10 - xTickSpace - (chart.xlabel != null ? 24 : 4);
        placeY();
        yTickWidth = 0;
        for (Axis.Tick t : yTicks()) {
            yTickWidth = Math.max(yTickWidth, Canvas.textWidth(t.label(), TICK));
        }
        left = x + 12 + (chart.ylabel != null ? 24 : 0) + yTickWidth + TICK_LEN + 5;
        right = x + w - (heat != null ? colorbarWidth() : 20);
        if (heat != null) {
            // square cells, the plot centred in the space left
            int rows = heat.m.length;
            int cols = heat.m[0].length;
            double cell = Math.min((right - left) / cols, (bottom - top) / rows);
            double pw = cell * cols;
            double ph = cell * rows;
            double shift = ((right - left) - pw) / 2;
            left += shift;
            right = left + pw;
            bottom = top + ph;
        }
        xAxis.place(left, right);
        placeY();
    }

    private void placeY() {
        if (heat != null) {
            yAxis.place(top, bottom); // row 0 at the top, as a matrix is read
        } else {
            yAxis.place(bottom, top);
        }
    }

    private double colorbarWidth() {
        Axis bar = new Axis(heat.lo(), heat.hi(), false);
        double tw = 0;
        for (Axis.Tick t : bar.ticks(6)) {
            tw = Math.max(tw, Canvas.textWidth(t.label(), TICK));
        }
        return 16 + 16 + TICK_LEN + 4 + tw + (chart.colorbarLabel != null ? 24 : 0) + 10;
    }

    private boolean rotateXTicks(double w) {
        double slot = (w - 120) / Math.max(1, chart.xticks.length);
        return maxWidth(chart.xticks, TICK) > slot * 0.9;
    }

    private static double maxWidth(String[] labels, Font f) {
        double m = 0;
        for (String s : labels) {
            m = Math.max(m, Canvas.textWidth(s, f));
        }
        return m;
    }

    private List<Axis.Tick> xTicks() {
        if (chart.xticks != null) {
            return categorical(chart.xticks);
        }
        if (heat != null) {
            return indexTicks(heat.m[0].length, right - left);
        }
        int target = (int) Math.max(3, (right - left) / 90);
        List<Axis.Tick> ticks = xAxis.ticks(target);
        // fewer ticks while the labels would touch
        while (target > 2 && crowded(ticks)) {
            ticks = xAxis.ticks(--target);
        }
        return ticks;
    }

    private boolean crowded(List<Axis.Tick> ticks) {
        double need = 0;
        int labelled = 0;
        for (Axis.Tick t : ticks) {
            if (!t.label().isEmpty()) {
                need += Canvas.textWidth(t.label(), TICK) + 12;
                labelled++;
            }
        }
        return labelled > 1 && need > right - left;
    }

    private List<Axis.Tick> yTicks() {
        if (chart.yticks != null) {
            return categorical(chart.yticks);
        }
        if (heat != null) {
            return indexTicks(heat.m.length, bottom - top);
        }
        return yAxis.ticks((int) Math.max(3, (bottom - top) / 55));
    }

    private static List<Axis.Tick> categorical(String[] names) {
        List<Axis.Tick> out = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            out.add(new Axis.Tick(i, names[i], false));
        }
        return out;
    }

    private static List<Axis.Tick> indexTicks(int n, double span) {
        int every = Math.max(1, (int) Math.ceil(n / Math.max(1.0, span / 28)));
        List<Axis.Tick> out = new ArrayList<>();
        for (int i = 0; i < n; i += every) {
            out.add(new Axis.Tick(i, Integer.toString(i), false));
        }
        return out;
    }

    // ---------------------------------------------------------------- drawing

    void draw(Canvas c, double x, double y, double w, double h) {
        layout(x, y, w, h);
        List<Axis.Tick> xt = xTicks();
        List<Axis.Tick> yt = yTicks();
        boolean categoricalX = chart.xticks != null || heat != null;
        boolean categoricalY = chart.yticks != null || heat != null;

        if (heat == null) {
            for (Axis.Tick t : xt) {
                if (!t.minor() && !categoricalX) {
                    double px = xAxis.pixel(t.value());
                    c.line(px, top, px, bottom, Canvas.Stroke.solid(GRID, 1));
                }
            }
            for (Axis.Tick t : yt) {
                if (!t.minor() && !categoricalY) {
                    double py = yAxis.pixel(t.value());
                    c.line(left, py, right, py, Canvas.Stroke.solid(GRID, 1));
                }
            }
        }

        c.clip(left, top, right - left, bottom - top);
        int colour = 0;
        List<LegendEntry> legend = new ArrayList<>();
        List<double[]> points = new ArrayList<>();
        for (Layer l : chart.layers) {
            switch (l) {
                case Layer.Contour k -> drawContour(c, k);
                case Layer.Heat k -> drawHeat(c, k);
                case Layer.Line k -> {
                    Color col = k.color != null ? k.color : CYCLE[colour++ % CYCLE.length];
                    drawLine(c, k, col, points);
                    if (k.label != null && !k.label.isEmpty()) {
                        legend.add(new LegendEntry(k.label, col, k.width, k.dashed, k.markers, false));
                    }
                }
                case Layer.Scatter k -> {
                    if (k.classes != null) {
                        drawClasses(c, k, points);
                        for (int i = 0; i < chart.classNames.length; i++) {
                            legend.add(new LegendEntry(
                                    chart.classNames[i], CYCLE[i % CYCLE.length], 0, false, false, true));
                        }
                    } else {
                        Color col = k.color != null ? k.color : CYCLE[colour++ % CYCLE.length];
                        drawScatter(c, k, col, points);
                        if (k.label != null && !k.label.isEmpty()) {
                            legend.add(new LegendEntry(k.label, col, 0, false, false, true));
                        }
                    }
                }
            }
        }
        c.unclip();

        Canvas.Stroke frame = Canvas.Stroke.solid(FRAME, 1);
        c.strokeRect(left, top, right - left, bottom - top, frame);
        double tickH = Canvas.capHeight(TICK);
        boolean rotate = chart.xticks != null && rotateXTicks(w);
        for (Axis.Tick t : xt) {
            double px = xAxis.pixel(t.value());
            if (!(px >= left - 0.5 && px <= right + 0.5)) {
                continue;
            }
            double len = t.minor() ? TICK_LEN * 0.6 : TICK_LEN;
            c.line(px, bottom, px, bottom + len, frame);
            if (!t.label().isEmpty()) {
                if (rotate) {
                    c.text(t.label(), px + 3, bottom + TICK_LEN + 5, TICK, TEXT, Canvas.Align.RIGHT, -45);
                } else {
                    c.text(t.label(), px, bottom + TICK_LEN + 4 + tickH, TICK, TEXT, Canvas.Align.CENTER, 0);
                }
            }
        }
        for (Axis.Tick t : yt) {
            double py = yAxis.pixel(t.value());
            if (!(py >= top - 0.5 && py <= bottom + 0.5)) {
                continue;
            }
            double len = t.minor() ? TICK_LEN * 0.6 : TICK_LEN;
            c.line(left - len, py, left, py, frame);
            if (!t.label().isEmpty()) {
                c.text(t.label(), left - TICK_LEN - 4, py + tickH / 2, TICK, TEXT, Canvas.Align.RIGHT, 0);
            }
        }
        double cx = (left + right) / 2;
        if (chart.xlabel != null) {
            c.text(
                    chart.xlabel,
                    cx,
                    bottom + xTickSpace + 6 + Canvas.capHeight(LABEL) + 4,
                    LABEL,
                    TEXT,
                    Canvas.Align.CENTER,
                    0);
        }
        if (chart.ylabel != null) {
            c.text(
                    chart.ylabel,
                    left - TICK_LEN - 5 - yTickWidth - 10,
                    (top + bottom) / 2,
                    LABEL,
                    TEXT,
                    Canvas.Align.CENTER,
                    -90);
        }
        if (chart.title != null) {
            c.text(
                    chart.title,
                    (left + right) / 2,
                    y + 12 + Canvas.capHeight(TITLE) + 4,
                    TITLE,
                    TEXT,
                    Canvas.Align.CENTER,
                    0);
        }
        if (heat != null) {
            drawColorbar(c);
        }
        if (!legend.isEmpty()) {
            drawLegend(c, legend, points);
        }
    }

    private void drawLine(Canvas c, Layer.Line l, Color col, List<double[]> points) {
        int n = l.x.length;
        double[] px = new double[n];
        double[] py = new double[n];
        int run = 0;
        Canvas.Stroke s = new Canvas.Stroke(col, l.width, l.dashed);
        for (int i = 0; i <= n; i++) {
            double a = i < n ? xAxis.pixel(l.x[i]) : Double.NaN;
            double b = i < n ? yAxis.pixel(l.y[i]) : Double.NaN;
            if (Double.isFinite(a) && Double.isFinite(b)) {
                px[run] = a;
                py[run] = b;
                run++;
                points.add(new double[] {a, b});
            } else {
                // a NaN (or a value a log axis cannot show) ends the current run
                c.polyline(px, py, run, s);
                if (run == 1) {
                    c.disc(px[0], py[0], l.width, col, null);
                }
                run = 0;
            }
        }
        if (l.markers) {
            for (int i = 0; i < n; i++) {
                double a = xAxis.pixel(l.x[i]);
                double b = yAxis.pixel(l.y[i]);
                if (Double.isFinite(a) && Double.isFinite(b)) {
                    c.disc(a, b, l.width + 2, col, Color.WHITE);
                }
            }
        }
    }

    private void drawScatter(Canvas c, Layer.Scatter s, Color col, List<double[]> points) {
        Color fill = new Color(col.getRed(), col.getGreen(), col.getBlue(), 220);
        for (int i = 0; i < s.x.length; i++) {
            double a = xAxis.pixel(s.x[i]);
            double b = yAxis.pixel(s.y[i]);
            if (Double.isFinite(a) && Double.isFinite(b)) {
                c.disc(a, b, s.radius, fill, Color.WHITE);
                points.add(new double[] {a, b});
            }
        }
    }

    private void drawClasses(Canvas c, Layer.Scatter s, List<double[]> points) {
        for (int i = 0; i < s.x.length; i++) {
            double a = xAxis.pixel(s.x[i]);
            double b = yAxis.pixel(s.y[i]);
            if (Double.isFinite(a) && Double.isFinite(b)) {
                Color col = CYCLE[s.classes[i] % CYCLE.length];
                c.disc(a, b, s.radius, new Color(col.getRed(), col.getGreen(), col.getBlue(), 220), Color.WHITE);
                points.add(new double[] {a, b});
            }
        }
    }

    private void drawContour(Canvas c, Layer.Contour k) {
        if (k.filled) {
            int w = (int) Math.ceil(right - left);
            int h = (int) Math.ceil(bottom - top);
            c.image(Contours.bands(k, xAxis, yAxis, left, top, w, h), left, top, w, h, true);
        }
        for (int i = 0; i < k.levels.length; i++) {
            double t = k.levels.length == 1 ? 0.5 : i / (double) (k.levels.length - 1);
            Color col = k.filled ? new Color(40, 40, 40, 90) : k.colorMap.color(0.1 + 0.8 * t);
            Canvas.Stroke s = Canvas.Stroke.solid(col, k.filled ? 0.8 : 1.4);
            Contours.trace(
                    k.x,
                    k.y,
                    k.z,
                    k.levels[i],
                    (x1, y1, x2, y2) -> c.line(xAxis.pixel(x1), yAxis.pixel(y1), xAxis.pixel(x2), yAxis.pixel(y2), s));
        }
    }

    private void drawHeat(Canvas c, Layer.Heat k) {
        int rows = k.m.length;
        int cols = k.m[0].length;
        double lo = k.lo();
        double hi = k.hi();
        double span = hi > lo ? hi - lo : 1;
        BufferedImage img = new BufferedImage(cols, rows, BufferedImage.TYPE_INT_RGB);
        for (int r = 0; r < rows; r++) {
            for (int col = 0; col < cols; col++) {
                img.setRGB(col, r, k.colorMap.rgb((k.m[r][col] - lo) / span));
            }
        }
        double x0 = xAxis.pixel(-0.5);
        double x1 = xAxis.pixel(cols - 0.5);
        double y0 = yAxis.pixel(-0.5);
        double y1 = yAxis.pixel(rows - 0.5);
        c.image(img, Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0), false);
        if (k.annotate) {
            double cell = Math.min(Math.abs(x1 - x0) / cols, Math.abs(y1 - y0) / rows);
            if (cell < 14) {
                return;
            }
            boolean integral = true;
            double maxAbs = 0;
            for (double[] row : k.m) {
                for (double v : row) {
                    integral &= v == Math.rint(v) && Math.abs(v) < 1e9;
                    maxAbs = Math.max(maxAbs, Math.abs(v));
                }
            }
            Font f = Canvas.font(Math.min(13, cell * 0.34), false);
            double capH = Canvas.capHeight(f);
            for (int r = 0; r < rows; r++) {
                for (int col = 0; col < cols; col++) {
                    double v = k.m[r][col];
                    String s = integral
                            ? Long.toString((long) v)
                            : String.format(Locale.ROOT, maxAbs < 10 ? "%.2f" : "%.1f", v);
                    int rgb = k.colorMap.rgb((v - lo) / span);
                    double lum = (0.299 * ((rgb >> 16) & 255) + 0.587 * ((rgb >> 8) & 255) + 0.114 * (rgb & 255)) / 255;
                    c.text(
                            s,
                            xAxis.pixel(col),
                            yAxis.pixel(r) + capH / 2,
                            f,
                            lum < 0.55 ? Color.WHITE : TEXT,
                            Canvas.Align.CENTER,
                            0);
                }
            }
        }
    }

    private void drawColorbar(Canvas c) {
        double bx = right + 16;
        double bw = 16;
        BufferedImage grad = new BufferedImage(1, 256, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < 256; i++) {
            grad.setRGB(0, 255 - i, heat.colorMap.rgb(i / 255.0));
        }
        c.image(grad, bx, top, bw, bottom - top, true);
        c.strokeRect(bx, top, bw, bottom - top, Canvas.Stroke.solid(FRAME, 1));
        Axis bar = new Axis(heat.lo(), heat.hi(), false).place(bottom, top);
        double tickH = Canvas.capHeight(TICK);
        double tw = 0;
        for (Axis.Tick t : bar.ticks((int) Math.max(3, (bottom - top) / 50))) {
            double py = bar.pixel(t.value());
            if (py < top - 0.5 || py > bottom + 0.5) {
                continue;
            }
            c.line(bx + bw, py, bx + bw + TICK_LEN, py, Canvas.Stroke.solid(FRAME, 1));
            c.text(t.label(), bx + bw + TICK_LEN + 4, py + tickH / 2, TICK, TEXT, Canvas.Align.LEFT, 0);
            tw = Math.max(tw, Canvas.textWidth(t.label(), TICK));
        }
        if (chart.colorbarLabel != null) {
            double lx = bx + bw + TICK_LEN + 4 + tw + 8 + Canvas.capHeight(LABEL);
            c.text(chart.colorbarLabel, lx, (top + bottom) / 2, LABEL, TEXT, Canvas.Align.CENTER, 90);
        }
    }

    private record LegendEntry(
            String label, Color color, double width, boolean dashed, boolean markers, boolean point) {}

    private void drawLegend(Canvas c, List<LegendEntry> entries, List<double[]> points) {
        double pad = 8;
        double row = 19;
        double sample = 24;
        double tw = 0;
        for (LegendEntry e : entries) {
            tw = Math.max(tw, Canvas.textWidth(e.label(), LEGEND));
        }
        double w = pad + sample + 6 + tw + pad;
        double h = pad + row * entries.size() + pad - 4;
        double inset = 10;
        double[][] corners = {
            {right - inset - w, top + inset}, // upper right
            {left + inset, top + inset}, // upper left
            {right - inset - w, bottom - inset - h}, // lower right
            {left + inset, bottom - inset - h}, // lower left
        };
        double[] best = corners[0];
        int fewest = Integer.MAX_VALUE;
        for (double[] corner : corners) {
            int inside = 0;
            for (double[] p : points) {
                if (p[0] >= corner[0] - 4
                        && p[0] <= corner[0] + w + 4
                        && p[1] >= corner[1] - 4
                        && p[1] <= corner[1] + h + 4) {
                    inside++;
                }
            }
            if (inside < fewest) {
                fewest = inside;
                best = corner;
            }
        }
        double lx = best[0];
        double ly = best[1];
        c.fillRect(lx, ly, w, h, new Color(255, 255, 255, 225));
        c.strokeRect(lx, ly, w, h, Canvas.Stroke.solid(new Color(0xcccccc), 1));
        double capH = Canvas.capHeight(LEGEND);
        for (int i = 0; i < entries.size(); i++) {
            LegendEntry e = entries.get(i);
            double cy = ly + pad + row * i + row / 2 - 2;
            if (e.point()) {
                c.disc(lx + pad + sample / 2, cy, 4.5, e.color(), Color.WHITE);
            } else {
                c.line(lx + pad, cy, lx + pad + sample, cy, new Canvas.Stroke(e.color(), e.width(), e.dashed()));
                if (e.markers()) {
                    c.disc(lx + pad + sample / 2, cy, e.width() + 2, e.color(), Color.WHITE);
                }
            }
            c.text(e.label(), lx + pad + sample + 6, cy + capH / 2, LEGEND, TEXT, Canvas.Align.LEFT, 0);
        }
    }
}
