package dev.nabla.plot;

import dev.nabla.tensor.Tensor;
import java.awt.Color;
import java.awt.Font;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Images side by side in a grid: a batch of digits, the channels of a feature map, the kernels of
 * a convolution. Single-channel images go through a colour map (gray by default); three-channel
 * images are RGB. Values are scaled to the colour range over the whole grid by default, per image
 * with {@link #perImage()}, around zero with {@link #symmetric()}, or to a fixed {@link #range}.
 * Small images are enlarged by whole pixels, so every pixel stays a visible square.
 *
 * <pre>{@code
 * Tensor batch = Tensor.rand(16, 1, 28, 28);                 // [N, C, H, W]
 * ImageGrid.of(batch).title("inputs").cols(8).save("inputs.png");
 * ImageGrid.of(conv.weight.data()).perImage().symmetric().colorMap(ColorMap.BLUE_RED).show();
 * }</pre>
 */
public final class ImageGrid implements Panel {
    /** One image, channel-major: {@code data[(ch * h + y) * w + x]}. */
    record Picture(int channels, int h, int w, float[] data) {}

    private final List<Picture> images;
    private String title;
    private String[] labels;
    private final BitSet marked = new BitSet();
    private int cols;
    private int zoom;
    private ColorMap colorMap = ColorMap.GRAY;
    private boolean perImage;
    private boolean symmetric;
    private double lo = Double.NaN;
    private double hi = Double.NaN;

    ImageGrid(List<Picture> images) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("an image grid needs at least one image");
        }
        this.images = List.copyOf(images);
        int n = images.size();
        this.cols = n <= 10 ? n : Math.min(16, (int) Math.ceil(Math.sqrt(n) * 1.25));
        int side = 0;
        for (Picture p : images) {
            side = Math.max(side, Math.max(p.h(), p.w()));
        }
        this.zoom = Math.max(1, (int) Math.round(84.0 / side));
        while (zoom > 1 && cols * (side * zoom + 6) > 1400) {
            zoom--;
        }
    }

    /**
     * A tensor of images: {@code [N, C, H, W]} with C = 1 or 3, {@code [N, H, W]} (single-channel),
     * or one image {@code [C, H, W]} with C = 1 or 3, or {@code [H, W]}.
     */
    public static ImageGrid of(Tensor images) {
        return new ImageGrid(split(images, "ImageGrid.of"));
    }

    static List<Picture> split(Tensor t, String op) {
        int[] d = t.dims();
        float[] v = t.contiguous().toArray();
        List<Picture> out = new ArrayList<>();
        switch (d.length) {
            case 2 -> out.add(new Picture(1, d[0], d[1], v));
            case 3 -> {
                for (int i = 0; i < d[0]; i++) {
                    out.add(new Picture(1, d[1], d[2], slice(v, i, d[1] * d[2])));
                }
            }
            case 4 -> {
                if (d[1] != 1 && d[1] != 3) {
                    throw new IllegalArgumentException(
                            op + ": a batch [N, C, H, W] needs C = 1 or 3 channels, got shape " + t.shape()
                                    + " (show the channels of one image with t.select(0, i))");
                }
                for (int i = 0; i < d[0]; i++) {
                    out.add(new Picture(d[1], d[2], d[3], slice(v, i, d[1] * d[2] * d[3])));
                }
            }
            default ->
                throw new IllegalArgumentException(
                        op + ": expected images [N, C, H, W], [N, H, W] or [H, W], got shape " + t.shape());
        }
        return out;
    }

    private static float[] slice(float[] v, int i, int size) {
        float[] s = new float[size];
        System.arraycopy(v, i * size, s, 0, size);
        return s;
    }

    public ImageGrid title(String title) {
        this.title = title;
        return this;
    }

    /** A caption under each image, in order (fewer captions than images leave the rest bare). */
    public ImageGrid labels(String... labels) {
        this.labels = labels.clone();
        return this;
    }

    public ImageGrid labels(List<String> labels) {
        return labels(labels.toArray(String[]::new));
    }

    /** Draws the captions of these images in red (for example the misclassified ones). */
    public ImageGrid mark(int... indices) {
        for (int i : indices) {
            if (i < 0 || i >= images.size()) {
                throw new IndexOutOfBoundsException("mark(" + i + "): the grid has " + images.size() + " images");
            }
            marked.set(i);
        }
        return this;
    }

    public ImageGrid cols(int cols) {
        if (cols < 1) {
            throw new IllegalArgumentException("cols must be >= 1, got " + cols);
        }
        this.cols = cols;
        return this;
    }

    /** Screen pixels per image pixel (chosen automatically to make images about 84 pixels wide). */
    public ImageGrid zoom(int zoom) {
        if (zoom < 1) {
            throw new IllegalArgumentException("zoom must be >= 1, got " + zoom);
        }
        this.zoom = zoom;
        return this;
    }

    /** The colour map for single-channel images. */
    public ImageGrid colorMap(ColorMap map) {
        this.colorMap = map;
        return this;
    }

    /** Scales each image to its own range (feature maps and filters differ in scale). */
    public ImageGrid perImage() {
        this.perImage = true;
        return this;
    }

    /** Centres the colour range on zero (-m..m), so the sign of a weight shows; pair with {@link ColorMap#BLUE_RED}. */
    public ImageGrid symmetric() {
        this.symmetric = true;
        return this;
    }

    /** A fixed value range for all images (for example 0..1 for pixel intensities). */
    public ImageGrid range(double lo, double hi) {
        if (!(hi > lo)) {
            throw new IllegalArgumentException("range(" + lo + ", " + hi + "): hi must exceed lo");
        }
        this.lo = lo;
        this.hi = hi;
        return this;
    }

    int rows() {
        return (images.size() + cols - 1) / cols;
    }

    private int cellW() {
        int w = 0;
        for (Picture p : images) {
            w = Math.max(w, p.w());
        }
        double caption = 0;
        if (labels != null) {
            for (String l : labels) {
                caption = Math.max(caption, l == null ? 0 : Canvas.textWidth(l, CAPTION_FONT) + 6);
            }
        }
        // a caption wider than the image widens its cell, so neighbouring captions never touch
        return Math.max(w * zoom, (int) Math.ceil(caption));
    }

    private int cellH() {
        int h = 0;
        for (Picture p : images) {
            h = Math.max(h, p.h());
        }
        return h * zoom;
    }

    private static final double GAP = 6;
    private static final double CAPTION = 18;
    private static final Font CAPTION_FONT = Canvas.font(12, false);

    private int captionH() {
        return labels != null ? (int) CAPTION : 0;
    }

    private int titleH() {
        return title != null ? 34 : 0;
    }

    @Override
    public int width() {
        int c = Math.min(cols, images.size());
        return (int) Math.ceil(2 * 10 + c * cellW() + (c - 1) * GAP);
    }

    @Override
    public int height() {
        int r = rows();
        return (int) Math.ceil(2 * 10 + titleH() + r * (cellH() + captionH()) + (r - 1) * GAP);
    }

    @Override
    public String title() {
        return title;
    }

    /** The value range one image (or all) is scaled to. */
    private double[] range(List<Picture> pics) {
        if (!Double.isNaN(lo)) {
            return new double[] {lo, hi};
        }
        double a = Double.POSITIVE_INFINITY;
        double b = Double.NEGATIVE_INFINITY;
        for (Picture p : pics) {
            for (float f : p.data()) {
                if (Float.isFinite(f)) {
                    a = Math.min(a, f);
                    b = Math.max(b, f);
                }
            }
        }
        if (a > b) {
            return new double[] {0, 1};
        }
        if (symmetric) {
            double m = Math.max(Math.abs(a), Math.abs(b));
            a = -m;
            b = m;
        }
        return b > a ? new double[] {a, b} : new double[] {a - 0.5, a + 0.5};
    }

    BufferedImage raster(Picture p, double[] r) {
        BufferedImage img = new BufferedImage(p.w(), p.h(), BufferedImage.TYPE_INT_RGB);
        double span = r[1] - r[0];
        int plane = p.h() * p.w();
        for (int y = 0; y < p.h(); y++) {
            for (int x = 0; x < p.w(); x++) {
                int i = y * p.w() + x;
                int rgb;
                if (p.channels() == 3) {
                    rgb = (level(p.data()[i], r[0], span) << 16)
                            | (level(p.data()[plane + i], r[0], span) << 8)
                            | level(p.data()[2 * plane + i], r[0], span);
                } else {
                    rgb = colorMap.rgb((p.data()[i] - r[0]) / span);
                }
                img.setRGB(x, y, rgb);
            }
        }
        return img;
    }

    private static int level(float v, double lo, double span) {
        return (int) Math.round(Math.max(0, Math.min(1, (v - lo) / span)) * 255);
    }

    @Override
    public String toString() {
        Picture p = images.get(0);
        return "ImageGrid[" + (title != null ? "\"" + title + "\", " : "") + images.size()
                + (images.size() == 1 ? " image " : " images ") + p.channels() + "x" + p.h() + "x" + p.w() + "]";
    }

    void draw(Canvas c, double x, double y, double w, double h) {
        double x0 = x + (w - width()) / 2 + 10;
        double y0 = y + 10;
        if (title != null) {
            c.text(
                    title,
                    x + w / 2,
                    y0 + Canvas.capHeight(ChartRenderer.TITLE) + 6,
                    ChartRenderer.TITLE,
                    ChartRenderer.TEXT,
                    Canvas.Align.CENTER,
                    0);
            y0 += titleH();
        }
        double[] global = range(images);
        int cw = cellW();
        int ch = cellH();
        for (int i = 0; i < images.size(); i++) {
            Picture p = images.get(i);
            double[] r = perImage ? range(List.of(p)) : global;
            double px = x0 + (i % cols) * (cw + GAP) + (cw - p.w() * zoom) / 2.0;
            double py = y0 + (i / cols) * (ch + captionH() + GAP) + (ch - p.h() * zoom) / 2.0;
            c.image(raster(p, r), px, py, p.w() * zoom, p.h() * zoom, false);
            if (labels != null && i < labels.length && labels[i] != null) {
                Color col = marked.get(i) ? new Color(0xd62728) : ChartRenderer.TEXT;
                double cx = x0 + (i % cols) * (cw + GAP) + cw / 2.0;
                double cy = y0 + (i / cols) * (ch + captionH() + GAP) + ch + 14;
                c.text(labels[i], cx, cy, CAPTION_FONT, col, Canvas.Align.CENTER, 0);
            }
        }
    }
}
