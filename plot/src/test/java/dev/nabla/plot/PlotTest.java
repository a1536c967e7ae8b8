package dev.nabla.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.tensor.Tensor;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/**
 * Renders every kind of picture and checks size, that something was drawn, and that known data
 * lands on the pixels the axes say it should.
 */
class PlotTest {
    @TempDir
    Path tmp;

    private static int rgb(BufferedImage img, double x, double y) {
        return img.getRGB((int) Math.round(x), (int) Math.round(y)) & 0xffffff;
    }

    private static boolean near(int rgb, Color c, int tol) {
        return Math.abs(((rgb >> 16) & 255) - c.getRed()) <= tol
                && Math.abs(((rgb >> 8) & 255) - c.getGreen()) <= tol
                && Math.abs((rgb & 255) - c.getBlue()) <= tol;
    }

    /** Fraction of pixels that are not white, and the number of distinct colours. */
    private static void assertNotBlank(BufferedImage img, String what) {
        int ink = 0;
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int c = img.getRGB(x, y) & 0xffffff;
                colours.add(c);
                if (c != 0xffffff) {
                    ink++;
                }
            }
        }
        double frac = ink / (double) (img.getWidth() * img.getHeight());
        assertTrue(frac > 0.01, what + ": only " + frac + " of the pixels are drawn");
        assertTrue(colours.size() > 5, what + ": only " + colours.size() + " colours");
    }

    @Test
    void lineLandsWhereTheAxesSay() {
        Chart chart = new Chart()
                .title("diagonal")
                .xlabel("x")
                .ylabel("y")
                .xlim(0, 10)
                .ylim(0, 10)
                .line(new double[] {0, 10}, new double[] {0, 10}, "y = x")
                .color(Color.RED)
                .width(3);
        BufferedImage img = chart.toImage();
        assertEquals(640, img.getWidth());
        assertEquals(440, img.getHeight());
        assertNotBlank(img, "line");
        ChartRenderer r = new ChartRenderer(chart);
        r.layout(0, 0, 640, 440);
        for (double v : new double[] {2, 5, 8}) {
            int on = rgb(img, r.xAxis.pixel(v), r.yAxis.pixel(v));
            assertTrue(
                    near(on, Color.RED, 40),
                    "the line passes (" + v + ", " + v + "), pixel " + Integer.toHexString(on));
        }
        // off the diagonal, away from grid lines and legend: background
        int off = rgb(img, r.xAxis.pixel(7.3), r.yAxis.pixel(1.3));
        assertEquals(0xffffff, off, "(7.3, 1.3) is empty");
        // the plot area lies inside the picture, with room for labels on every side
        assertTrue(r.left > 30 && r.right < 640 && r.top > 20 && r.bottom < 440 - 30);
    }

    @Test
    void logAxisPlacesDecadesEvenly() {
        Chart chart = new Chart()
                .ylog()
                .ylim(1, 1000)
                .xlim(0, 3)
                .line(new double[] {0, 1, 2, 3}, new double[] {1, 10, 100, 1000}, "10^x")
                .color(Color.BLUE);
        BufferedImage img = chart.toImage();
        ChartRenderer r = new ChartRenderer(chart);
        r.layout(0, 0, 640, 440);
        double p1 = r.yAxis.pixel(1);
        double p10 = r.yAxis.pixel(10);
        double p1000 = r.yAxis.pixel(1000);
        assertEquals((p1 - p1000) / 3, p1 - p10, 1e-9, "one decade is a third of the axis");
        // 10^x is a straight line on a log axis: its midpoint (1.5, 10^1.5) is on it
        assertTrue(near(rgb(img, r.xAxis.pixel(1.5), r.yAxis.pixel(Math.pow(10, 1.5))), Color.BLUE, 60));
        List<String> labels = new ArrayList<>();
        for (Axis.Tick t : r.yAxis.ticks(5)) {
            if (!t.label().isEmpty()) {
                labels.add(t.label());
            }
        }
        assertEquals(List.of("10⁰", "10¹", "10²", "10³"), labels);
        assertThrows(
                IllegalArgumentException.class,
                () -> new Chart().ylog().ylim(0, 1).toImage());
    }

    @Test
    void niceTicks() {
        Axis a = new Axis(0, 1, false);
        List<String> labels = a.ticks(5).stream().map(Axis.Tick::label).toList();
        assertEquals(List.of("0", "0.2", "0.4", "0.6", "0.8", "1"), labels);
        assertEquals("−2.5", Axis.format(-2.5, 0.5));
        assertEquals("1e-5", Axis.format(1e-5, 1e-5));
        assertEquals("10⁻³", Axis.power(-3));
    }

    @Test
    void countingAxesTickWholeNumbers() {
        Chart chart = new Chart().line(new double[] {1, 2, 3}, new double[] {0.87, 0.94, 0.956}, "accuracy");
        ChartRenderer r = new ChartRenderer(chart);
        r.layout(0, 0, 640, 440);
        List<String> labels = r.xAxis.ticks(7).stream().map(Axis.Tick::label).toList();
        assertEquals(List.of("1", "2", "3"), labels);
        assertTrue(r.yAxis.ticks(7).size() > 3, "the y values are fractions and keep fine ticks");
    }

    @Test
    void scatterColoursEachClass() {
        Chart chart = new Chart()
                .xlim(0, 4)
                .ylim(0, 4)
                .scatter(new double[] {1, 3}, new double[] {1, 3}, new int[] {0, 1}, "a", "b")
                .width(8);
        BufferedImage img = chart.toImage();
        ChartRenderer r = new ChartRenderer(chart);
        r.layout(0, 0, 640, 440);
        assertTrue(near(rgb(img, r.xAxis.pixel(1), r.yAxis.pixel(1)), ChartRenderer.CYCLE[0], 30));
        assertTrue(near(rgb(img, r.xAxis.pixel(3), r.yAxis.pixel(3)), ChartRenderer.CYCLE[1], 30));
        assertNotBlank(img, "scatter");
    }

    @Test
    void contourLinesFollowTheLevelSet() {
        int n = 41;
        double[] x = new double[n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = -2 + 4.0 * i / (n - 1);
            y[i] = x[i];
        }
        double[][] z = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                z[i][j] = x[j] * x[j] + y[i] * y[i];
            }
        }
        List<double[]> ends = new ArrayList<>();
        Contours.trace(x, y, z, 1.0, (x1, y1, x2, y2) -> {
            ends.add(new double[] {x1, y1});
            ends.add(new double[] {x2, y2});
        });
        assertTrue(ends.size() > 40, "a circle crosses many cells: " + ends.size());
        for (double[] p : ends) {
            // linear interpolation on a 0.1 grid: within a few thousandths of the unit circle
            assertEquals(1.0, Math.hypot(p[0], p[1]), 0.01);
        }
        Chart chart = new Chart().contourFilled(x, y, z, 0.5, 1, 2, 4);
        BufferedImage img = chart.toImage();
        assertNotBlank(img, "contour");
        ChartRenderer r = new ChartRenderer(chart);
        r.layout(0, 0, 640, 440);
        // the centre is below the first level, the corner above the last: the two ends of the bands
        int centre = rgb(img, r.xAxis.pixel(0.05), r.yAxis.pixel(0.05));
        int corner = rgb(img, r.xAxis.pixel(1.9), r.yAxis.pixel(1.9));
        assertTrue(near(centre, ColorMap.VIRIDIS.color(0.08), 12), Integer.toHexString(centre));
        assertTrue(near(corner, ColorMap.VIRIDIS.color(1.0), 12), Integer.toHexString(corner));
    }

    @Test
    void heatmapCellsAndColourBar() {
        Chart chart =
                new Chart().heatmap(new double[][] {{0, 1, 0.5}, {1, 0, 0.5}}).annotate();
        BufferedImage img = chart.toImage();
        assertNotBlank(img, "heat map");
        ChartRenderer r = new ChartRenderer(chart);
        r.layout(0, 0, 640, 440);
        // row 0 at the top: cell (row 0, col 0) holds 0, (row 0, col 1) holds 1; sample off the printed value
        int c00 = rgb(img, r.xAxis.pixel(-0.35), r.yAxis.pixel(-0.35));
        int c01 = rgb(img, r.xAxis.pixel(0.65), r.yAxis.pixel(-0.35));
        int c12 = rgb(img, r.xAxis.pixel(1.65), r.yAxis.pixel(0.65));
        assertTrue(near(c00, ColorMap.VIRIDIS.color(0), 3), Integer.toHexString(c00));
        assertTrue(near(c01, ColorMap.VIRIDIS.color(1), 3), Integer.toHexString(c01));
        assertTrue(near(c12, ColorMap.VIRIDIS.color(0.5), 3), Integer.toHexString(c12));
        assertTrue(r.yAxis.pixel(0) < r.yAxis.pixel(1), "row 0 is above row 1");
        // the colour bar, right of the plot, runs from viridis(0) at the bottom to viridis(1) at the top
        int barTop = rgb(img, r.right + 24, r.top + 2);
        int barBottom = rgb(img, r.right + 24, r.bottom - 2);
        assertTrue(near(barTop, ColorMap.VIRIDIS.color(1), 10), Integer.toHexString(barTop));
        assertTrue(near(barBottom, ColorMap.VIRIDIS.color(0), 10), Integer.toHexString(barBottom));
    }

    @Test
    void imageGridPutsEachPixelInItsSquare() {
        // two 4x4 images: the first black with one white pixel at row 1, column 2; the second all white
        Tensor batch = Tensor.zeros(2, 1, 4, 4);
        batch.set(1f, 0, 0, 1, 2);
        for (int r = 0; r < 4; r++) {
            for (int c = 0; c < 4; c++) {
                batch.set(1f, 1, 0, r, c);
            }
        }
        ImageGrid grid = Plot.images(batch).zoom(10).labels("one", "white");
        BufferedImage img = grid.toImage();
        assertEquals(grid.width(), img.getWidth());
        assertEquals(grid.height(), img.getHeight());
        // the first image starts at the 10-pixel margin; pixel (row 1, col 2) spans [30, 40) x [20, 30)
        assertEquals(0xffffff, rgb(img, 10 + 25, 10 + 15));
        assertEquals(0x000000, rgb(img, 10 + 5, 10 + 5));
        assertEquals(0x000000, rgb(img, 10 + 35, 10 + 35));
        // the second image is 6 pixels further right and white throughout
        assertEquals(0xffffff, rgb(img, 10 + 40 + 6 + 5, 10 + 5));
        assertEquals(1, grid.rows());
    }

    @Test
    void rgbImagesAndFilters() {
        Tensor red = Tensor.zeros(3, 8, 8);
        for (int r = 0; r < 8; r++) {
            for (int c = 0; c < 8; c++) {
                red.set(1f, 0, r, c);
            }
        }
        BufferedImage img = Plot.image(red).zoom(4).toImage();
        assertEquals(0xff0000, rgb(img, 10 + 16, 10 + 16));

        Tensor w = Tensor.zeros(2, 1, 3, 3);
        w.set(-1f, 0, 0, 0, 0);
        w.set(1f, 0, 0, 2, 2);
        BufferedImage f = Plot.filters(w).zoom(10).toImage();
        assertTrue(near(rgb(f, 10 + 5, 10 + 5), ColorMap.BLUE_RED.color(0), 2), "negative is blue");
        assertTrue(near(rgb(f, 10 + 25, 10 + 25), ColorMap.BLUE_RED.color(1), 2), "positive is red");
        assertTrue(near(rgb(f, 10 + 15, 10 + 15), ColorMap.BLUE_RED.color(0.5), 2), "zero is white");

        var e = assertThrows(IllegalArgumentException.class, () -> Plot.image(Tensor.zeros(2, 1, 4, 4)));
        assertTrue(e.getMessage().contains("[2, 1, 4, 4]") && e.getMessage().contains("Plot.images"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Plot.images(Tensor.zeros(2, 5, 4, 4)));
        assertTrue(e.getMessage().contains("C = 1 or 3"), e.getMessage());
    }

    @Test
    void figureLaysPanelsSideBySide() {
        Chart a = new Chart().line(new double[] {1, 2, 3}, "a");
        Chart b = new Chart().line(new double[] {3, 2, 1}, "b").size(400, 300);
        Figure fig = Figure.of(a, b).title("two");
        assertEquals(640 + 400, fig.width());
        assertEquals(36 + 440, fig.height());
        BufferedImage img = fig.scale(2).toImage();
        assertEquals(2 * 1040, img.getWidth());
        Figure grid = Figure.grid(1, a, b);
        assertEquals(640, grid.width());
        assertEquals(440 + 300, grid.height());
    }

    @Test
    void svgIsWellFormedAndVector() throws Exception {
        String svg = new Chart()
                .title("a < b & c")
                .line(new double[] {1, 2, 3}, "line")
                .heatmap(new double[][] {{1, 2}, {3, 4}})
                .toSvg();
        Document doc = DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        assertEquals("svg", doc.getDocumentElement().getTagName());
        assertEquals(1, doc.getElementsByTagName("polyline").getLength());
        assertEquals(1, doc.getElementsByTagName("image").getLength(), "the colour bar's gradient is one embedded PNG");
        // the 2 x 2 heat map's cells are rectangles (crisp in every viewer), in the colour map's colours
        String cell = String.format("fill=\"#%06x\"", ColorMap.VIRIDIS.rgb(1));
        assertTrue(svg.contains(cell), "a cell with the top colour " + cell);
        boolean title = false;
        for (int i = 0; i < doc.getElementsByTagName("text").getLength(); i++) {
            title |= doc.getElementsByTagName("text").item(i).getTextContent().equals("a < b & c");
        }
        assertTrue(title, "the title survives escaping");
    }

    @Test
    void saveWritesPngOrSvgAndPrintsThePath() throws Exception {
        Chart chart = new Chart().title("saved").line(new double[] {1, 3, 2}, "y");
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        Path png;
        Path svg;
        try {
            png = chart.save(tmp.resolve("sub/dir/chart.png"));
            svg = chart.save(tmp.resolve("chart.svg"));
        } finally {
            System.setOut(old);
        }
        // the picture gets the permissions any new file gets here (a temporary file's 0600 would stick)
        Path reference = Files.createFile(tmp.resolve("reference"));
        assertEquals(Files.getPosixFilePermissions(reference), Files.getPosixFilePermissions(png));
        BufferedImage read = ImageIO.read(png.toFile());
        assertEquals(640, read.getWidth());
        assertEquals(440, read.getHeight());
        assertTrue(Files.readString(svg).startsWith("<svg"));
        String printed = out.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("saved " + png + " (640x440)"), printed);
        assertTrue(printed.contains("saved " + svg), printed);
        var e = assertThrows(IllegalArgumentException.class, () -> chart.save(tmp.resolve("chart.jpg")));
        assertTrue(e.getMessage().contains("chart.jpg") && e.getMessage().contains(".png or .svg"), e.getMessage());
        try (var files = Files.list(tmp)) {
            assertFalse(files.anyMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file is left");
        }
    }

    @Test
    void showSavesNumberedFilesOrCallsTheHandler() throws Exception {
        PrintStream old = System.out;
        System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        try {
            Display.setDirectory(tmp);
            new Chart().title("Loss (log scale)").line(new double[] {1, 2}, "y").show();
            Plot.heatmap(Tensor.eye(3)).show();
            assertTrue(Files.exists(tmp.resolve("01-loss-log-scale.png")));
            assertTrue(Files.exists(tmp.resolve("02-figure.png")));
            List<Figure> seen = new ArrayList<>();
            Display.setHandler(seen::add);
            Plot.image(Tensor.eye(4)).show();
            assertEquals(1, seen.size());
        } finally {
            Display.setHandler(null);
            Display.setDirectory(Path.of("plots"));
            System.setOut(old);
        }
    }

    @Test
    void badInputIsNamed() {
        var e = assertThrows(
                IllegalArgumentException.class, () -> new Chart().line(new double[] {1, 2}, new double[] {1}, "x"));
        assertTrue(e.getMessage().contains("2 values") && e.getMessage().contains("1"), e.getMessage());
        var s = assertThrows(IllegalStateException.class, () -> new Chart().dashed());
        assertTrue(s.getMessage().contains("dashed"), s.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Chart().heatmap(new double[][] {{1, 2}, {3}}));
        assertTrue(e.getMessage().contains("rectangular"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Plot.heatmap(Tensor.zeros(2, 2, 2)));
        assertTrue(e.getMessage().contains("[2, 2, 2]"), e.getMessage());
    }
}
