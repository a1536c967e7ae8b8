package dev.nabla.export.onnx;

import dev.nabla.nn.Module;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How {@link Onnx#export} writes a file: the opset (13 to 17; 17 by default, the newest that
 * Debian's {@code python3-onnx} 1.12 checks), whether the batch dimension stays dynamic and which
 * input axis it is, the names of the graph's input and output, and {@link ModuleExporter}s for
 * module classes that write their own nodes.
 *
 * <pre>{@code
 * ExportOptions opts = ExportOptions.defaults().batchAxis(1);     // a time-major sequence model
 * Onnx.export(lstmModel, Variable.randn(new Generator(0), 12, 2, 8), Path.of("lstm.onnx"), opts);
 * }</pre>
 */
public final class ExportOptions {
    private static final ExportOptions DEFAULTS = new ExportOptions(17, true, 0, "input", "output", Map.of());

    private final int opset;
    private final boolean dynamicBatch;
    private final int batchAxis;
    private final String inputName;
    private final String outputName;
    private final Map<Class<?>, ModuleExporter<?>> moduleExporters;

    private ExportOptions(
            int opset,
            boolean dynamicBatch,
            int batchAxis,
            String inputName,
            String outputName,
            Map<Class<?>, ModuleExporter<?>> moduleExporters) {
        this.opset = opset;
        this.dynamicBatch = dynamicBatch;
        this.batchAxis = batchAxis;
        this.inputName = inputName;
        this.outputName = outputName;
        this.moduleExporters = moduleExporters;
    }

    /** Opset 17, a dynamic batch along input axis 0, values named "input" and "output". */
    public static ExportOptions defaults() {
        return DEFAULTS;
    }

    /** The ONNX opset, 13 to 17 (IR version 7 for 13, 8 above). */
    public ExportOptions opset(int opset) {
        if (opset < 13 || opset > 17) {
            throw new IllegalArgumentException("ONNX export: opset must be 13 to 17, got " + opset);
        }
        return new ExportOptions(opset, dynamicBatch, batchAxis, inputName, outputName, moduleExporters);
    }

    /**
     * With {@code true} (the default) the batch size is a named dimension ("batch") of the input and
     * output, so the file runs on any batch size; with {@code false} every shape is that of the
     * example input.
     */
    public ExportOptions dynamicBatch(boolean dynamic) {
        return new ExportOptions(opset, dynamic, batchAxis, inputName, outputName, moduleExporters);
    }

    /** The input axis that holds the batch (0; 1 for time-major sequences). */
    public ExportOptions batchAxis(int axis) {
        if (axis < 0) {
            throw new IllegalArgumentException("ONNX export: batchAxis must be >= 0, got " + axis);
        }
        return new ExportOptions(opset, dynamicBatch, axis, inputName, outputName, moduleExporters);
    }

    public ExportOptions inputName(String name) {
        return new ExportOptions(
                opset, dynamicBatch, batchAxis, Objects.requireNonNull(name), outputName, moduleExporters);
    }

    public ExportOptions outputName(String name) {
        return new ExportOptions(
                opset, dynamicBatch, batchAxis, inputName, Objects.requireNonNull(name), moduleExporters);
    }

    /** Lets {@code exporter} write every module of class {@code type} (exactly that class). */
    public <M extends Module> ExportOptions moduleExporter(Class<M> type, ModuleExporter<? super M> exporter) {
        Map<Class<?>, ModuleExporter<?>> m = new LinkedHashMap<>(moduleExporters);
        m.put(Objects.requireNonNull(type, "type"), Objects.requireNonNull(exporter, "exporter"));
        return new ExportOptions(opset, dynamicBatch, batchAxis, inputName, outputName, Map.copyOf(m));
    }

    public int opset() {
        return opset;
    }

    public boolean dynamicBatch() {
        return dynamicBatch;
    }

    public int batchAxis() {
        return batchAxis;
    }

    public String inputName() {
        return inputName;
    }

    public String outputName() {
        return outputName;
    }

    /** The exporter for {@code module}'s class: one given here, else one registered globally, else null. */
    @SuppressWarnings("unchecked")
    ModuleExporter<Module> exporterFor(Module module) {
        ModuleExporter<?> e = moduleExporters.get(module.getClass());
        if (e == null) {
            e = Onnx.registeredExporter(module.getClass());
        }
        return (ModuleExporter<Module>) e;
    }

    @Override
    public String toString() {
        return "ExportOptions(opset=" + opset + ", dynamicBatch=" + dynamicBatch + ", batchAxis=" + batchAxis
                + ", input=" + inputName + ", output=" + outputName + ", moduleExporters=" + moduleExporters.keySet()
                + ")";
    }
}
