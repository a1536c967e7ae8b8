package dev.nabla.serve;

import dev.nabla.nn.data.Preprocessing;
import dev.nabla.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Turns the {@code instances} of a predict request into the model's input, prepared exactly as in
 * training by the checkpoint's {@link Preprocessing}. An instance is either
 * <ul>
 *   <li>pixel values 0..255 as nested arrays: {@code [C][H][W]}, {@code [H][W]} for one channel,
 *       {@code [H][W][C]} (channels last, as image libraries hold them) for several, or all
 *       {@code C*H*W} values flat in {@code [C, H, W]} order. Whole numbers go through the same
 *       byte path as the training images, so a prediction equals the one {@code ./nabla evaluate}
 *       makes; fractional values are scaled by 1/255 first;</li>
 *   <li>an image file, {@code {"b64": "<base64 PNG or JPEG>"}}, of the model's height and width,
 *       read as gray or RGB as the model needs.</li>
 * </ul>
 * Anything else is refused with a message naming the instance and what is wrong with it. Image
 * sizes are checked from the header before any pixel is decoded, so a small file claiming a huge
 * image costs nothing.
 */
final class Instances {
    static {
        ImageIO.setUseCache(false); // decode in memory, never through temporary files
    }

    private static final List<String> FORMATS = List.of("png", "jpeg");
    private static final Pattern WHITESPACE = Pattern.compile("[ \\t\\r\\n]");

    private Instances() {}

    /** The prepared inputs of every instance, back to back ({@code [N, C, H, W]} in row-major order). */
    static float[] prepare(List<?> instances, Preprocessing pre) throws ApiException {
        int size = pre.imageSize();
        float[] out = new float[instances.size() * size];
        for (int i = 0; i < instances.size(); i++) {
            Tensor t = prepareOne(i, instances.get(i), pre);
            System.arraycopy(t.toArray(), 0, out, i * size, size);
        }
        return out;
    }

    private static Tensor prepareOne(int i, Object instance, Preprocessing pre) throws ApiException {
        if (instance instanceof Map<?, ?> m) {
            if (m.size() != 1 || !(m.get("b64") instanceof String b64)) {
                throw bad("instances[" + i + "] must be {\"b64\": \"<base64 PNG or JPEG>\"}, got an object with keys "
                        + m.keySet());
            }
            try {
                return pre.apply(image(i, b64, pre));
            } catch (IllegalArgumentException e) {
                throw bad("instances[" + i + "]: " + e.getMessage());
            }
        }
        if (instance instanceof List<?> list) {
            return pixels(i, list, pre);
        }
        throw bad("instances[" + i + "] is " + describe(instance)
                + "; expected an array of pixel values or {\"b64\": \"<base64 PNG or JPEG>\"}");
    }

    // =================================================================== pixel arrays

    private static Tensor pixels(int i, List<?> list, Preprocessing pre) throws ApiException {
        List<Integer> shape = new ArrayList<>();
        Object o = list;
        while (o instanceof List<?> l) {
            if (l.isEmpty()) {
                throw bad("instances[" + i + "] holds an empty array");
            }
            if (shape.size() == 3) {
                throw bad("instances[" + i + "] is nested deeper than 3 levels; " + accepted(pre));
            }
            shape.add(l.size());
            o = l.get(0);
        }
        int c = pre.channels();
        int h = pre.height();
        int w = pre.width();
        boolean channelsLast = c > 1 && shape.equals(List.of(h, w, c)) && !shape.equals(List.of(c, h, w));
        boolean fits = shape.equals(List.of(c, h, w))
                || (c == 1 && shape.equals(List.of(h, w)))
                || channelsLast
                || shape.equals(List.of(c * h * w));
        if (!fits) {
            throw bad("instances[" + i + "] has shape " + shape + "; " + accepted(pre));
        }
        double[] values = new double[pre.imageSize()];
        int[] at = {0};
        flatten(i, list, shape, 0, values, at);
        boolean whole = true;
        for (double v : values) {
            whole &= v == Math.rint(v);
        }
        int plane = h * w;
        if (whole) {
            byte[] bytes = new byte[values.length];
            for (int k = 0; k < values.length; k++) {
                bytes[channelsLast ? (k % c) * plane + k / c : k] = (byte) (int) values[k];
            }
            return pre.apply(bytes);
        }
        float[] scaled = new float[values.length];
        for (int k = 0; k < values.length; k++) {
            scaled[channelsLast ? (k % c) * plane + k / c : k] = (float) (values[k] / 255);
        }
        return pre.apply(scaled);
    }

