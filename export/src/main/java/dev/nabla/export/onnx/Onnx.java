package dev.nabla.export.onnx;

import dev.nabla.autograd.Variable;
import dev.nabla.export.AtomicFiles;
import dev.nabla.export.FileFormatException;
import dev.nabla.nn.Module;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * ONNX files both ways: {@link #export} writes a Nabla model that ONNX Runtime (or any ONNX
 * runtime) runs, and {@link #load} turns an ONNX file, PyTorch's {@code torch.onnx.export} output
 * among them, into a Nabla {@link OnnxModel} for inference and fine-tuning.
 *
 * <p><b>How export finds the graph: tracing</b>, as {@code torch.onnx.export} does. The model runs
 * once in eval mode on the example input while {@link dev.nabla.autograd.Tracing} records every
 * operation with its attributes (convolution strides, softmax axes, transpose dimensions, ...) and
 * forward hooks on every submodule record which module each operation ran in. Each recorded
 * operation becomes one or a few ONNX nodes; operations whose results do not reach the output are
 * left out. Arbitrary {@code forward} code is therefore exported as it ran, free arithmetic
 * included ({@code h.add(shortcut(x)).relu()} in ResNet-20's block); control flow is frozen to
 * the path the example took. The model runs a second time on the example grown by one along the
 * batch axis: a dimension that changes between the two runs is a multiple of the batch size and
 * stays symbolic in the file ({@code "batch"}), reshapes get -1 there, and constants whose shape
 * follows the batch (zeros of the batch's size) become {@code ConstantOfShape} of the input's
 * batch size. Parameters and buffers are initializers named by their state-dict keys. A fused
 * LSTM layer becomes the ONNX LSTM operator (gate order i, o, f, c, reordered by Slice/Concat
 * nodes over the PyTorch-layout initializers); multi-head attention is decomposed into MatMul,
 * Softmax, Transpose and Reshape with its masks as additive -inf constants. An operation without
 * an ONNX form fails with its name and the module path it ran in; a module class can write its
 * own nodes instead ({@link ModuleExporter}, the way quantized layers plug in), and a module that
 * computes its output outside autograd (on tensors) without one fails naming its path rather
 * than being written as a constant.
 *
 * <p><b>int8 models</b> of {@code dev.nabla.quantize} export as QDQ: each int8 activation a float
 * value through {@code QuantizeLinear -> DequantizeLinear} with the int8 model's scale and zero
 * point, int8 weights as int8 initializers through {@code DequantizeLinear} (per-channel, axis 0),
 * the float operator between. QDQ rather than QLinearConv / QLinearMatMul because the standard
 * opset has no int8 add or average pooling (ResNet-20 needs both) and QLinearMatMul no bias;
 * ONNX Runtime fuses our QDQ groups into its int8 kernels and then matches Nabla's int8 outputs
 * within one int8 step (README, "int8 models export as QDQ").
 *
 * <p><b>Protobuf</b> is read and written by a small hand-written codec over the wire format, so
 * the library keeps no run-time dependency; reading validates every length and element count
 * against the bytes present before allocating (see README's dependency table for the measurement
 * against protobuf-java).
 *
 * <pre>{@code
 * var net = new LeNet5(1, 28, 10, new Generator(0));
 * Onnx.export(net, Variable.zeros(1, 1, 28, 28), Path.of("lenet.onnx"));   // any batch size at run time
 * OnnxModel back = Onnx.load(Path.of("lenet.onnx"));
 * Variable logits = back.eval().call(Variable.zeros(8, 1, 28, 28));         // [8, 10]
 * back.stateDict().keySet();                                                // c1.weight, c1.bias, ...
 * }</pre>
 */
public final class Onnx {
    private static final Map<Class<?>, ModuleExporter<?>> EXPORTERS = new ConcurrentHashMap<>();

    private Onnx() {}

    /** Exports with {@link ExportOptions#defaults()}: opset 17, dynamic batch along axis 0. */
    public static void export(Module model, Variable example, Path file) throws IOException {
        export(model, example, file, ExportOptions.defaults());
    }

    /**
     * Traces {@code model} on {@code example} and writes the ONNX file (atomically: a crash leaves
     * the old file or none). The model's train/eval flags are restored afterwards.
     *
     * @throws IllegalArgumentException naming the operation and module path that has no ONNX form
     */
    public static void export(Module model, Variable example, Path file, ExportOptions options) throws IOException {
        byte[] bytes = toBytes(model, example, options);
        AtomicFiles.write(file, ch -> {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
        });
    }

    /** The ONNX file {@link #export} would write, as bytes. */
    public static byte[] toBytes(Module model, Variable example, ExportOptions options) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(example, "example");
        Objects.requireNonNull(options, "options");
        return OnnxExporter.export(model, example, options).encode();
    }

    /**
     * Reads an ONNX file into a module ready for inference ({@code eval()}) or fine-tuning: float
     * initializers become trainable parameters named by their initializer names (dotted names nest
     * as submodules, so a file exported from Nabla or PyTorch keeps the original state-dict keys),
     * batch-norm statistics become buffers.
     *
     * @throws FileFormatException naming the file and the problem: a truncated or malformed
     *     protobuf, an operator Nabla does not run (naming its node), a shape that does not fit
     */
    public static OnnxModel load(Path file) throws IOException {
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file + " (no such ONNX file)");
        }
        if (size > Integer.MAX_VALUE - 16) {
            throw new FileFormatException(
                    file, "is " + size + " bytes; ONNX files with their weights inside are under 2 GB");
        }
        return load(Files.readAllBytes(file), file);
    }

    /** As {@link #load(Path)}, from the bytes of a file; {@code source} names it in errors. */
    public static OnnxModel load(byte[] bytes, Path source) throws FileFormatException {
        Proto.Model model;
        try {
            model = Proto.Model.decode(bytes);
        } catch (ProtoReader.ProtoException e) {
            throw new FileFormatException(source, "not a valid ONNX protobuf: " + e.getMessage());
        }
        try {
            return OnnxModel.build(model);
        } catch (OnnxModel.ImportException e) {
            throw new FileFormatException(source, e.getMessage());
        } catch (RuntimeException e) {
            // Whatever else a malformed graph trips over (a tensor whose values do not fill its
            // shape, an attribute of the wrong type) is still a problem of the file.
            throw new FileFormatException(source, "cannot import: " + e);
        }
    }

    /**
     * Registers, for every export in this JVM, a {@link ModuleExporter} for modules of exactly
     * {@code type}; {@link ExportOptions#moduleExporter} overrides it for one export.
     */
    public static <M extends Module> void registerModuleExporter(Class<M> type, ModuleExporter<? super M> exporter) {
        EXPORTERS.put(Objects.requireNonNull(type, "type"), Objects.requireNonNull(exporter, "exporter"));
    }

    static ModuleExporter<?> registeredExporter(Class<?> type) {
        return EXPORTERS.get(type);
    }
}
