package dev.nabla.nn.data;

import dev.nabla.tensor.Tensor;
import dev.nabla.tensor.VectorApi;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a trained image model expects as input, and the conversion of raw images to it: the image
 * shape {@code [channels, height, width]}, the per-channel normalisation the model was trained
 * with, and the class names of its outputs. Training records it in the checkpoint (see
 * {@code Checkpoint} and {@code TrainingState} in module export), so inference applies exactly the
 * training pipeline's arithmetic: pixel values are scaled to [0, 1] (bytes divided by 255, as
 * torchvision's {@code ToTensor}) and normalised per channel through the same fused pass the
 * {@link DataLoader} runs, so an image gives bit for bit the input the test loader gave.
 *
 * <p>Raw pixels come in {@code [C, H, W]} order (planes, as the data sets store them), one image or
 * several back to back; a {@link BufferedImage} is read as RGB for three channels, or as gray for
 * one (the raster's own gray values for gray images, else PIL's {@code convert("L")} luma,
 * {@code (19595 R + 38470 G + 7471 B + 32768) >> 16}). Images must have the model's size: resize
 * them first.
 *
 * <pre>{@code
 * Split mnist = Mnist.embedded();
 * Preprocessing pre = Preprocessing.of(mnist.train(), Mnist.STATS);
 * Tensor one = pre.apply(mnist.test().pixels(0));              // [1, 1, 28, 28], normalised
 * Tensor photo = pre.apply(ImageIO.read(new File("digit.png")));   // a 28x28 image file
 * DataLoader train = new DataLoader(mnist.train(), DataLoader.options()
 *         .batchSize(64).shuffle(true).transforms(pre.normalize()));   // the same normalisation
 * pre.toMetadata();   // the strings a checkpoint stores; fromMetadata reads them back
 * }</pre>
 *
 * @param channels      image channels (1 gray, 3 RGB)
 * @param height        image height
 * @param width         image width
 * @param normalization the per-channel mean and standard deviation of values in [0, 1]
 * @param classNames    the name of each output class, or empty when the classes have none
 */
public record Preprocessing(int channels, int height, int width, ChannelStats normalization, List<String> classNames) {

    static {
        VectorApi.require(); // a clear error without --add-modules, before ImagePipeline fails to link
    }

    /** Metadata key prefix used by {@link #toMetadata()}. */
    public static final String PREFIX = "nabla.preprocessing.";

    private static final String SHAPE = PREFIX + "input_shape";
    private static final String MEAN = PREFIX + "mean";
    private static final String STD = PREFIX + "std";
    private static final String CLASSES = PREFIX + "class_names";