    /** Copies the numbers of {@code o} (nested lists of {@code shape} from {@code depth} on) into {@code out}. */
    private static void flatten(int i, Object o, List<Integer> shape, int depth, double[] out, int[] at)
            throws ApiException {
        if (depth == shape.size()) {
            if (!(o instanceof Number n)) {
                throw bad("instances[" + i + "] holds " + describe(o) + " where a pixel value belongs");
            }
            double v = n.doubleValue();
            if (!(v >= 0 && v <= 255)) { // also false for NaN
                throw bad("instances[" + i + "] holds the value " + n + "; pixel values must be within [0, 255]");
            }
            out[at[0]++] = v;
            return;
        }
        if (!(o instanceof List<?> l) || l.size() != shape.get(depth)) {
            throw bad("instances[" + i + "] is ragged: an array at depth " + depth + " has "
                    + (o instanceof List<?> l2 ? l2.size() + " elements" : describe(o)) + " where the first has "
                    + shape.get(depth));
        }
        for (Object item : l) {
            flatten(i, item, shape, depth + 1, out, at);
        }
    }

    private static String accepted(Preprocessing pre) {
        int c = pre.channels();
        int h = pre.height();
        int w = pre.width();
        String alt = c == 1 ? "[" + h + ", " + w + "]" : "[" + h + ", " + w + ", " + c + "] (channels last)";
        return "the model takes [" + c + ", " + h + ", " + w + "], " + alt + " or " + (c * h * w) + " values flat";
    }

    // =================================================================== image files

    private static BufferedImage image(int i, String b64, Preprocessing pre) throws ApiException {
        byte[] bytes;
        try {
            // Line breaks and spaces (as base64 tools wrap their output) are allowed; other stray characters are not.
            bytes = Base64.getDecoder().decode(WHITESPACE.matcher(b64).replaceAll(""));
        } catch (IllegalArgumentException e) {
            throw bad("instances[" + i + "].b64 is not base64: " + e.getMessage());
        }
        if (bytes.length == 0) {
            throw bad("instances[" + i + "].b64 is empty");
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            ImageReader reader = null;
            for (Iterator<ImageReader> it = ImageIO.getImageReaders(in); it.hasNext() && reader == null; ) {
                ImageReader r = it.next();
                if (FORMATS.contains(r.getFormatName().toLowerCase(Locale.ROOT))) {
                    reader = r;
                }
            }
            if (reader == null) {
                throw bad("instances[" + i + "].b64 is not a PNG or JPEG image (" + bytes.length + " bytes)");
            }
            try {
                reader.setInput(in, true, true);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                if (width != pre.width() || height != pre.height()) {
                    throw bad("instances[" + i + "] is a " + width + "x" + height + " image (width x height); the model"
                            + " takes " + pre.width() + "x" + pre.height() + ": resize it first");
                }
                return reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            // ImageIO's decoders throw unchecked exceptions too on some malformed files.
            throw bad("instances[" + i + "].b64 is a corrupt or unsupported image: " + e.getMessage());
        }
    }

    private static String describe(Object o) {
        return switch (o) {
            case null -> "null";
            case String s -> "a string";
            case Boolean b -> "a boolean";
            case Number n -> "a number";
            case Map<?, ?> m -> "an object";
            case List<?> l -> "an array";
            default -> "a " + o.getClass().getSimpleName();
        };
    }

    private static ApiException bad(String message) {
        return new ApiException(400, message);
    }
}
