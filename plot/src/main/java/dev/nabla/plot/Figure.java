package dev.nabla.plot;

import java.awt.Font;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Panels ({@link Chart}s and {@link ImageGrid}s) laid out in a grid under an optional title,
 * rendered to PNG (Java2D, headless) or SVG.
 *
 * <pre>{@code
 * var loss = new Chart().title("loss").line(new double[] {2.3, 1.1, 0.7}, "train");
 * var acc = new Chart().title("accuracy").line(new double[] {0.4, 0.8, 0.9}, "train");
 * Figure.of(loss, acc).title("training").save("curves.png");     // side by side
 * Figure.grid(2, loss, acc, loss, acc).save("grid.svg");         // two columns
 * }</pre>
 */
public final class Figure {
    private final List<Panel> panels;
    private final int cols;
    private String title;
    private double scale = 1;

    private Figure(int cols, List<Panel> panels) {
        if (panels.isEmpty()) {
            throw new IllegalArgumentException("a figure needs at least one panel");
        }
        if (cols < 1) {
            throw new IllegalArgumentException("a figure needs at least one column, got " + cols);
        }
        this.cols = Math.min(cols, panels.size());
        this.panels = List.copyOf(panels);
    }

    /** Panels side by side in one row. */
    public static Figure of(Panel... panels) {
        return new Figure(panels.length, List.of(panels));
    }

    /** Panels in rows of {@code cols}. */
    public static Figure grid(int cols, Panel... panels) {
        return new Figure(cols, List.of(panels));
    }

    /** A title above all panels. */
    public Figure title(String title) {
        this.title = title;
        return this;
    }

    /** Pixels per layout unit in the PNG (2 for high-density screens); SVG is resolution-free. */
    public Figure scale(double scale) {
        if (!(scale > 0 && scale <= 8)) {
            throw new IllegalArgumentException("scale must be in (0, 8], got " + scale);
        }
        this.scale = scale;
        return this;
    }

    public String title() {
        if (title != null) {
            return title;
        }
        return panels.size() == 1 ? panels.get(0).title() : null;
    }

    private int rows() {
        return (panels.size() + cols - 1) / cols;
    }

    private int colWidth(int c) {
        int w = 0;
        for (int i = c; i < panels.size(); i += cols) {
            w = Math.max(w, panels.get(i).width());
        }
        return w;
    }

    private int rowHeight(int r) {
        int h = 0;
        for (int i = r * cols; i < Math.min(panels.size(), (r + 1) * cols); i++) {
            h = Math.max(h, panels.get(i).height());
        }
        return h;
    }

    private int titleHeight() {
        return title != null ? 36 : 0;
    }

    /** Width in layout units (pixels at scale 1). */
    public int width() {
        int w = 0;
        for (int c = 0; c < cols; c++) {
            w += colWidth(c);
        }
        return w;
    }

    /** Height in layout units (pixels at scale 1). */
    public int height() {
        int h = titleHeight();
        for (int r = 0; r < rows(); r++) {
            h += rowHeight(r);
        }
        return h;
    }

    private void draw(Canvas c) {
        if (title != null) {
            Font f = Canvas.font(18, true);
            c.text(title, width() / 2.0, 12 + Canvas.capHeight(f) + 6, f, ChartRenderer.TEXT, Canvas.Align.CENTER, 0);
        }
        double y = titleHeight();
        for (int r = 0; r < rows(); r++) {
            double x = 0;
            int rh = rowHeight(r);
            for (int col = 0; col < cols && r * cols + col < panels.size(); col++) {
                int cw = colWidth(col);
                switch (panels.get(r * cols + col)) {
                    case Chart chart -> chart.draw(c, x, y, cw, rh);
                    case ImageGrid grid -> grid.draw(c, x, y, cw, rh);
                }
                x += cw;
            }
            y += rh;
        }
    }

    /** The figure as an image (headless; no window is opened). */
    public BufferedImage toImage() {
        RasterCanvas c = new RasterCanvas(width(), height(), scale);
        draw(c);
        return c.finish();
    }

    public byte[] toPng() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(toImage(), "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The figure as a standalone SVG document. */
    public String toSvg() {
        SvgCanvas c = new SvgCanvas(width(), height());
        draw(c);
        return c.finish();
    }

    public Path save(String path) {
        return save(Path.of(path));
    }

    /**
     * Writes the figure as PNG or SVG, chosen by the file's extension, replacing the file at once
     * (a reader never sees half a picture); prints the path and returns it.
     */
    public Path save(Path path) {
        write(path);
        boolean png = path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png");
        double s = png ? scale : 1;
        System.out.println("saved " + path + " (" + Math.round(width() * s) + "x" + Math.round(height() * s) + ")");
        return path;
    }

    /** As {@link #save(Path)}, without printing: for programs that report files their own way. */
    public Path write(Path path) {
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        byte[] bytes;
        if (name.endsWith(".png")) {
            bytes = toPng();
        } else if (name.endsWith(".svg")) {
            bytes = toSvg().getBytes(StandardCharsets.UTF_8);
        } else {
            throw new IllegalArgumentException(
                    "save(" + path + "): the picture format comes from the extension, .png or .svg");
        }
        try {
            Path dir = path.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            // beside the target, so the move is atomic; not createTempFile, whose 0600 mode the picture would keep
            Path tmp = dir.resolve(
                    "." + path.getFileName() + "." + ProcessHandle.current().pid() + "."
                            + Thread.currentThread().threadId() + ".tmp");
            try {
                Files.write(tmp, bytes);
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("save(" + path + "): " + e.getMessage(), e);
        }
        return path;
    }

    /** Shows the figure through the current {@link Display} (inline in Jupyter, a file elsewhere). */
    public void show() {
        Display.show(this);
    }

    @Override
    public String toString() {
        return "Figure[" + width() + "x" + height() + ", " + panels.size() + (panels.size() == 1 ? " panel" : " panels")
                + (title() != null ? ", \"" + title() + "\"" : "") + "]";
    }
}
