package dev.nabla.plot;

import java.awt.image.BufferedImage;

/**
 * Contour lines by marching squares (each grid cell's corners above or below a level decide
 * which cell edges the line crosses; the crossing point is interpolated linearly; the two
 * ambiguous saddle cases are split by the cell's mean), and filled bands by classifying each
 * pixel's bilinearly interpolated value between the levels.
 */
final class Contours {
    private Contours() {}

    /** Receives segments as they are found. */
    interface Sink {
        void segment(double x1, double y1, double x2, double y2);
    }

    static double[] defaultLevels(double lo, double hi) {
        if (!(hi > lo)) {
            return new double[] {lo};
        }
        double step = Axis.niceStep(hi - lo, 10);
        double first = Math.ceil(lo / step) * step;
        int n = (int) Math.floor((hi - first) / step + 1e-9) + 1;
        double[] lv = new double[Math.max(1, n)];
        for (int i = 0; i < lv.length; i++) {
            lv[i] = first + i * step;
        }
        return lv;
    }

    /** Emits the segments of the contour at {@code level} of {@code z[iy][ix]} over the grid. */
    static void trace(double[] x, double[] y, double[][] z, double level, Sink out) {
        for (int iy = 0; iy + 1 < y.length; iy++) {
            for (int ix = 0; ix + 1 < x.length; ix++) {
                double a = z[iy][ix]; // (x0, y0)
                double b = z[iy][ix + 1]; // (x1, y0)
                double c = z[iy + 1][ix + 1]; // (x1, y1)
                double d = z[iy + 1][ix]; // (x0, y1)
                if (!(Double.isFinite(a) && Double.isFinite(b) && Double.isFinite(c) && Double.isFinite(d))) {
                    continue;
                }
                int code = (a > level ? 1 : 0) | (b > level ? 2 : 0) | (c > level ? 4 : 0) | (d > level ? 8 : 0);
                if (code == 0 || code == 15) {
                    continue;
                }
                double x0 = x[ix];
                double x1 = x[ix + 1];
                double y0 = y[iy];
                double y1 = y[iy + 1];
                // crossing points on the four edges: bottom (a-b), right (b-c), top (d-c), left (a-d)
                double bx = x0 + (x1 - x0) * frac(a, b, level);
                double ry = y0 + (y1 - y0) * frac(b, c, level);
                double tx = x0 + (x1 - x0) * frac(d, c, level);
                double ly = y0 + (y1 - y0) * frac(a, d, level);
                switch (code) {
                    case 1, 14 -> out.segment(bx, y0, x0, ly);
                    case 2, 13 -> out.segment(bx, y0, x1, ry);
                    case 3, 12 -> out.segment(x0, ly, x1, ry);
                    case 4, 11 -> out.segment(x1, ry, tx, y1);
                    case 6, 9 -> out.segment(bx, y0, tx, y1);
                    case 7, 8 -> out.segment(x0, ly, tx, y1);
                    case 5, 10 -> {
                        boolean centreAbove = (a + b + c + d) / 4 > level;
                        // corners a and c above (5) or b and d above (10); the centre decides which pair joins
                        if ((code == 5) == centreAbove) {
                            out.segment(bx, y0, x1, ry);
                            out.segment(x0, ly, tx, y1);
                        } else {
                            out.segment(bx, y0, x0, ly);
                            out.segment(x1, ry, tx, y1);
                        }
                    }
                    default -> throw new AssertionError(code);
                }
            }
        }
    }

    private static double frac(double p, double q, double level) {
        return q == p ? 0.5 : (level - p) / (q - p);
    }

    /**
     * The filled bands as an image of {@code w x h} pixels covering the plot area; pixel (i, j)
     * shows the data point {@code xAxis.value(px0 + i + 0.5)}, {@code yAxis.value(py0 + j + 0.5)}.
     */
    static BufferedImage bands(Layer.Contour c, Axis xAxis, Axis yAxis, double px0, double py0, int w, int h) {
        BufferedImage img = new BufferedImage(Math.max(1, w), Math.max(1, h), BufferedImage.TYPE_INT_ARGB);
        double[] lv = c.levels;
        for (int j = 0; j < h; j++) {
            double yv = yAxis.value(py0 + j + 0.5);
            double fy = position(c.y, yv);
            for (int i = 0; i < w; i++) {
                double xv = xAxis.value(px0 + i + 0.5);
                double fx = position(c.x, xv);
                if (Double.isNaN(fx) || Double.isNaN(fy)) {
                    continue;
                }
                double v = bilinear(c.z, fx, fy);
                if (!Double.isFinite(v)) {
                    continue;
                }
                int band = 0;
                while (band < lv.length && v > lv[band]) {
                    band++;
                }
                // band 0 is below the first level, band lv.length above the last
                double t = lv.length == 1 ? band : band / (double) lv.length;
                img.setRGB(i, j, 0xff000000 | c.colorMap.rgb(0.08 + 0.92 * t));
            }
        }
        return img;
    }

    /** Fractional grid index of {@code v} in the increasing {@code grid}, or NaN outside it. */
    static double position(double[] grid, double v) {
        int n = grid.length;
        if (!(v >= grid[0] && v <= grid[n - 1])) {
            return Double.NaN;
        }
        int lo = 0;
        int hi = n - 1;
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            if (grid[mid] <= v) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        double span = grid[hi] - grid[lo];
        return lo + (span == 0 ? 0 : (v - grid[lo]) / span);
    }

    static double bilinear(double[][] z, double fx, double fy) {
        int ix = Math.min((int) fx, z[0].length - 2);
        int iy = Math.min((int) fy, z.length - 2);
        double tx = fx - ix;
        double ty = fy - iy;
        double bottom = z[iy][ix] * (1 - tx) + z[iy][ix + 1] * tx;
        double top = z[iy + 1][ix] * (1 - tx) + z[iy + 1][ix + 1] * tx;
        return bottom * (1 - ty) + top * ty;
    }
}
