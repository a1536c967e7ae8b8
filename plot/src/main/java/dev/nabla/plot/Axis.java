package dev.nabla.plot;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One axis of a chart: its data range, linear or log scale, the map from data to pixels and the
 * ticks. Tick positions follow Heckbert's "nice numbers" (steps of 1, 2 or 5 times a power of ten),
 * or whole decades on a log axis.
 */
final class Axis {
    /** A tick: where (in data units), its label, and whether it is a minor tick (no label). */
    record Tick(double value, String label, boolean minor) {}

    final boolean log;
    final double lo;
    final double hi;
    private double p0;
    private double p1;

    Axis(double lo, double hi, boolean log) {
        if (log && !(lo > 0)) {
            throw new IllegalArgumentException("a log axis needs positive limits, got [" + lo + ", " + hi + "]");
        }
        if (!(hi > lo)) {
            // a constant series still gets a readable axis around its value
            double pad = log ? 0 : (lo == 0 ? 1 : Math.abs(lo) * 0.1);
            lo = log ? lo / 2 : lo - pad;
            hi = log ? hi * 2 : hi + pad;
        }
        this.lo = lo;
        this.hi = hi;
        this.log = log;
    }

    /** Places the axis on pixels: {@code p0} is where {@code lo} lands, {@code p1} where {@code hi} does. */
    Axis place(double p0, double p1) {
        this.p0 = p0;
        this.p1 = p1;
        return this;
    }

    double scaled(double v) {
        return log ? Math.log10(v) : v;
    }

    /** Data to pixel; NaN for values a log axis cannot show. */
    double pixel(double v) {
        if (log && !(v > 0)) {
            return Double.NaN;
        }
        double f = (scaled(v) - scaled(lo)) / (scaled(hi) - scaled(lo));
        return p0 + f * (p1 - p0);
    }

    /** Pixel back to data. */
    double value(double pixel) {
        double f = (pixel - p0) / (p1 - p0);
        double s = scaled(lo) + f * (scaled(hi) - scaled(lo));
        return log ? Math.pow(10, s) : s;
    }

    /** Data limits padded by {@code margin} of the span on each side (in scaled units on a log axis). */
    static double[] padded(double min, double max, double margin, boolean log) {
        if (log) {
            double a = Math.log10(min);
            double b = Math.log10(max);
            double pad = (b - a) * margin;
            return new double[] {Math.pow(10, a - pad), Math.pow(10, b + pad)};
        }
        double pad = (max - min) * margin;
        return new double[] {min - pad, max + pad};
    }

    /** Ticks no closer than one unit apart: for axes that count (epochs, steps, classes). */
    boolean integral;

    List<Tick> ticks(int target) {
        return log ? logTicks(target) : linearTicks(target);
    }

    static double niceStep(double span, int target) {
        double raw = span / Math.max(1, target);
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / mag;
        double nice = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
        return nice * mag;
    }

    private List<Tick> linearTicks(int target) {
        double step = niceStep(hi - lo, target);
        if (integral && step < 1) {
            step = 1;
        }
        List<Tick> out = new ArrayList<>();
        double first = Math.ceil(lo / step - 1e-9) * step;
        for (double v = first; v <= hi + step * 1e-9; v += step) {
            double x = Math.abs(v) < step * 1e-9 ? 0 : v;
            out.add(new Tick(x, format(x, step), false));
        }
        return out;
    }

    private List<Tick> logTicks(int target) {
        int a = (int) Math.floor(Math.log10(lo) + 1e-9);
        int b = (int) Math.ceil(Math.log10(hi) - 1e-9);
        int decades = b - a;
        // label every k-th decade when there are many
        int every = Math.max(1, (int) Math.ceil(decades / (double) Math.max(2, target)));
        List<Tick> out = new ArrayList<>();
        for (int e = a; e <= b; e++) {
            double base = Math.pow(10, e);
            if (base >= lo * (1 - 1e-9) && base <= hi * (1 + 1e-9)) {
                out.add(new Tick(base, e % every == 0 ? power(e) : "", e % every != 0));
            }
            for (int m = 2; m <= 9; m++) {
                double v = m * base;
                if (v > lo && v < hi) {
                    // a short range shows 2x and 5x with labels; a long one only unlabelled minor ticks
                    boolean label = decades <= 1 && (m == 2 || m == 5);
                    out.add(new Tick(v, label ? format(v, v) : "", !label));
                }
            }
        }
        return out;
    }

    private static final String SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹";

    /** 10 raised to {@code e}, with superscript digits: 10⁻³. */
    static String power(int e) {
        StringBuilder sb = new StringBuilder("10");
        if (e < 0) {
            sb.append('⁻');
        }
        for (char c : Integer.toString(Math.abs(e)).toCharArray()) {
            sb.append(SUPERSCRIPTS.charAt(c - '0'));
        }
        return sb.toString();
    }

    /** A tick label with as many decimals as the step needs; scientific for very large or small steps. */
    static String format(double v, double step) {
        if (v == 0) {
            return "0";
        }
        double mag = Math.abs(step);
        if (mag >= 1e5 || mag < 1e-4) {
            String s = String.format(Locale.ROOT, "%.2e", v);
            // 2.50e-05 -> 2.5e-5
            String[] parts = s.split("e");
            String mant = parts[0].replaceAll("0+$", "").replaceAll("\\.$", "");
            return mant + "e" + Integer.parseInt(parts[1]);
        }
        int decimals = Math.max(0, (int) Math.ceil(-Math.log10(mag) - 1e-9));
        String s = String.format(Locale.ROOT, "%." + (decimals + 1) + "f", v);
        // keep a decimal only where the step needs it (0.25 steps show 0.25, 0.2 steps show 0.2)
        if (s.indexOf('.') >= 0) {
            s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return s.replace('-', '−');
    }
}
