package dev.nabla.serve;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A served model by name: the versions loaded from its {@link ModelSource}, swapped as a whole.
 *
 * <p>{@link #reload} loads (and warms up) every new or changed version before anything changes,
 * then publishes the new set in one atomic step; the versions it replaces stop taking requests
 * but answer every request they had already queued. A reload that fails on any version changes
 * nothing. A source that is one checkpoint (not numbered folders) is served as version 1, and each
 * reload that finds different weights there serves them as the next version.
 */
final class ServedModel {
    /** Builds a loaded, warmed-up version from a checkpoint found on disk. */
    @FunctionalInterface
    interface Loader {
        ModelVersion load(ServedModel model, long version, ModelLoader.Found found) throws IOException;
    }

    /** What a reload did: versions loaded anew, versions retired, versions served now. */
    record Change(List<ModelVersion> loaded, List<ModelVersion> retired, List<Long> serving) {}

    private final ModelSource source;
    private final Loader loader;
    private final AtomicReference<NavigableMap<Long, ModelVersion>> versions =
            new AtomicReference<>(Collections.emptyNavigableMap());

    ServedModel(ModelSource source, Loader loader) {
        this.source = source;
        this.loader = loader;
    }

    String name() {
        return source.name();
    }

    ModelSource source() {
        return source;
    }

    /** The versions served now, by number (an immutable snapshot). */
    NavigableMap<Long, ModelVersion> versions() {
        return versions.get();
    }

    /** The default version (the highest), or null before the first load. */
    ModelVersion latest() {
        var v = versions.get();
        return v.isEmpty() ? null : v.lastEntry().getValue();
    }

    /** Loads what changed on disk and swaps it in; on failure nothing changes. */
    synchronized Change reload() throws IOException {
        TreeMap<Long, ModelLoader.Found> found = ModelLoader.scan(source);
        NavigableMap<Long, ModelVersion> old = versions.get();
        TreeMap<Long, ModelVersion> next = new TreeMap<>();
        List<ModelVersion> fresh = new ArrayList<>();
        try {
            if (found.containsKey(0L)) {
                ModelLoader.Found f = found.get(0L);
                ModelVersion current = old.isEmpty() ? null : old.lastEntry().getValue();
                if (current != null && current.checksum().equals(f.checksum())) {
                    next.put(current.version(), current);
                } else {
                    ModelVersion v = loader.load(this, current == null ? 1 : current.version() + 1, f);
                    fresh.add(v);
                    next.put(v.version(), v);
                }
            } else {
                for (Map.Entry<Long, ModelLoader.Found> e : found.entrySet()) {
                    ModelVersion current = old.get(e.getKey());
                    if (current != null
                            && current.checksum().equals(e.getValue().checksum())) {
                        next.put(e.getKey(), current);
                    } else {
                        ModelVersion v = loader.load(this, e.getKey(), e.getValue());
                        fresh.add(v);
                        next.put(e.getKey(), v);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            fresh.forEach(v -> v.batcher().close());
            throw e;
        }
        versions.set(Collections.unmodifiableNavigableMap(next));
        List<ModelVersion> retired = new ArrayList<>();
        for (ModelVersion v : old.values()) {
            if (next.get(v.version()) != v) {
                v.batcher().close(); // answers what it has queued, then stops
                retired.add(v);
            }
        }
        return new Change(List.copyOf(fresh), List.copyOf(retired), List.copyOf(next.keySet()));
    }

    /** Stops every version from taking requests; each answers what it has queued. */
    void close() {
        versions.get().values().forEach(v -> v.batcher().close());
    }
}
