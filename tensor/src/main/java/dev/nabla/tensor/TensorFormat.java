package dev.nabla.tensor;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * PyTorch's print layout ({@code torch/_tensor_str.py} with default options):
 * {@code tensor([[0., 1.], [2., 3.]])} with nested rows aligned, values in a shared format
 * (integers as {@code 1.}, fixed point with 4 decimals, or scientific when the non-zero magnitudes
 * span more than 1000x, exceed 1e8 or, for non-integers, go below 1e-4), the middle of tensors
 * over 1000 elements elided with {@code ...}, then the shape. Integer tensors print their values
 * as they are ({@code tensor([1, 2])}), bool tensors {@code True} and {@code False}; the dtype is
 * named where PyTorch names it: always for int32, int8 and uint8, and for an empty tensor of any
 * dtype but float32 ({@code tensor([], dtype=int64, shape=[0])}).
 */
final class TensorFormat {
    private static final int THRESHOLD = 1000;
    private static final int EDGE = 3;
    private static final int LINE_WIDTH = 80;
    private static final int PRECISION = 4;
    private static final String PREFIX = "tensor(";

    private TensorFormat() {}

    /** How each element prints: {@code text} of a storage position, padded on the left to {@code width}. */
    private record Cells(IntFunction<String> text, int width) {
        String render(int at) {
            String s = text.apply(at);
            return s.length() >= width ? s : " ".repeat(width - s.length()) + s;
        }
    }

    static String format(Tensor t) {
        if (t.storage.isQuantized()) {
            // PyTorch prints the real values, then the quantization.
            String f = format(t.dequantize());
            return f.substring(0, f.length() - 1) + ", dtype=" + t.quantizedDescription() + ")";
        }
        int[] dims = t.dims;
        DType dtype = t.storage.dtype;
        if (t.numel() == 0) {
            String named = dtype == DType.FLOAT32 ? "" : "dtype=" + dtype + ", ";
            return PREFIX + "[], " + named + "shape=" + t.shape + ")";
        }
        String named = dtype == DType.INT32 || dtype == DType.INT8 || dtype == DType.UINT8 ? "dtype=" + dtype : null;
        boolean summarize = t.numel() > THRESHOLD;
        Cells cells = cells(t, shown(t, summarize));
        StringBuilder sb = new StringBuilder(PREFIX);
        if (dims.length == 0) {
            sb.append(cells.render(t.offset));
            return sb.append(named == null ? "" : ", " + named).append(')').toString();
        }
        appendDim(sb, t, 0, t.offset, cells, summarize, PREFIX.length());
        if (named != null) {
            sb.append(", ").append(named);
        }
        return sb.append(", shape=").append(t.shape).append(')').toString();
    }

    /** One format for every printed element, chosen from the elements that will be printed. */
    private static Cells cells(Tensor t, int[] shown) {
        Storage st = t.storage;
        if (st.dtype == DType.FLOAT32) {
            float[] values = new float[shown.length];
            for (int i = 0; i < shown.length; i++) {
                values[i] = st.data[shown[i]];
            }
            Style style = Style.of(values);
            return new Cells(at -> style.text(st.data[at]), style.width());
        }
        IntFunction<String> text = st.dtype == DType.BOOL
                ? at -> st.bytes()[at] != 0 ? "True" : "False"
                : at -> Long.toString(st.getLong(at));
        int width = 1;
        for (int at : shown) {
            width = Math.max(width, text.apply(at).length());
        }
        return new Cells(text, width);
    }

    /** The storage positions of the elements that will be printed. */
    private static int[] shown(Tensor t, boolean summarize) {
        List<Integer> out = new ArrayList<>();
        collect(t, 0, t.offset, summarize, out);
        int[] at = new int[out.size()];
        for (int i = 0; i < at.length; i++) {
            at[i] = out.get(i);
        }
        return at;
    }

    private static void collect(Tensor t, int d, int off, boolean summarize, List<Integer> out) {
        if (d == t.dims.length) {
            out.add(off);
            return;
        }
        int n = t.dims[d];
        for (int i = 0; i < n; i++) {
            if (summarize && n > 2 * EDGE && i == EDGE) {
                i = n - EDGE;
            }
            collect(t, d + 1, off + i * t.strides[d], summarize, out);
        }
    }

