package dev.nabla.notebook;

/**
 * A notebook's check did not hold. The runner and the kernel report it by its message alone (no
 * stack trace): the message says what was expected.
 *
 * <pre>{@code
 * check(loss < 0.1, "the loss falls below 0.1");     // throws CheckFailedError when it does not
 * }</pre>
 */
public final class CheckFailedError extends AssertionError {
    private static final long serialVersionUID = 1L;

    public CheckFailedError(String message) {
        super(message);
    }
}
