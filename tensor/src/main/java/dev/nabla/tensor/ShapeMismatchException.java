package dev.nabla.tensor;

/**
 * Thrown when the shapes given to an operation do not fit together. The message always names the
 * operation and the shapes involved, e.g. {@code "matmul: shapes [2, 3] and [4, 5] do not fit
 * (inner dimensions 3 and 4 differ)"}.
 *
 * <pre>{@code
 * try {
 *     Tensor.zeros(2, 3).add(Tensor.zeros(4));
 * } catch (ShapeMismatchException e) {
 *     System.out.println(e.getMessage());   // add: shapes [2, 3] and [4] cannot be broadcast ...
 * }
 * }</pre>
 */
public final class ShapeMismatchException extends IllegalArgumentException {
    public ShapeMismatchException(String message) {
        super(message);
    }
}
