package dev.nabla.quantize.qat;

import dev.nabla.autograd.Variable;
import dev.nabla.nn.Module;
import dev.nabla.quantize.observer.Observer;
import dev.nabla.quantize.observer.QParams;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.QuantizedOps;
import dev.nabla.tensor.Tensor;
import java.util.Arrays;

/**
 * Simulates quantization in a float model during training, PyTorch's {@code FakeQuantize}: in
 * training mode the observer watches the input (while {@link #observerEnabled}); the output is the
 * input quantized with the observer's current parameters and dequantized again
 * ({@link QuantizedOps#fakeQuantize}), so the loss sees int8's rounding and clipping. The gradient
 * passes straight through (the straight-through estimator): 1 where the input lies inside the
 * quantized range (to within half a step), 0 where it was clipped.
 *
 * <p>Unlike PyTorch, the observer learns only in training mode, so evaluating a model during
 * quantization-aware training leaves the ranges alone.
 *
 * <pre>{@code
 * var fq = new FakeQuantize(new MovingAverageMinMaxObserver(ObserverConfig.activations()));
 * Variable y = fq.call(x);          // x on the uint8 grid of x's range
 * fq.observerEnabled(false);        // freeze the range
 * }</pre>
 */
public final class FakeQuantize extends Module {
    private final Observer observer;
    private boolean observe = true;
    private boolean fakeQuant = true;

    public FakeQuantize(Observer observer) {
        this.observer = observer;
    }

    /** Whether training-mode calls update the observer (PyTorch's {@code enable_observer}). */
    public FakeQuantize observerEnabled(boolean enabled) {
        observe = enabled;
        return this;
    }

    /** Whether calls quantize at all (PyTorch's {@code enable_fake_quant}); off, the module is the identity. */
    public FakeQuantize fakeQuantEnabled(boolean enabled) {
        fakeQuant = enabled;
        return this;
    }

    public Observer observer() {
        return observer;
    }

    @Override
    protected Variable forward(Variable x) {
        if (observe && isTraining()) {
            observer.observe(x.data());
        }
        if (!fakeQuant) {
            return x;
        }
        QParams q = observer.qparams();
        return straightThrough(x, q.scale(), q.zeroPoint(), q.qmin(), q.qmax());
    }

    /**
     * {@code fakeQuantize(x)} forward, and the straight-through gradient: computed as
     * {@code c + (fq - c)} with {@code c = clamp(x, lo, hi)} and the difference a constant, so
     * autograd differentiates only the clamp.
     */
    static Variable straightThrough(Variable x, double scale, int zero, int qmin, int qmax) {
        Tensor fq = QuantizedOps.fakeQuantize(x.data(), scale, zero, qmin, qmax);
        if (!x.requiresGrad()) {
            return Variable.of(fq);
        }
        float lo = (float) ((qmin - zero - 0.5) * scale);
        float hi = (float) ((qmax - zero + 0.5) * scale);
        Variable clipped = x.clamp(lo, hi);
        return clipped.add(Variable.of(fq.sub(clipped.data())));
    }

    /**
     * Per-channel symmetric fake quantization of a weight {@code [out, ...]} along dimension 0, with
     * the straight-through gradient, as {@link #straightThrough} per channel.
     */
    static Variable straightThroughPerChannel(Variable w, QParams q) {
        int out = w.size(0);
        Tensor scales = Tensor.fromArray(q.scales(), out);
        Tensor zeros = Tensor.zeros(DType.INT64, out);
        Tensor fq = QuantizedOps.fakeQuantizePerChannel(w.data(), scales, zeros, q.qmin(), q.qmax());
        if (!w.requiresGrad()) {
            return Variable.of(fq);
        }
        int[] shape = new int[w.dim()];
        Arrays.fill(shape, 1);
        shape[0] = out;
        Tensor lo = scales.mul((float) (q.qmin() - 0.5)).reshape(shape);
        Tensor hi = scales.mul((float) (q.qmax() + 0.5)).reshape(shape);
        Variable clipped = w.maximum(Variable.of(lo)).minimum(Variable.of(hi));
        return clipped.add(Variable.of(fq.sub(clipped.data())));
    }

    @Override
    protected String describe() {
        return "FakeQuantize(" + observer + (observe ? "" : ", frozen") + (fakeQuant ? "" : ", disabled") + ")";
    }
}
