package dev.nabla.nn.data;

import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Labelled images held compactly in memory: one byte per pixel value (0..255), images stored one
 * after another in {@code [C, H, W]} order, and an int label per image. {@link #get(int)} returns
 * an image scaled to [0, 1]; {@link DataLoader} reads the bytes directly.
 *
 * <p>Instances are immutable once built (the constructor takes the arrays without copying: the
 * caller must not change them afterwards), so they are safe to share between threads.
 *
 * <pre>{@code
 * byte[] pixels = new byte[2 * 1 * 2 * 2];              // two 1x2x2 images
 * pixels[3] = (byte) 255;
 * ImageDataset d = new ImageDataset("tiny", pixels, new int[] {0, 1}, 1, 2, 2, 2, List.of("a", "b"));
 * d.get(0).input();                                      // [[[0, 0], [0, 1]]]
 * d.channelStats();                                      // mean 0.125, std 0.331
 * }</pre>
 */
public final class ImageDataset implements Dataset {
    private final String name;
    private final byte[] pixels;
    private final int[] labels;
    private final int channels;
    private final int height;
    private final int width;
    private final int numClasses;
    private final List<String> classNames;

    /**
     * @param name       shown in errors and {@link #toString()}
     * @param pixels     {@code labels.length * channels * height * width} bytes, read as unsigned
     * @param labels     one class index in {@code [0, numClasses)} per image
     * @param classNames empty, or {@code numClasses} names
     */
    public ImageDataset(
            String name,
            byte[] pixels,
            int[] labels,
            int channels,
            int height,
            int width,
            int numClasses,
            List<String> classNames) {
        this.name = Objects.requireNonNull(name, "name");
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException(
                    name + ": image shape must be positive, got [" + channels + ", " + height + ", " + width + "]");
        }
        if (numClasses <= 0) {
            throw new IllegalArgumentException(name + ": numClasses must be positive, got " + numClasses);
        }
        long expected = (long) labels.length * channels * height * width;
        if (pixels.length != expected) {
            throw new IllegalArgumentException(name + ": " + labels.length + " images of [" + channels + ", " + height
                    + ", " + width + "] need " + expected + " pixel bytes, got " + pixels.length);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException(
                        name + ", record " + i + ": label " + labels[i] + " out of range [0, " + numClasses + ")");
            }
        }
        if (!classNames.isEmpty() && classNames.size() != numClasses) {
            throw new IllegalArgumentException(
                    name + ": " + classNames.size() + " class names for " + numClasses + " classes");
        }
        this.pixels = pixels;
        this.labels = labels;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.numClasses = numClasses;
        this.classNames = List.copyOf(classNames);
    }

    public String name() {
        return name;
    }

    @Override
    public int size() {
        return labels.length;
    }

    public int channels() {
        return channels;
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    /** Pixel values per image: {@code channels * height * width}. */
    public int imageSize() {
        return channels * height * width;
    }

    public int numClasses() {
        return numClasses;
    }

    /** Class names indexed by label, or an empty list when the format has none. */
    public List<String> classNames() {
        return classNames;
    }

    public int label(int index) {
        return labels[checkIndex(index)];
    }

    /** A copy of image {@code index}'s bytes in {@code [C, H, W]} order. */
    public byte[] pixels(int index) {
        int n = imageSize();
        int from = checkIndex(index) * n;
        return Arrays.copyOfRange(pixels, from, from + n);
    }

    /** Image {@code index} as a {@code [C, H, W]} tensor of values {@code byte / 255}. */
    @Override
    public Sample get(int index) {
        int n = imageSize();
        int from = checkIndex(index) * n;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (pixels[from + i] & 0xFF) / 255f;
        }
        return new Sample(Tensor.wrap(v, channels, height, width), labels[index]);
    }

    /** How many images carry each label. */
    public int[] labelCounts() {
        int[] counts = new int[numClasses];
        for (int l : labels) {
            counts[l]++;
        }
        return counts;
    }

    /** Images {@code [from, to)} as a new data set (copied), e.g. to split off a validation set. */
    public ImageDataset slice(int from, int to) {
        return slice(from, to, name + "[" + from + ":" + to + "]");
    }

    ImageDataset slice(int from, int to, String sliceName) {
        if (from < 0 || to > size() || from > to) {
            throw new IndexOutOfBoundsException(
                    name + ": slice [" + from + ", " + to + ") out of range for " + size() + " images");
        }
        int n = imageSize();
        return new ImageDataset(
                sliceName,
                Arrays.copyOfRange(pixels, from * n, to * n),
                Arrays.copyOfRange(labels, from, to),
                channels,
                height,
                width,
                numClasses,
                classNames);
    }

    /**
     * The images at {@code indices}, in that order, as a new data set (copied) named {@code name}.
     *
     * @throws IndexOutOfBoundsException naming the first index out of range
     */
    public ImageDataset subset(int[] indices, String name) {
        int n = imageSize();
        byte[] px = new byte[indices.length * n];
        int[] lab = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            int from = checkIndex(indices[i]) * n;
            System.arraycopy(pixels, from, px, i * n, n);
            lab[i] = labels[indices[i]];
        }
        return new ImageDataset(name, px, lab, channels, height, width, numClasses, classNames);
    }

    /**
     * Holds out a seeded, stratified part, for validation: from each class,
     * {@code round(heldOut * count)} of its images, drawn at random from {@code seed}, go to the
     * second part ({@link Split#test()}), the others to the first ({@link Split#train()}); each
     * part keeps this data set's order. Every class keeps its share in both parts, and the same
     * seed gives the same split on every run.
     *
     * <pre>{@code
     * Split s = Mnist.embedded().train().stratifiedSplit(0.1, 0);
     * s.train().size();   // 7200, to train on
     * s.test().size();    // 800, to validate on: 10% of each digit
     * }</pre>
     *
     * @param heldOut the fraction to hold out, in (0, 1)
     * @throws IllegalArgumentException when either part would be empty
     */
    public Split stratifiedSplit(double heldOut, long seed) {
        if (!(heldOut > 0 && heldOut < 1)) {
            throw new IllegalArgumentException(name + ": the held-out fraction must be in (0, 1), got " + heldOut);
        }
        int[][] byClass = new int[numClasses][];
        int[] counts = labelCounts();
        for (int k = 0; k < numClasses; k++) {
            byClass[k] = new int[counts[k]];
        }
        int[] fill = new int[numClasses];
        for (int i = 0; i < labels.length; i++) {
            byClass[labels[i]][fill[labels[i]]++] = i;
        }
        boolean[] held = new boolean[labels.length];
        int heldCount = 0;
        Generator g = new Generator(seed);
        for (int k = 0; k < numClasses; k++) {
            int take = (int) Math.round(heldOut * counts[k]);
            int[] order = Tensor.permutation(g, counts[k]);
            for (int j = 0; j < take; j++) {
                held[byClass[k][order[j]]] = true;
            }
            heldCount += take;
        }
        if (heldCount == 0 || heldCount == labels.length) {
            throw new IllegalArgumentException(String.format(
                    Locale.ROOT,
                    "%s: holding out %.3g of %d images leaves %s empty",
                    name,
                    heldOut,
                    labels.length,
                    heldCount == 0 ? "the held-out part" : "nothing to train on"));
        }
        int[] keep = new int[labels.length - heldCount];
        int[] out = new int[heldCount];
        for (int i = 0, a = 0, b = 0; i < labels.length; i++) {
            if (held[i]) {
                out[b++] = i;
            } else {
                keep[a++] = i;
            }
        }
        return new Split(subset(keep, name + "-train"), subset(out, name + "-val"));
    }

    /**
     * Mean and (population) standard deviation of each channel over all pixels of all images, in
     * [0, 1] units: the values to give {@link Transforms#normalize(ChannelStats)} for a training set.
     * Exact: the sums are accumulated in integers.
     */
    public ChannelStats channelStats() {
        if (size() == 0) {
            throw new IllegalStateException(name + ": channel stats of an empty data set");
        }
        int plane = height * width;
        float[] mean = new float[channels];
        float[] std = new float[channels];
        for (int c = 0; c < channels; c++) {
            long sum = 0;
            long sumSq = 0;
            for (int i = 0; i < size(); i++) {
                int base = (i * channels + c) * plane;
                for (int p = base; p < base + plane; p++) {
                    int v = pixels[p] & 0xFF;
                    sum += v;
                    sumSq += v * v;
                }
            }
            double count = (double) size() * plane;
            double m = sum / count;
            double var = Math.max(sumSq / count - m * m, 0);
            mean[c] = (float) (m / 255);
            std[c] = (float) (Math.sqrt(var) / 255);
            if (std[c] == 0) {
                throw new IllegalStateException(name + ": channel " + c + " is constant, its std is 0");
            }
        }
        return new ChannelStats(mean, std);
    }

    /** The backing pixel bytes, for the loader's conversion (not copied: read only). */
    byte[] pixelArray() {
        return pixels;
    }

    private int checkIndex(int index) {
        if (index < 0 || index >= labels.length) {
            throw new IndexOutOfBoundsException(name + ": image " + index + " out of range [0, " + labels.length + ")");
        }
        return index;
    }

    @Override
    public String toString() {
        return name + " (" + size() + " images of [" + channels + ", " + height + ", " + width + "], " + numClasses
                + " classes)";
    }
}
