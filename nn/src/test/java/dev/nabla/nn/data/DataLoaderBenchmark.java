package dev.nabla.nn.data;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * Loader throughput on CIFAR-sized images with the usual training augmentation (random crop 32
 * with padding 4, horizontal flip, normalisation), batches of 64, one producer thread. Not a unit
 * test: run it by hand, e.g.
 * <pre>
 * java --add-modules jdk.incubator.vector -cp nn/target/classes:nn/target/test-classes:\
 *   tensor/target/classes:autograd/target/classes dev.nabla.nn.data.DataLoaderBenchmark [cifar-root]
 * </pre>
 */
public final class DataLoaderBenchmark {
    private DataLoaderBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        ImageDataset train;
        Path root = Path.of(args.length > 0 ? args[0] : "/work/shared/data/cifar-10-subset");
        if (Files.isDirectory(root)) {
            train = Cifar10.load(root).train();
        } else {
            int n = 50_000;
            byte[] px = new byte[n * 3072];
            new Random(0).nextBytes(px);
            train = new ImageDataset("synthetic", px, new int[n], 3, 32, 32, 10, List.of());
        }
        Transform[] augment = {Transforms.randomCrop(32, 4), Transforms.randomHorizontalFlip(0.5),
                Transforms.normalize(train.channelStats())};
        System.out.println(train);
        for (int prefetch : new int[] {0, 4}) {
            DataLoader loader = new DataLoader(train, 64, true, true, 1, augment).withPrefetch(prefetch);
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            for (int round = 0; round < 8; round++) {
                long cpu0 = mx.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                int batches = 0;
                double checksum = 0;
                for (int e = 0; e < 8; e++) {
                    for (Batch b : loader.epoch(round * 8 + e)) {
                        checksum += b.inputs().data().storageArray()[0];
                        batches++;
                    }
                }
                double s = (System.nanoTime() - t0) / 1e9;
                double cpu = (mx.getCurrentThreadCpuTime() - cpu0) / 1e9;
                // without prefetch all the work is on this thread, so its CPU time is the loader's cost
                System.out.printf("prefetch %d round %d: %.0f batches/s = %.0f images/s wall; consumer thread CPU "
                        + "%.1f us/batch (checksum %.1f)%n", prefetch, round, batches / s, batches * 64 / s,
                        cpu / batches * 1e6, checksum);
            }
        }
    }
}
