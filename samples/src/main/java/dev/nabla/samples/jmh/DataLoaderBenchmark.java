package dev.nabla.samples.jmh;

import dev.nabla.nn.data.Batch;
import dev.nabla.nn.data.DataLoader;
import dev.nabla.nn.data.ImageDataset;
import dev.nabla.nn.data.Transform;
import dev.nabla.nn.data.Transforms;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Data loader throughput: one epoch of 10,240 CIFAR-sized images in batches of 64 with the
 * training augmentation (random crop 32 with padding 4, horizontal flip, normalisation). With
 * {@code prefetch = 0} the batches are built on the measuring thread, so the score is the
 * loader's own cost; with 4 a producer thread builds them ahead.
 *
 * <pre>{@code
 * ./nabla jmh DataLoaderBenchmark -f 1 -wi 3 -i 5
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class DataLoaderBenchmark {
    private static final int IMAGES = 10_240;

    @Param({"0", "4"})
    int prefetch;

    private DataLoader loader;
    private int epoch;

    @Setup
    public void setUp() {
        byte[] px = new byte[IMAGES * 3072];
        new Random(0).nextBytes(px);
        ImageDataset train = new ImageDataset("synthetic", px, new int[IMAGES], 3, 32, 32, 10, List.of());
        Transform[] augment = {
            Transforms.randomCrop(32, 4),
            Transforms.randomHorizontalFlip(0.5),
            Transforms.normalize(train.channelStats())
        };
        loader = new DataLoader(
                train,
                DataLoader.options()
                        .batchSize(64)
                        .shuffle(true)
                        .dropLast(true)
                        .seed(1)
                        .transforms(augment)
                        .prefetch(prefetch));
    }

    /** One epoch (160 batches); divide by 160 for the time per batch. */
    @Benchmark
    public void epoch(Blackhole bh) {
        for (Batch b : loader.epoch(epoch++)) {
            bh.consume(b.inputs());
        }
    }
}
