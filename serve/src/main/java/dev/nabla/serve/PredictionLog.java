package dev.nabla.serve;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The most recent predictions, by id, waiting for the true label a client may send back
 * ({@code :feedback}). The log keeps the last {@code capacity} predictions; older ones, and those
 * already labelled, are forgotten. Ids are a per-start random prefix and a counter, so an id from
 * an earlier run of the server is never taken for a new prediction.
 */
final class PredictionLog {
    /** What feedback needs of a prediction: which version made it and the class it gave. */
    record Entry(String model, ModelVersion version, int predicted) {}

    private final String prefix;
    private final AtomicLong counter = new AtomicLong();
    private final LinkedHashMap<String, Entry> entries;

    PredictionLog(int capacity) {
        byte[] random = new byte[4];
        new SecureRandom().nextBytes(random);
        this.prefix = HexFormat.of().formatHex(random) + "-";
        this.entries = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, PredictionLog.Entry> eldest) {
                return size() > capacity;
            }
        };
    }

    /** Records a prediction and returns its new id. */
    String add(Entry entry) {
        String id = prefix + Long.toString(counter.incrementAndGet(), 36);
        synchronized (entries) {
            entries.put(id, entry);
        }
        return id;
    }

    /**
     * Takes the entries of {@code ids} (distinct) out of the log, all or none. Nothing is taken
     * when an id is unknown (never made, forgotten, labelled already, or made by another model
     * than {@code model}): the unknown ids come back; nor when {@code check}, given the entries in
     * the order of {@code ids}, returns a problem: the problem comes back.
     */
    Result takeAll(String model, List<String> ids, Function<List<Entry>, String> check) {
        synchronized (entries) {
            List<String> unknown = ids.stream()
                    .filter(id -> {
                        Entry e = entries.get(id);
                        return e == null || !e.model().equals(model);
                    })
                    .toList();
            if (!unknown.isEmpty()) {
                return new Result(List.of(), unknown, null);
            }
            List<Entry> found = ids.stream().map(entries::get).toList();
            String problem = check.apply(found);
            if (problem != null) {
                return new Result(List.of(), List.of(), problem);
            }
            ids.forEach(entries::remove);
            return new Result(found, List.of(), null);
        }
    }

    /** The entries taken; or the unknown ids, or the problem {@code check} found, and nothing taken. */
    record Result(List<Entry> taken, List<String> unknown, String problem) {}
}
