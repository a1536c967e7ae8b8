package dev.nabla.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The weight gradient with the output channels in the vector ({@code ImplicitConv.tileT6}, taken
 * where the machine has 32 registers and 16-lane vectors) gives the same bits as the lane-sum
 * tiles it stands in for, on the shapes it takes: 3x3 layers of 32 and 64 output channels, taps
 * that end in a tile of three (27 = 4 x 6 + 3), groups, a batch that is no multiple of the image
 * group. Elsewhere the test has nothing to compare and says so.
 */
class WeightGradientTransposedTest {
    private static final Conv2dSpec[] SHAPES = {
        Conv2dSpec.of(64, 3, 32, 32, 32, 3, 1, 1),
        Conv2dSpec.of(37, 32, 9, 11, 64, 3, 1, 1),
        Conv2dSpec.of(22, 12, 7, 6, 64, 3, 1, 0).withGroups(2),
        Conv2dSpec.of(18, 6, 10, 10, 32, 5, 1, 2),
    };

    @Test
    void sameBitsAsTheLaneSumTiles() {
        boolean taken = false;
        for (Conv2dSpec s : SHAPES) {
            taken |= ImplicitConv.transposed(ImplicitConv.Plan.forward(s));
            SplittableRandom r = new SplittableRandom(s.hashCode());
            float[] x = new float[s.inputSize()], dy = new float[s.outputSize()];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            for (int i = 0; i < dy.length; i++) {
                dy[i] = (float) r.nextGaussian();
            }
            float[] transposed = new float[s.weightSize()], laneSums = new float[s.weightSize()];
            Conv2d.backwardWeight(s, x, 0, dy, 0, transposed, 0);
            ImplicitConv.transposedEnabled = false;
            try {
                Conv2d.backwardWeight(s, x, 0, dy, 0, laneSums, 0);
            } finally {
                ImplicitConv.transposedEnabled = true;
            }
            assertArrayEquals(laneSums, transposed, s.toString());
        }
        if (!ImplicitConv.WIDE_REGISTER_FILE || Lanes.SPECIES.length() != Lanes.WIDTH) {
            System.out.println("WeightGradientTransposedTest: the transposed tiles run only with 32 registers and"
                    + " 16-lane vectors (AVX-512); here both runs took the lane-sum tiles");
            return;
        }
        assertTrue(taken, "no shape took the transposed tiles");
    }
}
