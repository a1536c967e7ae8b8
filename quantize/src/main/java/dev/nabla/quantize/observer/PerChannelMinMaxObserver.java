package dev.nabla.quantize.observer;

import dev.nabla.tensor.Tensor;
import java.util.Arrays;

/**
 * The running minimum and maximum of each slice along dimension 0 (a weight's output channels),
 * PyTorch's {@code PerChannelMinMaxObserver} with {@code ch_axis=0}: one scale per channel, which
 * keeps a channel of small weights from being crushed by another of large ones.
 *
 * <pre>{@code
 * var o = new PerChannelMinMaxObserver(ObserverConfig.weights());
 * o.observe(Tensor.of(new float[][] {{-1f, 0.5f}, {0.01f, 0.02f}}));
 * o.qparams().scale(1);   // 0.02 / 127.5
 * }</pre>
 */
public final class PerChannelMinMaxObserver implements Observer {
    private final ObserverConfig config;
    private float[] min;
    private float[] max;

    public PerChannelMinMaxObserver(ObserverConfig config) {
        if (!config.qscheme().isPerChannel()) {
            throw new IllegalArgumentException(
                    "PerChannelMinMaxObserver needs a per-channel scheme, got " + config.qscheme());
        }
        this.config = config;
    }

    @Override
    public void observe(Tensor x) {
        if (x.dim() < 1 || x.size(0) == 0 || x.numel() == 0) {
            throw new IllegalArgumentException(
                    "PerChannelMinMaxObserver: needs a tensor with channels along dimension 0, got " + x.shape());
        }
        Observers.range("PerChannelMinMaxObserver", x);
        int c = x.size(0);
        Tensor rows = x.contiguous().reshape(c, -1);
        float[] lo = rows.min(1).toArray();
        float[] hi = rows.max(1).toArray();
        if (min == null) {
            min = lo;
            max = hi;
            return;
        }
        if (min.length != c) {
            throw new IllegalArgumentException("PerChannelMinMaxObserver: saw " + min.length + " channels before, now "
                    + c + " (" + x.shape() + ")");
        }
        for (int i = 0; i < c; i++) {
            min[i] = Math.min(min[i], lo[i]);
            max[i] = Math.max(max[i], hi[i]);
        }
    }

    @Override
    public QParams qparams() {
        if (min == null) {
            throw new IllegalStateException("PerChannelMinMaxObserver: nothing observed yet, so there are no channels");
        }
        return config.qparams(min, max);
    }

    @Override
    public boolean isEmpty() {
        return min == null;
    }

    @Override
    public ObserverConfig config() {
        return config;
    }

    @Override
    public String toString() {
        return "PerChannelMinMaxObserver("
                + (min == null
                        ? "empty"
                        : min.length + " channels, min=" + Arrays.toString(Arrays.copyOf(min, Math.min(3, min.length)))
                                + "...")
                + ")";
    }
}
