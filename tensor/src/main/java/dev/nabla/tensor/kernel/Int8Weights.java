package dev.nabla.tensor.kernel;

/**
 * Int8 weights of a linear or convolution layer, {@code [out, k]} row-major (a convolution's
 * {@code [Cout, Cin, kH, kW]} with {@code k = Cin * kH * kW}), packed once into the panel layout of
 * {@link Int8Gemm}'s micro-kernel, widened to int32 (the kernel multiplies in 32-bit lanes).
 *
 * <ul>
 *   <li>{@link #forLinear}: the weights are the kernel's vector operand (columns of the output are
 *       output features): panels of {@link Int8Gemm#NR} output features,
 *       {@code panel[p][kk][j] = w[p*NR + j][kk]}, zero past the last feature;</li>
 *   <li>{@link #forConv}: the weights are the broadcast operand (rows of the output are output
 *       channels, columns are pixels): panels of {@link Int8Gemm#MR} channels,
 *       {@code panel[p][kk][r] = w[p*MR + r][kk]}.</li>
 * </ul>
 *
 * <pre>{@code
 * byte[] w = {1, 2, 3, 4, 5, 6};                  // [2, 3]
 * Int8Weights packed = Int8Weights.forLinear(w, 0, 2, 3);
 * }</pre>
 */
public final class Int8Weights {
    final boolean vectorSide;
    final int out;
    final int k;
    final int[] panels;
    /**
     * For {@link #forLinear}: the same panels as bytes, which a batch of one row streams instead
     * of {@link #panels} (a quarter of the memory traffic where the weights are used once per call).
     */
    final byte[] bytePanels;
    /** For {@link #forLinear}: row {@code kk} of a panel starts {@code offsets[kk] = kk * NR} into it. */
    final int[] offsets;
    /** Per output channel, the sum of its weights (for zero-point corrections). */
    final int[] sums;

    private Int8Weights(
            boolean vectorSide, int out, int k, int[] panels, byte[] bytePanels, int[] offsets, int[] sums) {
        this.vectorSide = vectorSide;
        this.out = out;
        this.k = k;
        this.panels = panels;
        this.bytePanels = bytePanels;
        this.offsets = offsets;
        this.sums = sums;
    }

    /** Packs {@code w[wo ...]}, {@code out x k} int8 values, for {@link Int8Gemm#linear}. */
    public static Int8Weights forLinear(byte[] w, int wo, int out, int k) {
        check(w, wo, out, k);
        int nr = Int8Gemm.NR;
        int np = (out + nr - 1) / nr;
        int[] panels = new int[np * k * nr];
        byte[] bytePanels = new byte[panels.length];
        for (int j = 0; j < out; j++) {
            int p = j / nr;
            int c = j % nr;
            int base = p * k * nr + c;
            for (int kk = 0; kk < k; kk++) {
                panels[base + kk * nr] = w[wo + j * k + kk];
                bytePanels[base + kk * nr] = w[wo + j * k + kk];
            }
        }
        int[] offsets = new int[k];
        for (int kk = 0; kk < k; kk++) {
            offsets[kk] = kk * nr;
        }
        return new Int8Weights(true, out, k, panels, bytePanels, offsets, sums(w, wo, out, k));
    }

    /** Packs {@code w[wo ...]}, {@code out x k} int8 values, for {@link Int8Conv2d}. */
    public static Int8Weights forConv(byte[] w, int wo, int out, int k) {
        check(w, wo, out, k);
        int mr = Int8Gemm.MR;
        int np = (out + mr - 1) / mr;
        int[] panels = new int[np * k * mr];
        for (int r = 0; r < out; r++) {
            int base = (r / mr) * k * mr + r % mr;
            for (int kk = 0; kk < k; kk++) {
                panels[base + kk * mr] = w[wo + r * k + kk];
            }
        }
        return new Int8Weights(false, out, k, panels, null, null, sums(w, wo, out, k));
    }

    private static void check(byte[] w, int wo, int out, int k) {
        if (out < 1 || k < 1 || wo < 0 || w.length - wo < (long) out * k) {
            throw new IllegalArgumentException("int8 weights: need out >= 1, k >= 1 and " + out + " x " + k
                    + " values from offset " + wo + ", got an array of " + w.length);
        }
    }

    private static int[] sums(byte[] w, int wo, int out, int k) {
        int[] s = new int[out];
        for (int j = 0; j < out; j++) {
            int t = 0;
            for (int kk = 0; kk < k; kk++) {
                t += w[wo + j * k + kk];
            }
            s[j] = t;
        }
        return s;
    }

    /** Output channels (rows of the unpacked matrix). */
    public int outChannels() {
        return out;
    }

    /** Inputs per output channel (columns of the unpacked matrix). */
    public int depth() {
        return k;
    }

    @Override
    public String toString() {
        return "Int8Weights(" + out + " x " + k + (vectorSide ? ", linear" : ", conv") + ")";
    }
}
