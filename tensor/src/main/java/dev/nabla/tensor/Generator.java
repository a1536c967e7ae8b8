package dev.nabla.tensor;

import java.util.Arrays;

/**
 * A seeded pseudo-random generator (xoshiro256**, seeded through SplitMix64), so runs repeat
 * exactly on every JVM and platform: the algorithm is fixed here rather than borrowed from the JDK,
 * and normal samples use {@link StrictMath}.
 *
 * <pre>{@code
 * Generator g = new Generator(42);
 * Tensor w = Tensor.randn(g, 3, 4);      // same values for the same seed, every run
 * long[] saved = g.state();
 * float a = g.nextFloat();
 * g.setState(saved);
 * float b = g.nextFloat();               // a == b
 * }</pre>
 */
public final class Generator {
    private static final Generator DEFAULT = new Generator(0x5eed_ab1aL);

    private long s0;
    private long s1;
    private long s2;
    private long s3;

    public Generator(long seed) {
        manualSeed(seed);
    }

    /**
     * The generator used by the factory methods that take none (e.g. {@code Tensor.randn(2, 3)}),
     * for interactive use; reseed it with {@code Generator.defaultGenerator().manualSeed(s)}.
     */
    public static Generator defaultGenerator() {
        return DEFAULT;
    }

    /** Resets the state from a seed, like {@code torch.manual_seed}. */
    public synchronized Generator manualSeed(long seed) {
        long x = seed;
        x += 0x9E3779B97F4A7C15L;
        s0 = mix(x);
        x += 0x9E3779B97F4A7C15L;
        s1 = mix(x);
        x += 0x9E3779B97F4A7C15L;
        s2 = mix(x);
        x += 0x9E3779B97F4A7C15L;
        s3 = mix(x);
        return this;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The full internal state, for checkpoints; restore it with {@link #setState(long[])}. */
    public synchronized long[] state() {
        return new long[] {s0, s1, s2, s3};
    }

    public synchronized void setState(long[] state) {
        if (state == null || state.length != 4) {
            throw new IllegalArgumentException(
                    "generator state must hold 4 longs, got " + (state == null ? "null" : Arrays.toString(state)));
        }
        if ((state[0] | state[1] | state[2] | state[3]) == 0) {
            throw new IllegalArgumentException("generator state must not be all zero");
        }
        s0 = state[0];
        s1 = state[1];
        s2 = state[2];
        s3 = state[3];
    }

    /** A new generator whose stream is independent of this one's continuation. */
    public Generator fork() {
        return new Generator(nextLong());
    }

    public synchronized long nextLong() {
        long result = Long.rotateLeft(s1 * 5, 7) * 9;
        long t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = Long.rotateLeft(s3, 45);
        return result;
    }

    /** Uniform in [0, 1) with 24 random bits (every float32 step in that range). */
    public float nextFloat() {
        return (nextLong() >>> 40) * 0x1.0p-24f;
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform integer in [0, bound), without modulo bias (Lemire's method). */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive, got " + bound);
        }
        long m = (nextLong() >>> 32) * bound;
        long low = m & 0xFFFFFFFFL;
        if (low < bound) {
            long threshold = (0x1_0000_0000L - bound) % bound;
            while (low < threshold) {
                m = (nextLong() >>> 32) * bound;
                low = m & 0xFFFFFFFFL;
            }
        }
        return (int) (m >>> 32);
    }

    /** Standard normal sample (Box-Muller; one output per call, so the state stays a plain 256 bits). */
    public double nextGaussian() {
        double u1 = 1.0 - nextDouble(); // (0, 1]: log stays finite
        double u2 = nextDouble();
        return StrictMath.sqrt(-2.0 * StrictMath.log(u1)) * StrictMath.cos(2.0 * Math.PI * u2);
    }

    /** Names the algorithm and a short fingerprint of the current state (not the state itself). */
    @Override
    public synchronized String toString() {
        return String.format("Generator(xoshiro256**, state %08x)", (int) (s0 ^ s1 ^ s2 ^ s3 ^ ((s0 ^ s2) >>> 32)));
    }
}
