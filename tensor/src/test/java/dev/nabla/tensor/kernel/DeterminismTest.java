package dev.nabla.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.tensor.testing.ChildJvm;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The kernels give the same bits whether the JVM interprets them or C2 has compiled them: a child
 * JVM with {@code -Xint} computes the same digest as this warmed-up one. (Vector API calls such as
 * {@code lanewise(EXP)} and {@code reduceLanes(ADD)} are not like that: their Java fallback and
 * their compiled intrinsic round differently.)
 */
class DeterminismTest {

    /** One digest line per kernel over fixed data; printed by the child, computed in-process here. */
    static List<String> digests() {
        SplittableRandom r = new SplittableRandom(42);
        int n = 307; // 19 vectors of 16 (or 38 of 8) and a tail; 17 rows of 18
        float[] x = new float[n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextDouble() * 8 - 4) * (i % 11 == 0 ? 100 : 1);
            y[i] = (float) (r.nextDouble() * 4 + 0.01);
        }
        List<String> out = new ArrayList<>();
        for (UnaryOp op : UnaryOp.values()) {
            float[] in = op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.RSQRT ? y : x;
            float[] o = new float[n];
            Elementwise.unaryRange(op, in, 0, o, 0, n);
            float[] g = new float[n];
            Elementwise.unaryBackward(op, in, 0, o, 0, y, 0, g, 0, n);
            out.add(op + " " + hash(o) + " backward " + hash(g));
        }
        for (BinaryOp op : BinaryOp.values()) {
            float[] o = new float[n];
            Elementwise.binaryRange(op, y, 0, 1, x, 0, 1, o, 0, n);
            out.add(op + " " + hash(o));
        }
        float[] rows = new float[17];
        Reduce.sum(x, 0, 17, n / 17, 1, rows, 0);
        float[] all = new float[1];
        Reduce.sum(x, 0, 1, n, 1, all, 0);
        float[] cols = new float[17];
        Reduce.sum(x, 0, 1, n / 17, 17, cols, 0);
        float[] var = new float[17];
        Reduce.variance(x, 0, 17, n / 17, 1, 1, var, 0);
        out.add("sum " + hash(rows) + " " + hash(all) + " " + hash(cols) + " var " + hash(var));
        for (boolean log : new boolean[] {false, true}) {
            float[] s = new float[n];
            Softmax.forward(log, x, 0, 1, n, 1, s, 0);
            float[] s2 = new float[n];
            Softmax.forward(log, x, 0, 17, n / 17, 1, s2, 0);
            float[] gs = new float[n];
            Softmax.backward(log, s, 0, y, 0, 1, n, 1, gs, 0);
            out.add("softmax log=" + log + " " + hash(s) + " " + hash(s2) + " backward " + hash(gs));
        }
        float[] ax = y.clone();
        Elementwise.axpy(n, 0.3f, x, 0, ax, 0);
        out.add("axpy " + hash(ax));
        return out;
    }

    private static String hash(float[] v) {
        long h = 1;
        for (float f : v) {
            h = h * 1_000_003 + Float.floatToIntBits(f);
        }
        return Long.toHexString(h);
    }

    /** Entry point of the interpreted child JVM. */
    public static void main(String[] args) {
        Parallel.setThreads(1);
        for (String line : digests()) {
            System.out.println(line);
        }
    }

    @Test
    void interpretedAndCompiledKernelsAgreeBitForBit() throws Exception {
        int saved = Parallel.threads();
        List<String> compiled;
        try {
            Parallel.setThreads(1);
            for (int i = 0; i < 3000; i++) {
                digests(); // warm up until C2 has compiled the kernels
            }
            compiled = digests();
        } finally {
            Parallel.setThreads(saved);
        }
        ChildJvm.Result r =
                ChildJvm.start(true, List.of("-Xint"), DeterminismTest.class).await(120);
        assertEquals(0, r.exit(), r.stderr());
        List<String> interpreted = r.stdout().lines().toList();
        assertEquals(
                String.join("\n", compiled),
                String.join("\n", interpreted),
                "kernel results differ between C2 (expected) and the interpreter (-Xint, actual)");
    }
}
