package dev.nabla.samples.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Just enough JSON to write a run's settings and metrics: ordered objects, arrays, strings,
 * numbers and booleans, pretty-printed. Numbers stay numbers; NaN and infinities (not JSON) become
 * {@code null}, as does a Java null.
 */
final class Json {
    private Json() {}

    static Obj obj() {
        return new Obj();
    }

    static Arr arr() {
        return new Arr();
    }

    /** {@code value} (an object, an array, a string, a number, a boolean or null) as JSON text with a final newline. */
    static String toString(Object value) {
        StringBuilder sb = new StringBuilder();
        write(value, sb, 0);
        return sb.append('\n').toString();
    }

    /** An object whose keys keep their insertion order. */
    static final class Obj {
        private final Map<String, Object> fields = new LinkedHashMap<>();

        Obj put(String key, Object value) {
            fields.put(key, value);
            return this;
        }

        @Override
        public String toString() {
            return Json.toString(this);
        }
    }

    static final class Arr {
        private final List<Object> items = new ArrayList<>();

        Arr add(Object value) {
            items.add(value);
            return this;
        }
    }

    private static void write(Object v, StringBuilder sb, int indent) {
        String pad = "  ".repeat(indent + 1);
        if (v instanceof Obj o) {
            if (o.fields.isEmpty()) {
                sb.append("{}");
                return;
            }
            sb.append("{\n");
            int i = 0;
            for (var e : o.fields.entrySet()) {
                sb.append(pad);
                string(e.getKey(), sb);
                sb.append(": ");
                write(e.getValue(), sb, indent + 1);
                sb.append(++i < o.fields.size() ? ",\n" : "\n");
            }
            sb.append("  ".repeat(indent)).append('}');
        } else if (v instanceof Arr a) {
            boolean flat = a.items.stream().noneMatch(x -> x instanceof Obj || x instanceof Arr);
            if (flat) {
                sb.append('[');
                for (int i = 0; i < a.items.size(); i++) {
                    write(a.items.get(i), sb, indent);
                    sb.append(i + 1 < a.items.size() ? ", " : "");
                }
                sb.append(']');
                return;
            }
            sb.append("[\n");
            for (int i = 0; i < a.items.size(); i++) {
                sb.append(pad);
                write(a.items.get(i), sb, indent + 1);
                sb.append(i + 1 < a.items.size() ? ",\n" : "\n");
            }
            sb.append("  ".repeat(indent)).append(']');
        } else if (v == null) {
            sb.append("null");
        } else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            sb.append(
                    Double.isFinite(d)
                            ? String.format(Locale.ROOT, "%.6g", d)
                                    .replaceAll("(\\.\\d*?)0+(e|$)", "$1$2")
                                    .replaceAll("\\.(e|$)", "$1")
                            : "null");
        } else if (v instanceof Number || v instanceof Boolean) {
            sb.append(v);
        } else {
            string(v.toString(), sb);
        }
    }

    private static void string(String s, StringBuilder sb) {
        sb.append('"');
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
