package dev.nabla.train;

/**
 * Training diverged: a loss, a gradient norm or an epoch's figures became NaN or infinite, or the
 * loss exploded to more than {@link Trainer.Options#divergenceFactor} times its starting level.
 * The {@link Trainer} throws it before the optimizer applies the step, names the step, epoch and
 * batch, and writes no checkpoint after it, so the last one saved is still good.
 *
 * <pre>{@code
 * try {
 *     trainer.fit(train, val);
 * } catch (DivergenceException e) {
 *     System.err.println(e.getMessage() + "; last good checkpoint: epoch " + trainer.epoch());
 * }
 * }</pre>
 */
public final class DivergenceException extends RuntimeException {
    private final long step;
    private final int epoch;
    private final double value;

    DivergenceException(String message, long step, int epoch, double value) {
        super(message);
        this.step = step;
        this.epoch = epoch;
        this.value = value;
    }

    /** The optimizer step (counted from 1) that would have been taken, or the last one of the epoch. */
    public long step() {
        return step;
    }

    /** The epoch, counted from 1. */
    public int epoch() {
        return epoch;
    }

    /** The offending value: the loss, the gradient norm or the epoch figure. */
    public double value() {
        return value;
    }
}
