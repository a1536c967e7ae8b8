package dev.nabla.samples.bench;

import dev.nabla.autograd.Autograd;
import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Module;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.models.LeNet5;
import dev.nabla.nn.models.VggCnn;
import dev.nabla.optim.SGD;
import dev.nabla.quantize.QConfig;
import dev.nabla.quantize.QuantWrapper;
import dev.nabla.quantize.Quantization;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The model workloads of {@code torch_bench.py}, same models, shapes, optimizers and units:
 * LeNet-5 and the VGG-style CNN on a random batch of 64 3x32x32 images, trained (forward,
 * cross-entropy, backward, SGD momentum 0.9 step) or run for inference; the CNN's batch-1
 * latency; and the MLP 784-512-512-10 for inference, in float32 and dynamically quantized to int8
 * ({@code quantize_dynamic}). Beyond the peer's list: LeNet-5 and the CNN statically quantized to
 * int8 (batch 64 and batch 1) beside LeNet-5's float batch-1 latency, to compare with our float32.
 */
final class ModelWorkloads {
    private ModelWorkloads() {}

    static List<Bench.Workload> all() {
        List<Bench.Workload> w = new ArrayList<>();
        w.add(new Bench.Workload("lenet_train", "images/s", () -> train(ModelWorkloads::lenet)));
        w.add(new Bench.Workload("cnn_train", "images/s", () -> train(ModelWorkloads::cnn)));
        w.add(new Bench.Workload("lenet_infer", "images/s", () -> infer(lenet(), 64)));
        w.add(new Bench.Workload("cnn_infer", "images/s", () -> infer(cnn(), 64)));
        w.add(new Bench.Workload("cnn_latency_b1", "ms", () -> infer(cnn(), 1)));
        w.addAll(SequenceWorkloads.all());
        w.add(new Bench.Workload("mlp_infer_fp32", "images/s", () -> mlpInfer(mlp())));
        w.add(new Bench.Workload(
                "mlp_infer_int8",
                "images/s",
                () -> mlpInfer(Quantization.quantizeDynamic(mlp(), Set.of(Linear.class)))));
        // Ours only (the peer script has no static int8 models): LeNet-5 and the CNN quantized statically.
        w.add(new Bench.Workload("lenet_infer_int8", "images/s", () -> infer(int8(lenet()), 64)));
        w.add(new Bench.Workload("lenet_latency_b1", "ms", () -> infer(lenet(), 1)));
        w.add(new Bench.Workload("lenet_latency_b1_int8", "ms", () -> infer(int8(lenet()), 1)));
        w.add(new Bench.Workload("cnn_infer_int8", "images/s", () -> infer(int8(cnn()), 64)));
        w.add(new Bench.Workload("cnn_latency_b1_int8", "ms", () -> infer(int8(cnn()), 1)));
        return w;
    }

    private static Module lenet() {
        return new LeNet5(3, 32, 10, new Generator(0));
    }

    private static Module cnn() {
        return VggCnn.create(3, 32, 10, false, new Generator(0));
    }

    private static Tensor images(int n) {
        return Tensor.randn(new Generator(1), n, 3, 32, 32);
    }

    static Bench.Call train(Supplier<Module> build) {
        Module model = build.get();
        Variable x = Variable.of(images(64));
        Variable y = Variable.of(Tensor.randint(new Generator(2), 0, 10, 64));
        SGD opt = new SGD(model.parameters(), 0.01).momentum(0.9);
        return new Bench.Call(
                () -> {
                    opt.zeroGrad();
                    Functional.crossEntropy(model.call(x), y).backward();
                    opt.step();
                },
                64);
    }

    static Bench.Call infer(Module model, int batch) {
        model.eval();
        Variable x = Variable.of(images(batch));
        return new Bench.Call(
                () -> {
                    try (Autograd.NoGrad ignored = Autograd.noGrad()) {
                        model.call(x);
                    }
                },
                batch);
    }

    /**
     * {@code model} statically quantized (fused, histogram observers calibrated on four random
     * batches, converted): the int8 path's speed does not depend on what the weights are.
     */
    private static Module int8(Module model) {
        List<Tensor> calibration = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            calibration.add(Tensor.randn(new Generator(10 + i), 64, 3, 32, 32));
        }
        QuantWrapper q = Quantization.prepare(model, QConfig.defaults(), calibration.get(0));
        Quantization.calibrate(q, calibration, calibration.size());
        return Quantization.convert(q);
    }

    private static Module mlp() {
        Generator g = new Generator(0);
        return new Sequential(
                new Linear(784, 512, g), new ReLU(), new Linear(512, 512, g), new ReLU(), new Linear(512, 10, g));
    }

    private static Bench.Call mlpInfer(Module mlp) {
        return infer(mlp, Tensor.randn(new Generator(1), 64, 784));
    }

    private static Bench.Call infer(Module model, Tensor input) {
        model.eval();
        Variable x = Variable.of(input);
        return new Bench.Call(
                () -> {
                    try (Autograd.NoGrad ignored = Autograd.noGrad()) {
                        model.call(x);
                    }
                },
                input.size(0));
    }
}
