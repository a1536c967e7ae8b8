package dev.nabla.nn.data;

/**
 * A batch could not be prepared: thrown to the consumer of a {@link DataLoader} with the error the
 * loader's background thread hit (a failing {@link Dataset#get(int)} or custom transform) as the
 * cause, so the training loop stops at the batch that failed instead of waiting forever.
 *
 * <pre>{@code
 * try {
 *     for (Batch b : loader.epoch(3)) { ... }
 * } catch (DataLoaderException e) {
 *     e.getCause().printStackTrace();   // the loader thread's own stack
 * }
 * }</pre>
 */
public final class DataLoaderException extends RuntimeException {
    public DataLoaderException(String message, Throwable cause) {
        super(message, cause);
    }
}
