/**
 * ONNX files both ways. {@link dev.nabla.export.onnx.Onnx#export} traces a model's forward pass and
 * writes opset-17 files (IR version 8, a dynamic batch dimension, initializers named by the
 * state-dict keys) that ONNX Runtime runs; {@link dev.nabla.export.onnx.Onnx#load} reads ONNX files,
 * PyTorch's {@code torch.onnx.export} output among them, into an
 * {@link dev.nabla.export.onnx.OnnxModel} that predicts and fine-tunes in pure Java.
 * {@link dev.nabla.export.onnx.ModuleExporter} lets a module class write its own nodes (the hook
 * quantized layers use).
 *
 * <pre>{@code
 * Onnx.export(model, Variable.zeros(1, 3, 32, 32), Path.of("model.onnx"));
 * OnnxModel back = Onnx.load(Path.of("model.onnx")).eval();
 * }</pre>
 *
 * <p>Operators written by export: Gemm, MatMul, Conv, MaxPool, AveragePool, GlobalAveragePool,
 * BatchNormalization, LayerNormalization, Relu, LeakyRelu, Erf (GELU), Sigmoid, Tanh, Softmax,
 * LogSoftmax, Reshape, Transpose, Concat, Slice, Gather, GatherElements, Add, Sub, Mul, Div, Pow,
 * Max, Min, Where, Clip, Reduce{Sum,Mean,Max,Min}, Neg, Abs, Exp, Log, Sqrt, Reciprocal,
 * Expand, ConstantOfShape, LSTM, Split, Squeeze, Unsqueeze, Cast. Operators read by import are
 * listed by {@code ImportOps.SUPPORTED}; an unsupported one is reported with its node's name.
 */
package dev.nabla.export.onnx;