    private static void appendDim(
            StringBuilder sb, Tensor t, int d, int off, Cells cells, boolean summarize, int indent) {
        int n = t.dims[d];
        boolean elide = summarize && n > 2 * EDGE;
        sb.append('[');
        if (d == t.dims.length - 1) {
            // PyTorch's _vector_str: " ..." is one more item, and lines hold as many items as fit.
            List<String> items = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (elide && i == EDGE) {
                    items.add(" ...");
                    i = n - EDGE;
                }
                items.add(cells.render(off + i * t.strides[d]));
            }
            int perLine = Math.max(1, (LINE_WIDTH - indent) / (cells.width() + 2));
            for (int i = 0; i < items.size(); i++) {
                if (i > 0) {
                    sb.append(i % perLine == 0 ? ",\n" + " ".repeat(indent + 1) : ", ");
                }
                sb.append(items.get(i));
            }
        } else {
            String newlines = "\n".repeat(t.dims.length - d - 1);
            for (int i = 0; i < n; i++) {
                if (elide && i == EDGE) {
                    sb.append("...,").append(newlines).append(" ".repeat(indent + 1));
                    i = n - EDGE;
                }
                appendDim(sb, t, d + 1, off + i * t.strides[d], cells, summarize, indent + 1);
                if (i < n - 1) {
                    sb.append(',').append(newlines).append(" ".repeat(indent + 1));
                }
            }
        }
        sb.append(']');
    }

    /**
     * One number format for every printed value, chosen as PyTorch's {@code _Formatter} chooses it:
     * only the non-zero finite values decide the mode and the column width. Digits are rounded
     * half-even from the exact binary value, as Python's {@code format} does (Java's
     * {@code %.4f} rounds half-up and would print 0.03125 as 0.0313 where PyTorch prints 0.0312).
     */
    private record Style(boolean integers, boolean scientific, int width) {
        static Style of(float[] values) {
            boolean ints = true;
            double maxAbs = 0;
            double minAbs = Double.POSITIVE_INFINITY;
            boolean any = false;
            for (float v : values) {
                if (!Float.isFinite(v) || v == 0) {
                    continue;
                }
                any = true;
                if (v != Math.rint(v)) {
                    ints = false;
                }
                double a = Math.abs(v);
                maxAbs = Math.max(maxAbs, a);
                minAbs = Math.min(minAbs, a);
            }
            if (!any) {
                return new Style(true, false, 1);
            }
            boolean sci = maxAbs / minAbs > 1000 || maxAbs > 1e8 || (!ints && minAbs < 1e-4);
            Style style = new Style(ints, sci, 1);
            int width = 1;
            for (float v : values) {
                if (Float.isFinite(v) && v != 0) {
                    width = Math.max(width, style.text(v).length());
                }
            }
            return new Style(ints, sci, width);
        }

        String text(float v) {
            if (Float.isNaN(v)) {
                return "nan";
            }
            if (Float.isInfinite(v)) {
                return v > 0 ? "inf" : "-inf";
            }
            String sign = (Float.floatToRawIntBits(v) < 0) ? "-" : "";
            BigDecimal a = new BigDecimal(Math.abs((double) v));
            if (scientific) {
                return sign + scientific(a);
            }
            if (integers) {
                return sign + a.setScale(0, RoundingMode.HALF_EVEN).toPlainString() + ".";
            }
            return sign + a.setScale(PRECISION, RoundingMode.HALF_EVEN).toPlainString();
        }

        /** Python's {@code '{:.4e}'} of a non-negative value: {@code d.dddde+XX}. */
        private static String scientific(BigDecimal a) {
            if (a.signum() == 0) {
                return "0." + "0".repeat(PRECISION) + "e+00";
            }
            BigDecimal r = a.round(new MathContext(PRECISION + 1, RoundingMode.HALF_EVEN));
            int exp = r.precision() - r.scale() - 1;
            StringBuilder digits = new StringBuilder(r.unscaledValue().toString());
            while (digits.length() < PRECISION + 1) {
                digits.append('0');
            }
            String e = Integer.toString(Math.abs(exp));
            return digits.charAt(0) + "." + digits.substring(1, PRECISION + 1) + "e" + (exp < 0 ? "-" : "+")
                    + (e.length() < 2 ? "0" + e : e);
        }
    }
}
