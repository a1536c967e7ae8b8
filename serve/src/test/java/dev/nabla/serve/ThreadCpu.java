package dev.nabla.serve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * CPU time of this JVM's threads by group, from Linux's {@code /proc/self/task/<tid>/schedstat}
 * (nanoseconds on a CPU), so a load test can say where its two cores went: the model, the HTTP
 * server's threads, the load generator, the garbage collector, the JIT. Empty where there is no
 * {@code /proc}.
 */
final class ThreadCpu {
    private ThreadCpu() {}

    /** Nanoseconds on a CPU so far, by group, for every live thread of this process. */
    static Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        Path tasks = Path.of("/proc/self/task");
        if (!Files.isDirectory(tasks)) {
            return out;
        }
        try (Stream<Path> list = Files.list(tasks)) {
            for (Path t : (Iterable<Path>) list::iterator) {
                try {
                    String name = Files.readString(t.resolve("comm")).trim();
                    long ns = Long.parseLong(
                            Files.readString(t.resolve("schedstat")).trim().split(" ")[0]);
                    out.merge(group(name), ns, Long::sum);
                } catch (IOException | RuntimeException e) {
                    // the thread ended between the listing and the read
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /** {@code after - before} per group, in microseconds per request. */
    static Map<String, Double> perRequest(Map<String, Long> before, Map<String, Long> after, int requests) {
        Map<String, Double> out = new LinkedHashMap<>();
        after.forEach((group, ns) -> {
            double us = (ns - before.getOrDefault(group, 0L)) / 1e3 / requests;
            if (us >= 0.5) {
                out.put(group, us);
            }
        });
        return out;
    }

    /** Linux keeps the first 15 characters of a thread's name. */
    private static String group(String name) {
        if (name.startsWith("nabla-batcher") || name.startsWith("nabla-kernel")) {
            return "model";
        }
        if (name.startsWith("load-client")) {
            return "clients";
        }
        if (name.startsWith("HTTP-Dispatcher") || name.startsWith("nabla-http")) {
            return "http-accept/dispatch";
        }
        if (name.startsWith("ForkJoinPool") || name.contains("Poller") || name.startsWith("Virtual")) {
            return "request-threads";
        }
        if (name.startsWith("GC ") || name.startsWith("ParGC") || name.startsWith("VM Thread")) {
            return "gc";
        }
        if (name.contains("Compiler")) {
            return "jit";
        }
        return "other";
    }
}
