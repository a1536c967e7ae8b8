package dev.nabla.serve;

import dev.nabla.nn.data.Preprocessing;
import java.util.Arrays;

/**
 * The fast path for the common predict body: {@code {"instances": [...], "top_k": k}} whose
 * instances are nested arrays of whole pixel values 0..255. It reads the bytes once, straight into
 * the pixel bytes of every instance (no JSON tree of boxed numbers, no text decoding), then runs
 * the checkpoint's preprocessing over them in one pass, the same byte path {@link Instances} takes
 * for whole numbers, so the inputs are bit for bit the same.
 *
 * <p>It accepts only what it can answer exactly as the general path would: anything else (images,
 * fractional or out-of-range values, unknown keys, escapes, malformed JSON, a wrong shape, more
 * instances than allowed) gives null, and the caller parses the body the general way, which says
 * what is wrong.
 */
final class PixelBody {
    /** The prepared inputs ({@code count} images back to back) and the raw {@code top_k}, or null. */
    record Parsed(float[] inputs, int count, Long topK) {}

    private final byte[] b;
    private final int end;
    private int at;
    private final int c;
    private final int h;
    private final int w;
    private final int size;
    private byte[] pixels;
    private int written;
    /** Per depth of the instance being read: the length its first array had, or 0. */
    private final int[] dims = new int[3];

    private int leafDepth;

    private PixelBody(byte[] body, Preprocessing pre, int maxInstances) {
        this.b = body;
        this.end = body.length;
        this.c = pre.channels();
        this.h = pre.height();
        this.w = pre.width();
        this.size = pre.imageSize();
        this.pixels = new byte[size * Math.min(maxInstances, Math.max(1, body.length / (2 * size) + 1))];
    }

    /** {@code body} parsed and prepared for {@code pre}, or null when the general path must read it. */
    static Parsed parse(byte[] body, Preprocessing pre, int maxInstances) {
        return new PixelBody(body, pre, maxInstances).object(pre, maxInstances);
    }

    private Parsed object(Preprocessing pre, int maxInstances) {
        ws();
        if (!eat('{')) {
            return null;
        }
        int count = -1;
        Long topK = null;
        boolean signature = false;
        ws();
        if (peek() == '}') {
            return null; // "missing instances": the general path words it
        }
        while (true) {
            ws();
            String key = key();
            if (key == null) {
                return null;
            }
            ws();
            if (!eat(':')) {
                return null;
            }
            ws();
            switch (key) {
                case "instances" -> {
                    if (count >= 0 || (count = instances(maxInstances)) < 0) {
                        return null;
                    }
                }
                case "top_k" -> {
                    if (topK != null) {
                        return null;
                    }
                    long k = number(Integer.MAX_VALUE);
                    if (k < 0) {
                        return null;
                    }
                    topK = k;
                }
                case "signature_name" -> {
                    if (signature || !literal("\"serving_default\"")) {
                        return null;
                    }
                    signature = true;
                }
                default -> {
                    return null;
                }
            }
            ws();
            if (eat('}')) {
                break;
            }
            if (!eat(',')) {
                return null;
            }
        }
        ws();
        if (at != end || count < 0) {
            return null;
        }
        float[] inputs = pre.apply(pixels.length == count * size ? pixels : Arrays.copyOf(pixels, count * size))
                .toArray();
        return new Parsed(inputs, count, topK);
    }

    /** Reads the instances array into {@link #pixels}; the number of instances, or -1. */
    private int instances(int maxInstances) {
        if (!eat('[')) {
            return -1;
        }
        int n = 0;
        ws();
        if (peek() == ']') {
            return -1; // empty: the general path words it
        }
        while (true) {
            ws();
            if (n == maxInstances) {
                return -1;
            }
            if (!instance(n)) {
                return -1;
            }
            n++;
            ws();
            if (eat(']')) {
                return n;
            }
            if (!eat(',')) {
                return -1;
            }
        }
    }

