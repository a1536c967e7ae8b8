package dev.nabla.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Multi-head scaled dot-product attention, forward and backward, over operands read in place:
 * for every batch element b and head h, {@code P = softmax(scale * Q K^T)} with blocked
 * positions excluded, {@code P' = P * keep} (dropout, optional) and {@code O = P' V}, where
 * {@code Q}, {@code K}, {@code V}, {@code O} are the head's {@code d} columns of the operands.
 *
 * <p>An {@link Operand} locates element (sequence position t, batch b, column e) at
 * {@code offset + t * seqStride + b * batchStride + e}, so the time-major {@code [T, B, E]} and
 * batch-first {@code [B, T, E]} layouts, and q, k, v packed side by side in one {@code [T, B, 3E]}
 * projection, are all read without copies: each head's rows are a strided matrix the GEMM takes
 * directly. The {@code B * heads} independent problems are split over {@link Parallel}.
 *
 * <pre>{@code
 * int T = 4, B = 1, E = 8, heads = 2;
 * float[] qkv = new float[T * B * 3 * E], out = new float[T * B * E], probs = new float[B * heads * T * T];
 * var q = new Attention.Operand(qkv, 0, B * 3 * E, 3 * E);
 * var k = new Attention.Operand(qkv, E, B * 3 * E, 3 * E);
 * var v = new Attention.Operand(qkv, 2 * E, B * 3 * E, 3 * E);
 * Attention.forward(B, heads, T, T, E / heads, 0.5f, q, k, v, null, true, null, probs,
 *         new Attention.Operand(out, 0, B * E, E), null, 0);   // causal self-attention
 * }</pre>
 */
public final class Attention {
    private static final VectorSpecies<Float> SP = FloatVector.SPECIES_PREFERRED;
    private static final int LN = SP.length();

    private Attention() {}

    /** Element (t, b, e) of an operand is {@code data[offset + t * seqStride + b * batchStride + e]}. */
    public record Operand(float[] data, int offset, int seqStride, int batchStride) {
        int at(int b, int col) {
            return offset + b * batchStride + col;
        }
    }

    /**
     * Positions that may not be attended to: element (b, h, query l, key s) is blocked when
     * {@code data[offset + b * batchStride + h * headStride + l * rowStride + s] != 0}; a stride
     * of 0 broadcasts that dimension.
     */
    public record Mask(float[] data, int offset, int batchStride, int headStride, int rowStride) {}

    /**
     * Forward pass.
     *
     * @param causal  also block keys after the query ({@code s > l})
     * @param keep    dropout multipliers {@code [B, heads, L, S]} (0 or {@code 1/(1-p)}), or null
     * @param probs   receives the softmax {@code P}, {@code [B, heads, L, S]} (kept for the backward)
     * @param out     receives {@code O} (all {@code heads * d} columns of every row)
     * @param weights receives {@code P'} averaged over heads, {@code [B, L, S]} from {@code weightsOff}, or null
     */
    public static void forward(
            int B,
            int heads,
            int L,
            int S,
            int d,
            float scale,
            Operand q,
            Operand k,
            Operand v,
            Mask mask,
            boolean causal,
            float[] keep,
            float[] probs,
            Operand out,
            float[] weights,
            int weightsOff) {
        int LS = L * S;
        Parallel.forRange(B * heads, grain(L, S, d), (from, to) -> {
            float[] dropped = keep == null ? null : new float[LS];
            for (int p = from; p < to; p++) {
                int b = p / heads;
                int h = p % heads;
                int po = p * LS;
                int col = h * d;
                Gemm.sgemm(
                        false,
                        true,
                        L,
                        S,
                        d,
                        scale,
                        q.data(),
                        q.at(b, col),
                        q.seqStride(),
                        k.data(),
                        k.at(b, col),
                        k.seqStride(),
                        0f,
                        probs,
                        po,
                        S);
                for (int l = 0; l < L; l++) {
                    int row = po + l * S;
                    block(probs, row, S, l, causal, mask, b, h);
                    Softmax.row(false, probs, row, probs, row, S);
                }
                float[] pv = probs;
                int pvo = po;
                if (keep != null) {
                    multiply(probs, po, keep, po, dropped, 0, LS);
                    pv = dropped;
                    pvo = 0;
                }
                Gemm.sgemm(
                        false,
                        false,
                        L,
                        d,
                        S,
                        1f,
                        pv,
                        pvo,
                        S,
                        v.data(),
                        v.at(b, col),
                        v.seqStride(),
                        0f,
                        out.data(),
                        out.at(b, col),
                        out.seqStride());
            }
        });
        if (weights != null) {
            average(B, heads, LS, probs, keep, weights, weightsOff);
        }
    }

