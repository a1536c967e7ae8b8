package dev.nabla.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;

/** A {@link Canvas} that paints into a {@link BufferedImage} with Java2D (works headless). */
final class RasterCanvas implements Canvas {
    private final BufferedImage image;
    private final Graphics2D g;

    RasterCanvas(int width, int height, double scale) {
        this.image = new BufferedImage(
                (int) Math.round(width * scale), (int) Math.round(height * scale), BufferedImage.TYPE_INT_RGB);
        this.g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_FRACTIONALMETRICS, RenderingHints.VALUE_FRACTIONALMETRICS_ON);
        g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        g.scale(scale, scale);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
    }

    BufferedImage finish() {
        g.dispose();
        return image;
    }

    private void stroke(Stroke s) {
        g.setColor(s.color());
        float w = (float) s.width();
        g.setStroke(
                s.dashed()
                        ? new BasicStroke(
                                w, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {4 * w, 2.5f * w}, 0f)
                        : new BasicStroke(w, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
    }

    @Override
    public void line(double x1, double y1, double x2, double y2, Stroke s) {
        stroke(s);
        g.draw(new Line2D.Double(x1, y1, x2, y2));
    }

    @Override
    public void polyline(double[] xs, double[] ys, int n, Stroke s) {
        if (n < 2) {
            return;
        }
        Path2D.Double p = new Path2D.Double();
        p.moveTo(xs[0], ys[0]);
        for (int i = 1; i < n; i++) {
            p.lineTo(xs[i], ys[i]);
        }
        stroke(s);
        g.draw(p);
    }

    @Override
    public void fillRect(double x, double y, double w, double h, Color c) {
        g.setColor(c);
        g.fill(new Rectangle2D.Double(x, y, w, h));
    }

    @Override
    public void strokeRect(double x, double y, double w, double h, Stroke s) {
        stroke(s);
        g.draw(new Rectangle2D.Double(x, y, w, h));
    }

    @Override
    public void disc(double cx, double cy, double r, Color fill, Color edge) {
        Ellipse2D.Double e = new Ellipse2D.Double(cx - r, cy - r, 2 * r, 2 * r);
        g.setColor(fill);
        g.fill(e);
        if (edge != null) {
            stroke(Stroke.solid(edge, 0.8));
            g.draw(e);
        }
    }

    @Override
    public void text(String s, double x, double y, Font f, Color c, Align align, double degrees) {
        double w = Canvas.textWidth(s, f);
        double dx = switch (align) {
            case LEFT -> 0;
            case CENTER -> -w / 2;
            case RIGHT -> -w;
        };
        Graphics2D t = (Graphics2D) g.create();
        t.translate(x, y);
        if (degrees != 0) {
            t.rotate(Math.toRadians(degrees));
        }
        t.setFont(f);
        t.setColor(c);
        t.drawString(s, (float) dx, 0f);
        t.dispose();
    }

    @Override
    public void image(BufferedImage img, double x, double y, double w, double h, boolean smooth) {
        Graphics2D t = (Graphics2D) g.create();
        t.setRenderingHint(
                RenderingHints.KEY_INTERPOLATION,
                smooth
                        ? RenderingHints.VALUE_INTERPOLATION_BILINEAR
                        : RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
        t.translate(x, y);
        t.scale(w / img.getWidth(), h / img.getHeight());
        t.drawImage(img, 0, 0, null);
        t.dispose();
    }

    @Override
    public void clip(double x, double y, double w, double h) {
        g.setClip(new Rectangle2D.Double(x, y, w, h));
    }

    @Override
    public void unclip() {
        g.setClip(null);
    }
}
