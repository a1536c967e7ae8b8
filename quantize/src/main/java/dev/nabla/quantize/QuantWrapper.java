package dev.nabla.quantize;

import dev.nabla.autograd.Variable;
import dev.nabla.nn.Module;
import dev.nabla.quantize.observer.Observer;
import dev.nabla.quantize.qat.FakeQuantize;
import dev.nabla.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A model between a {@link QuantStub} and a {@link DeQuantStub}, PyTorch's {@code QuantWrapper}:
 * float in and float out, so a quantized model is called like the float one. Its children are
 * {@code quant}, {@code module} (the model) and {@code dequant}, so the state dict's keys are the
 * model's with the prefix {@code module.}, as in PyTorch.
 *
 * <pre>{@code
 * QuantWrapper w = new QuantWrapper(new LeNet5(1, 28, 10, new Generator(0)));
 * w.call(Variable.zeros(1, 1, 28, 28));   // the model's output
 * w.module();                             // the model
 * }</pre>
 */
public final class QuantWrapper extends Module {
    /** Where a model is in its quantization; {@link Quantization} moves it along. */
    enum Stage {
        FLOAT,
        PREPARED,
        QAT,
        CONVERTED
    }

    private final QuantStub quant;
    private final Module module;
    private final DeQuantStub dequant;

    Stage stage = Stage.FLOAT;
    String method = "";
    QConfig qconfig;
    /** The fused groups, as paths in the wrapped model. */
    List<List<String>> fusions = new ArrayList<>();
    /** The activation observers (static) by the path of the module whose output they watch. */
    final Map<String, Observer> observers = new LinkedHashMap<>();
    /** The fake quantizers (QAT) by the path of the module whose output they quantize. */
    final Map<String, FakeQuantize> fakeQuants = new LinkedHashMap<>();

    final List<HookHandle> hooks = new ArrayList<>();
    /** A batch of inputs to try the converted model on. */
    Tensor example;

    public QuantWrapper(Module module) {
        this.quant = registerModule("quant", new QuantStub());
        this.module = registerModule("module", module);
        this.dequant = registerModule("dequant", new DeQuantStub());
    }

    /** The wrapped model (in place: quantization changes its layers). */
    public Module module() {
        return module;
    }

    @Override
    protected Variable forward(Variable x) {
        return dequant.call(module.call(quant.call(x)));
    }

    /** {@code float}, {@code prepared} (observing), {@code qat} (training with fake quantization) or {@code converted}. */
    public String stage() {
        return stage.name().toLowerCase(Locale.ROOT);
    }

    @Override
    protected String describe() {
        return "QuantWrapper(" + stage() + (method.isEmpty() ? "" : ", " + method) + ")";
    }
}
