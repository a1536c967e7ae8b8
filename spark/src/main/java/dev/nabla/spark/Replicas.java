package dev.nabla.spark;

import dev.nabla.nn.Module;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The models an executor keeps between tasks, so a model is built once per executor and task
 * slot, not once per task: tasks of one job borrow a replica by key, load the round's weights into
 * it, and give it back. A few keys are kept (the oldest is dropped), enough for a training run
 * and its evaluations.
 */
final class Replicas {
    private static final int KEYS = 8;

    private static final Map<String, Deque<Object>> POOL = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Deque<Object>> eldest) {
            return size() > KEYS;
        }
    };

    private Replicas() {}

    /** A replica for {@code key}: a pooled one, or a new one from {@code factory}. */
    static <T> T borrow(String key, Function<String, T> factory) {
        synchronized (POOL) {
            Deque<Object> free = POOL.get(key);
            if (free != null && !free.isEmpty()) {
                @SuppressWarnings("unchecked")
                T t = (T) free.pop();
                return t;
            }
        }
        return factory.apply(key);
    }

    /** Gives a replica back for the next task of {@code key}. */
    static void giveBack(String key, Object replica) {
        synchronized (POOL) {
            POOL.computeIfAbsent(key, k -> new ArrayDeque<>()).push(replica);
        }
    }

    /** Builds a model in training mode. */
    static Module model(ModelFactory factory) {
        Module m = factory.create();
        if (m == null) {
            throw new IllegalStateException("the ModelFactory returned null");
        }
        return m;
    }
}