    /** Enough (b, head) problems per chunk to be worth a hand-off: about 2^18 multiply-adds. */
    private static int grain(int L, int S, int d) {
        return (int) Math.max(1, (1L << 18) / Math.max(1L, 2L * L * S * d));
    }

    /** Sets the blocked entries of one score row to -inf so the softmax gives them weight 0. */
    private static void block(float[] s, int row, int n, int l, boolean causal, Mask mask, int b, int h) {
        if (causal) {
            for (int j = l + 1; j < n; j++) {
                s[row + j] = Float.NEGATIVE_INFINITY;
            }
        }
        if (mask != null) {
            float[] m = mask.data();
            int mo = mask.offset() + b * mask.batchStride() + h * mask.headStride() + l * mask.rowStride();
            for (int j = 0; j < n; j++) {
                if (m[mo + j] != 0f) {
                    s[row + j] = Float.NEGATIVE_INFINITY;
                }
            }
        }
    }

    private static void multiply(float[] a, int ao, float[] b, int bo, float[] o, int oo, int n) {
        int i = 0;
        for (int ub = SP.loopBound(n); i < ub; i += LN) {
            FloatVector.fromArray(SP, a, ao + i)
                    .mul(FloatVector.fromArray(SP, b, bo + i))
                    .intoArray(o, oo + i);
        }
        for (; i < n; i++) {
            o[oo + i] = a[ao + i] * b[bo + i];
        }
    }

    /** {@code weights[b] = mean over heads of P'[b, h]}. */
    private static void average(int B, int heads, int LS, float[] probs, float[] keep, float[] weights, int wOff) {
        float inv = 1f / heads;
        Parallel.forRange(B, Math.max(1, Elementwise.GRAIN / Math.max(1, heads * LS)), (from, to) -> {
            for (int b = from; b < to; b++) {
                int wo = wOff + b * LS;
                for (int h = 0; h < heads; h++) {
                    int po = (b * heads + h) * LS;
                    int i = 0;
                    for (int ub = SP.loopBound(LS); i < ub; i += LN) {
                        FloatVector p = FloatVector.fromArray(SP, probs, po + i);
                        if (keep != null) {
                            p = p.mul(FloatVector.fromArray(SP, keep, po + i));
                        }
                        FloatVector acc = h == 0
                                ? p.mul(inv)
                                : p.fma(FloatVector.broadcast(SP, inv), FloatVector.fromArray(SP, weights, wo + i));
                        acc.intoArray(weights, wo + i);
                    }
                    for (; i < LS; i++) {
                        float p = keep == null ? probs[po + i] : probs[po + i] * keep[po + i];
                        weights[wo + i] = h == 0 ? p * inv : Math.fma(p, inv, weights[wo + i]);
                    }
                }
            }
        });
    }

