package dev.nabla.nn.data;

import dev.nabla.tensor.Generator;
import java.util.List;
import java.util.Objects;

/**
 * A per-image transform applied by {@link DataLoader} while it assembles a batch. Build them with
 * {@link Transforms}; the records here are the values those factories return.
 *
 * <p>Semantics are torchvision's, on an image of values in [0, 1] (bytes / 255) with shape
 * {@code [C, H, W]}, applied in the order given. The loader does not run them one after another:
 * it fuses crop, flip and normalisation into a single pass from the source bytes to the batch
 * array. Random choices come from the loader's per-epoch {@link Generator}, image by image, each
 * transform in order: {@link RandomCrop} draws the row offset {@code nextInt(H + 2p - size + 1)}
 * then the column offset; {@link RandomHorizontalFlip} draws {@code nextFloat() < p}.
 *
 * <pre>{@code
 * Transform cifarTrain = Transforms.compose(
 *         Transforms.randomCrop(32, 4),
 *         Transforms.randomHorizontalFlip(0.5),
 *         Transforms.normalize(stats));
 * }</pre>
 */
public sealed interface Transform {

    /** {@code (x - mean[c]) / std[c]} per channel. */
    record Normalize(ChannelStats stats) implements Transform {
        public Normalize {
            Objects.requireNonNull(stats, "stats");
        }
    }

    /**
     * Pads each side with {@code padding} zeros, then takes a {@code size x size} window at a
     * uniformly random position (torchvision {@code RandomCrop(size, padding)}).
     */
    record RandomCrop(int size, int padding) implements Transform {
        public RandomCrop {
            if (size <= 0 || padding < 0) {
                throw new IllegalArgumentException(
                        "randomCrop: need size > 0 and padding >= 0, got size " + size + ", padding " + padding);
            }
        }
    }

    /** Mirrors the image left-right with probability {@code p}. */
    record RandomHorizontalFlip(double p) implements Transform {
        public RandomHorizontalFlip {
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException("randomHorizontalFlip: p must be in [0, 1], got " + p);
            }
        }
    }

    /** The given transforms in order. */
    record Compose(List<Transform> transforms) implements Transform {
        public Compose {
            transforms = List.copyOf(transforms);
        }
    }

    /**
     * A transform written by the user, run on each image after the built-in ones (it must come
     * after them in the composition).
     */
    record Custom(String name, ImageOp op) implements Transform {
        public Custom {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(op, "op");
        }
    }

    /**
     * The body of a {@link Custom} transform: changes one image in place inside the batch array.
     * Called once per image (not per pixel), on the loader's thread.
     */
    @FunctionalInterface
    interface ImageOp {
        /**
         * @param data   the batch array
         * @param offset where the image starts in {@code data}; it spans {@code channels * height * width} values
         * @param g      the loader's generator, for random choices (drawing from it keeps runs repeatable)
         */
        void apply(float[] data, int offset, int channels, int height, int width, Generator g);
    }
}
