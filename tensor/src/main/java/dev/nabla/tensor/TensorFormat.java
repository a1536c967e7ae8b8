package dev.nabla.tensor;

import java.util.Locale;

/**
 * PyTorch's print layout: {@code tensor([[0., 1.], [2., 3.]])} with nested rows aligned, values
 * in a shared format (integers as {@code 1.}, fixed point with 4 decimals, or scientific when the
 * magnitudes span too much), the middle of tensors over 1000 elements elided with {@code ...},
 * then the shape.
 */
final class TensorFormat {
    private static final int THRESHOLD = 1000;
    private static final int EDGE = 3;
    private static final int LINE_WIDTH = 80;
    private static final String PREFIX = "tensor(";

    private TensorFormat() {
    }

    static String format(Tensor t) {
        int[] dims = t.dims;
        if (t.numel() == 0) {
            return PREFIX + "[], shape=" + t.shape + ")";
        }
        boolean summarize = t.numel() > THRESHOLD;
        float[] shown = collect(t, summarize);
        Style style = Style.of(shown);
        int width = 0;
        for (float v : shown) {
            width = Math.max(width, style.render(v).length());
        }
        StringBuilder sb = new StringBuilder(PREFIX);
        if (dims.length == 0) {
            sb.append(style.render(t.item()));
            return sb.append(')').toString();
        }
        appendDim(sb, t, 0, t.offset, style, width, summarize, PREFIX.length());
        return sb.append(", shape=").append(t.shape).append(')').toString();
    }

    /** The values that will be printed, for choosing one format for all of them. */
    private static float[] collect(Tensor t, boolean summarize) {
        if (!summarize) {
            return t.toArray();
        }
        java.util.List<Float> values = new java.util.ArrayList<>();
        collect(t, 0, t.offset, values);
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }

    private static void collect(Tensor t, int d, int off, java.util.List<Float> out) {
        if (d == t.dims.length) {
            out.add(t.storage.data[off]);
            return;
        }
        int n = t.dims[d];
        for (int i = 0; i < n; i++) {
            if (n > 2 * EDGE && i == EDGE) {
                i = n - EDGE;
            }
            collect(t, d + 1, off + i * t.strides[d], out);
        }
    }

    private static void appendDim(StringBuilder sb, Tensor t, int d, int off, Style style, int width,
                                  boolean summarize, int indent) {
        int n = t.dims[d];
        boolean elide = summarize && n > 2 * EDGE;
        sb.append('[');
        if (d == t.dims.length - 1) {
            int perLine = Math.max(1, (LINE_WIDTH - indent) / (width + 2));
            int printed = 0;
            for (int i = 0; i < n; i++) {
                if (elide && i == EDGE) {
                    sb.append("...,").append(' ');
                    i = n - EDGE;
                }
                if (printed > 0 && printed % perLine == 0) {
                    sb.setLength(sb.length() - 1);
                    sb.append('\n').append(" ".repeat(indent + 1));
                }
                String s = style.render(t.storage.data[off + i * t.strides[d]]);
                sb.append(" ".repeat(width - s.length())).append(s);
                sb.append(i < n - 1 ? ", " : "");
                printed++;
            }
        } else {
            String newlines = "\n".repeat(t.dims.length - d - 1);
            for (int i = 0; i < n; i++) {
                if (elide && i == EDGE) {
                    sb.append("...,").append(newlines).append(" ".repeat(indent + 1));
                    i = n - EDGE;
                }
                appendDim(sb, t, d + 1, off + i * t.strides[d], style, width, summarize, indent + 1);
                if (i < n - 1) {
                    sb.append(',').append(newlines).append(" ".repeat(indent + 1));
                }
            }
        }
        sb.append(']');
    }

    /** One number format for every printed value, chosen the way PyTorch chooses it. */
    private record Style(boolean integers, boolean scientific) {
        static Style of(float[] values) {
            boolean ints = true;
            double maxAbs = 0;
            double minAbs = Double.POSITIVE_INFINITY;
            boolean anyFinite = false;
            for (float v : values) {
                if (!Float.isFinite(v)) {
                    continue;
                }
                anyFinite = true;
                if (v != Math.rint(v)) {
                    ints = false;
                }
                double a = Math.abs(v);
                maxAbs = Math.max(maxAbs, a);
                if (a != 0) {
                    minAbs = Math.min(minAbs, a);
                }
            }
            if (!anyFinite) {
                return new Style(true, false);
            }
            boolean sci = ints ? maxAbs > 1e8
                    : maxAbs > 1e8 || (minAbs != Double.POSITIVE_INFINITY && (maxAbs / minAbs > 1000 || minAbs < 1e-4));
            return new Style(ints, sci);
        }

        String render(float v) {
            if (Float.isNaN(v)) {
                return "nan";
            }
            if (Float.isInfinite(v)) {
                return v > 0 ? "inf" : "-inf";
            }
            if (scientific) {
                return String.format(Locale.ROOT, "%.4e", v);
            }
            if (integers) {
                return String.format(Locale.ROOT, "%.0f.", v);
            }
            return String.format(Locale.ROOT, "%.4f", v);
        }
    }
}
