package dev.nabla.quantize.quantized;

import dev.nabla.autograd.Variable;
import dev.nabla.nn.Module;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Tensor;

/**
 * Quantizes float input to quint8 with a fixed scale and zero point, PyTorch's
 * {@code nnq.Quantize}: what a {@link dev.nabla.quantize.QuantStub} becomes. State:
 * {@code scale} (float32) and {@code zero_point} (int64).
 *
 * <pre>{@code
 * new Quantize(0.02, 128).call(Variable.of(-1f, 0f, 1f)).data().intRepr();   // [78, 128, 178]
 * }</pre>
 */
public final class Quantize extends Module {
    static {
        OnnxQdq.register(); // ONNX export of int8 models works without set-up
    }

    final Tensor scale;
    final Tensor zeroPoint;

    public Quantize(double scale, long zeroPoint) {
        this.scale = registerBuffer("scale", QParamsBuffers.scale(scale));
        this.zeroPoint = registerBuffer("zero_point", QParamsBuffers.zeroPoint(zeroPoint));
    }

    @Override
    protected Variable forward(Variable x) {
        if (x.dtype() != DType.FLOAT32 || x.data().isQuantized()) {
            throw new IllegalArgumentException("Quantize: expects float32 input, got " + x.dtype() + " " + x.shape());
        }
        double s = QParamsBuffers.scaleOf(() -> "Quantize", scale);
        return Variable.of(
                x.data().quantizePerTensor(s, QParamsBuffers.zeroOf(() -> "Quantize", zeroPoint), DType.UINT8));
    }

    @Override
    protected String describe() {
        return "Quantize(scale=" + scale.item() + ", zero_point=" + zeroPoint.itemLong() + ")";
    }
}
