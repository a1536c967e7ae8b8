package dev.nabla.export.onnx;

import dev.nabla.nn.Module;

/**
 * Writes a module's ONNX nodes itself instead of letting the export trace its forward pass: the
 * extension point for modules whose ONNX form is not the sum of their operations, such as a
 * quantized layer that should become QuantizeLinear / DequantizeLinear around a float op, or
 * QLinearConv. While the export traces the model, a call of a module with a registered exporter
 * is recorded as one step (the operations inside it are not traced); writing the graph then
 * calls {@link #emit} for it.
 *
 * <pre>{@code
 * // a hypothetical ScaledLinear (y = scale * (x W^T)) exported as MatMul and Mul
 * ModuleExporter<ScaledLinear> exporter = (m, input, graph) -> {
 *     String wT = graph.node("Transpose", List.of(graph.parameter(m.weight)), "perm", new int[] {1, 0});
 *     String y = graph.node("MatMul", List.of(input, wT));
 *     return graph.node("Mul", List.of(y, graph.scalar(m.scale)));
 * };
 * Onnx.export(model, example, Path.of("model.onnx"),
 *         ExportOptions.defaults().moduleExporter(ScaledLinear.class, exporter));
 * }</pre>
 *
 * @param <M> the module class it writes
 */
@FunctionalInterface
public interface ModuleExporter<M extends Module> {
    /**
     * Adds the nodes that compute {@code module}'s output from the value named {@code input};
     * returns the name of the output value.
     */
    String emit(M module, String input, GraphBuilder graph);
}
