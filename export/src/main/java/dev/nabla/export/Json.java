package dev.nabla.export;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON reader and writer (RFC 8259), for safetensors headers and for the JSON that
 * programs built on Nabla exchange (the inference server's requests, for one). Objects become
 * {@link LinkedHashMap}s (duplicate keys are an error), arrays {@link ArrayList}s, integers that fit
 * a long become {@link Long}s and other numbers {@link Double}s. Nesting is limited so a hostile
 * text cannot exhaust the stack. {@link #write} turns the same shapes (and {@code float[]},
 * {@code int[]}, records of them in maps) back into compact text.
 *
 * <pre>{@code
 * Map<?, ?> m = (Map<?, ?>) Json.parse("{\"instances\": [[0, 255]], \"top_k\": 3}");
 * m.get("top_k");                                          // 3L
 * Json.write(Map.of("class", 7, "probabilities", new float[] {0.25f, 0.75f}));
 *                                                          // {"class":7,"probabilities":[0.25,0.75]}
 * }</pre>
 */
public final class Json {
    /** The deepest nesting {@link #parse} accepts. */
    public static final int MAX_DEPTH = 64;

    /** A syntax error at a character offset of the text. */
    public static final class SyntaxError extends Exception {
        private final int offset;

        SyntaxError(String message, int at) {
            super(message + " at character " + at);
            this.offset = at;
        }

        /** Where in the text the error is, in characters from the start. */
        public int offset() {
            return offset;
        }
    }

    private final String s;
    private int pos;

    private Json(String s) {
        this.s = s;
    }

    /**
     * The value {@code text} holds: a {@code Map<String, Object>}, {@code List<Object>},
     * {@code String}, {@code Long}, {@code Double}, {@code Boolean} or null.
     *
     * @throws SyntaxError naming what was expected and where, when {@code text} is not one JSON value
     */
    public static Object parse(String text) throws SyntaxError {
        Json p = new Json(text);
        p.skipSpace();
        Object v = p.value(0);
        p.skipSpace();
        if (p.pos != text.length()) {
            throw new SyntaxError("unexpected '" + text.charAt(p.pos) + "' after the JSON value", p.pos);
        }
        return v;
    }

    private void skipSpace() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private SyntaxError error(String what) {
        return new SyntaxError(
                pos >= s.length() ? what + ", but the text ends" : what + ", found '" + s.charAt(pos) + "'", pos);
    }

    private Object value(int depth) throws SyntaxError {
        if (depth > MAX_DEPTH) {
            throw new SyntaxError("nested deeper than " + MAX_DEPTH + " levels", pos);
        }
        if (pos >= s.length()) {
            throw error("expected a value");
        }
        char c = s.charAt(pos);
        return switch (c) {
            case '{' -> object(depth);
            case '[' -> array(depth);
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    yield number();
                }
                throw error("expected a value");
            }
        };
    }

    private Object literal(String word, Object v) throws SyntaxError {
        if (!s.startsWith(word, pos)) {
            throw error("expected '" + word + "'");
        }
        pos += word.length();
        return v;
    }

    private Map<String, Object> object(int depth) throws SyntaxError {
        pos++; // {
        Map<String, Object> m = new LinkedHashMap<>();
        skipSpace();
        if (pos < s.length() && s.charAt(pos) == '}') {
            pos++;
            return m;
        }
        while (true) {
            skipSpace();
            if (pos >= s.length() || s.charAt(pos) != '"') {
                throw error("expected a '\"' starting an object key");
            }
            int keyAt = pos;
            String key = string();
            skipSpace();
            if (pos >= s.length() || s.charAt(pos) != ':') {
                throw error("expected ':' after an object key");
            }
            pos++;
            skipSpace();
            Object v = value(depth + 1);
            if (m.containsKey(key)) {
                throw new SyntaxError("duplicate key \"" + key + "\"", keyAt);
            }
            m.put(key, v);
            skipSpace();
            if (pos < s.length() && s.charAt(pos) == ',') {
                pos++;
            } else if (pos < s.length() && s.charAt(pos) == '}') {
                pos++;
                return m;
            } else {
                throw error("expected ',' or '}' in an object");
            }
        }
    }

    private List<Object> array(int depth) throws SyntaxError {
        pos++; // [
        List<Object> a = new ArrayList<>();
        skipSpace();
        if (pos < s.length() && s.charAt(pos) == ']') {
            pos++;
            return a;
        }
        while (true) {
            skipSpace();
            a.add(value(depth + 1));
            skipSpace();
            if (pos < s.length() && s.charAt(pos) == ',') {
                pos++;
            } else if (pos < s.length() && s.charAt(pos) == ']') {
                pos++;
                return a;
            } else {
                throw error("expected ',' or ']' in an array");
            }
        }
    }

    private String string() throws SyntaxError {
        pos++; // opening quote
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= s.length()) {
                throw error("unterminated string");
            }
            char c = s.charAt(pos++);
            if (c == '"') {
                return sb.toString();
            }
            if (c < 0x20) {
                pos--;
                throw error("control character in a string");
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (pos >= s.length()) {
                throw error("unterminated escape");
            }
            char e = s.charAt(pos++);
            switch (e) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case '/' -> sb.append('/');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> sb.append(hex4());
                default -> {
                    pos--;
                    throw error("invalid escape '\\" + e + "'");
                }
            }
        }
    }

    private char hex4() throws SyntaxError {
        if (pos + 4 > s.length()) {
            throw error("incomplete \\u escape");
        }
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(s.charAt(pos), 16);
            if (d < 0) {
                throw error("expected a hex digit in a \\u escape");
            }
            v = v * 16 + d;
            pos++;
        }
        return (char) v;
    }

    private Object number() throws SyntaxError {
        int start = pos;
        if (s.charAt(pos) == '-') {
            pos++;
        }
        if (pos >= s.length() || !isDigit(s.charAt(pos))) {
            throw error("expected a digit");
        }
        if (s.charAt(pos) == '0') {
            pos++;
        } else {
            while (pos < s.length() && isDigit(s.charAt(pos))) {
                pos++;
            }
        }
        boolean integral = true;
        if (pos < s.length() && s.charAt(pos) == '.') {
            integral = false;
            pos++;
            if (pos >= s.length() || !isDigit(s.charAt(pos))) {
                throw error("expected a digit after '.'");
            }
            while (pos < s.length() && isDigit(s.charAt(pos))) {
                pos++;
            }
        }
        if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
            integral = false;
            pos++;
            if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) {
                pos++;
            }
            if (pos >= s.length() || !isDigit(s.charAt(pos))) {
                throw error("expected a digit in an exponent");
            }
            while (pos < s.length() && isDigit(s.charAt(pos))) {
                pos++;
            }
        }
        // Up to 18 digits fit a long whatever they are: read them in place, without a substring
        // (requests carry thousands of pixel values).
        int digits = pos - start - (s.charAt(start) == '-' ? 1 : 0);
        if (integral && digits <= 18) {
            long v = 0;
            for (int i = pos - digits; i < pos; i++) {
                v = v * 10 + (s.charAt(i) - '0');
            }
            return s.charAt(start) == '-' ? -v : v;
        }
        String text = s.substring(start, pos);
        if (integral) {
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException tooBig) {
                // falls through to a double: callers that need an exact integer reject it
            }
        }
        return Double.parseDouble(text);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    // =================================================================== writing

    /**
     * {@code value} as compact JSON text: maps (with string keys) become objects, lists and other
     * iterables, {@code float[]}, {@code double[]}, {@code int[]} and {@code long[]} arrays, strings,
     * numbers, booleans and null. Floats are written with the fewest digits that read back to the
     * same float.
     *
     * @throws IllegalArgumentException for a NaN or infinite number (JSON has none) or a value of
     *     another type
     */
    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value);
        return sb.toString();
    }

    /** Appends {@code value} to {@code out} as {@link #write(Object)} writes it. */
    public static void write(StringBuilder out, Object value) {
        switch (value) {
            case null -> out.append("null");
            case String s -> quote(out, s);
            case Boolean b -> out.append(b.booleanValue());
            case Float f -> out.append(finite(f, f));
            case Double d -> out.append(finite(d, d));
            case Long l -> out.append(l.longValue());
            case Integer i -> out.append(i.intValue());
            case Short i -> out.append(i.shortValue());
            case Byte i -> out.append(i.byteValue());
            case Map<?, ?> m -> {
                out.append('{');
                boolean first = true;
                for (var e : m.entrySet()) {
                    if (!(e.getKey() instanceof String key)) {
                        throw new IllegalArgumentException(
                                "Json.write: object keys must be strings, got " + e.getKey());
                    }
                    out.append(first ? "" : ",");
                    first = false;
                    quote(out, key);
                    out.append(':');
                    write(out, e.getValue());
                }
                out.append('}');
            }
            case Iterable<?> items -> {
                out.append('[');
                boolean first = true;
                for (Object item : items) {
                    out.append(first ? "" : ",");
                    first = false;
                    write(out, item);
                }
                out.append(']');
            }
            case float[] a -> {
                out.append('[');
                for (int i = 0; i < a.length; i++) {
                    out.append(i == 0 ? "" : ",").append(finite(a[i], a[i]));
                }
                out.append(']');
            }
            case double[] a -> {
                out.append('[');
                for (int i = 0; i < a.length; i++) {
                    out.append(i == 0 ? "" : ",").append(finite(a[i], a[i]));
                }
                out.append(']');
            }
            case int[] a -> {
                out.append('[');
                for (int i = 0; i < a.length; i++) {
                    out.append(i == 0 ? "" : ",").append(a[i]);
                }
                out.append(']');
            }
            case long[] a -> {
                out.append('[');
                for (int i = 0; i < a.length; i++) {
                    out.append(i == 0 ? "" : ",").append(a[i]);
                }
                out.append(']');
            }
            default ->
                throw new IllegalArgumentException(
                        "Json.write: cannot write a " + value.getClass().getName() + " as JSON");
        }
    }

    /** {@code text}, the number's shortest form, when {@code v} is finite. */
    private static String finite(double v, Object number) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException("Json.write: " + v + " is not a JSON number");
        }
        String text = number.toString();
        // 1.0 reads back as 1.0 but is written 1 by every JSON writer people compare against.
        return text.endsWith(".0") ? text.substring(0, text.length() - 2) : text;
    }

    /** Appends {@code text} as a JSON string literal. */
    public static void quote(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
