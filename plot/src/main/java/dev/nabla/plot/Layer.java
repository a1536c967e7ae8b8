package dev.nabla.plot;

import java.awt.Color;

/** What a {@link Chart} holds: the series and grids it draws, in the order they were added. */
sealed interface Layer {
    /** A line through points, with an optional marker at each point. */
    final class Line implements Layer {
        final double[] x;
        final double[] y;
        final String label;
        Color color;
        double width = 2;
        boolean dashed;
        boolean markers;

        Line(double[] x, double[] y, String label) {
            this.x = x;
            this.y = y;
            this.label = label;
        }
    }

    /** Points, one colour per series or one per class. */
    final class Scatter implements Layer {
        final double[] x;
        final double[] y;
        final int[] classes;
        final String label;
        Color color;
        double radius = 3.5;

        Scatter(double[] x, double[] y, int[] classes, String label) {
            this.x = x;
            this.y = y;
            this.classes = classes;
            this.label = label;
        }
    }

    /** A function sampled on a grid, {@code z[iy][ix]} at ({@code x[ix]}, {@code y[iy]}), drawn as contours. */
    final class Contour implements Layer {
        final double[] x;
        final double[] y;
        final double[][] z;
        final double[] levels;
        final boolean filled;
        ColorMap colorMap = ColorMap.VIRIDIS;

        Contour(double[] x, double[] y, double[][] z, double[] levels, boolean filled) {
            this.x = x;
            this.y = y;
            this.z = z;
            this.levels = levels;
            this.filled = filled;
        }
    }

    /** A matrix drawn as coloured cells, row 0 at the top, with a colour bar. */
    final class Heat implements Layer {
        final double[][] m;
        ColorMap colorMap = ColorMap.VIRIDIS;
        double vmin = Double.NaN;
        double vmax = Double.NaN;
        boolean annotate;

        Heat(double[][] m) {
            this.m = m;
        }

        double lo() {
            return Double.isNaN(vmin) ? Data.min(m) : vmin;
        }

        double hi() {
            return Double.isNaN(vmax) ? Data.max(m) : vmax;
        }
    }
}
