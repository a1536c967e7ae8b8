package dev.nabla.tensor.kernel;

/**
 * The elementwise unary operations of {@link Elementwise}.
 */
public enum UnaryOp {
    NEG("neg"),
    ABS("abs"),
    EXP("exp"),
    LOG("log"),
    SQRT("sqrt"),
    RSQRT("rsqrt"),
    TANH("tanh"),
    SIGMOID("sigmoid"),
    RELU("relu"),
    GELU("gelu"),
    SQUARE("square"),
    RECIPROCAL("reciprocal"),
    SIGN("sign");

    private final String label;

    UnaryOp(String label) {
        this.label = label;
    }

    /** The operation's name as the tensor API spells it. */
    public String label() {
        return label;
    }

    /**
     * Scalar definition; the SIMD loops in {@link Elementwise} give the same bits (exp, log, tanh
     * and erf come from {@link VMath} and {@link Erf}, whose scalar and vector forms match).
     */
    public float apply(float x) {
        return switch (this) {
            case NEG -> -x;
            case ABS -> Math.abs(x);
            case EXP -> VMath.exp(x);
            case LOG -> VMath.log(x);
            case SQRT -> (float) Math.sqrt(x);
            case RSQRT -> 1f / (float) Math.sqrt(x);
            case TANH -> VMath.tanh(x);
            case SIGMOID -> 1f / (1f + VMath.exp(-x));
            case RELU -> x > 0f ? x : (x == x ? 0f : x);
            case GELU -> x * ((Erf.erf(x * (float) Erf.INV_SQRT2) + 1f) * 0.5f);
            case SQUARE -> x * x;
            case RECIPROCAL -> 1f / x;
            case SIGN -> x > 0f ? 1f : (x < 0f ? -1f : (x == x ? 0f : x));
        };
    }
}