    /** Reads instance {@code i}: nested arrays of whole numbers in one of the accepted shapes. */
    private boolean instance(int i) {
        if (pixels.length < (i + 1) * size) {
            pixels = Arrays.copyOf(pixels, Math.max((i + 1) * size, pixels.length * 2));
        }
        Arrays.fill(dims, 0);
        leafDepth = -1;
        written = 0;
        int start = i * size;
        if (!array(0, start)) {
            return false;
        }
        int depth = leafDepth + 1;
        boolean chw = depth == 3 && dims[0] == c && dims[1] == h && dims[2] == w;
        boolean hw = depth == 2 && c == 1 && dims[0] == h && dims[1] == w;
        boolean hwc = depth == 3 && c > 1 && !chw && dims[0] == h && dims[1] == w && dims[2] == c;
        boolean flat = depth == 1 && dims[0] == size;
        if (!(chw || hw || hwc || flat) || written != size) {
            return false;
        }
        if (hwc) {
            byte[] planes = new byte[size];
            int plane = h * w;
            for (int k = 0; k < size; k++) {
                planes[(k % c) * plane + k / c] = pixels[start + k];
            }
            System.arraycopy(planes, 0, pixels, start, size);
        }
        return true;
    }

    /** Reads one array at {@code depth}, its numbers from {@code pixels[start + written]} on. */
    private boolean array(int depth, int start) {
        if (!eat('[')) {
            return false;
        }
        int n = 0;
        while (true) {
            ws();
            if (at >= end) {
                return false;
            }
            if (b[at] == '[') {
                if (depth == 2 || (leafDepth >= 0 && leafDepth <= depth) || !array(depth + 1, start)) {
                    return false;
                }
            } else {
                if (leafDepth < 0) {
                    leafDepth = depth;
                } else if (leafDepth != depth) {
                    return false;
                }
                long v = number(255);
                if (v < 0 || written == size) {
                    return false;
                }
                pixels[start + written++] = (byte) v;
            }
            n++;
            ws();
            if (eat(']')) {
                break;
            }
            if (!eat(',')) {
                return false;
            }
        }
        if (dims[depth] == 0) {
            dims[depth] = n;
        }
        return dims[depth] == n;
    }

    /** A JSON integer (no sign, fraction or exponent) up to {@code max}; -1 for anything else. */
    private long number(long max) {
        int from = at;
        long v = 0;
        while (at < end && b[at] >= '0' && b[at] <= '9') {
            v = v * 10 + (b[at++] - '0');
            if (v > max) {
                return -1;
            }
        }
        if (at == from || (b[from] == '0' && at - from > 1)) {
            return -1;
        }
        if (at < end && (b[at] == '.' || b[at] == 'e' || b[at] == 'E')) {
            return -1;
        }
        return v;
    }

    /** A plain ASCII key without escapes, or null. */
    private String key() {
        if (!eat('"')) {
            return null;
        }
        int from = at;
        while (at < end && b[at] != '"') {
            if (b[at] == '\\' || b[at] < 0x20 || b[at] < 0) {
                return null;
            }
            at++;
        }
        if (at == end) {
            return null;
        }
        String key = new String(b, from, at - from, java.nio.charset.StandardCharsets.US_ASCII);
        at++;
        return key;
    }

    private boolean literal(String text) {
        if (end - at < text.length()) {
            return false;
        }
        for (int k = 0; k < text.length(); k++) {
            if (b[at + k] != text.charAt(k)) {
                return false;
            }
        }
        at += text.length();
        return true;
    }

    private int peek() {
        return at < end ? b[at] : -1;
    }

    private boolean eat(char ch) {
        if (at < end && b[at] == ch) {
            at++;
            return true;
        }
        return false;
    }

    private void ws() {
        while (at < end && (b[at] == ' ' || b[at] == '\n' || b[at] == '\r' || b[at] == '\t')) {
            at++;
        }
    }
}
