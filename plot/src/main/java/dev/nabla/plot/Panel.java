package dev.nabla.plot;

import java.awt.image.BufferedImage;
import java.nio.file.Path;

/**
 * One picture in a {@link Figure}: a {@link Chart} or an {@link ImageGrid}. A panel on its own can
 * be saved or shown directly; it becomes a one-panel figure.
 *
 * <pre>{@code
 * Panel p = new Chart().line(new double[] {1, 4, 9}, "squares");
 * p.save("squares.png");        // prints: saved squares.png (640x440)
 * p.show();                     // inline in Jupyter, a file under plots/ elsewhere
 * }</pre>
 */
public sealed interface Panel permits Chart, ImageGrid {
    /** Preferred width in pixels. */
    int width();

    /** Preferred height in pixels. */
    int height();

    /** The title, or null. */
    String title();

    /** This panel alone as a figure. */
    default Figure figure() {
        return Figure.of(this);
    }

    /** Writes a PNG or SVG (by the extension), prints the path and returns it. */
    default Path save(String path) {
        return figure().save(path);
    }

    /** Writes a PNG or SVG (by the extension), prints the path and returns it. */
    default Path save(Path path) {
        return figure().save(path);
    }

    /** Shows the picture: inline in a Jupyter notebook, otherwise saved under the display directory. */
    default void show() {
        figure().show();
    }

    default BufferedImage toImage() {
        return figure().toImage();
    }

    default byte[] toPng() {
        return figure().toPng();
    }

    default String toSvg() {
        return figure().toSvg();
    }
}
