package dev.nabla.plot;

import java.awt.Color;
import java.awt.Font;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * A {@link Canvas} that writes SVG 1.1 text. Vector primitives stay vectors; raster content (heat
 * maps, filled contours, images) is embedded as PNG, as matplotlib does.
 */
final class SvgCanvas implements Canvas {
    private final StringBuilder sb = new StringBuilder();
    private int clips;
    private boolean clipped;

    SvgCanvas(int width, int height) {
        sb.append(String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" "
                        + "version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                        + "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n",
                width,
                height,
                width,
                height));
        sb.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", width, height));
    }

    String finish() {
        unclip();
        return sb.append("</svg>\n").toString();
    }

    private static String num(double v) {
        String s = String.format(Locale.ROOT, "%.2f", v);
        // 12.50 -> 12.5, 3.00 -> 3: smaller files, same picture
        s = s.indexOf('.') >= 0 ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
        return s.equals("-0") ? "0" : s;
    }

    private static String paint(String attr, Color c) {
        String s = String.format(Locale.ROOT, " %s=\"#%02x%02x%02x\"", attr, c.getRed(), c.getGreen(), c.getBlue());
        return c.getAlpha() == 255
                ? s
                : s + String.format(Locale.ROOT, " %s-opacity=\"%.3f\"", attr, c.getAlpha() / 255.0);
    }

    private static String stroke(Stroke s) {
        String out = paint("stroke", s.color()) + " stroke-width=\"" + num(s.width()) + "\"";
        if (s.dashed()) {
            out += " stroke-dasharray=\"" + num(4 * s.width()) + "," + num(2.5 * s.width()) + "\"";
        } else {
            out += " stroke-linecap=\"round\"";
        }
        return out + " stroke-linejoin=\"round\"";
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    @Override
    public void line(double x1, double y1, double x2, double y2, Stroke s) {
        sb.append("<line x1=\"")
                .append(num(x1))
                .append("\" y1=\"")
                .append(num(y1))
                .append("\" x2=\"")
                .append(num(x2))
                .append("\" y2=\"")
                .append(num(y2))
                .append('"')
                .append(stroke(s))
                .append("/>\n");
    }

    @Override
    public void polyline(double[] xs, double[] ys, int n, Stroke s) {
        if (n < 2) {
            return;
        }
        sb.append("<polyline fill=\"none\" points=\"");
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : " ").append(num(xs[i])).append(',').append(num(ys[i]));
        }
        sb.append('"').append(stroke(s)).append("/>\n");
    }

    @Override
    public void fillRect(double x, double y, double w, double h, Color c) {
        sb.append(rect(x, y, w, h)).append(paint("fill", c)).append("/>\n");
    }

    @Override
    public void strokeRect(double x, double y, double w, double h, Stroke s) {
        sb.append(rect(x, y, w, h)).append(" fill=\"none\"").append(stroke(s)).append("/>\n");
    }

    private static String rect(double x, double y, double w, double h) {
        return "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(w) + "\" height=\"" + num(h) + "\"";
    }

    @Override
    public void disc(double cx, double cy, double r, Color fill, Color edge) {
        sb.append("<circle cx=\"")
                .append(num(cx))
                .append("\" cy=\"")
                .append(num(cy))
                .append("\" r=\"")
                .append(num(r))
                .append('"')
                .append(paint("fill", fill));
        if (edge != null) {
            sb.append(stroke(Stroke.solid(edge, 0.8)));
        }
        sb.append("/>\n");
    }

    @Override
    public void text(String s, double x, double y, Font f, Color c, Align align, double degrees) {
        String anchor = switch (align) {
            case LEFT -> "start";
            case CENTER -> "middle";
            case RIGHT -> "end";
        };
        sb.append("<text x=\"")
                .append(num(x))
                .append("\" y=\"")
                .append(num(y))
                .append("\" font-size=\"")
                .append(num(f.getSize2D()))
                .append('"');
        if (f.isBold()) {
            sb.append(" font-weight=\"bold\"");
        }
        sb.append(" text-anchor=\"").append(anchor).append('"').append(paint("fill", c));
        if (degrees != 0) {
            sb.append(" transform=\"rotate(")
                    .append(num(degrees))
                    .append(' ')
                    .append(num(x))
                    .append(' ')
                    .append(num(y))
                    .append(")\"");
        }
        sb.append('>').append(escape(s)).append("</text>\n");
    }

    /** Images up to this many pixels drawn without smoothing become rectangles: crisp in every viewer. */
    private static final int MAX_RECT_PIXELS = 4096;

    @Override
    public void image(BufferedImage img, double x, double y, double w, double h, boolean smooth) {
        if (!smooth && img.getWidth() * img.getHeight() <= MAX_RECT_PIXELS) {
            pixels(img, x, y, w / img.getWidth(), h / img.getHeight());
            return;
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", png);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        sb.append(rect(x, y, w, h).replace("<rect", "<image")).append(" preserveAspectRatio=\"none\"");
        if (!smooth) {
            // SVG 1.1's hint and CSS's, for viewers that know one or the other
            sb.append(" image-rendering=\"optimizeSpeed\" style=\"image-rendering:pixelated\"");
        }
        sb.append(" xlink:href=\"data:image/png;base64,")
                .append(Base64.getEncoder().encodeToString(png.toByteArray()))
                .append("\"/>\n");
    }

    /** One rectangle per run of equal pixels in a row (a heat map's cells, a digit's pixels). */
    private void pixels(BufferedImage img, double x, double y, double pw, double ph) {
        sb.append("<g shape-rendering=\"crispEdges\">\n");
        for (int r = 0; r < img.getHeight(); r++) {
            int c = 0;
            while (c < img.getWidth()) {
                int argb = img.getRGB(c, r);
                int end = c + 1;
                while (end < img.getWidth() && img.getRGB(end, r) == argb) {
                    end++;
                }
                Color col = new Color(argb, true);
                if (col.getAlpha() > 0) {
                    sb.append(rect(x + c * pw, y + r * ph, (end - c) * pw, ph))
                            .append(paint("fill", col))
                            .append("/>\n");
                }
                c = end;
            }
        }
        sb.append("</g>\n");
    }

    @Override
    public void clip(double x, double y, double w, double h) {
        unclip();
        String id = "clip" + (++clips);
        sb.append("<clipPath id=\"")
                .append(id)
                .append("\">")
                .append(rect(x, y, w, h))
                .append("/></clipPath>\n");
        sb.append("<g clip-path=\"url(#").append(id).append(")\">\n");
        clipped = true;
    }

    @Override
    public void unclip() {
        if (clipped) {
            sb.append("</g>\n");
            clipped = false;
        }
    }
}
