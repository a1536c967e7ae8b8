package dev.nabla.tensor.kernel;

/**
 * The elementwise binary operations of {@link Elementwise}. On float arrays comparisons yield 1 or
 * 0; the tensor API turns them into bool tensors.
 */
public enum BinaryOp {
    ADD("add"),
    SUB("sub"),
    MUL("mul"),
    DIV("div"),
    POW("pow"),
    MAX("maximum"),
    MIN("minimum"),
    EQ("eq"),
    NE("ne"),
    LT("lt"),
    LE("le"),
    GT("gt"),
    GE("ge");

    private final String label;

    BinaryOp(String label) {
        this.label = label;
    }

    /** The operation's name as the tensor API spells it (used in error messages). */
    public String label() {
        return label;
    }

    /** True for EQ, NE, LT, LE, GT and GE. */
    public boolean isComparison() {
        return switch (this) {
            case EQ, NE, LT, LE, GT, GE -> true;
            default -> false;
        };
    }

    /** Scalar definition; the SIMD loops in {@link Elementwise} must agree with it. */
    public float apply(float x, float y) {
        return switch (this) {
            case ADD -> x + y;
            case SUB -> x - y;
            case MUL -> x * y;
            case DIV -> x / y;
            case POW -> (float) StrictMath.pow(x, y);
            case MAX -> Math.max(x, y);
            case MIN -> Math.min(x, y);
            case EQ -> x == y ? 1f : 0f;
            case NE -> x != y ? 1f : 0f;
            case LT -> x < y ? 1f : 0f;
            case LE -> x <= y ? 1f : 0f;
            case GT -> x > y ? 1f : 0f;
            case GE -> x >= y ? 1f : 0f;
        };
    }
}
