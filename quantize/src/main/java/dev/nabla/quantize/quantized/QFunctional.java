package dev.nabla.quantize.quantized;

import dev.nabla.autograd.Autograd;
import dev.nabla.autograd.Tracing;
import dev.nabla.autograd.Variable;
import dev.nabla.nn.FloatFunctional;
import dev.nabla.quantize.observer.QParams;
import dev.nabla.tensor.QuantizedOps;
import dev.nabla.tensor.Tensor;

/**
 * The int8 version of a {@link FloatFunctional}, PyTorch's {@code nnq.QFunctional}: {@code add}
 * and {@code addRelu} of two quint8 tensors, requantized in fixed point to this module's own
 * {@code scale} and {@code zero_point} (its state dict). A {@code FloatFunctional} field of a model
 * keeps working after conversion: its calls come here.
 *
 * <pre>{@code
 * QFunctional add = QFunctional.of(QParams.perTensor(0.05, 0, 0, 255, DType.UINT8));
 * add.addRelu(qa, qb);
 * }</pre>
 */
public final class QFunctional extends FloatFunctional {
    static {
        OnnxQdq.register(); // ONNX export of int8 models works without set-up
    }

    final Tensor scale;
    final Tensor zeroPoint;

    /** Output scale 1, zero point 0, for {@link dev.nabla.nn.Module#loadStateDict}. */
    public QFunctional() {
        this.scale = registerBuffer("scale", QParamsBuffers.scale(1));
        this.zeroPoint = registerBuffer("zero_point", QParamsBuffers.zeroPoint(0));
    }

    /** With the output's parameters. */
    public static QFunctional of(QParams output) {
        QFunctional q = new QFunctional();
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            q.scale.copyFrom(QParamsBuffers.scale(output.scale()));
            q.zeroPoint.copyFrom(QParamsBuffers.zeroPoint(output.zeroPoint()));
        }
        return q;
    }

    /** Whether the last call was addRelu: what the ONNX export writes (one QFunctional per place, as in PyTorch). */
    private volatile boolean lastRelu;

    boolean tracedRelu() {
        return lastRelu;
    }

    @Override
    protected Variable sum(Variable a, Variable b, boolean relu) {
        lastRelu = relu;
        Tracing.reportInput(b);
        return Variable.of(QuantizedOps.add(
                a.data(),
                b.data(),
                QParamsBuffers.scaleOf(this::describe, scale),
                QParamsBuffers.zeroOf(this::describe, zeroPoint),
                relu));
    }

    @Override
    protected String describe() {
        return "QFunctional(scale=" + scale.item() + ", zero_point=" + zeroPoint.itemLong() + ")";
    }
}