    /**
     * Backward pass from the forward's {@code probs} and {@code keep}. {@code gOut} is the
     * gradient of {@code O}; {@code gWeights} ({@code [B, L, S]} from {@code gWeightsOff}, or null) that of the averaged
     * weights. The gradients of q, k and v are written (not added) into {@code dq}, {@code dk},
     * {@code dv}; a null one is skipped.
     */
    public static void backward(
            int B,
            int heads,
            int L,
            int S,
            int d,
            float scale,
            Operand q,
            Operand k,
            Operand v,
            float[] keep,
            float[] probs,
            Operand gOut,
            float[] gWeights,
            int gWeightsOff,
            Operand dq,
            Operand dk,
            Operand dv) {
        int LS = L * S;
        float invHeads = 1f / heads;
        Parallel.forRange(B * heads, grain(L, S, d), (from, to) -> {
            float[] dp = new float[LS];
            float[] dropped = keep == null ? null : new float[LS];
            for (int p = from; p < to; p++) {
                int b = p / heads;
                int h = p % heads;
                int po = p * LS;
                int col = h * d;
                float beta = 0f;
                if (gWeights != null) {
                    int wo = gWeightsOff + b * LS;
                    for (int i = 0; i < LS; i++) {
                        dp[i] = gWeights[wo + i] * invHeads;
                    }
                    beta = 1f;
                }
                // dP' = dO V^T (+ the averaged weights' share)
                Gemm.sgemm(
                        false,
                        true,
                        L,
                        S,
                        d,
                        1f,
                        gOut.data(),
                        gOut.at(b, col),
                        gOut.seqStride(),
                        v.data(),
                        v.at(b, col),
                        v.seqStride(),
                        beta,
                        dp,
                        0,
                        S);
                float[] pv = probs;
                int pvo = po;
                if (keep != null) {
                    multiply(probs, po, keep, po, dropped, 0, LS);
                    multiply(dp, 0, keep, po, dp, 0, LS);
                    pv = dropped;
                    pvo = 0;
                }
                if (dv != null) {
                    Gemm.sgemm(
                            true,
                            false,
                            S,
                            d,
                            L,
                            1f,
                            pv,
                            pvo,
                            S,
                            gOut.data(),
                            gOut.at(b, col),
                            gOut.seqStride(),
                            0f,
                            dv.data(),
                            dv.at(b, col),
                            dv.seqStride());
                }
                if (dq == null && dk == null) {
                    continue;
                }
                softmaxBackwardRows(probs, po, dp, L, S, scale);
                if (dq != null) {
                    Gemm.sgemm(
                            false,
                            false,
                            L,
                            d,
                            S,
                            1f,
                            dp,
                            0,
                            S,
                            k.data(),
                            k.at(b, col),
                            k.seqStride(),
                            0f,
                            dq.data(),
                            dq.at(b, col),
                            dq.seqStride());
                }
                if (dk != null) {
                    Gemm.sgemm(
                            true,
                            false,
                            S,
                            d,
                            L,
                            1f,
                            dp,
                            0,
                            S,
                            q.data(),
                            q.at(b, col),
                            q.seqStride(),
                            0f,
                            dk.data(),
                            dk.at(b, col),
                            dk.seqStride());
                }
            }
        });
    }

    /** In place: {@code g = scale * P * (g - rowsum(g * P))} for each of the L rows. */
    private static void softmaxBackwardRows(float[] pr, int po, float[] g, int L, int S, float scale) {
        float[] lanes = Lanes.buffer();
        int ub = SP.loopBound(S);
        for (int l = 0; l < L; l++) {
            int pOff = po + l * S;
            int gOff = l * S;
            float dot = Lanes.dot(g, gOff, pr, pOff, S, lanes);
            FloatVector vd = FloatVector.broadcast(SP, dot);
            int i = 0;
            for (; i < ub; i += LN) {
                FloatVector pv = FloatVector.fromArray(SP, pr, pOff + i);
                FloatVector.fromArray(SP, g, gOff + i)
                        .sub(vd)
                        .mul(pv)
                        .mul(scale)
                        .intoArray(g, gOff + i);
            }
            for (; i < S; i++) {
                g[gOff + i] = (g[gOff + i] - dot) * pr[pOff + i] * scale;
            }
        }
    }
}