    public Preprocessing {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("Preprocessing: the image shape must be positive, got [" + channels
                    + ", " + height + ", " + width + "]");
        }
        Objects.requireNonNull(normalization, "normalization");
        if (normalization.channels() != channels) {
            throw new IllegalArgumentException("Preprocessing: " + normalization.channels()
                    + " channel means/stds for images with " + channels + " channel(s)");
        }
        classNames = List.copyOf(classNames);
    }

    /**
     * The preprocessing of a model trained on {@code trainingSet} normalised with
     * {@code normalization}: its image shape and class names.
     */
    public static Preprocessing of(ImageDataset trainingSet, ChannelStats normalization) {
        return new Preprocessing(
                trainingSet.channels(),
                trainingSet.height(),
                trainingSet.width(),
                normalization,
                trainingSet.classNames());
    }

    /** The normalisation as a {@link Transform}, for the loaders that train and test the model. */
    public Transform normalize() {
        return Transforms.normalize(normalization);
    }

    /** Values per image, {@code channels * height * width}. */
    public int imageSize() {
        return channels * height * width;
    }

    /** The name of class {@code k}, or its number when the classes have no names. */
    public String className(int k) {
        return classNames.isEmpty() ? Integer.toString(k) : classNames.get(k);
    }

    // =================================================================== applying

    /**
     * One image or several back to back, pixel bytes 0..255 (read unsigned) in {@code [C, H, W]}
     * order, as the model's input {@code [N, C, H, W]}.
     */
    public Tensor apply(byte[] pixels) {
        int n = count(pixels.length);
        float[] out = new float[pixels.length];
        ImagePipeline p = pipeline();
        for (int i = 0; i < n; i++) {
            p.render(pixels, i * imageSize(), out, i * imageSize(), null);
        }
        return Tensor.wrap(out, n, channels, height, width);
    }

    /**
     * One image or several back to back, values in [0, 1] (torchvision's {@code ToTensor} scale) in
     * {@code [C, H, W]} order, as the model's input {@code [N, C, H, W]}.
     */
    public Tensor apply(float[] pixels) {
        int n = count(pixels.length);
        float[] out = new float[pixels.length];
        ImagePipeline p = pipeline();
        for (int i = 0; i < n; i++) {
            p.render(pixels, i * imageSize(), out, i * imageSize(), null);
        }
        return Tensor.wrap(out, n, channels, height, width);
    }

    /** Images of the model's size as its input {@code [N, C, H, W]} (see the class comment for colours). */
    public Tensor apply(BufferedImage... images) {
        if (images.length == 0) {
            throw new IllegalArgumentException("Preprocessing: no images given");
        }
        byte[] pixels = new byte[images.length * imageSize()];
        for (int i = 0; i < images.length; i++) {
            readPixels(i, images[i], pixels, i * imageSize());
        }
        return apply(pixels);
    }

    private ImagePipeline pipeline() {
        return ImagePipeline.compile(List.of(normalize()), channels, height, width);
    }

    private int count(int values) {
        if (values == 0 || values % imageSize() != 0) {
            throw new IllegalArgumentException("Preprocessing: " + values + " pixel values are not a whole number of ["
                    + channels + ", " + height + ", " + width + "] images (" + imageSize() + " values each)");
        }
        return values / imageSize();
    }

    private void readPixels(int index, BufferedImage image, byte[] out, int offset) {
        Objects.requireNonNull(image, "image");
        if (image.getHeight() != height || image.getWidth() != width) {
            throw new IllegalArgumentException("Preprocessing: image " + index + " is " + image.getHeight() + "x"
                    + image.getWidth() + " (height x width), the model expects " + height + "x" + width
                    + "; resize it first");
        }
        int plane = height * width;
        Raster raster = image.getRaster();
        boolean gray =
                image.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY && raster.getNumBands() == 1;
        if (channels == 1 && gray) {
            int shift = Math.max(0, image.getColorModel().getComponentSize(0) - 8);
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    out[offset + y * width + x] = (byte) (raster.getSample(x, y, 0) >>> shift);
                }
            }
        } else if (channels == 1 || channels == 3) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int rgb = image.getRGB(x, y);
                    int r = (rgb >>> 16) & 0xFF;
                    int g = (rgb >>> 8) & 0xFF;
                    int b = rgb & 0xFF;
                    int at = offset + y * width + x;
                    if (channels == 1) {
                        out[at] = (byte) ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16);
                    } else {
                        out[at] = (byte) r;
                        out[at + plane] = (byte) g;
                        out[at + 2 * plane] = (byte) b;
                    }
                }
            }
        } else {
            throw new IllegalArgumentException("Preprocessing: a BufferedImage gives 1 (gray) or 3 (RGB) channels, "
                    + "but the model expects " + channels + "; pass the pixel values as an array instead");
        }
    }

    // =================================================================== metadata

    /**
     * The strings a checkpoint stores (in its safetensors {@code __metadata__}), keys starting
     * with {@value #PREFIX}: the shape, the means and the standard deviations comma-separated (each
     * reading back to the same float), the class names as a JSON array of strings.
     */
    public Map<String, String> toMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(SHAPE, channels + "," + height + "," + width);
        m.put(MEAN, join(normalization.mean()));
        m.put(STD, join(normalization.std()));
        m.put(CLASSES, JsonStrings.write(classNames));
        return m;
    }

    /**
     * Reads what {@link #toMetadata()} wrote; empty when {@code metadata} has none of its keys.
     *
     * @throws IllegalArgumentException naming the key when some keys are missing or malformed
     */
    public static Optional<Preprocessing> fromMetadata(Map<String, String> metadata) {
        List<String> keys = List.of(SHAPE, MEAN, STD, CLASSES);
        long present = keys.stream().filter(metadata::containsKey).count();
        if (present == 0) {
            return Optional.empty();
        }
        for (String k : keys) {
            if (!metadata.containsKey(k)) {
                throw new IllegalArgumentException("preprocessing metadata is incomplete: '" + k + "' is missing");
            }
        }
        int[] shape;
        float[] mean;
        float[] std;
        try {
            String[] s = metadata.get(SHAPE).split(",", -1);
            if (s.length != 3) {
                throw new NumberFormatException("three sizes expected");
            }
            shape = new int[] {Integer.parseInt(s[0]), Integer.parseInt(s[1]), Integer.parseInt(s[2])};
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "preprocessing metadata '" + SHAPE + "' = '" + metadata.get(SHAPE) + "' is not C,H,W", e);
        }
        mean = floats(metadata, MEAN);
        std = floats(metadata, STD);
        List<String> classes;
        try {
            classes = JsonStrings.read(metadata.get(CLASSES));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "preprocessing metadata '" + CLASSES + "' is not a JSON array of strings: " + e.getMessage(), e);
        }
        return Optional.of(new Preprocessing(shape[0], shape[1], shape[2], new ChannelStats(mean, std), classes));
    }

    private static String join(float[] v) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < v.length; i++) {
            sb.append(i == 0 ? "" : ",").append(v[i]);
        }
        return sb.toString();
    }

    private static float[] floats(Map<String, String> metadata, String key) {
        String[] parts = metadata.get(key).split(",", -1);
        float[] v = new float[parts.length];
        try {
            for (int i = 0; i < v.length; i++) {
                v[i] = Float.parseFloat(parts[i]);
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "preprocessing metadata '" + key + "' = '" + metadata.get(key) + "' is not comma-separated numbers",
                    e);
        }
        return v;
    }

    /** A JSON array of strings, the one JSON shape the metadata needs. */
    static final class JsonStrings {
        private JsonStrings() {}

        static String write(List<String> values) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < values.size(); i++) {
                sb.append(i == 0 ? "\"" : ",\"");
                for (char c : values.get(i).toCharArray()) {
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
            return sb.append(']').toString();
        }

        static List<String> read(String text) {
            List<String> out = new ArrayList<>();
            int[] at = {skip(text, 0)};
            expect(text, at, '[');
            if (peek(text, at) == ']') {
                at[0]++;
            } else {
                while (true) {
                    out.add(string(text, at));
                    char c = peek(text, at);
                    at[0]++;
                    if (c == ']') {
                        break;
                    }
                    if (c != ',') {
                        throw new IllegalArgumentException("expected ',' or ']' at " + (at[0] - 1));
                    }
                }
            }
            if (skip(text, at[0]) != text.length()) {
                throw new IllegalArgumentException("text after the array at " + at[0]);
            }
            return out;
        }

        private static int skip(String t, int i) {
            while (i < t.length() && Character.isWhitespace(t.charAt(i))) {
                i++;
            }
            return i;
        }

        private static char peek(String t, int[] at) {
            at[0] = skip(t, at[0]);
            if (at[0] >= t.length()) {
                throw new IllegalArgumentException("unexpected end");
            }
            return t.charAt(at[0]);
        }

        private static void expect(String t, int[] at, char c) {
            if (peek(t, at) != c) {
                throw new IllegalArgumentException("expected '" + c + "' at " + at[0]);
            }
            at[0]++;
        }

        private static String string(String t, int[] at) {
            expect(t, at, '"');
            StringBuilder sb = new StringBuilder();
            int i = at[0];
            while (true) {
                if (i >= t.length()) {
                    throw new IllegalArgumentException("unterminated string");
                }
                char c = t.charAt(i++);
                if (c == '"') {
                    break;
                }
                if (c != '\\') {
                    sb.append(c);
                    continue;
                }
                if (i >= t.length()) {
                    throw new IllegalArgumentException("unterminated escape");
                }
                char e = t.charAt(i++);
                switch (e) {
                    case '"', '\\', '/' -> sb.append(e);
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'u' -> {
                        if (i + 4 > t.length()) {
                            throw new IllegalArgumentException("short \\u escape");
                        }
                        sb.append((char) Integer.parseInt(t.substring(i, i + 4), 16));
                        i += 4;
                    }
                    default -> throw new IllegalArgumentException("bad escape \\" + e);
                }
            }
            at[0] = i;
            return sb.toString();
        }
    }
}
