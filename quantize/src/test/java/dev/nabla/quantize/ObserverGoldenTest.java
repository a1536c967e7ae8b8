package dev.nabla.quantize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.nn.testing.Goldens;
import dev.nabla.quantize.observer.HistogramObserver;
import dev.nabla.quantize.observer.MinMaxObserver;
import dev.nabla.quantize.observer.MovingAverageMinMaxObserver;
import dev.nabla.quantize.observer.Observer;
import dev.nabla.quantize.observer.ObserverConfig;
import dev.nabla.quantize.observer.PerChannelMinMaxObserver;
import dev.nabla.quantize.observer.QParams;
import dev.nabla.quantize.observer.QScheme;
import dev.nabla.tensor.DType;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Observers give PyTorch's quantization parameters on the same batches: exactly for min-max,
 * moving-average and per-channel observers (the same float32 arithmetic), and for the histogram
 * observer's error-minimising search to within one bin of its 2048 (its L2 error sums in a
 * different order than PyTorch's vectorised float32 sum, which can tip a tie between two bins).
 */
class ObserverGoldenTest {

    static Stream<String> cases() {
        return Arrays.stream(Goldens.load("quant_index").meta("observers").split(" "));
    }

    static ObserverConfig config(Goldens g) {
        boolean perChannel = g.meta("kind").equals("per_channel");
        boolean symmetric = g.meta("qscheme").equals("symmetric");
        QScheme scheme = perChannel
                ? (symmetric ? QScheme.PER_CHANNEL_SYMMETRIC : QScheme.PER_CHANNEL_AFFINE)
                : (symmetric ? QScheme.PER_TENSOR_SYMMETRIC : QScheme.PER_TENSOR_AFFINE);
        DType dtype = g.meta("dtype").equals("uint8") ? DType.UINT8 : DType.INT8;
        return new ObserverConfig(dtype, scheme, g.metaBool("reduce_range"));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void givesPyTorchsQParams(String name) {
        Goldens g = Goldens.load("quant_observer_" + name);
        ObserverConfig c = config(g);
        Observer o = switch (g.meta("kind")) {
            case "minmax" -> new MinMaxObserver(c);
            case "moving_average" -> new MovingAverageMinMaxObserver(c, g.metaDouble("averaging_constant"));
            case "per_channel" -> new PerChannelMinMaxObserver(c);
            case "histogram" -> new HistogramObserver(c);
            default -> throw new AssertionError(g.meta("kind"));
        };
        for (int i = 0; i < g.metaInt("batches"); i++) {
            o.observe(g.tensor("batch" + i));
        }
        QParams q = o.qparams();
        float[] scales = g.tensor("scale").toArray();
        long[] zeros = g.tensor("zero_point").toLongArray();
        if (o instanceof HistogramObserver h) {
            float[] r = h.range();
            float bin = (r[1] - r[0]) / 2048;
            assertEquals(scales[0], q.scale(), bin / 255 + 1e-7, name + " scale");
            assertEquals(zeros[0], q.zeroPoint(), 1, name + " zero point");
            return;
        }
        assertArrayEquals(scales, q.scales(), name + " scales");
        assertArrayEquals(Arrays.stream(zeros).mapToInt(z -> (int) z).toArray(), q.zeroPoints(), name + " zero points");
    }
}
